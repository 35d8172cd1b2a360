//! Passive authentication of EF.CardSecurity (BSI TR-03110-3 §A.1.2) on real files with
//! real CSCAs: the rules of EF.SOD (signature, issuing state, chain to a trusted CSCA).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use enrol_kiosk::trust::card_security::check;
use enrol_kiosk::trust::{Status, TrustStore};

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn data(p: &str) -> Vec<u8> {
    std::fs::read(path(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// 2025-06-01, when gmrtd's DE passport and the DE CSCA were valid.
fn june_2025() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(20_240 * 86_400)
}

fn de_store() -> TrustStore {
    TrustStore::load(&[
        path("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer"),
        path("tests/data/pki/masterlists/DE_ML_2026-05-28-08-28-45.ml"),
    ])
    .unwrap()
}

const DE: &str = "tests/data/lds/gmrtd-sod-DE/EF_CardSecurity.bin";

#[test]
fn a_german_passports_card_security_chains_to_the_german_csca() {
    let auth = check(&data(DE), Some("D<<"), &de_store(), june_2025());
    assert_eq!(auth.status, Status::Valid, "{}", auth.reason);
    assert!(auth.csca.is_some() && auth.document_signer.is_some());
    assert!(auth.card_security.unwrap().chip_authentication_key(Some(13)).is_some());
    // Without DG1 the signer's country decides.
    assert_eq!(check(&data(DE), None, &de_store(), june_2025()).status, Status::Valid);
}

#[test]
fn without_a_trust_store_it_is_unverified() {
    let auth = check(&data(DE), Some("D<<"), &TrustStore::new(), june_2025());
    assert_eq!(auth.status, Status::Unverified, "{}", auth.reason);
    assert!(auth.reason.contains("no CSCA trust store"), "{}", auth.reason);
}

#[test]
fn a_changed_card_security_is_invalid() {
    let bytes = data(DE);
    // The chip's CAM key (keyId 13) with one bit changed: the messageDigest no longer matches.
    let key = hex::decode("614CD88B00821A887869D0060B44A9D1").unwrap();
    let at = bytes.windows(key.len()).position(|w| w == key.as_slice()).unwrap();
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    let auth = check(&bad, Some("D<<"), &de_store(), june_2025());
    assert_eq!(auth.status, Status::Invalid, "{}", auth.reason);
    assert!(auth.reason.contains("messageDigest"), "{}", auth.reason);
    // Even without a trust store: a forgery is not merely unverified.
    assert_eq!(check(&bad, Some("D<<"), &TrustStore::new(), june_2025()).status, Status::Invalid);
    // Truncated or not a CardSecurity at all.
    for broken in [&bytes[..bytes.len() - 1], &data("tests/data/lds/gmrtd-sod-DE/EF_SOD.bin")[..]] {
        let auth = check(broken, Some("D<<"), &de_store(), june_2025());
        assert_eq!(auth.status, Status::Invalid);
        assert!(auth.card_security.is_none());
    }
}

#[test]
fn another_countrys_signer_or_an_unknown_signer_is_invalid() {
    // Signed for DE, but DG1 says FRA.
    let auth = check(&data(DE), Some("FRA"), &de_store(), june_2025());
    assert_eq!(auth.status, Status::Invalid, "{}", auth.reason);
    assert!(auth.reason.contains("issuing state"), "{}", auth.reason);
    // The BSI worked example's signer ("HJP PB DS", DE test PKI) chains to no German CSCA.
    let worked = data("tests/data/lds/openpace-eac-worked-example/EF_CardSecurity_ECDH.bin");
    let auth = check(&worked, Some("D<<"), &de_store(), june_2025());
    assert_eq!(auth.status, Status::Invalid, "{}", auth.reason);
    // A store without German CSCAs cannot judge it.
    let nl = TrustStore::load(&[path("tests/data/pki/certs/gmrtd/NL_ROOT_CA.cer")]).unwrap();
    let auth = check(&data(DE), Some("D<<"), &nl, june_2025());
    assert_eq!(auth.status, Status::Unverified, "{}", auth.reason);
}
