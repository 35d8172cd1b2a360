//! The chip assessment on gmrtd's recorded German PACE-CAM passport (EF.CardAccess,
//! EF.CardSecurity, the chip's CAM key keyId 13 and the other key keyId 72; see
//! tests/data/PROVENANCE.md §5) and on made-up DG14/DG15 sets.

use super::*;
use crate::lds::card_security::PublicKeyAgreement;
use crate::lds::card_security::encode_public_key_info;
use std::path::PathBuf;
use std::time::Duration;

fn data(p: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

fn june_2025() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(20_240 * 86_400)
}

fn de_store() -> TrustStore {
    TrustStore::load(&[
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pki/certs/gmrtd/DE_ROOT_CA_CSCA07.cer"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pki/masterlists/DE_ML_2026-05-28-08-28-45.ml"),
    ])
    .unwrap()
}

/// PK_IC of the recorded session (keyId 13) and the other key (keyId 72).
const KEY_13: &str = "04614CD88B00821A887869D0060B44A9D18789353E8CF7DFBC3F29F79327DE30B97B1B2DDA0BE77F24AD415C327C7B7AB2E9C10B0258F5BCBF90C01825FBDFDEF7";
const KEY_72: &str = "048488A2DC34B6B36D6C01A8DFBD70A874610C53B32893A1DE3B1C4BBF477EEF3761AA51DFD6B52DA43587E95386FC34FFE178D90086A7D646047C82BEBC27DA3E";

/// Evidence that verifies against exactly one key (what `CamEvidence::verify` decides).
fn proof_for(key: &str) -> impl Fn(&ChipAuthenticationPublicKey) -> bool {
    let key = hex::decode(key).unwrap();
    move |k| k.public_key == key
}

fn de_files() -> Files {
    let mut files = Files::new();
    let card_access = hex::decode(
        "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D",
    )
    .unwrap();
    files.insert("EF.CardAccess".into(), Zeroizing::new(card_access));
    let cs = data("tests/data/lds/gmrtd-sod-DE/EF_CardSecurity.bin");
    files.insert("EF.CardSecurity".into(), Zeroizing::new(cs));
    files
}

fn cam(files: &Files, proof: CamVerify<'_>, store: &TrustStore) -> ChipAuthentication {
    assess(files, &[], Some(proof), Status::Valid, store, june_2025())
}

#[test]
fn a_genuine_cam_chip_is_genuine() {
    let a = cam(&de_files(), &proof_for(KEY_13), &de_store());
    assert_eq!(a.verdict, ChipVerdict::Genuine, "{:?}", a.checks);
    assert_eq!(a.checks.len(), 1);
    assert_eq!(a.checks[0].outcome, Outcome::Passed);
    assert!(a.checks[0].detail.contains("key 13"), "{}", a.checks[0].detail);
    assert_eq!(a.card_security.unwrap().status, Status::Valid);
    // Genuine needs passive authentication valid too.
    let a = assess(
        &de_files(),
        &[],
        Some(&proof_for(KEY_13)),
        Status::Invalid,
        &de_store(),
        june_2025(),
    );
    assert_eq!(a.verdict, ChipVerdict::NotProven);
}

#[test]
fn a_clone_whose_proof_matches_another_key_fails() {
    // The proof matches keyId 72, but the CAM PACEInfo's parameterId chooses keyId 13.
    let a = cam(&de_files(), &proof_for(KEY_72), &de_store());
    assert_eq!(a.verdict, ChipVerdict::Failed);
    assert_eq!(a.checks[0].outcome, Outcome::Failed);
    assert!(a.checks[0].detail.contains("does not match"), "{}", a.checks[0].detail);
    // With no CAM PACEInfo to choose between the two keys: FAILED, never a guess.
    let mut files = de_files();
    files.remove("EF.CardAccess");
    let a = cam(&files, &proof_for(KEY_13), &de_store());
    assert_eq!(a.verdict, ChipVerdict::Failed);
    assert!(a.checks[0].detail.contains("none is chosen"), "{}", a.checks[0].detail);
}

#[test]
fn cam_without_a_genuine_card_security_fails() {
    // Missing.
    let mut files = de_files();
    files.remove("EF.CardSecurity");
    let a = cam(&files, &proof_for(KEY_13), &de_store());
    assert_eq!(a.verdict, ChipVerdict::Failed);
    assert!(a.checks[0].detail.contains("no readable EF.CardSecurity"));
    // Altered: the key replaced by the clone's (one byte changed), signature no longer matches.
    let mut files = de_files();
    let cs = files.get_mut("EF.CardSecurity").unwrap();
    let key = hex::decode(&KEY_13[2..34]).unwrap();
    let at = cs.windows(key.len()).position(|w| w == key.as_slice()).unwrap();
    cs[at] ^= 1;
    let mut forged = hex::decode(KEY_13).unwrap();
    forged[1] ^= 1;
    let forged_hex = hex::encode_upper(forged);
    let a = cam(&files, &proof_for(&forged_hex), &de_store());
    assert_eq!(a.verdict, ChipVerdict::Failed);
    assert!(a.checks[0].detail.contains("not genuine"), "{}", a.checks[0].detail);
    // Not parseable at all.
    let mut files = de_files();
    files.insert("EF.CardSecurity".into(), Zeroizing::new(vec![0x30, 0x00]));
    assert_eq!(cam(&files, &proof_for(KEY_13), &de_store()).verdict, ChipVerdict::Failed);
}

