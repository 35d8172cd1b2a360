//! Tests of `ec_key`: on every known curve, the curve type's path and the generic reference
//! path (`ec`) give the same verdict on valid, altered and out-of-range signatures, for keys and
//! signatures made with the crates (`ecdsa` 0.17 `hazmat::sign_prehashed`) and for real EF.SODs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use der::Decode;
use ecdsa_17::SigningKey;
use ecdsa_17::hazmat::sign_prehashed;

use super::*;
use crate::lds::sod::HashAlgorithm;
use crate::trust::cms;
use crate::trust::key::{PublicKey, Scheme, der_signature};
use crate::trust::sod_signature::verify_sod;

/// The crate path and the generic path for one point.
struct Both {
    fast: EcPublicKey,
    slow: EcPublicKey,
}

impl Both {
    fn new(curve: &Curve, point: &[u8], backend: &str) -> Both {
        let fast = EcPublicKey::from_sec1(curve.clone(), point).unwrap();
        assert_eq!(fast.backend(), backend, "{}", curve.name);
        let slow = EcPublicKey::generic(curve.clone(), point).unwrap();
        assert_eq!(slow.backend(), "generic");
        Both { fast, slow }
    }

    /// Asserts both paths agree; returns whether they accept.
    fn accepts(&self, hash: &[u8], r: &[u8], s: &[u8]) -> bool {
        let a = self.fast.verify(hash, r, s);
        let b = self.slow.verify(hash, r, s);
        assert_eq!(a.is_ok(), b.is_ok(), "{}: crate {a:?}, generic {b:?}", self.fast.curve().name);
        a.is_ok()
    }
}

const HASHES: [HashAlgorithm; 5] = [
    HashAlgorithm::Sha1,
    HashAlgorithm::Sha224,
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha384,
    HashAlgorithm::Sha512,
];

fn flip_last(v: &[u8]) -> Vec<u8> {
    let mut v = v.to_vec();
    if let Some(b) = v.last_mut() {
        *b ^= 1;
    }
    v
}

/// Returns how many signatures both paths accepted.
fn signatures_agree<C>(oid: &str, backend: &str) -> usize
where
    C: EcdsaCurve + CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let curve = Curve::by_oid(oid).unwrap();
    let (len, n) = (curve.field_len(), curve.order().clone());
    let mut accepted = 0;
    for seed in 1u8..=3 {
        // Private key and nonce: 31 patterned low bytes, below every order here.
        let mut d = vec![0u8; len];
        let mut k = vec![0u8; len];
        for (i, (d, k)) in d.iter_mut().zip(k.iter_mut()).rev().take(31).enumerate() {
            *d = seed.wrapping_mul(37).wrapping_add(i as u8);
            *k = seed.wrapping_mul(91).wrapping_add(3 * i as u8) | 1;
        }
        let key = SigningKey::<C>::from_slice(&d).unwrap();
        let k = *SigningKey::<C>::from_slice(&k).unwrap().as_nonzero_scalar();
        let point = key.verifying_key().to_sec1_point(false);
        let both = Both::new(&curve, point.as_bytes(), backend);
        for alg in HASHES {
            let hash = alg.digest(&[seed; 100]);
            let (sig, _) = sign_prehashed::<C>(key.as_nonzero_scalar(), &k, &hash).unwrap();
            let (r, s) = sig.split_bytes();
            let (r, s) = (r.to_vec(), s.to_vec());
            let name = format!("{} {}", curve.name, alg.name());
            assert!(both.accepts(&hash, &r, &s), "{name}: valid");
            accepted += 1;
            // The other valid s (n − s): neither path normalises s.
            let s_neg = (&n - BigUint::from_bytes_be(&s)).to_bytes_be();
            assert!(both.accepts(&hash, &r, &s_neg), "{name}: n − s");
            // Altered digest (leftmost byte), r, s.
            let mut h = hash.clone();
            h[0] ^= 0x80;
            assert!(!both.accepts(&h, &r, &s), "{name}: digest");
            assert!(!both.accepts(&hash, &flip_last(&r), &s), "{name}: r");
            assert!(!both.accepts(&hash, &r, &flip_last(&s)), "{name}: s");
            // The last digest byte counts only when the digest is not longer than the order.
            let truncated = hash.len() * 8 >= n.bits() + 8;
            assert_eq!(both.accepts(&flip_last(&hash), &r, &s), truncated, "{name}: tail");
            // Out of range: zero, n, n + r, too long.
            assert!(!both.accepts(&hash, &[0], &s), "{name}: r = 0");
            assert!(!both.accepts(&hash, &r, &[]), "{name}: s empty");
            assert!(!both.accepts(&hash, &r, &n.to_bytes_be()), "{name}: s = n");
            let r_plus_n = (&n + BigUint::from_bytes_be(&r)).to_bytes_be();
            assert!(!both.accepts(&hash, &r_plus_n, &s), "{name}: r + n");
            let long = [vec![1u8], vec![0u8; len]].concat();
            assert!(!both.accepts(&hash, &r, &long), "{name}: s too long");
            // Leading zero bytes are harmless.
            let padded = [vec![0u8; 3], r.clone()].concat();
            assert!(both.accepts(&hash, &padded, &s), "{name}: padded r");
        }
    }
    accepted
}

