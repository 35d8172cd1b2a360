use super::*;
use crate::card::mock::ScriptedCard;
use crate::lds::card_access::KeyAgreement;
use crate::lds::chip_authentication::ExplicitCurve;
use crate::lds::dg14;

fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn h(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

const SESSIONS: [&str; 4] = [
    "ca-v1-gmrtd-AT-ecdh-bp256-aes128",
    "ca-v1-gmrtd-DE-ecdh-bp256-aes128-keyid",
    "ca-v1-gmrtd-FR-ecdh-p256-3des-msekat",
    "ca-v1-gmrtd-MY-ecdh-bp256-3des",
];

fn cipher_of(alg: &str, key_len: usize) -> Cipher {
    match (alg, key_len) {
        ("TDES", _) => Cipher::TripleDes,
        (_, 16) => Cipher::Aes128,
        (_, 24) => Cipher::Aes192,
        _ => Cipher::Aes256,
    }
}

fn key_of(v: &serde_json::Value) -> CaKey {
    let infos = dg14::parse(&h(&v["dg14"])).unwrap();
    match choose(&infos) {
        Offer::Key(k) => k,
        other => panic!("{other:?}"),
    }
}

/// Replays a recorded session (the old session keys and SSC, the injected terminal key) and
/// returns the run and whether every recorded APDU was sent, byte for byte.
fn replay(v: &serde_json::Value, mode: Mode, tamper_last: bool) -> (Result<Run, CardError>, bool) {
    let before = &v["sm_before"];
    let enc = h(&before["KS_enc"]);
    let cipher = cipher_of(before["alg"].as_str().unwrap(), enc.len());
    let session = SmSession::new(cipher, &enc, &h(&before["KS_mac"]), &h(&before["SSC"])).unwrap();
    let apdus = v["apdus"].as_array().unwrap();
    let mut script: Vec<(Vec<u8>, Vec<u8>)> =
        apdus.iter().map(|a| (h(&a["command"]), h(&a["response"]))).collect();
    if tamper_last {
        let last = script.last_mut().unwrap();
        let n = last.1.len();
        last.1[n - 3] ^= 0x01; // a byte of the MAC
    }
    let mut card = ScriptedCard::new(script);
    let mut chan = SecureChannel::new(&mut card, session);
    let key = key_of(v);
    let run = authenticate_with_secret(&mut chan, &key, mode, &h(&v["terminal_ephemeral_private"]));
    drop(chan);
    (run, card.is_done())
}

#[test]
fn recorded_real_sessions_replay_byte_for_byte() {
    for name in SESSIONS {
        let v = vector(name);
        // MY is a 3DES chip recorded with MSE:Set AT + GA: the path after a refused KAT.
        let mode = if name.contains("-MY-") { Mode::SetAt } else { Mode::Auto };
        let (run, done) = replay(&v, mode, false);
        let Ok(Run::Done(check)) = run else { panic!("{name}: {run:?}") };
        assert_eq!(check.outcome, Outcome::Passed, "{name}: {}", check.detail);
        assert_eq!(check.method, Method::ChipAuthentication);
        assert!(done, "{name}: not every recorded APDU was sent");
        let how = if name.contains("-FR-") { "MSE:Set KAT" } else { "MSE:Set AT" };
        assert!(check.detail.contains(how), "{name}: {}", check.detail);
    }
}

#[test]
fn derived_secret_and_keys_match_the_recordings() {
    for name in SESSIONS {
        let v = vector(name);
        let key = key_of(&v);
        let ChipKey::Ec { curve, public } = &key.key else { panic!() };
        assert_eq!(public, &h(&v["chip_ca_public_key_from_dg14"]), "{name}");
        let secret = h(&v["terminal_ephemeral_private"]);
        assert_eq!(curve.mul(&secret, None).unwrap(), h(&v["terminal_ephemeral_public"]));
        let k = shared_secret(&key, &secret).unwrap();
        assert_eq!(*k, h(&v["shared_secret_K"]), "{name}");
        let after = &v["sm_after"];
        let cipher = cipher_of(after["alg"].as_str().unwrap(), h(&after["KS_enc"]).len());
        assert_eq!(cipher, sm_cipher(key.protocol.cipher), "{name}");
        let (enc, mac) = session_keys(&k, cipher);
        assert_eq!(*enc, h(&after["KS_enc"]), "{name}");
        assert_eq!(*mac, h(&after["KS_mac"]), "{name}");
    }
}

#[test]
fn a_chip_whose_answer_does_not_verify_under_the_new_keys_fails() {
    for name in SESSIONS {
        let v = vector(name);
        let mode = if name.contains("-MY-") { Mode::SetAt } else { Mode::Auto };
        let (run, _) = replay(&v, mode, true);
        let Ok(Run::Done(check)) = run else { panic!("{name}: {run:?}") };
        assert_eq!(check.outcome, Outcome::Failed, "{name}");
        assert!(check.detail.contains("does not hold the key"), "{}", check.detail);
    }
}

#[test]
fn a_card_taken_away_mid_authentication_is_a_transport_error_not_a_verdict() {
    let v = vector(SESSIONS[0]);
    let before = &v["sm_before"];
    let session = SmSession::new(
        Cipher::Aes128,
        &h(&before["KS_enc"]),
        &h(&before["KS_mac"]),
        &h(&before["SSC"]),
    )
    .unwrap();
    let first = &v["apdus"][0];
    let mut card = ScriptedCard::new(vec![(h(&first["command"]), h(&first["response"]))]);
    let mut chan = SecureChannel::new(&mut card, session);
    let run = authenticate_with_secret(
        &mut chan,
        &key_of(&v),
        Mode::Auto,
        &h(&v["terminal_ephemeral_private"]),
    );
    assert!(matches!(run, Err(CardError::CardRemoved)), "{run:?}");
}

#[test]
fn bsi_worked_example_gives_k_and_the_v1_session_keys() {
    // BSI EAC worked example (ECDH, brainpoolP256r1): K = x(SK_PCD · PK_PICC), and the CA v1
    // keys KDF(K, 1), KDF(K, 2) (v1 has no nonce).
    let v = vector("ca-bsi-eac-worked-example-ecdh-bp256");
    let ca = &v["ca"];
    let key = CaKey {
        protocol: CaProtocol { key_agreement: KeyAgreement::Ecdh, cipher: PaceCipher::Aes128 },
        key_id: None,
        key: ChipKey::Ec { curve: Curve::BrainpoolP256r1, public: h(&ca["picc_static_public"]) },
    };
    // The source writes the 32-byte scalar with a leading 00; the terminal uses fixed width.
    let secret = h(&ca["pcd_ephemeral_private"]);
    let secret = &secret[secret.len() - 32..];
    let k = shared_secret(&key, secret).unwrap();
    assert_eq!(*k, h(&ca["shared_secret_K"]));
    let (enc, mac) = session_keys(&k, Cipher::Aes128);
    assert_eq!(*enc, h(&ca["ca_v1_style_KS_enc_without_nonce"]));
    assert_eq!(*mac, h(&ca["ca_v1_style_KS_mac_without_nonce"]));
    // The chip side computes the same K from its static key and the terminal's point.
    let chip_point = Curve::BrainpoolP256r1
        .mul(&h(&ca["picc_static_private"]), Some(&h(&ca["pcd_ephemeral_public"])))
        .unwrap();
    assert_eq!(*Curve::BrainpoolP256r1.x_coordinate(&chip_point).unwrap(), *k);
}

fn ec_key(id: Option<u64>, point: Vec<u8>) -> ChipAuthenticationPublicKeyInfo {
    ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Ecdh,
        public_key: CaPublicKey::Ec {
            domain: EcDomain::Named(curve_oid(Curve::NistP256).into()),
            point,
        },
        key_id: id,
    }
}

