//! EF.DG15 (ICAO 9303 Part 10 §4.7.15, Part 11 §6.1): tag 6F around the DER
//! `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7) of the chip's Active Authentication key — RSA,
//! or EC with a named curve or explicit domain parameters. DG15 is hashed in EF.SOD, so
//! passive authentication covers the key.

use super::LdsError;
use super::card_access::oid_string;
use crate::iso7816::tlv::{self, Reader};
use der::Decode;
use spki::SubjectPublicKeyInfoRef;

const FILE: &str = "EF.DG15";
/// The LDS1 tag of DG15 (9303 Part 10 Table 31).
pub const TAG_DG15: u32 = 0x6F;
/// Largest SubjectPublicKeyInfo accepted: an RSA-8192 key is about 1 100 bytes, explicit
/// EC parameters on P-521 about 600.
pub const MAX_SPKI: usize = 4096;
/// rsaEncryption (RFC 8017 Appendix C).
pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey (RFC 5480 §2.1.1).
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// The Active Authentication public key of EF.DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg15 {
    /// The whole DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    /// The key algorithm, dotted ("1.2.840.113549.1.1.1" for RSA).
    pub algorithm: String,
    /// The DER encoding of the algorithm parameters (NULL for RSA, a curve OID or explicit
    /// ECParameters for EC), if present.
    pub parameters: Option<Vec<u8>>,
    /// The subjectPublicKey bits (an RSAPublicKey, or a SEC 1 point).
    pub public_key: Vec<u8>,
}

impl Dg15 {
    /// True for an RSA key.
    pub fn is_rsa(&self) -> bool {
        self.algorithm == RSA_ENCRYPTION
    }

    /// True for an EC key.
    pub fn is_ec(&self) -> bool {
        self.algorithm == EC_PUBLIC_KEY
    }
}

/// Parses EF.DG15: `6F { SubjectPublicKeyInfo }`, nothing after it; the SPKI is DER, at
/// most [`MAX_SPKI`] bytes, with a public key of whole bytes.
pub fn parse(bytes: &[u8]) -> Result<Dg15, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut outer = Reader::new(bytes);
    let dg15 = outer.expect(TAG_DG15).map_err(&err)?;
    outer.finish().map_err(&err)?;
    let value = dg15.value;
    LdsError::check_count(FILE, "SubjectPublicKeyInfo bytes", value.len(), MAX_SPKI)?;
    let asn1 = |e: der::Error| LdsError::Asn1 {
        file: FILE,
        what: "SubjectPublicKeyInfo",
        detail: e.to_string(),
    };
    let spki = SubjectPublicKeyInfoRef::from_der(value).map_err(asn1)?;
    let public_key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| LdsError::invalid(FILE, "public key is not a whole number of bytes"))?;
    if public_key.is_empty() {
        return Err(LdsError::Missing { file: FILE, what: "subjectPublicKey" });
    }
    let parameters = match spki.algorithm.parameters {
        Some(p) => Some(der::Encode::to_der(&p).map_err(asn1)?),
        None => None,
    };
    Ok(Dg15 {
        spki: value.to_vec(),
        algorithm: oid_string(spki.algorithm.oid.as_bytes()),
        parameters,
        public_key: public_key.to_vec(),
    })
}

/// EF.DG15 around a DER SubjectPublicKeyInfo (for the simulator).
pub fn encode(spki: &[u8]) -> Vec<u8> {
    tlv::tlv(TAG_DG15, spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn real_rsa_keys_parse() {
        for (file, modulus_len) in [
            ("lds/gmrtd-samples/DG15_RSA.bin", 225),
            ("lds/jmrtd-bsi2008/DG15.bin", 128),
            ("lds/jmrtd-nl-specimen2006/DG15.bin", 129),
            ("lds/pymrtd-etsi-eacaa/DG15.bin", 129),
            ("lds/pymrtd-bsi-tr03105-5/DG15.bin", 129),
        ] {
            let bytes = data(file);
            let dg15 = parse(&bytes).unwrap();
            assert!(dg15.is_rsa() && !dg15.is_ec(), "{file}");
            assert_eq!(dg15.parameters.as_deref(), Some(&[0x05, 0x00][..]), "{file}");
            // RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }
            let mut r = Reader::new(&dg15.public_key);
            let seq = r.expect(0x30).unwrap();
            let n = Reader::nested(&seq).expect(0x02).unwrap();
            assert_eq!(n.value.len(), modulus_len, "{file}");
            assert_eq!(encode(&dg15.spki), bytes);
        }
    }

    #[test]
    fn ec_key_with_named_curve() {
        // P-256 generator as the point, named curve prime256v1.
        let point = hex::decode(concat!(
            "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
            "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"
        ))
        .unwrap();
        let alg = tlv::tlv(
            0x30,
            &[
                tlv::tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
                tlv::tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
            ]
            .concat(),
        );
        let mut bits = vec![0];
        bits.extend_from_slice(&point);
        let spki = tlv::tlv(0x30, &[alg, tlv::tlv(0x03, &bits)].concat());
        let dg15 = parse(&encode(&spki)).unwrap();
        assert!(dg15.is_ec());
        assert_eq!(dg15.public_key, point);
        assert_eq!(
            dg15.parameters.unwrap(),
            [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        );
    }

    #[test]
    fn hostile_bytes_are_typed_errors() {
        let good = data("lds/gmrtd-samples/DG15_RSA.bin");
        // Every truncation fails without a panic.
        for n in 0..good.len() {
            assert!(parse(&good[..n]).is_err(), "truncated to {n}");
        }
        // Trailing bytes, a wrong tag, and every single-byte change: never a panic.
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(parse(&trailing).is_err());
        let mut wrong_tag = good.clone();
        wrong_tag[0] = 0x6E;
        assert!(parse(&wrong_tag).is_err());
        for i in 0..good.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut b = good.clone();
                b[i] ^= flip;
                let _ = parse(&b);
            }
        }
        // A bit string with unused bits, an empty key, an oversized SPKI.
        let alg = tlv::tlv(0x30, &tlv::tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]));
        let odd = tlv::tlv(0x30, &[alg.clone(), tlv::tlv(0x03, &[0x04, 0xF0])].concat());
        assert!(matches!(parse(&encode(&odd)), Err(LdsError::Invalid { .. })));
        let empty = tlv::tlv(0x30, &[alg.clone(), tlv::tlv(0x03, &[0x00])].concat());
        assert!(matches!(parse(&encode(&empty)), Err(LdsError::Missing { .. })));
        let big = tlv::tlv(0x30, &[alg, tlv::tlv(0x03, &vec![0u8; MAX_SPKI])].concat());
        assert!(matches!(parse(&encode(&big)), Err(LdsError::TooLarge { .. })));
    }
}
