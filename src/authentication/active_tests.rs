//! Active Authentication against published vectors (tests/data/PROVENANCE.md): the ICAO 9303
//! Appendix F worked example, a real passport's RSA-1024 signatures (pymrtd), a real chip's
//! RSA-1792 / SHA-256 INTERNAL AUTHENTICATE under secure messaging (gmrtd, replayed byte for
//! byte), gmrtd's message-representative cases, and ECDSA vectors made with pyca/cryptography.

use super::*;
use crate::authentication::iso9796;
use crate::card::mock::ScriptedCard;
use crate::sm::{Cipher, SecureChannel, SmSession};
use rsa::BigUint;
use serde_json::Value;

fn vector(name: &str) -> Value {
    let path = format!("{}/tests/data/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn challenge(v: &Value) -> [u8; 8] {
    hx(v).try_into().unwrap()
}

fn rsa_key(dg15: &[u8]) -> RsaPublicKey {
    match AaKey::from_dg15(dg15).unwrap() {
        AaKey::Rsa(k) => k,
        AaKey::Ec(_) => panic!("not RSA"),
    }
}

#[test]
fn icao_appendix_f_message_representative() {
    let v = vector("aa-icao9303-rsa-sha1-workedexample.json");
    let (m1, d, hash, implicit) = iso9796::decode_f(&hx(&v["F"])).unwrap();
    assert_eq!(m1, hx(&v["M1"]));
    assert_eq!(d, hx(&v["H"]));
    assert!(hash == HashAlgorithm::Sha1 && implicit);
    assert_eq!(m1.len(), 106, "c = 1024 - 160 - 8 - 4 bits, less the 4-bit header nibble");
    let mut m = m1.clone();
    m.extend_from_slice(&hx(&v["RND_IFD"]));
    assert_eq!(m, hx(&v["M"]));
    assert_eq!(hash.digest(&m), d);
}

#[test]
fn real_passport_rsa1024_sha1_signatures() {
    let v = vector("aa-pymrtd-rsa1024-sha1-realpassport.json");
    let dg15 = hx(&v["dg15"]);
    let key = AaKey::from_dg15(&dg15).unwrap();
    assert_eq!(key.describe(), "RSA-1024");
    for t in v["vectors"].as_array().unwrap() {
        let chal = challenge(&t["RND_IFD"]);
        let sig = hx(&t["signature"]);
        let rec = iso9796::verify(&rsa_key(&dg15), &chal, &sig).unwrap();
        assert_eq!(rec.m1, hx(&t["M1"]));
        assert!(rec.implicit && rec.hash == HashAlgorithm::Sha1);
        let check = verify(&key, &chal, &sig, None);
        assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
        assert_eq!(check.method, Method::ActiveAuthentication);
        assert!(check.detail.contains("trailer BC"), "{}", check.detail);
        // Flip any bit of the signature or of the challenge: rejected.
        for i in [0, 17, sig.len() - 1] {
            let mut bad = sig.clone();
            bad[i] ^= 0x01;
            assert_eq!(verify(&key, &chal, &bad, None).outcome, Outcome::Failed);
        }
        let mut wrong = chal;
        wrong[7] ^= 0x80;
        let check = verify(&key, &wrong, &sig, None);
        assert_eq!(check.outcome, Outcome::Failed);
        assert!(check.detail.contains("does not match"), "{}", check.detail);
    }
}

#[test]
fn signature_as_n_minus_s_verifies_and_s_at_or_above_n_does_not() {
    let v = vector("aa-pymrtd-rsa1024-sha1-realpassport.json");
    let dg15 = hx(&v["dg15"]);
    let key = AaKey::from_dg15(&dg15).unwrap();
    let n = rsa_key(&dg15).n().clone();
    let t = &v["vectors"][0];
    let chal = challenge(&t["RND_IFD"]);
    let s = BigUint::from_bytes_be(&hx(&t["signature"]));
    // ISO/IEC 9796-2: the chip may send Σ or n − Σ.
    let other = (&n - &s).to_bytes_be();
    assert_eq!(verify(&key, &chal, &other, None).outcome, Outcome::Passed);
    // Σ + n is the same residue but not a signature: refused, as is n itself.
    for not_below_n in [(&s + &n).to_bytes_be(), n.to_bytes_be()] {
        let check = verify(&key, &chal, &not_below_n, None);
        assert_eq!(check.outcome, Outcome::Failed, "{}", check.detail);
    }
    assert_eq!(verify(&key, &chal, &[], None).outcome, Outcome::Failed);
}

/// The recorded INTERNAL AUTHENTICATE of a real RSA-1792 chip under 3DES secure messaging
/// (gmrtd): our command must equal the recorded one byte for byte (Le 00 in DO'97'), and the
/// answer must verify with the SHA-256 trailer 34CC.
#[test]
fn gmrtd_real_chip_trace_replays_byte_for_byte() {
    let v = vector("aa-gmrtd-rsa1792-sha256-trace.json");
    let sm = &v["sm_before"];
    let session =
        SmSession::new(Cipher::TripleDes, &hx(&sm["KS_enc"]), &hx(&sm["KS_mac"]), &hx(&sm["SSC"]))
            .unwrap();
    let card = ScriptedCard::new(vec![(hx(&v["apdu"]["command"]), hx(&v["apdu"]["response"]))]);
    let mut chan = SecureChannel::new(card, session);
    let dg15 = hx(&v["dg15"]);
    assert_eq!(
        dg15,
        std::fs::read(format!(
            "{}/tests/data/{}",
            env!("CARGO_MANIFEST_DIR"),
            v["dg15_file"].as_str().unwrap()
        ))
        .unwrap()
    );
    let chal = challenge(&v["RND_IFD"]);
    // RSA-1792 signs 224 bytes: Le 00 even when the session could use extended length.
    for extended in [false, true] {
        let key = AaKey::from_dg15(&dg15).unwrap();
        assert_eq!(command(&chal, &key, extended).le, Some(256));
    }
    let check = run(&mut |cmd| chan.send(cmd), &dg15, None, true, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert!(check.detail.contains("RSA-1792") && check.detail.contains("34CC"), "{}", check.detail);
    assert!(chan.card_mut().is_done());
    let rec = iso9796::verify(&rsa_key(&dg15), &chal, &hx(&v["signature"])).unwrap();
    assert_eq!(rec.hash, HashAlgorithm::Sha256);
    assert_eq!(rec.m1, hx(&v["M1"]));
}

/// gmrtd's decodeF cases: one representative per trailer (BC, 38CC SHA-224, 34CC SHA-256,
/// 36CC SHA-384, 35CC SHA-512), and its malformed ones.
#[test]
fn trailers_map_to_iso_10118_3_hash_identifiers() {
    let m1 = "1234567890ABCDEF1234567890ABCDEF11223344";
    let cases = [
        ("e9b287952a913cc5b60ff74ecfc87e40e81563b1BC", HashAlgorithm::Sha1),
        ("aefc05e88f48eb88d367ba3dacb7d6a8543ec02bd315e47ddbe2045d38CC", HashAlgorithm::Sha224),
        (
            "783980d44fd3a80f0e4210eb9c73ea399932062d465438f8e1ff13377de8308934CC",
            HashAlgorithm::Sha256,
        ),
        (
            "8e0873b0baf595a777b497779981bd94dda3a81fd61cf2d526ab490f2d6cbcecc6eab5804df4e0a70169d4d0d6c07e7536CC",
            HashAlgorithm::Sha384,
        ),
        (
            "968304e09f0c0ec86be4ade4b82d97d04283e3652b61193856c9ede1dac8962b3da9580fd77e9f9ef18a24c517d8d3b05f4eeb177e990ae1e80895c8bb28f51635CC",
            HashAlgorithm::Sha512,
        ),
    ];
    for (tail, want) in cases {
        let f = hex::decode(format!("6A{m1}{tail}")).unwrap();
        let (got_m1, d, hash, _) = iso9796::decode_f(&f).unwrap();
        assert_eq!(hash, want);
        assert_eq!(hex::encode_upper(&got_m1), m1);
        let mut m = got_m1.clone();
        m.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(hash.digest(&m), d, "{want:?}");
        assert_eq!(iso9796::hash_by_id(iso9796::hash_id(want)), Some(want));
    }
    for bad in
        ["", "6B000000", "6A000000", "6A0000CC", "6Ab287952a913cc5b60ff74ecfc87e40e81563b1BC"]
    {
        assert!(
            matches!(iso9796::decode_f(&hex::decode(bad).unwrap()), Err(Iso9796Error::Bad(_))),
            "{bad}"
        );
    }
    // RIPEMD-160 (31) is a valid identifier this kiosk does not implement.
    let f = hex::decode(format!("6A{m1}{}31CC", "00".repeat(20))).unwrap();
    assert!(matches!(iso9796::decode_f(&f), Err(Iso9796Error::Unsupported(_))));
}

#[test]
fn sign_and_verify_round_trip_every_trailer() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(9796);
    let key = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let public = AaKey::Rsa(key.to_public_key());
    let chal = [9u8, 8, 7, 6, 5, 4, 3, 2];
    let mut fill = |b: &mut [u8]| b.fill(0x5A);
    for (hash, implicit) in [
        (HashAlgorithm::Sha1, true),
        (HashAlgorithm::Sha1, false),
        (HashAlgorithm::Sha224, false),
        (HashAlgorithm::Sha256, false),
        (HashAlgorithm::Sha384, false),
        (HashAlgorithm::Sha512, false),
    ] {
        let sig = iso9796::sign(&key, hash, implicit, &chal, &mut fill, &mut rng).unwrap();
        assert_eq!(sig.len(), 128);
        let check = verify(&public, &chal, &sig, None);
        assert_eq!(check.outcome, Outcome::Passed, "{hash:?}: {}", check.detail);
        let mut other = chal;
        other[0] ^= 1;
        assert_eq!(verify(&public, &other, &sig, None).outcome, Outcome::Failed);
    }
}

fn ecdsa_vectors() -> Vec<Value> {
    vector("aa-generated-ecdsa.json")["vectors"].as_array().unwrap().clone()
}

fn hash_named(name: &str) -> HashAlgorithm {
    match name {
        "sha1" => HashAlgorithm::Sha1,
        "sha224" => HashAlgorithm::Sha224,
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha512,
    }
}

/// DG14 with only an ActiveAuthenticationInfo naming `oid`.
fn dg14_with_aa(oid: &str) -> Vec<u8> {
    let info = crate::lds::card_access::ActiveAuthenticationInfo {
        version: 1,
        signature_algorithm: oid.into(),
    };
    let set = crate::iso7816::tlv::tlv(0x31, &info.encode().unwrap());
    crate::iso7816::tlv::tlv(0x6E, &set)
}

#[test]
fn ecdsa_plain_and_der_with_and_without_dg14() {
    for v in ecdsa_vectors() {
        let curve = v["curve"].as_str().unwrap();
        let key = AaKey::from_dg15(&hx(&v["dg15"])).unwrap();
        let chal = challenge(&v["RND_IFD"]);
        let hash = hash_named(v["hash"].as_str().unwrap());
        let dg14 = dg14_with_aa(v["aa_signature_algorithm"].as_str().unwrap());
        assert_eq!(ecdsa_hash_from_dg14(Some(&dg14)), Ok(Some(hash)), "{curve}");
        for (form, sig) in [("plain", hx(&v["signature_plain"])), ("DER", hx(&v["signature_der"]))]
        {
            for named in [Some(hash), None] {
                let check = verify(&key, &chal, &sig, named);
                assert_eq!(check.outcome, Outcome::Passed, "{curve} {form}: {}", check.detail);
                assert!(check.detail.contains(form), "{}", check.detail);
            }
            // Another challenge, or another hash than DG14 names: Failed.
            let mut other = chal;
            other[3] ^= 0x10;
            assert_eq!(verify(&key, &other, &sig, None).outcome, Outcome::Failed, "{curve}");
            let wrong_hash = if hash == HashAlgorithm::Sha1 {
                HashAlgorithm::Sha256
            } else {
                HashAlgorithm::Sha1
            };
            assert_eq!(verify(&key, &chal, &sig, Some(wrong_hash)).outcome, Outcome::Failed);
        }
        // Truncated, extended or garbled answers are Failed, never a panic.
        let plain = hx(&v["signature_plain"]);
        for bad in [&plain[..plain.len() - 1], &[0x30, 0x00][..], &[][..]] {
            assert_eq!(verify(&key, &chal, bad, None).outcome, Outcome::Failed);
        }
    }
}

#[test]
fn ecdsa_through_run_uses_the_dg14_hash_and_refuses_unknown_algorithms() {
    let v = &ecdsa_vectors()[0];
    let dg15 = hx(&v["dg15"]);
    let chal = challenge(&v["RND_IFD"]);
    let sig = hx(&v["signature_plain"]);
    let dg14 = dg14_with_aa("1.2.840.10045.4.3.2");
    let sent = std::cell::RefCell::new(Vec::new());
    let mut send = |cmd: &CommandApdu| -> Result<ResponseApdu, ()> {
        sent.borrow_mut().push(cmd.clone());
        Ok(ResponseApdu::new(sig.clone(), StatusWord::Ok))
    };
    let check = run(&mut send, &dg15, Some(&dg14), true, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    assert_eq!(sent.borrow().len(), 1);
    assert_eq!(
        sent.borrow()[0].encode().unwrap(),
        hex::decode("0088000008F173589974BF40C600").unwrap()
    );
    // A signature algorithm we do not know: Unsupported, and nothing is sent.
    let unknown = dg14_with_aa("1.2.3.4");
    let check = run(&mut send, &dg15, Some(&unknown), true, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Unsupported);
    assert_eq!(sent.borrow().len(), 1);
    // The chip refuses: Failed.
    let mut refuse = |_: &CommandApdu| -> Result<ResponseApdu, ()> {
        Ok(ResponseApdu::status(StatusWord::InsNotSupported))
    };
    let check = run(&mut refuse, &dg15, None, false, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Failed);
    assert!(check.detail.contains("refused"), "{}", check.detail);
    // A transport error is the caller's error, not a verdict on the chip.
    let mut gone = |_: &CommandApdu| -> Result<ResponseApdu, &str> { Err("card removed") };
    assert_eq!(run(&mut gone, &dg15, None, false, &chal), Err("card removed"));
}

#[test]
fn le_rule_for_long_signatures() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2048);
    let key = AaKey::Rsa(rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap().to_public_key());
    let chal = [0u8; 8];
    // RSA-2048: a 256-byte signature whose protected answer exceeds a short response.
    let ext = command(&chal, &key, true);
    assert_eq!(ext.le, Some(65_536));
    assert_eq!(hex::encode_upper(ext.encode().unwrap()), "0088000000000800000000000000000000");
    let short = command(&chal, &key, false);
    assert_eq!(short.encode().unwrap(), hex::decode("0088000008000000000000000000").unwrap());
}

