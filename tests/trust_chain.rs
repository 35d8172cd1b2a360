//! DSC → CSCA chains and whole passive authentication on real EF.SODs with real CSCAs and
//! master lists, and on the simulated passports (ICAO 9303 Part 11 §5.1, Part 12).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use enrol_kiosk::trust::{Status, TrustStore, check};

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn data(p: &str) -> Vec<u8> {
    std::fs::read(path(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A UTC day as a time.
fn day(y: i32, m: u32, d: u32) -> SystemTime {
    // Days from 1970-01-01 (civil-from-days inverse, Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    SystemTime::UNIX_EPOCH + Duration::from_secs(days as u64 * 86_400)
}

fn full_store() -> TrustStore {
    TrustStore::load(&[
        path("tests/data/pki/certs"),
        path("tests/data/pki/masterlists"),
        path("tests/data/lds/gmrtd-uk-imported/CSCA.cer"),
    ])
    .unwrap()
}

fn sod_only(file: &str, store: &TrustStore, at: SystemTime) -> enrol_kiosk::trust::PassiveAuth {
    check(Some(&data(file)), &BTreeMap::new(), store, at)
}

fn refs(dgs: &BTreeMap<u8, Vec<u8>>) -> BTreeMap<u8, &[u8]> {
    dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect()
}

/// The profile's data groups (number → bytes) and EF.SOD.
fn profile(dir: &str) -> (BTreeMap<u8, Vec<u8>>, Vec<u8>) {
    let mut dgs = BTreeMap::new();
    for n in 1..=16u8 {
        if let Ok(b) = std::fs::read(path(&format!("{dir}/EF.DG{n}.bin"))) {
            dgs.insert(n, b);
        }
    }
    (dgs, data(&format!("{dir}/EF.SOD.bin")))
}

#[test]
fn twelve_real_countries_chain_to_their_csca() {
    let store = full_store();
    let at = day(2025, 6, 1);
    // (SOD, the CSCA's country in the staff line, its name)
    let cases = [
        ("AT", "CSCA AT (CSCA-AUSTRIA)"),
        ("DE", "CSCA DE (csca-germany)"),
        ("FI", "CSCA FI (CSCA Finland)"),
        ("FR", "CSCA FR (CSCA-FRANCE)"),
        ("ID", "CSCA ID (CSCA)"),
        ("MY", "CSCA MY (Malaysia Country Signer)"),
        ("NZ", "CSCA NZ (Identity Services Passport CA)"),
        ("PH", "CSCA PH (CSCA01006)"),
        ("RU", "CSCA RU (CSCA-Russia)"),
        ("SG", "CSCA SG (Singapore Passport CA 5)"),
        ("UK", "CSCA GB (Country Signing Authority)"),
        ("US", "CSCA US (U.S. Department of State MRTD CA)"),
    ];
    for (c, csca) in cases {
        let pa = sod_only(&format!("tests/data/lds/gmrtd-sod-{c}/EF_SOD.bin"), &store, at);
        assert_eq!(pa.status, Status::Valid, "{c}: {} / {}", pa.summary, pa.reason);
        assert_eq!(pa.summary, format!("Genuine: signed by {csca}"), "{c}");
        assert_eq!(pa.signature, "valid");
        assert!(pa.csca.as_ref().unwrap().origin.is_some());
    }
}

#[test]
fn a_master_list_verifies_against_its_csca_or_is_refused() {
    let with_root = TrustStore::load(&[
        path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer"),
        path("tests/data/pki/masterlists/DE_ML_2026-05-28-08-28-45.ml"),
    ])
    .unwrap();
    let note = with_root.notes().iter().find(|n| n.contains("master list")).unwrap();
    assert!(note.contains("signature verified"), "{note}");
    assert!(note.contains("chains to \"CN=csca-germany"), "{note}");
    assert!(with_root.len() > 500, "{}", with_root.len());

    // Without the CSCA of its signer, a master list is not a trust anchor.
    let e = TrustStore::load(&[path("tests/data/pki/masterlists/NL_ML_2026-07-22.ml")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("master list refused"), "{e}");
    assert!(e.contains("[trust] csca"), "{e}");

    // The list's CSCAs anchor chains.
    let pa = sod_only("tests/data/lds/gmrtd-sod-DE/EF_SOD.bin", &with_root, day(2025, 6, 1));
    assert_eq!(pa.status, Status::Valid, "{}", pa.reason);
}

#[test]
fn a_master_list_with_a_damaged_signature_is_refused() {
    let ml = data("tests/data/pki/masterlists/NL_ML_2026-07-22.ml");
    let sd = enrol_kiosk::trust::cms::parse_content_info(&ml).unwrap();
    let sig = &sd.signers[0].signature;
    let at = ml.windows(sig.len()).position(|w| w == sig.as_slice()).unwrap();
    let mut bad = ml.clone();
    bad[at + 10] ^= 0x80;
    let mut store = TrustStore::new();
    let err = store.add_master_list(&bad, "NL (damaged)").unwrap_err();
    assert!(err.to_string().contains("signature does not verify"), "{err}");
    assert!(store.is_empty());
    // The undamaged list loads once its signer's CSCA is given.
    store.add_certificates(&data("tests/data/pki/certs/gmrtd/NL_ROOT_CA.cer"), "NL root").unwrap();
    assert!(store.add_master_list(&ml, "NL").unwrap() > 30);
}

#[test]
fn expired_and_not_yet_valid_certificates_say_which_date() {
    let uk = TrustStore::load(&[path("tests/data/lds/gmrtd-uk-imported/CSCA.cer")]).unwrap();
    let file = "tests/data/lds/gmrtd-uk-imported/EF_SOD.bin";
    let then = sod_only(file, &uk, day(2021, 6, 1));
    assert_eq!(then.status, Status::Valid, "{}", then.reason);
    assert_eq!(then.summary, "Genuine: signed by CSCA GB (Country Signing Authority)");
    let now = sod_only(file, &uk, day(2025, 6, 1));
    assert_eq!(now.status, Status::Invalid);
    assert_eq!(now.summary, "FAILED: the document signer certificate expired on 2022-12-01");

    // The Indonesian link certificate (same key as the 2020 CSCA) ran out on 2026-04-29.
    let link =
        TrustStore::load(&[path("tests/data/pki/certs/gmrtd/IDN_2020-10_CSCA_LINK.cer")]).unwrap();
    let id = "tests/data/lds/gmrtd-sod-ID/EF_SOD.bin";
    let pa = sod_only(id, &link, day(2026, 6, 1));
    assert_eq!(pa.status, Status::Invalid);
    assert_eq!(pa.summary, "FAILED: the CSCA certificate for ID expired on 2026-04-29");
    assert_eq!(sod_only(id, &link, day(2025, 6, 1)).status, Status::Valid);
    // With the self-signed 2020 CSCA as well, the one valid now is chosen.
    let both = TrustStore::load(&[path("tests/data/pki/certs/gmrtd")]).unwrap();
    assert_eq!(sod_only(id, &both, day(2026, 6, 1)).status, Status::Valid);
    // Before the document signer's notBefore.
    let early = sod_only(id, &both, day(2020, 11, 1));
    assert_eq!(early.status, Status::Invalid);
    assert!(early.summary.contains("is not valid before"), "{}", early.summary);
}

#[test]
fn no_store_or_no_csca_is_unverified() {
    let file = "tests/data/lds/gmrtd-sod-FR/EF_SOD.bin";
    let none = sod_only(file, &TrustStore::new(), day(2025, 6, 1));
    assert_eq!(none.status, Status::Unverified);
    assert_eq!(none.summary, "Not verified: no CSCA trust store configured");
    assert_eq!(none.signature, "valid");
    let de_only =
        TrustStore::load(&[path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer")]).unwrap();
    let pa = sod_only(file, &de_only, day(2025, 6, 1));
    assert_eq!(pa.status, Status::Unverified);
    assert_eq!(pa.summary, "Not verified: no trusted certificate for issuer FR");
}

#[test]
fn demo_passport_is_genuine_under_its_csca() {
    let store = TrustStore::load(&[path("assets/demo-passport/csca.der")]).unwrap();
    let (dgs, sod) = profile("assets/demo-passport");
    let pa = check(Some(&sod), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Valid, "{}", pa.reason);
    assert_eq!(pa.summary, "Genuine: signed by CSCA UT (enrol-kiosk Test CSCA)");
    assert!(dgs.len() >= 2 && pa.data_groups.len() == dgs.len());
}

#[test]
fn a_changed_photo_is_invalid() {
    let store = TrustStore::load(&[path("assets/demo-passport/csca.der")]).unwrap();
    let (mut dgs, sod) = profile("assets/demo-passport");
    let dg2 = dgs.get_mut(&2).unwrap();
    let mid = dg2.len() / 2;
    dg2[mid] ^= 0x01;
    let pa = check(Some(&sod), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid);
    assert_eq!(pa.summary, "FAILED: the photo (DG2) was changed after issue");
    assert!(pa.reason.contains("DG2 does not match"), "{}", pa.reason);
}

#[test]
fn another_csca_with_the_same_name_is_not_trusted() {
    // Each simulated profile has its own CSCA under the same name; the demo DSC names its
    // CSCA's key identifier, which the other one does not have. The store holds a CSCA of
    // the passport's country that did not sign it: invalid (it used to be "unverified").
    let other = TrustStore::load(&[path("tests/data/profiles/big/csca.der")]).unwrap();
    let (dgs, sod) = profile("assets/demo-passport");
    let pa = check(Some(&sod), &refs(&dgs), &other, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert_eq!(pa.summary, "FAILED: the document signer is not signed by a trusted CSCA UT");
    assert!(pa.reason.contains("authority key identifier"), "{}", pa.reason);
    // A store with no CSCA of this country cannot tell.
    let de = TrustStore::load(&[path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer")]).unwrap();
    let pa = check(Some(&sod), &refs(&dgs), &de, SystemTime::now());
    assert_eq!(pa.status, Status::Unverified, "{}", pa.reason);
    assert_eq!(pa.summary, "Not verified: no trusted certificate for issuer UT");
}

#[test]
fn a_forged_document_signer_certificate_is_invalid() {
    // Change one byte of the DSC's own signature inside EF.SOD: the SOD signature still
    // verifies with the DSC key, but the DSC is no longer signed by the CSCA.
    let store = TrustStore::load(&[path("assets/demo-passport/csca.der")]).unwrap();
    let (dgs, mut sod) = profile("assets/demo-passport");
    let dsc = data("assets/demo-passport/dsc.der");
    let at = sod.windows(dsc.len()).position(|w| w == dsc.as_slice()).unwrap();
    sod[at + dsc.len() - 3] ^= 0x01;
    let pa = check(Some(&sod), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.signature, "valid");
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert_eq!(pa.summary, "FAILED: the document signer is not signed by the trusted CSCA UT");
}

#[test]
fn a_missing_sod_is_unverified_and_a_broken_one_invalid() {
    let store = TrustStore::new();
    let pa = check(None, &BTreeMap::new(), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Unverified);
    let pa =
        check(Some(&[0x77, 0x03, 0x30, 0x01, 0x00]), &BTreeMap::new(), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid);
    assert_eq!(pa.summary, "FAILED: the chip's security data (EF.SOD) is damaged");
    // With a trust store, a chip without EF.SOD is not a genuine chip.
    let demo = TrustStore::demo().unwrap();
    let pa = check(None, &BTreeMap::new(), &demo, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid);
}

#[test]
fn explicit_parameter_dsc_chains_to_an_explicit_parameter_csca() {
    // A German eID's EF.CardSecurity (same CMS signature rules, eContentType id-SecurityObject):
    // DSC (brainpoolP224r1) and CSCA (brainpoolP256r1) both carry explicit parameters
    // (OpenSSL 3 refuses this chain).
    use enrol_kiosk::trust::chain::{ChainOutcome, verify_chain};
    use enrol_kiosk::trust::{cms, sod_signature};
    let sd = cms::parse_content_info(&data(
        "tests/data/lds/openpace-cardaccess/EF_CardSecurity_DE_eID_dan.bin",
    ))
    .unwrap();
    let v = sod_signature::verify_signed_data(&sd, "0.4.0.127.0.7.3.2.1").unwrap();
    let key = v.signer.public_key().unwrap().describe();
    assert_eq!(key, "EC brainpoolP224r1 (explicit parameters)");
    let store =
        TrustStore::load(&[path("tests/data/pki/certs/openpace/csca_germany_013_self_signed.cer")])
            .unwrap();
    let csca_key = store.anchors()[0].cert.public_key().unwrap().describe();
    assert_eq!(csca_key, "EC brainpoolP256r1 (explicit parameters)");
    let from = v.signer.validity_period().0;
    match verify_chain(&v.signer, &store, from + Duration::from_secs(86_400)) {
        ChainOutcome::Trusted { csca, .. } => assert_eq!(csca.cert.display_name(), "csca-germany"),
        other => panic!("{other:?}"),
    }
}

/// Replaces the last occurrence of `from` in `hay` with `to` (same length).
fn replace_last(hay: &mut [u8], from: &[u8], to: &[u8]) {
    let at = hay.windows(from.len()).rposition(|w| w == from).unwrap();
    hay[at..at + from.len()].copy_from_slice(to);
}

#[test]
fn unsupported_algorithms_are_invalid_with_the_countrys_csca_and_say_which() {
    let store = TrustStore::load(&[path("assets/demo-passport/csca.der")]).unwrap();
    let (dgs, sod) = profile("assets/demo-passport");
    // The signer info's signatureAlgorithm, ecdsa-with-SHA256, becomes ecdsa-with-SHA3-256.
    let mut sha3 = sod.clone();
    replace_last(
        &mut sha3,
        &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02],
        &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x0A],
    );
    let pa = check(Some(&sha3), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert!(pa.summary.contains("signature algorithm 1.2.840.10045.4.3.10"), "{}", pa.summary);
    // The signer info's digestAlgorithm, SHA-256, becomes SHA3-256 (2.16.840.1.101.3.4.2.8).
    let mut digest = sod.clone();
    let sha256 = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    let mut sha3_256 = sha256;
    sha3_256[10] = 0x08;
    replace_last(&mut digest, &sha256, &sha3_256);
    let pa = check(Some(&digest), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert!(pa.summary.contains("digest algorithm 2.16.840.1.101.3.4.2.8"), "{}", pa.summary);
    // No trust store, or none for Utopia: cannot tell.
    let pa = check(Some(&digest), &refs(&dgs), &TrustStore::new(), SystemTime::now());
    assert_eq!(pa.status, Status::Unverified, "{}", pa.reason);
    let de = TrustStore::load(&[path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer")]).unwrap();
    let pa = check(Some(&sha3), &refs(&dgs), &de, SystemTime::now());
    assert_eq!(pa.status, Status::Unverified, "{}", pa.reason);
}

#[test]
fn a_sod_without_its_signer_certificate_is_invalid_with_the_countrys_csca() {
    // The demo DSC is hidden from the SignedData's certificates (same length, other tag), so
    // no certificate is found for the signer: a home-made chip can do this at will.
    let store = TrustStore::load(&[path("assets/demo-passport/csca.der")]).unwrap();
    let (dgs, mut sod) = profile("assets/demo-passport");
    let dsc = data("assets/demo-passport/dsc.der");
    let at = sod.windows(dsc.len()).position(|w| w == dsc.as_slice()).unwrap();
    // Turn the certificate's SEQUENCE tag into a context tag: the SignedData still parses,
    // but the entry is not a plain X.509 certificate and is left out.
    sod[at] = 0xA1;
    let pa = check(Some(&sod), &refs(&dgs), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert_eq!(pa.summary, "FAILED: no document signer certificate on the chip");
    let pa = check(Some(&sod), &refs(&dgs), &TrustStore::new(), SystemTime::now());
    assert_eq!(pa.status, Status::Unverified, "{}", pa.reason);
    assert_eq!(pa.summary, "Not verified: no document signer certificate on the chip");
}
