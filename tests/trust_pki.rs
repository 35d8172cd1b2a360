//! Trust anchors checked like a PKI (RFC 5280; ICAO 9303 Part 12 §7.1, §9): a CSCA must be a
//! CA (basicConstraints cA, keyUsage keyCertSign), a document signer must have keyUsage
//! digitalSignature, the outer signatureAlgorithm must equal the signed one, a CRL past its
//! nextUpdate is a named outcome, a master list is an anchor only when its signer chains to
//! a CSCA given explicitly, and the certificates' country must be DG1's issuing state.
//! Certificates, CRLs and master lists are made here with the RustCrypto types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::oid::AssociatedOid;
use der::{Any, Decode, Encode};
use enrol_kiosk::trust::chain::{BrokenKind, ChainOutcome, verify_chain};
use enrol_kiosk::trust::policy::Revocation;
use enrol_kiosk::trust::{Certificate, Status, TrustStore, check};
use p256::ecdsa::{DerSignature, SigningKey};
use signature::Signer;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{TbsCertificate, Version};

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const YEAR: u64 = 365 * 24 * 3600;

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A P-256 key that names its signature algorithm (for the CMS builder).
struct Key(SigningKey);

impl signature::Keypair for Key {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        *self.0.verifying_key()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for Key {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(alg())
    }
}

impl Signer<DerSignature> for Key {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, signature::Error> {
        Signer::<DerSignature>::try_sign(&self.0, msg)
    }
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None }
}

fn ext<E: AssociatedOid + Encode>(e: &E) -> Extension {
    Extension {
        extn_id: E::OID,
        critical: true,
        extn_value: OctetString::new(e.to_der().unwrap()).unwrap(),
    }
}

fn ca(ca: bool) -> Extension {
    ext(&BasicConstraints { ca, path_len_constraint: None })
}

fn usage(u: impl Into<der::flagset::FlagSet<KeyUsages>>) -> Extension {
    ext(&KeyUsage(u.into()))
}

/// A certificate for `subject_key`'s public key, signed by `signer`, with `extensions`.
fn cert(
    subject: &str,
    issuer: &str,
    subject_key: &SigningKey,
    signer: &SigningKey,
    extensions: Vec<Extension>,
) -> Vec<u8> {
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(0x0001_2345_u32),
        signature: alg(),
        issuer: Name::from_str(issuer).unwrap(),
        validity: Validity::from_now(Duration::from_secs(5 * YEAR)).unwrap(),
        subject: Name::from_str(subject).unwrap(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_key(*subject_key.verifying_key())
            .unwrap(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let sig: DerSignature = signer.sign(&tbs.to_der().unwrap());
    x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg(),
        signature: BitString::from_bytes(sig.to_bytes().as_ref()).unwrap(),
    }
    .to_der()
    .unwrap()
}

const CSCA: &str = "CN=PKI Test CSCA,O=enrol-kiosk,C=UT";
const DSC: &str = "CN=PKI Test DS,O=enrol-kiosk,C=UT";

fn good_csca(k: &SigningKey) -> Vec<u8> {
    cert(CSCA, CSCA, k, k, vec![ca(true), usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)])
}

fn good_dsc(csca_key: &SigningKey) -> Vec<u8> {
    cert(DSC, CSCA, &key(9), csca_key, vec![usage(KeyUsages::DigitalSignature)])
}

fn store_of(files: &[(&str, &[u8])]) -> TrustStore {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    TrustStore::load(&[dir.path().to_owned()]).unwrap()
}

fn chain(dsc: &[u8], csca: &[u8]) -> ChainOutcome {
    let store = store_of(&[("csca.der", csca)]);
    verify_chain(&Certificate::from_der(dsc).unwrap(), &store, SystemTime::now())
}

fn broken(outcome: ChainOutcome) -> (BrokenKind, String) {
    match outcome {
        ChainOutcome::Broken { kind, reason, .. } => (kind, reason),
        other => panic!("expected a broken chain: {other:?}"),
    }
}

#[test]
fn a_well_formed_chain_is_trusted() {
    let k = key(7);
    assert!(matches!(chain(&good_dsc(&k), &good_csca(&k)), ChainOutcome::Trusted { .. }));
}