#[test]
fn crate_and_generic_paths_agree_on_crate_made_signatures() {
    assert_eq!(signatures_agree::<p256_14::NistP256>("1.2.840.10045.3.1.7", "p256"), 15);
    assert_eq!(signatures_agree::<p384::NistP384>("1.3.132.0.34", "p384"), 15);
    assert_eq!(signatures_agree::<p521::NistP521>("1.3.132.0.35", "p521"), 15);
    assert_eq!(signatures_agree::<bp256::BrainpoolP256r1>("1.3.36.3.3.2.8.1.1.7", "bp256"), 15);
    assert_eq!(signatures_agree::<bp384::BrainpoolP384r1>("1.3.36.3.3.2.8.1.1.11", "bp384"), 15);
}

/// The curves that verified through the variable-time generic path before: now constant-time
/// curve types (`p224`, `crate::ec`), checked against that path as the reference.
#[test]
fn curve_types_and_generic_path_agree_on_p224_and_brainpool_224_320_512() {
    use crate::ec::{BrainpoolP224r1, BrainpoolP320r1, BrainpoolP512r1};
    assert_eq!(signatures_agree::<p224::NistP224>("1.3.132.0.33", "p224"), 15);
    assert_eq!(signatures_agree::<BrainpoolP224r1>("1.3.36.3.3.2.8.1.1.5", "bp224"), 15);
    assert_eq!(signatures_agree::<BrainpoolP320r1>("1.3.36.3.3.2.8.1.1.9", "bp320"), 15);
    assert_eq!(signatures_agree::<BrainpoolP512r1>("1.3.36.3.3.2.8.1.1.13", "bp512"), 15);
}

#[test]
fn every_known_curve_verifies_through_a_curve_type() {
    for oid in [
        "1.2.840.10045.3.1.7",
        "1.3.132.0.34",
        "1.3.132.0.35",
        "1.3.132.0.33",
        "1.3.36.3.3.2.8.1.1.5",
        "1.3.36.3.3.2.8.1.1.7",
        "1.3.36.3.3.2.8.1.1.9",
        "1.3.36.3.3.2.8.1.1.11",
        "1.3.36.3.3.2.8.1.1.13",
    ] {
        assert!(crate_for(oid).is_some(), "{oid}");
    }
}

/// EF.SODs with an EC document signer (tests/data/PROVENANCE.md).
const EC_SODS: [&str; 7] = [
    "tests/data/lds/gmrtd-sod-AT/EF_SOD.bin",
    "tests/data/lds/gmrtd-sod-DE/EF_SOD.bin",
    "tests/data/lds/gmrtd-sod-FI/EF_SOD.bin",
    "tests/data/lds/gmrtd-sod-RU/EF_SOD.bin",
    "tests/data/lds/gmrtd-sod-UK/EF_SOD.bin",
    "tests/data/lds/jmrtd-bsi2008/EF_SOD.bin",
    "assets/demo-passport/EF.SOD.bin",
];

#[test]
fn crate_and_generic_paths_agree_on_real_sods() {
    let mut curves = BTreeSet::new();
    for file in EC_SODS {
        let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
        let raw = std::fs::read(&path).unwrap();
        let signed_data = crate::lds::sod::parse(&raw).unwrap().signed_data;
        let verified = verify_sod(&signed_data).unwrap();
        let PublicKey::Ec { key, .. } = verified.signer.public_key().unwrap() else {
            panic!("{file}: not an EC document signer");
        };
        let curve = key.curve().clone();
        let cert = x509_cert::Certificate::from_der(verified.signer.der()).unwrap();
        let point = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        let sd = cms::parse_content_info(&signed_data).unwrap();
        let signer = sd.signers.first().unwrap();
        let hash = verified.algorithm.hash.digest(signer.signed_attrs.as_deref().unwrap());
        let (r, s) = match verified.algorithm.scheme {
            Scheme::Ecdsa => der_signature(&signer.signature).unwrap(),
            Scheme::EcdsaPlain => signer.signature.split_at(signer.signature.len() / 2),
            other => panic!("{file}: {other:?}"),
        };
        let name = format!("{file} ({})", curve.name);
        if key.backend() == "generic" {
            // A curve no crate covers: the generic path alone, and it accepts.
            assert!(key.verify(&hash, r, s).is_ok(), "{name}");
            curves.insert(format!("{} (generic)", curve.name));
            continue;
        }
        let both = Both::new(&curve, point, key.backend());
        assert!(both.accepts(&hash, r, s), "{name}: valid");
        let mut h = hash.clone();
        h[0] ^= 1;
        assert!(!both.accepts(&h, r, s), "{name}: digest");
        assert!(!both.accepts(&hash, &flip_last(r), s), "{name}: r");
        assert!(!both.accepts(&hash, r, &flip_last(s)), "{name}: s");
        curves.insert(format!("{} ({})", curve.name, key.backend()));
    }
    eprintln!("curves in the real EF.SODs: {curves:?}");
    assert!(curves.iter().any(|c| !c.ends_with("(generic)")), "{curves:?}");
}