fn info(cipher: PaceCipher, version: u64, id: Option<u64>) -> ChipAuthenticationInfo {
    ChipAuthenticationInfo {
        protocol: CaProtocol { key_agreement: KeyAgreement::Ecdh, cipher },
        version,
        key_id: id,
    }
}

fn set(infos: Vec<SecurityInfo>) -> CardAccess {
    CardAccess { infos }
}

#[test]
fn choice_follows_key_ids_and_infers_3des_without_an_info() {
    let p1 = Curve::NistP256.mul(&[1; 32], None).unwrap();
    let p2 = Curve::NistP256.mul(&[2; 32], None).unwrap();
    let keys = || {
        vec![
            SecurityInfo::ChipAuthenticationPublicKey(ec_key(Some(1), p1.clone())),
            SecurityInfo::ChipAuthenticationPublicKey(ec_key(Some(2), p2.clone())),
        ]
    };
    // The info names key 2: key 2 is used, and its id goes into DO'84'.
    let mut infos = keys();
    infos.push(SecurityInfo::ChipAuthentication(info(PaceCipher::Aes256, 1, Some(2))));
    let Offer::Key(k) = choose(&set(infos)) else { panic!() };
    assert_eq!((k.key_id, k.protocol.cipher), (Some(2), PaceCipher::Aes256));
    assert_eq!(k.key, ChipKey::Ec { curve: Curve::NistP256, public: p2.clone() });
    assert_eq!(key_reference(2), [2]);
    assert_eq!(key_reference(0x1_0203), [1, 2, 3]);
    // A version-2 info is not CA v1; the version-1 one after it is used.
    let mut infos = keys();
    infos.push(SecurityInfo::ChipAuthentication(info(PaceCipher::Aes128, 2, Some(2))));
    infos.push(SecurityInfo::ChipAuthentication(info(PaceCipher::Aes128, 1, Some(1))));
    let Offer::Key(k) = choose(&set(infos)) else { panic!() };
    assert_eq!(k.key_id, Some(1));
    // No info at all: the first key, with 3DES (TR-03110 v1).
    let Offer::Key(k) = choose(&set(keys())) else { panic!() };
    assert_eq!((k.key_id, k.protocol.cipher), (Some(1), PaceCipher::TripleDes));
    // An info naming a key that is not listed, or only version 2: not runnable.
    let mut infos = keys();
    infos.push(SecurityInfo::ChipAuthentication(info(PaceCipher::Aes128, 1, Some(9))));
    assert!(matches!(choose(&set(infos)), Offer::Unsupported(w) if w.contains("no listed key")));
    let mut infos = keys();
    infos.push(SecurityInfo::ChipAuthentication(info(PaceCipher::Aes128, 2, None)));
    assert!(matches!(choose(&set(infos)), Offer::Unsupported(w) if w.contains("version 2")));
    // Nothing about CA: not offered.
    assert_eq!(choose(&set(vec![])), Offer::NotOffered);
}

