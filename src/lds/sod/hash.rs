//! Hash algorithms of the LDS security object (ICAO 9303 Part 10 §4.6.2.2, Part 12 §4.2):
//! SHA-1 and SHA-2, with their object identifiers.

use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A hash algorithm allowed for data-group hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// The DER content octets of each algorithm's OID.
const OIDS: [(HashAlgorithm, &[u8]); 5] = [
    (HashAlgorithm::Sha1, &[0x2B, 0x0E, 0x03, 0x02, 0x1A]),
    (HashAlgorithm::Sha224, &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04]),
    (HashAlgorithm::Sha256, &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
    (HashAlgorithm::Sha384, &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]),
    (HashAlgorithm::Sha512, &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]),
];

impl HashAlgorithm {
    /// The digest of `data`.
    pub fn digest(&self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha224 => Sha224::digest(data).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// Digest length in bytes.
    pub fn output_len(&self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// "SHA-1", "SHA-256", …
    pub fn name(&self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha224 => "SHA-224",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The OID's DER content octets (without tag and length).
    pub fn oid_content(&self) -> &'static [u8] {
        OIDS.iter().find(|(a, _)| a == self).map(|(_, o)| *o).unwrap_or_default()
    }

    /// The algorithm whose OID has these content octets.
    pub fn from_oid_content(content: &[u8]) -> Option<HashAlgorithm> {
        OIDS.iter().find(|(_, o)| *o == content).map(|(a, _)| *a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_oids() {
        // FIPS 180 "abc" examples (first bytes).
        assert_eq!(
            hex::encode(HashAlgorithm::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert!(hex::encode(HashAlgorithm::Sha256.digest(b"abc")).starts_with("ba7816bf"));
        for a in [
            HashAlgorithm::Sha1,
            HashAlgorithm::Sha224,
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ] {
            assert_eq!(a.digest(b"").len(), a.output_len());
            assert_eq!(HashAlgorithm::from_oid_content(a.oid_content()), Some(a));
        }
    }
}
