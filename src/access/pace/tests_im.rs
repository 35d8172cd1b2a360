//! Tests of PACE Integrated Mapping (ICAO 9303 Part 11 §4.4.3.3.2): the ICAO worked examples
//! (ECDH on brainpoolP256r1, DH on the 1024-bit group) as whole exchanges — the terminal's
//! nonce t in the clear, an empty mapping answer — terminal against chip on every group and
//! cipher, and NIST P-224 (no point encoding) named as unsupported.

use super::tests::{PaceCard, hx, mrz};
use super::*;
use crate::access::test_rng::ReplayRng;
use crate::card::mock::ScriptedCard;
use crate::iso7816::{CommandApdu, StatusWord};
use crate::lds::card_access::{Mapping, SecurityInfo};
use crate::mrz::Can;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ok(data: Vec<u8>) -> Vec<u8> {
    [data, vec![0x90, 0x00]].concat()
}

fn ga(cla: u8, data: &[u8]) -> Vec<u8> {
    CommandApdu::new(cla, 0x86, 0, 0).with_data(data.to_vec()).with_le(256).encode().unwrap()
}

/// The ICAO ECDH-IM example as APDUs: every command the terminal sends is the one the
/// example's values determine, and the chip's example answers are accepted.
#[test]
fn icao_ecdh_im_example_terminal_exchange() {
    let v = vector("pace-ecdh-im-bp256.json");
    let params =
        PaceParams::new(Group::Ec(Curve::BrainpoolP256r1), Mapping::Integrated, PaceCipher::Aes128)
            .unwrap();
    assert_eq!(params.name(), "PACE-ECDH-IM-AES-128");
    let can = Password::Can(Can::new(v["password"]["value"].as_str().unwrap()).unwrap());
    assert_eq!(*password_key(&can, params.cipher()), hx(&v["K_pi"]));
    let t = hx(&v["nonce_t_terminal"]);
    let script = vec![
        (hex::decode("0022C1A412800A04007F0007020204040283010284010D").unwrap(), vec![0x90, 0]),
        (ga(0x10, &[0x7C, 0x00]), ok(dynamic(0x80, &hx(&v["encrypted_nonce_z"])))),
        (ga(0x10, &dynamic(0x81, &t)), ok(dynamic(0x82, &[]))),
        (
            ga(0x10, &dynamic(0x83, &hx(&v["terminal_ephemeral_public"]))),
            ok(dynamic(0x84, &hx(&v["chip_ephemeral_public"]))),
        ),
        (ga(0x00, &dynamic(0x85, &hx(&v["T_IFD"]))), ok(dynamic(0x86, &hx(&v["T_IC"])))),
    ];
    let mut card = ScriptedCard::new(script);
    let mut rng = ReplayRng::new(&[&t, &hx(&v["terminal_ephemeral_private"])]);
    let (chan, cam) = authenticate(&mut card, &can, &params, &mut rng).unwrap();
    assert_eq!(chan.cipher(), Cipher::Aes128);
    drop(chan);
    assert!(card.is_done() && rng.is_empty() && cam.is_none());
    // The mapped generator and session keys are the example's.
    let g = params.group.map_integrated(&hx(&v["nonce_s"]), &t, Cipher::Aes128).unwrap();
    assert_eq!(g, hx(&v["mapped_generator"]));
    let k = params
        .group
        .shared_secret(&hx(&v["terminal_ephemeral_private"]), &hx(&v["chip_ephemeral_public"]))
        .unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let (ks_enc, ks_mac) = session_keys(&k, Cipher::Aes128);
    assert_eq!((*ks_enc).clone(), hx(&v["KS_enc"]));
    assert_eq!((*ks_mac).clone(), hx(&v["KS_mac"]));
    assert_eq!(
        token_input(&params, &hx(&v["chip_ephemeral_public"])),
        hx(&v["auth_token_input_terminal"])
    );

    // Chip side: the example's nonce gives its z, and the mapping is answered empty.
    let mut chip = PaceChip::new(vec![params], mrz(), Some(Can::new("123456").unwrap()));
    let mut rng = ReplayRng::new(&[&hx(&v["nonce_s"])]);
    chip.set_at(&hex::decode("800A04007F0007020204040283010284010D").unwrap()).unwrap();
    let GaAnswer::Continue(z) = chip.general_authenticate(true, &[0x7C, 0], &mut rng).unwrap()
    else {
        panic!("GA 1 ended the protocol")
    };
    assert_eq!(z, dynamic(0x80, &hx(&v["encrypted_nonce_z"])));
    let GaAnswer::Continue(m) =
        chip.general_authenticate(true, &dynamic(0x81, &t), &mut rng).unwrap()
    else {
        panic!("GA 2 ended the protocol")
    };
    assert_eq!(m, [0x7C, 0x02, 0x82, 0x00]);
}

