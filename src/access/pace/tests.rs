//! Tests of PACE: ICAO 9303 Part 11 Appendix G.1 (ECDH-GM, brainpoolP256r1, AES-128) byte
//! for byte on both sides with the spec's random values replayed, terminal against chip on
//! every supported curve and cipher, wrong passwords, and hostile chip answers.

use super::*;
use crate::access::test_rng::ReplayRng;
use crate::card::mock::ScriptedCard;
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::mrz::{AccessKey, Can};
use crate::sm::{ChipSmSession, crypto};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn vector() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/pace-ecdh-gm-bp256.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub(super) fn hx(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn g1_key(v: &serde_json::Value) -> AccessKey {
    let p = &v["password"];
    let key = AccessKey::from_parts(
        p["document_number"].as_str().unwrap(),
        p["date_of_birth"].as_str().unwrap(),
        p["date_of_expiry"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(key.mrz_information(), p["mrz_information"].as_str().unwrap());
    key
}

fn g1_params() -> PaceParams {
    PaceParams::ecdh_gm(Curve::BrainpoolP256r1, PaceCipher::Aes128)
}

#[test]
fn appendix_g1_intermediate_values() {
    let v = vector();
    let params = g1_params();
    let k_pi = password_key(&Password::Mrz(g1_key(&v)), params.cipher());
    assert_eq!(*k_pi, hx(&v["K_pi"]));
    let s = crypto::cbc_decrypt(params.cipher(), &k_pi, &[0; 16], &hx(&v["encrypted_nonce_z"]))
        .unwrap();
    assert_eq!(s, hx(&v["nonce_s"]));
    let c = params.group.curve().unwrap();
    assert_eq!(
        c.mul(&hx(&v["terminal_mapping_private"]), None).unwrap(),
        hx(&v["terminal_mapping_public"])
    );
    let h =
        c.mul(&hx(&v["terminal_mapping_private"]), Some(&hx(&v["chip_mapping_public"]))).unwrap();
    assert_eq!(h, hx(&v["mapping_shared_point_H"]));
    let g = c.map_generator(&s, &h).unwrap();
    assert_eq!(g, hx(&v["mapped_generator"]));
    let pk = c.mul(&hx(&v["terminal_ephemeral_private"]), Some(&g)).unwrap();
    assert_eq!(pk, hx(&v["terminal_ephemeral_public"]));
    let shared =
        c.mul(&hx(&v["terminal_ephemeral_private"]), Some(&hx(&v["chip_ephemeral_public"])));
    let k = c.x_coordinate(&shared.unwrap()).unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let (ks_enc, ks_mac) = session_keys(&k, params.cipher());
    assert_eq!(*ks_enc, hx(&v["KS_enc"]));
    assert_eq!(*ks_mac, hx(&v["KS_mac"]));
    let input = token_input(&params, &hx(&v["chip_ephemeral_public"]));
    assert_eq!(input, hx(&v["auth_token_input_terminal"]));
    let t = token(&params, &ks_mac, &hx(&v["chip_ephemeral_public"])).unwrap();
    assert_eq!(t.to_vec(), hx(&v["T_IFD"]));
    let t = token(&params, &ks_mac, &hx(&v["terminal_ephemeral_public"])).unwrap();
    assert_eq!(t.to_vec(), hx(&v["T_IC"]));
}

/// The whole Appendix G.1 exchange, terminal side, through a scripted card.
#[test]
fn appendix_g1_terminal_byte_for_byte() {
    let v = vector();
    let script = v["apdus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (hx(&a["command"]), hx(&a["response"])))
        .collect();
    let mut card = ScriptedCard::new(script);
    let mut rng = ReplayRng::new(&[
        &hx(&v["terminal_mapping_private"]),
        &hx(&v["terminal_ephemeral_private"]),
    ]);
    let (chan, cam) =
        authenticate(&mut card, &Password::Mrz(g1_key(&v)), &g1_params(), &mut rng).unwrap();
    assert_eq!(chan.cipher(), Cipher::Aes128);
    assert_eq!(cam, None);
    drop(chan);
    assert!(card.is_done() && rng.is_empty());
}

/// The chip side answers the Appendix G.1 commands with the spec's responses.
#[test]
fn appendix_g1_chip_byte_for_byte() {
    let v = vector();
    let mut chip = PaceChip::new(vec![g1_params()], g1_key(&v), None);
    let mut rng = ReplayRng::new(&[
        &hx(&v["nonce_s"]),
        &hx(&v["chip_mapping_private"]),
        &hx(&v["chip_ephemeral_private"]),
    ]);
    let apdus = v["apdus"].as_array().unwrap();
    let mse = CommandApdu::parse(&hx(&apdus[0]["command"])).unwrap();
    chip.set_at(&mse.data).unwrap();
    for (i, a) in apdus.iter().enumerate().skip(1) {
        let cmd = CommandApdu::parse(&hx(&a["command"])).unwrap();
        let want = ResponseApdu::parse(&hx(&a["response"])).unwrap();
        match chip.general_authenticate(cmd.cla == 0x10, &cmd.data, &mut rng).unwrap() {
            GaAnswer::Continue(data) => assert_eq!(data, want.data, "GA {i}"),
            GaAnswer::Done(data, session) => {
                assert_eq!(i, 4);
                assert_eq!(data, want.data);
                assert_eq!(session.cipher(), Cipher::Aes128);
            }
        }
    }
    assert!(rng.is_empty());
}

/// A card made of a [`PaceChip`] (MSE and GA only) that then answers one protected SELECT.
pub(super) struct PaceCard {
    chip: PaceChip,
    rng: StdRng,
    session: Option<ChipSmSession>,
    apdus: usize,
}

impl PaceCard {
    pub(super) fn new(chip: PaceChip) -> Self {
        PaceCard { chip, rng: StdRng::seed_from_u64(7), session: None, apdus: 0 }
    }
}

impl CardChannel for PaceCard {
    fn transmit(&mut self, raw: &[u8]) -> Result<Vec<u8>, CardError> {
        self.apdus += 1;
        let cmd = CommandApdu::parse(raw).unwrap();
        if let Some(s) = self.session.as_mut() {
            let inner = s.unprotect_command(&cmd).unwrap();
            assert_eq!(inner.ins, 0xA4);
            return Ok(s
                .protect_response(&ResponseApdu::status(StatusWord::Ok))
                .unwrap()
                .to_bytes());
        }
        let result = match cmd.ins {
            0x22 => self.chip.set_at(&cmd.data).map(|()| ResponseApdu::status(StatusWord::Ok)),
            0x86 => match self.chip.general_authenticate(cmd.cla == 0x10, &cmd.data, &mut self.rng)
            {
                Ok(GaAnswer::Continue(d)) => Ok(ResponseApdu::new(d, StatusWord::Ok)),
                Ok(GaAnswer::Done(d, s)) => {
                    self.session = Some(s);
                    Ok(ResponseApdu::new(d, StatusWord::Ok))
                }
                Err(e) => Err(e),
            },
            _ => Ok(ResponseApdu::status(StatusWord::InsNotSupported)),
        };
        Ok(result.unwrap_or_else(|e| ResponseApdu::status(e.chip_status())).to_bytes())
    }
}

pub(super) fn mrz() -> AccessKey {
    AccessKey::from_parts("L898902C", "690806", "940623").unwrap()
}

#[test]
fn terminal_and_chip_agree_on_every_curve_and_cipher() {
    for curve in Curve::ALL {
        for cipher in
            [PaceCipher::TripleDes, PaceCipher::Aes128, PaceCipher::Aes192, PaceCipher::Aes256]
        {
            let params = PaceParams::ecdh_gm(curve, cipher);
            let can = Can::new("123456").unwrap();
            for password in [Password::Mrz(mrz()), Password::Can(can.clone())] {
                let chip = PaceChip::new(vec![params], mrz(), Some(can.clone()));
                let mut card = PaceCard::new(chip);
                let mut rng = StdRng::seed_from_u64(1);
                let (mut chan, _) = authenticate(&mut card, &password, &params, &mut rng)
                    .unwrap_or_else(|e| panic!("{curve:?} {cipher:?} {password:?}: {e}"));
                assert_eq!(chan.cipher(), params.cipher());
                // Both sides start SM at SSC 0 with the same keys: a protected command works.
                let resp =
                    chan.send(&CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(vec![1])).unwrap();
                assert_eq!(resp.sw, StatusWord::Ok);
                drop(chan);
                // PACE = MSE + 4 GA, then the SELECT.
                assert_eq!(card.apdus, 6);
            }
        }
    }
}

#[test]
fn wrong_password_is_denied_by_the_chip() {
    let params = g1_params();
    let chip = PaceChip::new(vec![params], mrz(), Some(Can::new("123456").unwrap()));
    let mut card = PaceCard::new(chip);
    let wrong = Password::Can(Can::new("654321").unwrap());
    let err = authenticate(&mut card, &wrong, &params, &mut StdRng::seed_from_u64(2)).unwrap_err();
    assert!(matches!(err, AccessError::Denied), "{err}");
    let wrong = Password::Mrz(AccessKey::from_parts("L898902C", "690806", "940624").unwrap());
    let err = authenticate(&mut card, &wrong, &params, &mut StdRng::seed_from_u64(3)).unwrap_err();
    assert!(matches!(err, AccessError::Denied), "{err}");
    // The right one still works afterwards.
    authenticate(&mut card, &Password::Mrz(mrz()), &params, &mut StdRng::seed_from_u64(4)).unwrap();
}

#[test]
fn chip_refuses_can_it_does_not_have_and_unknown_protocols() {
    let params = g1_params();
    let mut card = PaceCard::new(PaceChip::new(vec![params], mrz(), None));
    let can = Password::Can(Can::new("123456").unwrap());
    let err = authenticate(&mut card, &can, &params, &mut StdRng::seed_from_u64(5)).unwrap_err();
    assert!(matches!(err, AccessError::Status { step: "MSE:Set AT", .. }), "{err}");
    let other = PaceParams::ecdh_gm(Curve::NistP256, PaceCipher::Aes128);
    let err = authenticate(&mut card, &Password::Mrz(mrz()), &other, &mut StdRng::seed_from_u64(6))
        .unwrap_err();
    assert!(matches!(err, AccessError::Status { .. }), "{err}");
}

#[test]
fn chip_steps_out_of_order_are_refused() {
    let mut chip = PaceChip::new(vec![g1_params()], mrz(), None);
    let mut rng = StdRng::seed_from_u64(8);
    assert!(matches!(
        chip.general_authenticate(true, &[0x7C, 0x00], &mut rng),
        Err(AccessError::OutOfOrder(_))
    ));
    assert!(matches!(chip.set_at(&[0x80, 0x01]), Err(AccessError::BadCommand(_))));
    let mse = hex::decode("800A04007F00070202040202830101").unwrap();
    chip.set_at(&mse).unwrap();
    // GA 1 without chaining, and GA 1 with data, end the run.
    assert!(chip.general_authenticate(false, &[0x7C, 0x00], &mut rng).is_err());
    assert!(chip.general_authenticate(true, &[0x7C, 0x00], &mut rng).is_err());
    chip.set_at(&mse).unwrap();
    assert!(matches!(
        chip.general_authenticate(true, &[0x7C, 0x00], &mut rng),
        Ok(GaAnswer::Continue(_))
    ));
    // A mapping key that is not on the curve.
    let mut bad = vec![0x04];
    bad.extend([0x11; 64]);
    assert!(matches!(
        chip.general_authenticate(true, &dynamic(0x81, &bad), &mut rng),
        Err(AccessError::Curve(CurveError::BadPoint))
    ));
}

/// Scripted chips that answer GA 2 or GA 3 with hostile points.
#[test]
fn terminal_rejects_invalid_or_echoed_chip_points() {
    let v = vector();
    let apdus = v["apdus"].as_array().unwrap();
    let cmd = |i: usize| hx(&apdus[i]["command"]);
    let resp = |i: usize| hx(&apdus[i]["response"]);
    let rng = || {
        ReplayRng::new(&[
            &hx(&v["terminal_mapping_private"]),
            &hx(&v["terminal_ephemeral_private"]),
        ])
    };
    let ok = |d: Vec<u8>| [d, vec![0x90, 0x00]].concat();
    let mut off_curve = hx(&v["chip_mapping_public"]);
    off_curve[64] ^= 1;
    let echoed = hx(&v["terminal_mapping_public"]);
    for (bad, want) in [(off_curve, "point"), (echoed, "echo"), (vec![0x04; 10], "length")] {
        let script = vec![(cmd(0), resp(0)), (cmd(1), resp(1)), (cmd(2), ok(dynamic(0x82, &bad)))];
        let mut card = ScriptedCard::new(script);
        let err = authenticate(&mut card, &Password::Mrz(g1_key(&v)), &g1_params(), &mut rng())
            .unwrap_err();
        assert!(
            matches!(err, AccessError::Curve(_) | AccessError::BadResponse(_)),
            "{want}: {err}"
        );
    }
    // A wrong T_IC is Denied; a GA 4 answered 6300 too.
    for last in [ok(dynamic(0x86, &[0; 8])), vec![0x63, 0x00], vec![0x63, 0xC2]] {
        let mut script: Vec<_> = (0..4).map(|i| (cmd(i), resp(i))).collect();
        script.push((cmd(4), last));
        let mut card = ScriptedCard::new(script);
        let err = authenticate(&mut card, &Password::Mrz(g1_key(&v)), &g1_params(), &mut rng())
            .unwrap_err();
        assert!(matches!(err, AccessError::Denied), "{err}");
    }
    // A nonce that is not whole blocks.
    let script = vec![(cmd(0), resp(0)), (cmd(1), ok(dynamic(0x80, &[1; 15])))];
    let err = authenticate(
        &mut ScriptedCard::new(script),
        &Password::Mrz(g1_key(&v)),
        &g1_params(),
        &mut rng(),
    )
    .unwrap_err();
    assert!(matches!(err, AccessError::BadResponse(_)), "{err}");
}

#[test]
fn parameters_from_card_access() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/gmrtd-samples/EF_CardAccess_DE.bin"
    ))
    .unwrap();
    let ca = crate::lds::card_access::parse(&bytes).unwrap();
    // The German chip lists GM and CAM on brainpoolP256r1: CAM is chosen (it proves the chip).
    let p = PaceParams::choose(&ca).unwrap();
    assert_eq!(p.group, g1_params().group);
    assert_eq!(p.name(), "PACE-ECDH-CAM-AES-128");
    assert_eq!(PaceParams::from_info(&p.info()), Some(p));
    // DH Generic Mapping on the 1024-bit RFC 5114 group is supported.
    let dh = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/openpace-eac-worked-example/EF_CardAccess_DH.bin"
    ))
    .unwrap();
    let dh = PaceParams::choose(&crate::lds::card_access::parse(&dh).unwrap()).unwrap();
    assert_eq!(dh.group, Group::Dh(0));
    assert_eq!(dh.name(), "PACE-DH-GM-AES-128");
    let mut v1 = p.info();
    v1.version = 1;
    assert_eq!(PaceParams::from_info(&v1), None);
}

