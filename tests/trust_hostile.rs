//! Hostile inputs to the trust module: truncated and mutated certificates, master lists and
//! trust-store files give errors (or harmless results), never panics, and caps hold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::path::PathBuf;

use enrol_kiosk::trust::store::MAX_FILE_BYTES;
use enrol_kiosk::trust::{Certificate, TrustError, TrustStore};

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn data(p: &str) -> Vec<u8> {
    std::fs::read(path(p)).unwrap()
}

const CERTS: &[&str] = &[
    "tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer",
    "tests/data/pki/certs/gmrtd/NL_ROOT_CA.cer",
    "tests/data/pki/certs/gmrtd/IDN_2020-10_CSCA.cer",
    "tests/data/pki/certs/openpace/csca_germany_013_self_signed.cer",
    "tests/data/lds/gmrtd-uk-imported/CSCA.cer",
    "assets/demo-passport/csca.der",
];

/// Everything a caller might ask of a certificate.
fn exercise(c: &Certificate) {
    let _ = (c.subject_text(), c.issuer_text(), c.display_name(), c.country());
    let _ = (c.subject_key_id(), c.authority_key_id(), c.key_usage(), c.validity_dates());
    let _ = c.public_key().map(|k| k.describe());
    let _ = c.verify_signed_by(c);
}

#[test]
fn self_signed_cscas_verify_and_damaged_ones_do_not_panic() {
    for file in CERTS {
        let der = data(file);
        let cert = Certificate::from_der(&der).unwrap();
        cert.verify_signed_by(&cert).unwrap_or_else(|e| panic!("{file}: {e}"));
        for cut in (0..der.len()).step_by(17) {
            assert!(Certificate::from_der(&der[..cut]).is_err(), "{file} cut at {cut}");
        }
        let mut failed = 0;
        for at in (0..der.len()).step_by(7) {
            let mut m = der.clone();
            m[at] ^= 0x5A;
            if let Ok(c) = Certificate::from_der(&m) {
                exercise(&c);
                if c.verify_signed_by(&cert).is_err() {
                    failed += 1;
                }
            }
        }
        assert!(failed > 0, "{file}: no mutation broke the signature");
    }
}

#[test]
fn damaged_master_lists_are_refused_without_panic() {
    let ml = data("tests/data/pki/masterlists/NL_ML_2026-07-22.ml");
    for i in 0..40 {
        let cut = ml.len() * i / 40;
        let mut store = TrustStore::new();
        assert!(store.add_master_list(&ml[..cut], "cut").is_err(), "cut at {cut}");
    }
    // Mutations: structure errors, signature errors, or (inside a listed certificate's
    // unsigned bytes) a list that loads; never a panic.
    for at in (0..ml.len()).step_by(ml.len() / 150) {
        let mut m = ml.clone();
        m[at] ^= 0xFF;
        let mut store = TrustStore::new();
        let _ = store.add_master_list(&m, "mutated");
    }
    let mut store = TrustStore::new();
    assert!(matches!(
        store.add_master_list(&data("tests/data/pki/certs/gmrtd/NL_ROOT_CA.cer"), "cert"),
        Err(TrustError::Asn1(_) | TrustError::Invalid(_))
    ));
}

#[test]
fn junk_in_a_folder_is_skipped_and_named_junk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(path(CERTS[0]), dir.path().join("de.cer")).unwrap();
    std::fs::write(dir.path().join("junk.der"), [0x30, 0x82, 0xFF, 0xFF, 0x01]).unwrap();
    std::fs::write(dir.path().join("empty.pem"), b"-----BEGIN CERTIFICATE-----\n").unwrap();
    std::fs::write(dir.path().join("readme.txt"), b"hello").unwrap();
    let store = TrustStore::load(&[dir.path().to_owned()]).unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store.notes().iter().filter(|n| n.contains("skipped")).count(), 3);

    let named = dir.path().join("junk.der");
    assert!(TrustStore::load(&[named]).is_err());
    assert!(matches!(
        TrustStore::load(&[dir.path().join("missing.cer")]),
        Err(TrustError::Io { .. })
    ));
}

#[test]
fn pem_files_with_several_certificates_load() {
    use base64::Engine;
    let mut pem = String::from("a comment line\n");
    for file in &CERTS[..3] {
        let b64 = base64::engine::general_purpose::STANDARD.encode(data(file));
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    let mut store = TrustStore::new();
    assert_eq!(store.add_certificates(pem.as_bytes(), "bundle.pem").unwrap(), 3);
    // The same again adds nothing.
    assert_eq!(store.add_certificates(pem.as_bytes(), "again.pem").unwrap(), 0);
    let broken = pem.replace("MII", "!!!");
    assert!(TrustStore::new().add_certificates(broken.as_bytes(), "broken.pem").is_err());
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.ml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: nothing is written
    match TrustStore::load(&[big]) {
        Err(TrustError::TooLarge { actual, limit, .. }) => {
            assert_eq!((actual, limit), (MAX_FILE_BYTES + 1, MAX_FILE_BYTES));
        }
        other => panic!("{other:?}"),
    }
}

/// A FIFO (or device) named as a trust-store file would block a plain read forever: it is
/// refused at once instead.
#[test]
fn a_fifo_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("csca.cer");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let err = TrustStore::load(&[fifo]).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
