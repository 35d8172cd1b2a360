//! Tests of PACE Chip Authentication Mapping (ICAO 9303 Part 11 §4.4.3.5): a recorded German
//! passport session (gmrtd) replayed byte for byte with the terminal's recorded keys, the
//! evidence checked against the chip's key from its EF.CardSecurity, terminal against the
//! simulated chip, and chips that leave out or garble the chip authentication data.

use super::tests::{PaceCard, hx, mrz};
use super::*;
use crate::access::test_rng::ReplayRng;
use crate::card::mock::ScriptedCard;
use crate::iso7816::{CommandApdu, StatusWord};
use crate::lds::card_access::Mapping;
use crate::mrz::Can;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn de() -> serde_json::Value {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/pace-ecdh-cam-de-bp256.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn de_params() -> PaceParams {
    PaceParams::new(
        Group::Ec(Curve::BrainpoolP256r1),
        Mapping::ChipAuthentication,
        PaceCipher::Aes128,
    )
    .unwrap()
}

fn de_script(v: &serde_json::Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    v["apdus"].as_array().unwrap().iter().map(|a| (hx(&a["command"]), hx(&a["response"]))).collect()
}

fn de_rng(v: &serde_json::Value) -> ReplayRng {
    ReplayRng::new(&[&hx(&v["terminal_mapping_private"]), &hx(&v["terminal_ephemeral_private"])])
}

/// The recorded German PACE-CAM session: every command byte for byte, CA_IC decrypted, and
/// the evidence verifies against keyId 13 of the chip's EF.CardSecurity, not against keyId 72.
#[test]
fn german_passport_cam_trace_replays_and_verifies() {
    let v = de();
    let ca = crate::lds::card_access::parse(&hx(&v["ef_cardaccess"])).unwrap();
    // The chip lists GM first and CAM second: CAM is chosen, as the recorded reader did.
    assert_eq!(PaceParams::choose(&ca).unwrap().mapping(), Mapping::ChipAuthentication);
    let infos: Vec<_> = ca.pace_infos().filter_map(PaceParams::from_info).collect();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[1], de_params());

    let mut card = ScriptedCard::new(de_script(&v));
    let mut rng = de_rng(&v);
    let (chan, cam) = terminal::run(&mut card, &hx(&v["K_pi"]), 1, &de_params(), &mut rng).unwrap();
    assert_eq!(chan.cipher(), Cipher::Aes128);
    drop(chan);
    assert!(card.is_done() && rng.is_empty());
    let cam = cam.unwrap();
    assert_eq!(cam.curve, Curve::BrainpoolP256r1);
    assert_eq!(cam.ca_ic, hx(&v["CA_IC"]));
    assert_eq!(cam.pk_map_ic, hx(&v["chip_mapping_public"]));
    assert!(cam.verify(&hx(&v["chip_static_public_key_PK_IC_keyId_13"])));
    assert!(!cam.verify(&hx(&v["other_ca_public_key_keyId_72"])));
    assert!(!cam.verify(&[0x04; 65]));
    assert!(!cam.verify(&[]));
}

/// A CAM chip whose GA 4 answer lacks DO'8A' or carries one that does not decrypt fails the
/// PACE run (fail closed), although its token is right.
#[test]
fn cam_without_or_with_garbled_chip_authentication_data_fails() {
    let v = de();
    let last = hx(&v["apdus"][4]["response"]);
    let t_ic = hx(&v["T_IC"]);
    let a_ic = hx(&v["encrypted_chip_authentication_data_ECAD_IC"]);
    let mut flipped = a_ic.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    let with = |objects: Vec<u8>| [tlv::tlv(TAG_DYNAMIC, &objects), vec![0x90, 0x00]].concat();
    let answers = [
        with(tlv::tlv(0x86, &t_ic)),
        with([tlv::tlv(0x86, &t_ic), tlv::tlv(0x8A, &flipped)].concat()),
        with([tlv::tlv(0x86, &t_ic), tlv::tlv(0x8A, &a_ic[..17])].concat()),
        with([tlv::tlv(0x86, &t_ic), tlv::tlv(0x8A, &[])].concat()),
    ];
    // The unchanged answer is accepted (the modified ones below differ only in DO'8A').
    assert_eq!(with([tlv::tlv(0x86, &t_ic), tlv::tlv(0x8A, &a_ic)].concat()), last);
    for (i, answer) in answers.into_iter().enumerate() {
        let mut script = de_script(&v);
        script[4].1 = answer;
        let mut card = ScriptedCard::new(script);
        let err = terminal::run(&mut card, &hx(&v["K_pi"]), 1, &de_params(), &mut de_rng(&v))
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, AccessError::BadResponse(_)), "answer {i}: {err}");
    }
}