#[test]
fn curve_rejects_bad_scalars_and_points() {
    let c = Curve::NistP256;
    assert_eq!(c.mul(&[0; 32], None), Err(CurveError::BadScalar));
    assert_eq!(c.mul(&[0xFF; 32], None), Err(CurveError::BadScalar));
    assert_eq!(c.mul(&[1; 31], None), Err(CurveError::BadScalar));
    let g = c.mul(&[[0; 31].as_slice(), &[1]].concat(), None).unwrap();
    assert_eq!(g.len(), 65);
    assert_eq!(c.check_point(&g), Ok(()));
    assert_eq!(c.check_point(&[0x00]), Err(CurveError::BadPoint));
    let mut compressed = vec![0x02];
    compressed.extend_from_slice(&g[1..33]);
    assert_eq!(c.check_point(&compressed), Err(CurveError::BadPoint));
    // A brainpool point is not on P-256.
    let bp = Curve::BrainpoolP256r1.mul(&[[0; 31].as_slice(), &[1]].concat(), None).unwrap();
    assert!(c.check_point(&bp).is_err());
    let mut rng = StdRng::seed_from_u64(9);
    let a = c.random_secret(&mut rng);
    assert_eq!(a.len(), 32);
    assert_ne!(*a, *c.random_secret(&mut rng));
}

