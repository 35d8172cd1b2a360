//! EF.SOD signatures of real and simulated passports (ICAO 9303 Part 11 §5.1): each verifies
//! with the document signer certificate it carries; damage anywhere makes it fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use enrol_kiosk::lds::sod;
use enrol_kiosk::trust::TrustError;
use enrol_kiosk::trust::sod_signature::verify_sod;

fn data(path: &str) -> Vec<u8> {
    let p = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn signed_data(path: &str) -> Vec<u8> {
    sod::parse(&data(path)).expect("EF.SOD parses").signed_data
}

/// (file, algorithm name, key description, DSC subject contains)
const REAL: &[(&str, &str, &str, &str)] = &[
    ("tests/data/lds/gmrtd-sod-AT/EF_SOD.bin", "ECDSA SHA-256", "EC", "DS-AUSTRIA"),
    ("tests/data/lds/gmrtd-sod-DE/EF_SOD.bin", "ECDSA SHA-384", "EC", "Document Signer Passport"),
    ("tests/data/lds/gmrtd-sod-FI/EF_SOD.bin", "ECDSA SHA-512", "EC", "Finland"),
    ("tests/data/lds/gmrtd-sod-FR/EF_SOD.bin", "RSA PKCS#1 v1.5 SHA-256", "RSA 2048", "HSM-DS2"),
    ("tests/data/lds/gmrtd-sod-ID/EF_SOD.bin", "RSASSA-PSS SHA-256", "RSA 2048", "DITJEN"),
    ("tests/data/lds/gmrtd-sod-MY/EF_SOD.bin", "RSASSA-PSS", "RSA 2048", "Malaysia"),
    (
        "tests/data/lds/gmrtd-sod-NZ/EF_SOD.bin",
        "RSA PKCS#1 v1.5 SHA-256",
        "RSA 2048",
        "Document Signer 2017",
    ),
    ("tests/data/lds/gmrtd-sod-PH/EF_SOD.bin", "RSASSA-PSS", "RSA 2048", "DS01076"),
    ("tests/data/lds/gmrtd-sod-RU/EF_SOD.bin", "ECDSA SHA-1", "EC", "Document_Signer_3.3"),
    ("tests/data/lds/gmrtd-sod-SG/EF_SOD.bin", "RSASSA-PSS", "RSA 2048", "DSC10"),
    ("tests/data/lds/gmrtd-sod-UK/EF_SOD.bin", "ECDSA SHA-256", "EC", "Document Signing Key 32"),
    (
        "tests/data/lds/gmrtd-sod-US/EF_SOD.bin",
        "RSA PKCS#1 v1.5 SHA-256",
        "RSA 2048",
        "DS 202106101641",
    ),
    (
        "tests/data/lds/gmrtd-uk-imported/EF_SOD.bin",
        "RSASSA-PSS SHA-256",
        "RSA",
        "Document Signing Key 35",
    ),
    ("tests/data/lds/jmrtd-bsi2008/EF_SOD.bin", "ECDSA SHA-1", "EC", "DS"),
    (
        "tests/data/lds/jmrtd-nl-specimen2006/EF_SOD.bin",
        "RSA PKCS#1 v1.5 SHA-256",
        "RSA",
        "DS Test",
    ),
    ("tests/data/lds/jmrtd-nz2013/EF_SOD.bin", "RSA", "RSA", "Document Signer 2011"),
    ("tests/data/lds/pymrtd-bsi-tr03105-5/EF_SOD.bin", "RSASSA-PSS", "RSA", "HJP PB DS"),
    ("tests/data/lds/pymrtd-etsi-eacaa/EF_SOD.bin", "RSASSA-PSS", "RSA", "ETSI DS"),
    ("assets/demo-passport/EF.SOD.bin", "ECDSA SHA-256", "EC P-256", "enrol-kiosk"),
];

#[test]
fn real_sod_signatures_verify_with_their_document_signer() {
    let mut failures = Vec::new();
    for (file, alg, key, subject) in REAL {
        match verify_sod(&signed_data(file)) {
            Ok(v) => {
                let (name, k, s) = (
                    v.algorithm.name(),
                    v.signer.public_key().unwrap().describe(),
                    v.signer.subject_text(),
                );
                println!("{file}: {name}, {k}, {s} {:?}", v.notes);
                if !name.starts_with(alg) || !k.starts_with(key) || !s.contains(subject) {
                    failures.push(format!("{file}: got {name} / {k} / {s}"));
                }
            }
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Flips one bit of the first occurrence of `needle` in `hay`.
fn flip_in(hay: &[u8], needle: &[u8]) -> Vec<u8> {
    let at = hay.windows(needle.len()).position(|w| w == needle).expect("needle present");
    let mut out = hay.to_vec();
    out[at + needle.len() / 2] ^= 0x01;
    out
}

#[test]
fn a_flipped_signature_byte_fails() {
    for (file, ..) in REAL {
        let sd = signed_data(file);
        let parsed = enrol_kiosk::trust::cms::parse_content_info(&sd).unwrap();
        let sig = &parsed.signers[0].signature;
        let damaged = flip_in(&sd, sig);
        match verify_sod(&damaged) {
            Err(TrustError::BadSignature(_)) => {}
            other => panic!("{file}: flipped signature gave {other:?}"),
        }
    }
}

#[test]
fn a_changed_data_group_hash_breaks_the_message_digest() {
    for (file, ..) in REAL {
        let sod = sod::parse(&data(file)).unwrap();
        let hash = sod.dg_hashes.values().next().unwrap();
        let damaged = flip_in(&sod.signed_data, hash);
        match verify_sod(&damaged) {
            Err(TrustError::BadSignature(why)) => assert!(why.contains("messageDigest"), "{why}"),
            other => panic!("{file}: changed hash gave {other:?}"),
        }
    }
}

#[test]
fn a_changed_signed_attribute_fails() {
    // A messageDigest attribute changed while the content stays: the digest check refuses it.
    for (file, ..) in REAL {
        let sd = signed_data(file);
        let parsed = enrol_kiosk::trust::cms::parse_content_info(&sd).unwrap();
        let md = &parsed.signers[0].message_digest_attr[0];
        let damaged = flip_in(&sd, md);
        assert!(
            matches!(verify_sod(&damaged), Err(TrustError::BadSignature(_))),
            "{file}: changed messageDigest verified"
        );
    }
}

#[test]
fn damaged_sods_never_panic() {
    for (file, ..) in REAL {
        let sd = signed_data(file);
        for cut in (0..sd.len()).step_by(37) {
            assert!(verify_sod(&sd[..cut]).is_err(), "{file}: truncated at {cut} verified");
        }
        for at in (0..sd.len()).step_by(53) {
            let mut m = sd.clone();
            m[at] ^= 0xA5;
            let _ = verify_sod(&m);
        }
    }
    for junk in [&b""[..], &[0x30, 0x80], &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], &[0xA0; 40]] {
        assert!(verify_sod(junk).is_err());
    }
}