#[test]
fn explicit_brainpool_p224_parameters_map_to_the_standard_curve() {
    // JMRTD's BSI 2008 sample DG14: explicit brainpoolP224r1 parameters, no
    // ChipAuthenticationInfo (so CA with 3DES).
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/jmrtd-bsi2008/DG14.bin"
    ))
    .unwrap();
    let Offer::Key(key) = choose(&dg14::parse(&bytes).unwrap()) else { panic!() };
    assert!(matches!(key.key, ChipKey::Ec { curve: Curve::BrainpoolP224r1, .. }));
    assert_eq!(key.protocol.cipher, PaceCipher::TripleDes);
    assert_eq!(key.describe(), "CA-ECDH-3DES on brainpoolP224r1");
}

#[test]
fn keys_this_kiosk_cannot_run_are_unsupported_with_the_reason() {
    // A named curve that is no standardized PACE/CA curve (secp256k1).
    let k1 = ChipAuthenticationPublicKeyInfo {
        public_key: CaPublicKey::Ec {
            domain: EcDomain::Named("1.3.132.0.10".into()),
            point: vec![4; 65],
        },
        ..ec_key(None, vec![])
    };
    let offer = choose(&set(vec![SecurityInfo::ChipAuthenticationPublicKey(k1)]));
    assert!(matches!(&offer, Offer::Unsupported(w) if w.contains("unknown curve")), "{offer:?}");
    // Explicit parameters that are no standardized curve (b changed) are refused.
    let v = vector(SESSIONS[1]);
    let mut infos = dg14::parse(&h(&v["dg14"])).unwrap();
    for i in &mut infos.infos {
        if let SecurityInfo::ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo {
            public_key: CaPublicKey::Ec { domain: EcDomain::Explicit(ExplicitCurve { b, .. }), .. },
            ..
        }) = i
        {
            b[31] ^= 1;
        }
    }
    assert!(matches!(choose(&infos), Offer::Unsupported(w) if w.contains("no standardized curve")));
    // A point not on the curve.
    let bad = vec![SecurityInfo::ChipAuthenticationPublicKey(ec_key(None, vec![4; 65]))];
    assert!(matches!(choose(&set(bad)), Offer::Unsupported(_)));
    // Diffie-Hellman without a subgroup order (PKCS #3): public values cannot be validated.
    let dh = ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Dh,
        public_key: CaPublicKey::Dh { p: vec![0xFF; 128], g: vec![2], q: None, y: vec![3] },
        key_id: None,
    };
    let offer = choose(&set(vec![SecurityInfo::ChipAuthenticationPublicKey(dh)]));
    assert!(matches!(&offer, Offer::Unsupported(w) if w.contains("subgroup order")), "{offer:?}");
    // A CA entry that did not parse.
    let broken = set(vec![SecurityInfo::Unknown { oid: "0.4.0.127.0.7.2.2.1.2".into() }]);
    assert!(matches!(choose(&broken), Offer::Unsupported(_)));
}