#[test]
fn a_csca_must_be_a_ca_with_key_cert_sign() {
    let k = key(7);
    let dsc = good_dsc(&k);
    // No basicConstraints at all (keyUsage keyCertSign alone is not enough).
    let no_bc = cert(CSCA, CSCA, &k, &k, vec![usage(KeyUsages::KeyCertSign)]);
    let (kind, reason) = broken(chain(&dsc, &no_bc));
    assert_eq!(kind, BrokenKind::NotCa, "{reason}");
    // basicConstraints cA = FALSE.
    let not_ca = cert(CSCA, CSCA, &k, &k, vec![ca(false), usage(KeyUsages::KeyCertSign)]);
    assert_eq!(broken(chain(&dsc, &not_ca)).0, BrokenKind::NotCa);
    // A CA without keyUsage, or whose keyUsage lacks keyCertSign.
    let no_ku = cert(CSCA, CSCA, &k, &k, vec![ca(true)]);
    assert_eq!(broken(chain(&dsc, &no_ku)).0, BrokenKind::KeyUsage);
    let crl_only = cert(CSCA, CSCA, &k, &k, vec![ca(true), usage(KeyUsages::CRLSign)]);
    let (kind, reason) = broken(chain(&dsc, &crl_only));
    assert_eq!(kind, BrokenKind::KeyUsage);
    assert!(reason.contains("keyCertSign"), "{reason}");
}

#[test]
fn a_document_signer_needs_key_usage_digital_signature() {
    let k = key(7);
    let csca = good_csca(&k);
    let none = cert(DSC, CSCA, &key(9), &k, vec![]);
    let (kind, reason) = broken(chain(&none, &csca));
    assert_eq!(kind, BrokenKind::KeyUsage);
    assert!(reason.contains("digitalSignature"), "{reason}");
    let wrong = cert(DSC, CSCA, &key(9), &k, vec![usage(KeyUsages::KeyEncipherment)]);
    assert_eq!(broken(chain(&wrong, &csca)).0, BrokenKind::KeyUsage);
}

#[test]
fn the_outer_signature_algorithm_must_equal_the_signed_one() {
    let k = key(7);
    let mut dsc = x509_cert::Certificate::from_der(&good_dsc(&k)).unwrap();
    // Same algorithm, NULL parameters outside only: the signature itself still verifies.
    dsc.signature_algorithm.parameters = Some(Any::null());
    let (kind, reason) = broken(chain(&dsc.to_der().unwrap(), &good_csca(&k)));
    assert_eq!(kind, BrokenKind::Signature);
    assert!(reason.contains("differs from the signed one"), "{reason}");
}