/// BSI "Worked Example for EAC" v1.01, PACE part (ECDH-GM, brainpoolP256r1, AES-128) with the
/// PIN 123456 as password: f(π) is its ASCII digits, as for a CAN. Intermediate values, then
/// the chip side replayed with the example's random values.
#[test]
fn bsi_worked_example_pace_with_a_six_digit_password() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/vectors/ca-bsi-eac-worked-example-ecdh-bp256.json"
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = &all["pace"];
    let params = g1_params();
    assert_eq!(
        crate::lds::card_access::oid_string(&params.protocol.oid()),
        v["oid"].as_str().unwrap()
    );
    let can = Can::new(v["password"]["value"].as_str().unwrap()).unwrap();
    let k_pi = password_key(&Password::Can(can.clone()), params.cipher());
    assert_eq!(*k_pi, hx(&v["K_pi"]));
    let s = crypto::cbc_decrypt(params.cipher(), &k_pi, &[0; 16], &hx(&v["encrypted_nonce_z"]))
        .unwrap();
    assert_eq!(s, hx(&v["nonce_s"]));
    let c = params.group.curve().unwrap();
    let h =
        c.mul(&hx(&v["terminal_mapping_private"]), Some(&hx(&v["chip_mapping_public"]))).unwrap();
    assert_eq!(h, hx(&v["mapping_shared_secret_H"]));
    let g = c.map_generator(&s, &h).unwrap();
    assert_eq!(g, hx(&v["mapped_generator"]));
    // The example writes this private key with a leading 00 (33 bytes).
    let sk = hx(&v["terminal_ephemeral_private"]);
    let sk = &sk[sk.len() - 32..];
    assert_eq!(c.mul(sk, Some(&g)).unwrap(), hx(&v["terminal_ephemeral_public"]));
    let k = c.x_coordinate(&c.mul(sk, Some(&hx(&v["chip_ephemeral_public"]))).unwrap()).unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let (ks_enc, ks_mac) = session_keys(&k, params.cipher());
    assert_eq!((*ks_enc).clone(), hx(&v["KS_enc"]));
    assert_eq!((*ks_mac).clone(), hx(&v["KS_mac"]));
    let t = token(&params, &ks_mac, &hx(&v["chip_ephemeral_public"])).unwrap();
    assert_eq!(t.to_vec(), hx(&v["T_IFD"]));

    // Chip side: the example's nonce and chip keys replayed; password reference 02.
    let mut chip = PaceChip::new(vec![params], mrz(), Some(can));
    let mut rng = ReplayRng::new(&[
        &hx(&v["nonce_s"]),
        &hx(&v["chip_mapping_private"]),
        &hx(&v["chip_ephemeral_private"]),
    ]);
    chip.set_at(&hex::decode("800A04007F00070202040202830102").unwrap()).unwrap();
    let steps = [
        (vec![0x7C, 0x00], dynamic(0x80, &hx(&v["encrypted_nonce_z"]))),
        (
            dynamic(0x81, &hx(&v["terminal_mapping_public"])),
            dynamic(0x82, &hx(&v["chip_mapping_public"])),
        ),
        (
            dynamic(0x83, &hx(&v["terminal_ephemeral_public"])),
            dynamic(0x84, &hx(&v["chip_ephemeral_public"])),
        ),
    ];
    for (i, (cmd, want)) in steps.iter().enumerate() {
        match chip.general_authenticate(true, cmd, &mut rng).unwrap() {
            GaAnswer::Continue(data) => assert_eq!(&data, want, "GA {}", i + 1),
            GaAnswer::Done(..) => panic!("GA {} ended the protocol", i + 1),
        }
    }
    match chip.general_authenticate(false, &dynamic(0x85, &hx(&v["T_IFD"])), &mut rng).unwrap() {
        GaAnswer::Done(data, _) => assert_eq!(data, dynamic(0x86, &hx(&v["T_IC"]))),
        GaAnswer::Continue(_) => panic!("GA 4 did not end the protocol"),
    }
    assert!(rng.is_empty());
}