fn bsi_dh_key(y: Vec<u8>) -> ChipAuthenticationPublicKeyInfo {
    let group = DhGroup::from_parameter_id(0).unwrap();
    ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Dh,
        public_key: CaPublicKey::Dh {
            p: group.modulus(),
            g: group.generator(),
            q: Some(group.order()),
            y,
        },
        key_id: None,
    }
}

#[test]
fn bsi_worked_example_dh_gives_k_and_the_v1_session_keys() {
    // BSI EAC worked example (DH, RFC 5114 1024-bit group): the chip key as DG14 would carry
    // it (X9.42 parameters, y as an INTEGER), K = PK_PICC^SK_PCD mod p (128 bytes).
    let v = vector("ca-bsi-eac-worked-example-dh-modp1024");
    let ca = &v["ca"];
    let info = bsi_dh_key(h(&ca["picc_static_public"]));
    let Offer::Key(key) = choose(&set(vec![SecurityInfo::ChipAuthenticationPublicKey(info)]))
    else {
        panic!()
    };
    assert_eq!(key.protocol.cipher, PaceCipher::TripleDes, "inferred without an info");
    let secret = h(&ca["pcd_ephemeral_private"]);
    let secret = &secret[secret.len() - 128..];
    assert_eq!(key.key.public_of(secret).unwrap(), h(&ca["pcd_ephemeral_public"]));
    let k = shared_secret(&key, secret).unwrap();
    assert_eq!(*k, h(&ca["shared_secret_K"]));
    let (enc, mac) = session_keys(&k, Cipher::Aes128);
    assert_eq!(*enc, h(&ca["ca_v1_style_KS_enc_without_nonce"]));
    assert_eq!(*mac, h(&ca["ca_v1_style_KS_mac_without_nonce"]));
    // A public value outside the subgroup is refused before anything is sent.
    let Some(last) = h(&ca["picc_static_public"]).last().copied() else { panic!() };
    let mut y = h(&ca["picc_static_public"]);
    *y.last_mut().unwrap() = last ^ 1;
    let offer = choose(&set(vec![SecurityInfo::ChipAuthenticationPublicKey(bsi_dh_key(y))]));
    assert!(matches!(&offer, Offer::Unsupported(w) if w.contains("DH public value")), "{offer:?}");
}

#[test]
fn a_3des_chip_refusing_kat_without_secure_messaging_asks_for_a_new_session() {
    // FR (3DES, MSE:Set KAT): the chip answers the KAT with a plain 6A86, which ends SM.
    let v = vector(SESSIONS[2]);
    let before = &v["sm_before"];
    let session = SmSession::new(
        Cipher::Aes256,
        &h(&before["KS_enc"]),
        &h(&before["KS_mac"]),
        &h(&before["SSC"]),
    )
    .unwrap();
    let kat = h(&v["apdus"][0]["command"]);
    let mut card = ScriptedCard::new(vec![(kat, vec![0x6A, 0x86])]);
    let mut chan = SecureChannel::new(&mut card, session);
    let run = authenticate_with_secret(
        &mut chan,
        &key_of(&v),
        Mode::Auto,
        &h(&v["terminal_ephemeral_private"]),
    );
    assert_eq!(run.unwrap(), Run::KatRefusedSessionEnded);
    assert!(!chan.is_open());
}