/// A CRL of the test CSCA (no revoked entries) with `next_update`.
fn crl(
    signer: &SigningKey,
    next_update: Option<SystemTime>,
    outer: AlgorithmIdentifierOwned,
) -> Vec<u8> {
    let now = Validity::from_now(Duration::from_secs(YEAR)).unwrap().not_before;
    let next = next_update.map(|t| Time::try_from(t).unwrap());
    let tbs = TbsCertList {
        version: Version::V2,
        signature: alg(),
        issuer: Name::from_str(CSCA).unwrap(),
        this_update: now,
        next_update: next,
        revoked_certificates: None,
        crl_extensions: None,
    };
    let sig: DerSignature = signer.sign(&tbs.to_der().unwrap());
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: outer,
        signature: BitString::from_bytes(sig.to_bytes().as_ref()).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn revocation_with(crl_der: &[u8]) -> (Revocation, Vec<String>) {
    let k = key(7);
    let store = store_of(&[("csca.der", &good_csca(&k)), ("list.crl", crl_der)]);
    let dsc = Certificate::from_der(&good_dsc(&k)).unwrap();
    match verify_chain(&dsc, &store, SystemTime::now()) {
        ChainOutcome::Trusted { revocation, notes, .. } => (revocation, notes),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_crl_past_its_next_update_is_stale() {
    let k = key(7);
    let day = Duration::from_secs(86_400);
    let current = crl(&k, Some(SystemTime::now() + 30 * day), alg());
    assert_eq!(revocation_with(&current).0, Revocation::Current);
    let (stale, notes) = revocation_with(&crl(&k, Some(SystemTime::now() - 2 * day), alg()));
    assert!(matches!(stale, Revocation::Stale { next_update: Some(_) }), "{stale:?}");
    assert!(notes.iter().any(|n| n.contains("stale")), "{notes:?}");
    let (none, _) = revocation_with(&crl(&k, None, alg()));
    assert_eq!(none, Revocation::Stale { next_update: None });
    // A CRL whose outer algorithm differs from the signed one is not believed.
    let mut outer = alg();
    outer.parameters = Some(Any::null());
    let (r, notes) = revocation_with(&crl(&k, Some(SystemTime::now() + 30 * day), outer));
    assert_eq!(r, Revocation::NotChecked);
    assert!(notes.iter().any(|n| n.contains("ignored") && n.contains("differs")), "{notes:?}");
}

// ---- master lists -------------------------------------------------------------------------

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

/// A CscaMasterList of `certs`, signed by `signer_key` with `signer_cert` embedded (if any).
fn master_list(certs: &[&[u8]], signer_key: &SigningKey, signer_cert: Option<&[u8]>) -> Vec<u8> {
    let signer_key = &Key(signer_key.clone());
    use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
    let list = tlv(0x30, &[tlv(0x02, &[0]), tlv(0x31, &certs.concat())].concat());
    let content = EncapsulatedContentInfo {
        econtent_type: ObjectIdentifier::new_unwrap("2.23.136.1.1.2"),
        econtent: Some(Any::new(der::Tag::OctetString, list).unwrap()),
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: Name::from_str(CSCA).unwrap(),
        serial_number: SerialNumber::from(0x0001_2345_u32),
    });
    let digest = AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1"),
        parameters: None,
    };
    let signer = SignerInfoBuilder::new(signer_key, sid, digest.clone(), &content, None).unwrap();
    let mut b = SignedDataBuilder::new(&content);
    b.add_digest_algorithm(digest).unwrap();
    if let Some(c) = signer_cert {
        let c = x509_cert::Certificate::from_der(c).unwrap();
        b.add_certificate(CertificateChoices::Certificate(c)).unwrap();
    }
    b.add_signer_info::<Key, DerSignature>(signer).unwrap().build().unwrap().to_der().unwrap()
}

const LISTED: &str = "CN=Listed CSCA,O=elsewhere,C=ZZ";

#[test]
fn a_master_list_counts_only_when_its_signer_chains_to_a_csca_given_as_a_file() {
    let k = key(7);
    let csca = good_csca(&k);
    let signer_key = key(11);
    let signer = cert(
        "CN=PKI Test Master List Signer,O=enrol-kiosk,C=UT",
        CSCA,
        &signer_key,
        &k,
        vec![usage(KeyUsages::DigitalSignature)],
    );
    let listed =
        cert(LISTED, LISTED, &key(12), &key(12), vec![ca(true), usage(KeyUsages::KeyCertSign)]);
    let ml = master_list(&[&listed], &signer_key, Some(&signer));

    // With the signer's CSCA given as a file: the listed CSCA becomes an anchor.
    let mut store = TrustStore::new();
    store.add_certificates(&csca, "csca.der").unwrap();
    assert_eq!(store.add_master_list(&ml, "ok.ml").unwrap(), 1);
    assert!(store.notes().iter().any(|n| n.contains("signature verified")), "{:?}", store.notes());

    // Signed by anyone else: refused, nothing added (before: "taken as a plain list").
    let mut alone = TrustStore::new();
    let e = alone.add_master_list(&ml, "alone.ml").unwrap_err().to_string();
    assert!(e.contains("refused") && e.contains("[trust] csca"), "{e}");
    assert!(alone.is_empty());

    // The signer's CSCA known only from another master list does not count.
    let via_list = master_list(&[&csca], &signer_key, Some(&signer));
    let mut indirect = TrustStore::new();
    assert!(indirect.add_master_list(&via_list, "first.ml").is_err());
    assert!(indirect.add_master_list(&ml, "second.ml").is_err());
    assert!(indirect.is_empty());

    // A CSCA given as a file that is not a CA does not vouch for a signer.
    let not_ca = cert(CSCA, CSCA, &k, &k, vec![usage(KeyUsages::DigitalSignature)]);
    let mut weak = TrustStore::new();
    weak.add_certificates(&not_ca, "not-ca.der").unwrap();
    assert!(weak.add_master_list(&ml, "weak.ml").is_err());
    assert_eq!(weak.len(), 1);

    // No signer certificate in the list: refused with a clear message.
    let bare = master_list(&[&listed], &signer_key, None);
    let mut s = TrustStore::new();
    s.add_certificates(&csca, "csca.der").unwrap();
    let e = s.add_master_list(&bare, "bare.ml").unwrap_err().to_string();
    assert!(e.contains("cannot be checked"), "{e}");
    assert_eq!(s.len(), 1);

    // In a folder, a refused list is skipped with a note (a named one is an error).
    let folder = store_of(&[("alone.ml", &ml)]);
    assert!(folder.is_empty());
    assert!(folder.notes().iter().any(|n| n.contains("skipped")), "{:?}", folder.notes());
}

#[test]
fn the_real_de_and_nl_master_lists_need_their_country_csca() {
    for (ml, root, country) in [
        ("tests/data/pki/masterlists/DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer", "DE"),
        ("tests/data/pki/masterlists/NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer", "NL"),
    ] {
        let e = TrustStore::load(&[path(ml)]).unwrap_err().to_string();
        assert!(e.contains("master list refused"), "{country}: {e}");
        let store =
            TrustStore::load(&[path(&format!("tests/data/pki/certs/gmrtd/{root}")), path(ml)])
                .unwrap();
        assert!(store.len() > 30, "{country}: {}", store.len());
        let note = store.notes().iter().find(|n| n.contains("master list")).unwrap();
        assert!(note.contains("signature verified"), "{country}: {note}");
    }
}

// ---- country --------------------------------------------------------------------------------

fn dgs_of(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<u8, &[u8]> {
    files
        .iter()
        .filter_map(|(n, b)| Some((n.strip_prefix("EF.DG")?.parse().ok()?, b.as_slice())))
        .collect()
}

#[test]
fn the_document_signer_country_must_be_the_issuing_state() {
    use enrol_kiosk::sim::make::{MakeOptions, make_profile};
    let face = std::fs::read(path("assets/demo-face.jpg")).unwrap();
    let demo = enrol_kiosk::sim::Profile::demo().unwrap().mrz_text().to_owned();
    // The same MRZ issued by the Netherlands (line 1 carries no check digit), signed under
    // the simulator's CSCA of Utopia (C=UT).
    let dutch = demo.replacen("P<UTO", "P<NLD", 1);
    let dir = tempfile::tempdir().unwrap();
    let made = make_profile(&dutch, &face, dir.path(), &MakeOptions::default()).unwrap();
    let store = TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap();
    let sod = &made.files["EF.SOD"];
    let pa = check(Some(sod), &dgs_of(&made.files), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert!(pa.summary.contains("issued by NLD"), "{}", pa.summary);
    // Without DG1 the country cannot be compared and the chain decides.
    let no_dg1: BTreeMap<u8, &[u8]> =
        dgs_of(&made.files).into_iter().filter(|(n, _)| *n != 1).collect();
    assert_eq!(check(Some(sod), &no_dg1, &store, SystemTime::now()).status, Status::Valid);

    // Utopia's own passport under the same kind of CSCA is genuine.
    let dir = tempfile::tempdir().unwrap();
    let made = make_profile(&demo, &face, dir.path(), &MakeOptions::default()).unwrap();
    let store = TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap();
    let pa = check(Some(&made.files["EF.SOD"]), &dgs_of(&made.files), &store, SystemTime::now());
    assert_eq!(pa.status, Status::Valid, "{}", pa.reason);
}

fn sample(dir: &str) -> (Vec<u8>, BTreeMap<u8, Vec<u8>>) {
    let sod = std::fs::read(path(&format!("{dir}/EF_SOD.bin"))).unwrap();
    let mut dgs = BTreeMap::new();
    dgs.insert(1, std::fs::read(path(&format!("{dir}/DG1.bin"))).unwrap());
    (sod, dgs)
}

#[test]
fn a_country_with_a_csca_but_not_this_one_is_invalid() {
    // The Dutch 2006 specimen: DG1 issuing state NLD, DSC C=NL issued by a test CSCA that no
    // store holds. The store holds the Netherlands' real CSCA, which did not sign it: invalid
    // (before: "unverified").
    let (sod, dgs) = sample("tests/data/lds/jmrtd-nl-specimen2006");
    let dgs: BTreeMap<u8, &[u8]> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let nl = TrustStore::load(&[path("tests/data/pki/certs/gmrtd/NL_ROOT_CA.cer")]).unwrap();
    let pa = check(Some(&sod), &dgs, &nl, SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert_eq!(pa.summary, "FAILED: the document signer is not signed by a trusted CSCA NL");
    // A store without any CSCA of the Netherlands cannot tell.
    let de = TrustStore::load(&[path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer")]).unwrap();
    let pa = check(Some(&sod), &dgs, &de, SystemTime::now());
    assert_eq!(pa.status, Status::Unverified, "{}", pa.reason);
    assert_eq!(pa.summary, "Not verified: no trusted certificate for issuer NL");
}

#[test]
fn a_document_signer_whose_issuer_names_no_country_is_invalid() {
    // The BSI 2008 test passport: DG1 issuing state "D" (Germany), DSC subject C=DE, but its
    // issuer "CN=CSCA BDR TEST 19.09.07" carries no countryName, which ICAO 9303 Part 12
    // §7.1.1 requires: the issuing state cannot be matched, so it is refused.
    let (sod, dgs) = sample("tests/data/lds/jmrtd-bsi2008");
    let dgs: BTreeMap<u8, &[u8]> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let pa = check(Some(&sod), &dgs, &TrustStore::new(), SystemTime::now());
    assert_eq!(pa.status, Status::Invalid, "{}", pa.reason);
    assert!(pa.summary.contains("issued by D"), "{}", pa.summary);
    assert!(pa.reason.contains("issuing state D (DE)"), "{}", pa.reason);
}