#[test]
fn dg15_problems_are_failed_or_unsupported() {
    let chal = [1u8; 8];
    let mut never = |_: &CommandApdu| -> Result<ResponseApdu, ()> { panic!("nothing to send") };
    let check = run(&mut never, &[0x6F, 0x01, 0x00], None, false, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Failed);
    // A DSA key (1.2.840.10040.4.1): an algorithm Active Authentication here does not run.
    let alg = crate::iso7816::tlv::tlv(
        0x30,
        &crate::iso7816::tlv::tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01]),
    );
    let spki = crate::iso7816::tlv::tlv(
        0x30,
        &[alg, crate::iso7816::tlv::tlv(0x03, &[0x00, 0x02, 0x01, 0x05])].concat(),
    );
    let check = run(&mut never, &dg15::encode(&spki), None, false, &chal).unwrap();
    assert_eq!(check.outcome, Outcome::Unsupported, "{}", check.detail);
}

/// Hostile answers: random bytes of every length up to 600, and mutations of a good
/// signature, never pass and never panic, for RSA and each ECDSA key.
#[test]
fn random_answers_never_pass() {
    use rand::{RngCore, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let mut keys = vec![
        AaKey::from_dg15(&hx(&vector("aa-pymrtd-rsa1024-sha1-realpassport.json")["dg15"])).unwrap(),
    ];
    keys.extend(ecdsa_vectors().iter().map(|v| AaKey::from_dg15(&hx(&v["dg15"])).unwrap()));
    let chal = [7u8; 8];
    for key in &keys {
        for len in 0..600 {
            let mut sig = vec![0u8; len];
            rng.fill_bytes(&mut sig);
            if let (0, Some(b)) = (len % 3, sig.first_mut()) {
                *b = 0x30;
            }
            assert_ne!(verify(key, &chal, &sig, None).outcome, Outcome::Passed, "{len}");
        }
    }
}

/// A DG15 with explicit EC domain parameters (P-256 spelled out, RFC 3279) is the same key.
#[test]
fn ecdsa_key_with_explicit_parameters() {
    let v = &ecdsa_vectors()[0];
    let dg15 = hx(&v["dg15_explicit_parameters"]);
    let parsed = crate::lds::dg15::parse(&dg15).unwrap();
    assert!(parsed.is_ec() && parsed.parameters.as_ref().unwrap()[0] == 0x30);
    let key = AaKey::from_dg15(&dg15).unwrap();
    assert_eq!(key.describe(), AaKey::from_dg15(&hx(&v["dg15"])).unwrap().describe());
    let chal = challenge(&v["RND_IFD"]);
    let check = verify(&key, &chal, &hx(&v["signature_plain"]), None);
    assert_eq!(check.outcome, Outcome::Passed, "{}", check.detail);
    // The same parameters with another base point name no known curve: Unsupported.
    let mut odd = dg15.clone();
    let at = odd.windows(3).position(|w| w == [0x04, 0x41, 0x04]).unwrap();
    odd[at + 3] ^= 0x01;
    let err = AaKey::from_dg15(&odd).unwrap_err();
    assert_eq!(err.0, Outcome::Unsupported, "{}", err.1);
}