#[test]
fn without_a_trust_store_cam_is_not_counted() {
    let none = TrustStore::new();
    let a = cam(&de_files(), &proof_for(KEY_13), &none);
    assert_eq!(a.checks[0].outcome, Outcome::Unsupported);
    assert_eq!(a.verdict, ChipVerdict::NotProven);
    // A proof that does not match is a failure even then.
    assert_eq!(cam(&de_files(), &proof_for(KEY_72), &none).verdict, ChipVerdict::Failed);
}

fn dg14_with_ca_key() -> Vec<u8> {
    let spki = crate::iso7816::tlv::tlv(
        0x30,
        &[crate::iso7816::tlv::tlv(0x30, &[0x06, 0x01, 0x2A]), vec![0x03, 0x02, 0x00, 0x04]]
            .concat(),
    );
    let info = encode_public_key_info(PublicKeyAgreement::Ecdh, &spki, None);
    crate::iso7816::tlv::tlv(0x6E, &crate::iso7816::tlv::tlv(0x31, &info))
}

#[test]
fn what_the_signed_data_offers_must_be_run() {
    let mut files = Files::new();
    assert_eq!(offered(&files), []);
    // DG14 with PACEInfos only offers nothing.
    let pace_only = crate::lds::dg14::encode_pace(&[]);
    files.insert("EF.DG14".into(), Zeroizing::new(pace_only));
    assert_eq!(offered(&files), []);
    files.insert("EF.DG14".into(), Zeroizing::new(dg14_with_ca_key()));
    assert_eq!(offered(&files), [Method::ChipAuthentication]);
    files.insert("EF.DG15".into(), Zeroizing::new(vec![0x6F, 0x00]));
    assert_eq!(offered(&files), [Method::ChipAuthentication, Method::ActiveAuthentication]);
    // A DG14 that does not parse offers CA (fail closed).
    files.insert("EF.DG14".into(), Zeroizing::new(vec![0x6E, 0x05, 0x31]));
    assert!(offered(&files).contains(&Method::ChipAuthentication));

    // Not run: FAILED, with a check saying so.
    let a = assess(&files, &[], None, Status::Valid, &TrustStore::new(), june_2025());
    assert_eq!(a.verdict, ChipVerdict::Failed);
    assert_eq!(a.checks.len(), 2);
    assert!(a.checks.iter().all(|c| c.outcome == Outcome::Failed));
    // Both run, one passed, one unsupported: genuine.
    let run = [
        Check::new(Method::ChipAuthentication, Outcome::Passed, "ok"),
        Check::new(Method::ActiveAuthentication, Outcome::Unsupported, "hash"),
    ];
    let a = assess(&files, &run, None, Status::Valid, &TrustStore::new(), june_2025());
    assert_eq!(a.verdict, ChipVerdict::Genuine);
    // Nothing offered, nothing run: not proven.
    let a = assess(&Files::new(), &[], None, Status::Valid, &TrustStore::new(), june_2025());
    assert_eq!(a.verdict, ChipVerdict::NotProven);
    assert!(a.checks.is_empty() && a.card_security.is_none());
}

#[test]
fn a_chip_whose_signed_dg14_offers_pace_cam_but_was_opened_without_it_failed() {
    use crate::lds::card_access::{KeyAgreement, PaceCipher, PaceInfo, PaceProtocol};
    let info = |mapping| PaceInfo {
        protocol: PaceProtocol {
            key_agreement: KeyAgreement::Ecdh,
            mapping,
            cipher: PaceCipher::Aes128,
        },
        version: 2,
        parameter_id: Some(13),
    };
    let store = de_store();
    for (mappings, expected) in [
        (vec![Mapping::Generic], ChipVerdict::NotProven),
        (vec![Mapping::Generic, Mapping::ChipAuthentication], ChipVerdict::Failed),
    ] {
        let infos: Vec<PaceInfo> = mappings.into_iter().map(info).collect();
        let mut files = Files::new();
        let dg14 = crate::lds::dg14::encode_pace(&infos);
        files.insert(Ef::Dg(14).name(), Zeroizing::new(dg14));
        // No PACE-CAM evidence: the read ran Generic Mapping.
        let assessed = assess(&files, &[], None, Status::Valid, &store, june_2025());
        assert_eq!(assessed.verdict, expected, "{:?}", assessed.checks);
    }
}
