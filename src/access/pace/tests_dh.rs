//! Tests of PACE with Diffie–Hellman (ICAO 9303 Part 11 §4.4, RFC 5114 groups 0–2): Appendix
//! G.2 (DH Generic Mapping, 1024-bit group, AES-128) byte for byte on both sides with the
//! spec's random values replayed, and terminal against chip on every DH group.

use super::tests::{PaceCard, hx};
use super::*;
use crate::access::test_rng::ReplayRng;
use crate::card::mock::ScriptedCard;
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::card_access::Mapping;
use crate::mrz::{AccessKey, Can};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn g2() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/pace-dh-gm-modp1024.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn g2_key(v: &serde_json::Value) -> AccessKey {
    let p = &v["password"];
    let s = |k: &str| p[k].as_str().unwrap().to_owned();
    AccessKey::from_parts(&s("document_number"), &s("date_of_birth"), &s("date_of_expiry")).unwrap()
}

fn g2_params() -> PaceParams {
    PaceParams::new(Group::Dh(0), Mapping::Generic, PaceCipher::Aes128).unwrap()
}

/// The G.2 APDUs; this kiosk adds DO'84' (parameterId 0) to MSE:Set AT.
fn g2_script(v: &serde_json::Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut script: Vec<_> = v["apdus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (hx(&a["command"]), hx(&a["response"])))
        .collect();
    script[0].0 = hex::decode("0022C1A412800A04007F00070202040102830101840100").unwrap();
    // The transcription of the GA 4 answer leaves out its status word.
    script[4].1.extend([0x90, 0x00]);
    script
}

#[test]
fn appendix_g2_parameters_and_intermediate_values() {
    let v = g2();
    let ca = crate::lds::card_access::parse(&hx(&v["ef_cardaccess"])).unwrap();
    let params = PaceParams::choose(&ca).unwrap();
    assert_eq!(params, g2_params());
    assert_eq!(params.name(), "PACE-DH-GM-AES-128");
    let k_pi = password_key(&Password::Mrz(g2_key(&v)), params.cipher());
    assert_eq!(*k_pi, hx(&v["K_pi"]));
    let group = params.group;
    let map = group.map_generic(
        &hx(&v["nonce_s"]),
        &hx(&v["terminal_mapping_private"]),
        &hx(&v["chip_mapping_public"]),
    );
    assert_eq!(map.unwrap(), hx(&v["mapped_generator"]));
    let k = group
        .shared_secret(&hx(&v["terminal_ephemeral_private"]), &hx(&v["chip_ephemeral_public"]))
        .unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let input = token_input(&params, &hx(&v["chip_ephemeral_public"]));
    assert_eq!(input, hx(&v["auth_token_input_terminal"]));
    let (_, ks_mac) = session_keys(&k, params.cipher());
    let t = token(&params, &ks_mac, &hx(&v["terminal_ephemeral_public"])).unwrap();
    assert_eq!(t.to_vec(), hx(&v["T_IC"]));
}

#[test]
fn appendix_g2_terminal_byte_for_byte() {
    let v = g2();
    let mut card = ScriptedCard::new(g2_script(&v));
    let mut rng = ReplayRng::new(&[
        &hx(&v["terminal_mapping_private"]),
        &hx(&v["terminal_ephemeral_private"]),
    ]);
    let (chan, cam) =
        authenticate(&mut card, &Password::Mrz(g2_key(&v)), &g2_params(), &mut rng).unwrap();
    assert_eq!(chan.cipher(), Cipher::Aes128);
    drop(chan);
    assert!(card.is_done() && rng.is_empty() && cam.is_none());
}

#[test]
fn appendix_g2_chip_byte_for_byte() {
    let v = g2();
    let mut chip = PaceChip::new(vec![g2_params()], g2_key(&v), None);
    let mut rng = ReplayRng::new(&[
        &hx(&v["nonce_s"]),
        &hx(&v["chip_mapping_private"]),
        &hx(&v["chip_ephemeral_private"]),
    ]);
    let script = g2_script(&v);
    chip.set_at(&CommandApdu::parse(&script[0].0).unwrap().data).unwrap();
    for (i, (cmd, resp)) in script.iter().enumerate().skip(1) {
        let cmd = CommandApdu::parse(cmd).unwrap();
        let want = ResponseApdu::parse(resp).unwrap();
        match chip.general_authenticate(cmd.cla == 0x10, &cmd.data, &mut rng).unwrap() {
            GaAnswer::Continue(data) => assert_eq!(data, want.data, "GA {i}"),
            GaAnswer::Done(data, _) => {
                // The spec's chip also sends its CVCA reference (DO'87'); ours only T_IC.
                assert_eq!(i, 4);
                assert_eq!(from_dynamic(&data, 0x86), from_dynamic(&want.data, 0x86));
                assert_eq!(from_dynamic(&data, 0x86).map(<[u8]>::to_vec), Some(hx(&v["T_IC"])));
            }
        }
    }
    assert!(rng.is_empty());
}

#[test]
fn terminal_and_chip_agree_on_every_dh_group() {
    let mrz = super::tests::mrz();
    let can = Can::new("123456").unwrap();
    let cases = [
        (0, PaceCipher::TripleDes),
        (0, PaceCipher::Aes128),
        (0, PaceCipher::Aes192),
        (0, PaceCipher::Aes256),
        (1, PaceCipher::Aes128),
        (2, PaceCipher::Aes256),
    ];
    for (id, cipher) in cases {
        let params = PaceParams::new(Group::Dh(id), Mapping::Generic, cipher).unwrap();
        for password in [Password::Mrz(mrz.clone()), Password::Can(can.clone())] {
            let chip = PaceChip::new(vec![params], mrz.clone(), Some(can.clone()));
            let mut card = PaceCard::new(chip);
            let mut rng = StdRng::seed_from_u64(u64::from(id));
            let (mut chan, _) = authenticate(&mut card, &password, &params, &mut rng)
                .unwrap_or_else(|e| panic!("{id} {cipher:?}: {e}"));
            let resp = chan.send(&CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(vec![1]));
            assert_eq!(resp.unwrap().sw, StatusWord::Ok, "{id} {cipher:?}");
        }
    }
    // A wrong CAN is denied on DH too.
    let params = g2_params();
    let mut card = PaceCard::new(PaceChip::new(vec![params], mrz, Some(can)));
    let wrong = Password::Can(Can::new("654321").unwrap());
    let err = authenticate(&mut card, &wrong, &params, &mut StdRng::seed_from_u64(3))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, AccessError::Denied), "{err}");
}

/// A chip public value of 1, p − 1 or outside the subgroup is refused before any use.
#[test]
fn terminal_rejects_bad_dh_chip_values() {
    let v = g2();
    let script = g2_script(&v);
    let p = hx(&v["group"]["p"]);
    let mut p_minus_1 = p.clone();
    *p_minus_1.last_mut().unwrap() -= 1;
    let mut one = vec![0u8; 128];
    one[127] = 1;
    let mut short = hx(&v["chip_mapping_public"]);
    short.remove(0);
    for bad in [one, p_minus_1, p, short, vec![0xFF; 128]] {
        let ok = |d: Vec<u8>| [d, vec![0x90, 0x00]].concat();
        let s = vec![
            script[0].clone(),
            script[1].clone(),
            (script[2].0.clone(), ok(dynamic(0x82, &bad))),
        ];
        let mut rng = ReplayRng::new(&[&hx(&v["terminal_mapping_private"])]);
        let err = authenticate(
            &mut ScriptedCard::new(s),
            &Password::Mrz(g2_key(&v)),
            &g2_params(),
            &mut rng,
        )
        .map(|_| ())
        .unwrap_err();
        assert!(matches!(err, AccessError::Dh(_) | AccessError::BadResponse(_)), "{err}");
    }
}
