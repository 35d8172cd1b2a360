//! CRLs (RFC 5280 §5, ICAO 9303 Part 12 §7.1.4): a document signer listed on its CSCA's CRL
//! is refused; a CRL signed by another key is ignored with a note. The CSCA, DSC and CRLs
//! are made here with the RustCrypto builders (no CRL with a clear licence was found).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, ObjectIdentifier};
use der::{Decode, Encode};
use enrol_kiosk::trust::chain::{BrokenKind, ChainOutcome, verify_chain};
use enrol_kiosk::trust::{Certificate, TrustStore};
use p256::ecdsa::{DerSignature, SigningKey};
use signature::Signer;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const YEAR: u64 = 365 * 24 * 3600;

struct Key(SigningKey);

impl signature::Keypair for Key {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        *self.0.verifying_key()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for Key {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None })
    }
}

impl Signer<DerSignature> for Key {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, signature::Error> {
        Signer::<DerSignature>::try_sign(&self.0, msg)
    }
}

fn key(seed: u8) -> Key {
    Key(SigningKey::from_slice(&[seed; 32]).unwrap())
}

fn csca_name() -> Name {
    Name::from_str("CN=CRL Test CSCA,O=enrol-kiosk,C=UT").unwrap()
}

/// (CSCA DER, DSC DER)
fn chain(csca_key: &Key) -> (Vec<u8>, Vec<u8>) {
    let csca = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(1u32),
        Validity::from_now(Duration::from_secs(10 * YEAR)).unwrap(),
        csca_name(),
        SubjectPublicKeyInfoOwned::from_key(*csca_key.0.verifying_key()).unwrap(),
        csca_key,
    )
    .unwrap()
    .build::<DerSignature>()
    .unwrap();
    let dsc_key = key(9);
    let dsc = CertificateBuilder::new(
        Profile::Leaf {
            issuer: csca_name(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        SerialNumber::new(&[0x01, 0x23, 0x45]).unwrap(),
        Validity::from_now(Duration::from_secs(5 * YEAR)).unwrap(),
        Name::from_str("CN=CRL Test DS,O=enrol-kiosk,C=UT").unwrap(),
        SubjectPublicKeyInfoOwned::from_key(*dsc_key.0.verifying_key()).unwrap(),
        csca_key,
    )
    .unwrap()
    .build::<DerSignature>()
    .unwrap();
    (csca.to_der().unwrap(), dsc.to_der().unwrap())
}

/// A CRL of the test CSCA listing `serials`, signed by `signer`.
fn crl(signer: &Key, serials: &[&[u8]]) -> Vec<u8> {
    let now = Validity::from_now(Duration::from_secs(YEAR)).unwrap().not_before;
    let revoked = serials
        .iter()
        .map(|s| RevokedCert {
            serial_number: SerialNumber::new(s).unwrap(),
            revocation_date: now,
            crl_entry_extensions: None,
        })
        .collect();
    let alg = AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: csca_name(),
        this_update: now,
        next_update: None,
        revoked_certificates: Some(revoked),
        crl_extensions: None,
    };
    let sig: DerSignature = signer.sign(&tbs.to_der().unwrap());
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(sig.to_bytes().as_ref()).unwrap(),
    };
    list.to_der().unwrap()
}

fn store_with(csca: &[u8], crls: &[Vec<u8>]) -> TrustStore {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("csca.der"), csca).unwrap();
    for (i, c) in crls.iter().enumerate() {
        std::fs::write(dir.path().join(format!("list{i}.crl")), c).unwrap();
    }
    let store = TrustStore::load(&[dir.path().to_owned()]).unwrap();
    assert_eq!(store.crls().len(), crls.len(), "{:?}", store.notes());
    store
}

#[test]
fn a_revoked_document_signer_is_refused() {
    let csca_key = key(7);
    let (csca, dsc) = chain(&csca_key);
    let dsc = Certificate::from_der(&dsc).unwrap();
    let now = SystemTime::now();

    match verify_chain(&dsc, &store_with(&csca, &[]), now) {
        ChainOutcome::Trusted { notes, .. } => {
            assert!(notes[0].contains("revocation not checked"), "{notes:?}")
        }
        other => panic!("{other:?}"),
    }
    let other_serial = crl(&csca_key, &[&[0x77]]);
    match verify_chain(&dsc, &store_with(&csca, &[other_serial]), now) {
        ChainOutcome::Trusted { notes, .. } => assert!(notes[0].contains("not revoked")),
        other => panic!("{other:?}"),
    }
    let listed = crl(&csca_key, &[&[0x77], &[0x01, 0x23, 0x45]]);
    match verify_chain(&dsc, &store_with(&csca, std::slice::from_ref(&listed)), now) {
        ChainOutcome::Broken { kind: BrokenKind::Revoked, reason, .. } => {
            assert!(reason.contains("revoked on"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // The same list signed by someone else is not believed.
    let forged = crl(&key(8), &[&[0x01, 0x23, 0x45]]);
    match verify_chain(&dsc, &store_with(&csca, &[forged]), now) {
        ChainOutcome::Trusted { notes, .. } => assert!(notes[0].contains("ignored"), "{notes:?}"),
        other => panic!("{other:?}"),
    }
    // A damaged CRL does not parse (and, in a folder, is skipped).
    let mut damaged = listed;
    damaged.truncate(damaged.len() - 5);
    assert!(enrol_kiosk::trust::crl::Crl::from_der(&damaged, "x").is_err());
    assert!(CertificateList::from_der(&damaged).is_err());
}