/// The ICAO DH-IM example: g~ from s and t, K from the example's (full-length) terminal key,
/// the token inputs with the DH tag 84 and both tokens.
#[test]
fn icao_dh_im_example_values() {
    let v = vector("pace-dh-im-modp1024.json");
    let params = PaceParams::new(Group::Dh(0), Mapping::Integrated, PaceCipher::Aes128).unwrap();
    assert_eq!(params.protocol.oid(), hex::decode("04007F00070202040302").unwrap());
    let s = hx(&v["nonce_s"]);
    let t = hx(&v["nonce_t_terminal"]);
    let g = params.group.map_integrated(&s, &t, Cipher::Aes128).unwrap();
    assert_eq!(g, hx(&v["mapped_generator"]));
    let sk = hx(&v["terminal_ephemeral_private"]);
    assert_eq!(params.group.public(&sk, Some(&g)).unwrap(), hx(&v["terminal_ephemeral_public"]));
    let k = params.group.shared_secret(&sk, &hx(&v["chip_ephemeral_public"])).unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let (_, ks_mac) = session_keys(&k, Cipher::Aes128);
    let chip_pk = hx(&v["chip_ephemeral_public"]);
    assert_eq!(token_input(&params, &chip_pk), hx(&v["auth_token_input_terminal"]));
    assert_eq!(token(&params, &ks_mac, &chip_pk).unwrap().to_vec(), hx(&v["T_IFD"]));
    let ours = hx(&v["terminal_ephemeral_public"]);
    assert_eq!(token(&params, &ks_mac, &ours).unwrap().to_vec(), hx(&v["T_IC"]));
}

#[test]
fn terminal_and_chip_run_integrated_mapping_on_every_group_and_cipher() {
    let ciphers =
        [PaceCipher::TripleDes, PaceCipher::Aes128, PaceCipher::Aes192, PaceCipher::Aes256];
    let mut cases: Vec<(Group, PaceCipher)> = Curve::ALL
        .into_iter()
        .filter(|c| *c != Curve::NistP224)
        .enumerate()
        .map(|(i, c)| (Group::Ec(c), ciphers[i % 4]))
        .collect();
    cases.extend(ciphers.map(|c| (Group::Ec(Curve::BrainpoolP256r1), c)));
    cases.extend(ciphers.map(|c| (Group::Dh(0), c)));
    cases.extend([(Group::Dh(1), PaceCipher::Aes192), (Group::Dh(2), PaceCipher::Aes256)]);
    let can = Can::new("123456").unwrap();
    for (group, cipher) in cases {
        let params = PaceParams::new(group, Mapping::Integrated, cipher).unwrap();
        for password in [Password::Mrz(mrz()), Password::Can(can.clone())] {
            let chip = PaceChip::new(vec![params], mrz(), Some(can.clone()));
            let mut card = PaceCard::new(chip);
            let mut rng = StdRng::seed_from_u64(21);
            let (mut chan, _) = authenticate(&mut card, &password, &params, &mut rng)
                .unwrap_or_else(|e| panic!("{group:?} {cipher:?}: {e}"));
            let resp = chan.send(&CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(vec![1]));
            assert_eq!(resp.unwrap().sw, StatusWord::Ok, "{group:?} {cipher:?}");
        }
    }
}

#[test]
fn integrated_mapping_on_p224_is_named_unsupported() {
    let g = Group::Ec(Curve::NistP224);
    assert!(PaceParams::new(g, Mapping::Integrated, PaceCipher::Aes128).is_none());
    assert!(PaceParams::new(g, Mapping::Generic, PaceCipher::Aes128).is_some());
    let protocol = PaceProtocol {
        key_agreement: crate::lds::card_access::KeyAgreement::Ecdh,
        mapping: Mapping::Integrated,
        cipher: PaceCipher::Aes128,
    };
    let info = PaceInfo { protocol, version: 2, parameter_id: Some(10) };
    let why = unsupported_reason(&CardAccess { infos: vec![SecurityInfo::Pace(info)] }).unwrap();
    assert!(why.contains("uses PACE on NIST P-224 with Integrated Mapping"), "{why}");
}

/// A chip that answers the Integrated Mapping step with data (as if Generic) is refused.
#[test]
fn terminal_refuses_mapping_data_under_integrated_mapping() {
    let v = vector("pace-ecdh-im-bp256.json");
    let params =
        PaceParams::new(Group::Ec(Curve::BrainpoolP256r1), Mapping::Integrated, PaceCipher::Aes128)
            .unwrap();
    let t = hx(&v["nonce_t_terminal"]);
    for answer in [dynamic(0x82, &[1, 2, 3]), vec![0x7C, 0x03, 0x82, 0x01]] {
        let script = vec![
            (hex::decode("0022C1A412800A04007F0007020204040283010284010D").unwrap(), vec![0x90, 0]),
            (ga(0x10, &[0x7C, 0x00]), ok(dynamic(0x80, &hx(&v["encrypted_nonce_z"])))),
            (ga(0x10, &dynamic(0x81, &t)), ok(answer)),
        ];
        let can = Password::Can(Can::new("123456").unwrap());
        let mut rng = ReplayRng::new(&[&t]);
        let err = authenticate(&mut ScriptedCard::new(script), &can, &params, &mut rng)
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, AccessError::BadResponse(_)), "{err}");
    }
}