/// The simulated chip proves its static key; a chip with another key gives evidence that
/// does not verify against the advertised one (a clone).
#[test]
fn terminal_and_chip_run_cam_on_every_curve_and_aes_cipher() {
    // Every curve with AES-128, and the other AES suites on two curves.
    let mut cases: Vec<_> = Curve::ALL.into_iter().map(|c| (c, PaceCipher::Aes128)).collect();
    cases.extend([
        (Curve::BrainpoolP320r1, PaceCipher::Aes192),
        (Curve::NistP521, PaceCipher::Aes256),
    ]);
    for (curve, cipher) in cases {
        {
            let params =
                PaceParams::new(Group::Ec(curve), Mapping::ChipAuthentication, cipher).unwrap();
            let mut rng = StdRng::seed_from_u64(11);
            let sk_ic = curve.random_secret(&mut rng);
            let pk_ic = curve.mul(&sk_ic, None).unwrap();
            let other = curve.mul(&curve.random_secret(&mut rng), None).unwrap();
            let chip = PaceChip::new(vec![params], mrz(), None).with_ca_key(sk_ic);
            let mut card = PaceCard::new(chip);
            let (mut chan, cam) =
                authenticate(&mut card, &Password::Mrz(mrz()), &params, &mut rng).unwrap();
            let resp = chan.send(&CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(vec![1]));
            assert_eq!(resp.unwrap().sw, StatusWord::Ok);
            let cam = cam.unwrap_or_else(|| panic!("{curve:?} {cipher:?}: no evidence"));
            assert!(cam.verify(&pk_ic), "{curve:?} {cipher:?}");
            assert!(!cam.verify(&other), "{curve:?} {cipher:?}");
        }
    }
}

#[test]
fn cam_exists_only_for_ecdh_with_aes_and_a_chip_without_a_key_refuses_it() {
    let g = Group::Ec(Curve::NistP256);
    assert!(PaceParams::new(g, Mapping::ChipAuthentication, PaceCipher::TripleDes).is_none());
    let params = PaceParams::new(g, Mapping::ChipAuthentication, PaceCipher::Aes128).unwrap();
    assert_eq!(params.name(), "PACE-ECDH-CAM-AES-128");
    let can = Can::new("123456").unwrap();
    let mut card = PaceCard::new(PaceChip::new(vec![params], mrz(), Some(can.clone())));
    let err = authenticate(&mut card, &Password::Can(can), &params, &mut StdRng::seed_from_u64(1))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, AccessError::Status { step: MSE_SET_AT, .. }), "{err}");
}

/// A recorded New Zealand passport session (gmrtd): ECDH-GM on brainpoolP256r1 with 3DES,
/// every GENERAL AUTHENTICATE byte for byte with the terminal's recorded keys; the recorded
/// MSE:Set AT lacked DO'84', which this kiosk always sends.
#[test]
fn new_zealand_3des_trace_replays() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/pace-ecdh-gm-3des-nz-bp256.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ca = crate::lds::card_access::parse(&hx(&v["ef_cardaccess"])).unwrap();
    let params = PaceParams::choose(&ca).unwrap();
    assert_eq!(params, PaceParams::ecdh_gm(Curve::BrainpoolP256r1, PaceCipher::TripleDes));
    let mut script = de_script(&v);
    script[0].0 = hx(&v["mse_set_at_with_84"]);
    let mut card = ScriptedCard::new(script);
    let mut rng = de_rng(&v);
    let (chan, cam) = terminal::run(&mut card, &hx(&v["K_pi"]), 1, &params, &mut rng).unwrap();
    assert_eq!(chan.cipher(), Cipher::TripleDes);
    drop(chan);
    assert!(card.is_done() && rng.is_empty() && cam.is_none());
    // The session keys are the ones the recorded session used.
    let k = params.group.shared_secret(
        &hx(&v["terminal_ephemeral_private"]),
        &hx(&v["apdus"][3]["response"])[4..4 + 65],
    );
    let (ks_enc, ks_mac) = session_keys(&k.unwrap(), Cipher::TripleDes);
    assert_eq!(*ks_enc, hx(&v["KS_enc"]));
    assert_eq!(*ks_mac, hx(&v["KS_mac"]));
}