/// A chip listing two PACEInfos of one protocol (ECDH-GM-AES-128 on P-256 and P-384, as Polish
/// identity cards do): DO'84' picks the second, and without DO'84' the chip refuses.
#[test]
fn a_chip_with_several_paceinfos_runs_the_one_do84_names_and_requires_do84() {
    let p256 = PaceParams::ecdh_gm(Curve::NistP256, PaceCipher::Aes128);
    let p384 = PaceParams::ecdh_gm(Curve::NistP384, PaceCipher::Aes128);
    let password = Password::Mrz(mrz());
    for (params, seed) in [(p384, 11), (p256, 12)] {
        let chip = PaceChip::new(vec![p256, p384], mrz(), None).with_domain_required(true);
        let mut card = PaceCard::new(chip);
        authenticate(&mut card, &password, &params, &mut StdRng::seed_from_u64(seed))
            .unwrap_or_else(|e| panic!("{}: {e}", params.group.name()));
    }
    // MSE:Set AT without DO'84': 80 id-PACE-ECDH-GM-AES-CBC-CMAC-128, 83 01.
    let no_do84 = hex::decode("800A04007F00070202040202830101").unwrap();
    let mut chip = PaceChip::new(vec![p256, p384], mrz(), None).with_domain_required(true);
    assert!(matches!(chip.set_at(&no_do84), Err(AccessError::Unsupported(_))));
    // A parameterId the chip does not list for this protocol is refused too.
    let mut bp = no_do84.clone();
    bp.extend([0x84, 0x01, 13]);
    assert!(matches!(chip.set_at(&bp), Err(AccessError::Unsupported(_))));
    // A chip listing one PACEInfo takes MSE:Set AT without DO'84' (older terminals).
    let mut single = PaceChip::new(vec![p256], mrz(), None);
    single.set_at(&no_do84).unwrap();
}
