//! Object identifiers of CMS (RFC 5652), PKCS #1 (RFC 8017), ECDSA (RFC 5758, X9.62), BSI
//! TR-03111 plain ECDSA and ICAO 9303 Part 10/12, in dotted form.

use std::borrow::Cow;

/// The dotted form of an OID's content octets.
pub fn dotted(content: &[u8]) -> String {
    asn1_rs::Oid::new(Cow::Borrowed(content)).to_id_string()
}

pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
pub const CSCA_MASTER_LIST: &str = "2.23.136.1.1.2";

pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
pub const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
pub const MGF1: &str = "1.2.840.113549.1.1.8";
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const PRIME_FIELD: &str = "1.2.840.10045.1.1";

pub const SUBJECT_KEY_ID: &str = "2.5.29.14";
pub const KEY_USAGE: &str = "2.5.29.15";
pub const BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub const AUTHORITY_KEY_ID: &str = "2.5.29.35";
pub const COMMON_NAME: &str = "2.5.4.3";
pub const COUNTRY: &str = "2.5.4.6";
