//! Tests of BAC: ICAO 9303 Part 11 Appendix D byte for byte (terminal and chip sides, with
//! the spec's random numbers replayed), end to end against [`BacChip`], and wrong keys.

use super::*;
use crate::access::test_rng::ReplayRng;
use crate::card::CardError;
use crate::card::mock::ScriptedCard;
use crate::iso7816::ResponseApdu;

fn vector() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors/bac-icao9303-appD.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn arr<const N: usize>(v: &serde_json::Value) -> [u8; N] {
    hx(v).try_into().unwrap()
}

fn ok(data: &[u8]) -> Vec<u8> {
    [data, &[0x90, 0x00][..]].concat()
}

#[test]
fn appendix_d_key_seed_and_document_keys() {
    let v = vector();
    let mrz = v["mrz"]["mrz_information"].as_str().unwrap();
    let seed = key_seed(mrz);
    assert_eq!(seed.to_vec(), hx(&v["K_seed"]));
    assert_eq!(hx(&v["sha1_mrz_information"])[..16], seed[..]);
    assert_eq!(*derive_key(&*seed, 1, Cipher::TripleDes), hx(&v["K_enc"]));
    assert_eq!(*derive_key(&*seed, 2, Cipher::TripleDes), hx(&v["K_mac"]));
}

#[test]
fn appendix_d_cryptograms_and_session_keys() {
    let v = vector();
    let (k_enc, k_mac) = (hx(&v["K_enc"]), hx(&v["K_mac"]));
    let sealed = seal(&k_enc, &k_mac, &hx(&v["S"])).unwrap();
    assert_eq!(sealed, [hx(&v["E_IFD"]), hx(&v["M_IFD"])].concat());
    let r = open(&k_enc, &k_mac, &hx(&v["external_authenticate"]["response_data"])).unwrap();
    assert_eq!(*r, hx(&v["external_authenticate"]["R_decrypted"]));
    let keys = session_keys(
        &arr(&v["K_IFD"]),
        &arr(&v["K_IC"]),
        &arr(&v["get_challenge"]["RND_IC"]),
        &arr(&v["RND_IFD"]),
    );
    assert_eq!(*keys.ks_enc, hx(&v["KS_enc"]));
    assert_eq!(*keys.ks_mac, hx(&v["KS_mac"]));
    assert_eq!(keys.ssc.to_vec(), hx(&v["SSC"]));
}

/// The whole Appendix D exchange through a scripted card: GET CHALLENGE, EXTERNAL
/// AUTHENTICATE, then SELECT EF.COM, READ BINARY 4 and READ BINARY 18 under SM.
#[test]
fn appendix_d_whole_exchange_through_scripted_card() {
    let v = vector();
    let ea = &v["external_authenticate"];
    let mut script = vec![
        (hx(&v["get_challenge"]["command"]), ok(&hx(&v["get_challenge"]["RND_IC"]))),
        (hx(&ea["command_apdu"]), ok(&hx(&ea["response_data"]))),
    ];
    let steps = v["secure_messaging"]["steps"].as_array().unwrap();
    for s in steps {
        script.push((hx(&s["protected_apdu"]), hx(&s["response_apdu"])));
    }
    let mut card = ScriptedCard::new(script);
    let rnd_ifd = hx(&v["RND_IFD"]);
    let k_ifd = hx(&v["K_IFD"]);
    let mut rng = ReplayRng::new(&[&rnd_ifd, &k_ifd]);
    let mut ch =
        authenticate(&mut card, v["mrz"]["mrz_information"].as_str().unwrap(), &mut rng).unwrap();
    assert!(rng.is_empty());
    assert_eq!(ch.cipher(), Cipher::TripleDes);
    let mut ef_com = Vec::new();
    for s in steps {
        let plain = CommandApdu::parse(&hx(&s["unprotected_apdu"])).unwrap();
        let r = ch.send(&plain).unwrap();
        assert!(r.sw.is_ok());
        ef_com.extend(r.data);
    }
    assert_eq!(ef_com, hx(&v["secure_messaging"]["EF_COM_plain"]));
    assert!(ch.is_open());
    drop(ch);
    assert!(card.is_done());
}

#[test]
fn appendix_d_chip_side() {
    let v = vector();
    let mut chip = BacChip::new(v["mrz"]["mrz_information"].as_str().unwrap());
    let rnd_ic = hx(&v["get_challenge"]["RND_IC"]);
    assert_eq!(chip.get_challenge(&mut ReplayRng::new(&[&rnd_ic])).to_vec(), rnd_ic);
    let k_ic = hx(&v["K_IC"]);
    let ea = &v["external_authenticate"];
    let (resp, mut session) =
        chip.external_authenticate(&hx(&ea["cmd_data"]), &mut ReplayRng::new(&[&k_ic])).unwrap();
    assert_eq!(resp, hx(&ea["response_data"]));
    // The chip's session has the spec's keys and SSC: it opens the spec's SELECT EF.COM
    // and answers it with the spec's bytes.
    let step = &v["secure_messaging"]["steps"][0];
    let plain = session
        .unprotect_command(&CommandApdu::parse(&hx(&step["protected_apdu"])).unwrap())
        .unwrap();
    assert_eq!(plain, CommandApdu::parse(&hx(&step["unprotected_apdu"])).unwrap());
    let r = session.protect_response(&ResponseApdu::status(StatusWord::Ok)).unwrap();
    assert_eq!(r.to_bytes(), hx(&step["response_apdu"]));
}

/// A simulated chip: BAC, then secure messaging over one small transparent file.
struct Chip {
    bac: BacChip,
    sm: Option<ChipSmSession>,
    file: Vec<u8>,
    fail_sw: Option<StatusWord>,
}

impl Chip {
    fn new(mrz: &str) -> Self {
        Self { bac: BacChip::new(mrz), sm: None, file: (0..=255u8).collect(), fail_sw: None }
    }
}

impl CardChannel for Chip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        let cmd = CommandApdu::parse(command)?;
        let mut rng = rand::thread_rng();
        let resp = match (cmd.cla, cmd.ins) {
            (0x00, 0x84) => {
                ResponseApdu::new(self.bac.get_challenge(&mut rng).to_vec(), StatusWord::Ok)
            }
            (0x00, 0x82) => match self.bac.external_authenticate(&cmd.data, &mut rng) {
                Ok((data, sm)) => {
                    self.sm = Some(sm);
                    ResponseApdu::new(data, StatusWord::Ok)
                }
                Err(e) => ResponseApdu::status(self.fail_sw.unwrap_or(e.chip_status())),
            },
            _ => {
                let Some(sm) = self.sm.as_mut() else {
                    return Ok(StatusWord::SecurityNotSatisfied.to_bytes().to_vec());
                };
                let plain = match sm.unprotect_command(&cmd) {
                    Ok(p) => p,
                    Err(e) => return Ok(e.chip_status().to_bytes().to_vec()),
                };
                let answer = match plain.ins {
                    0xA4 => ResponseApdu::status(StatusWord::Ok),
                    0xB0 => {
                        let off = usize::from(plain.p2);
                        let end = (off + plain.le.unwrap_or(0)).min(self.file.len());
                        ResponseApdu::new(self.file[off..end].to_vec(), StatusWord::Ok)
                    }
                    _ => ResponseApdu::status(StatusWord::InsNotSupported),
                };
                sm.protect_response(&answer).unwrap()
            }
        };
        Ok(resp.to_bytes())
    }
}

const MRZ: &str = "L898902C<369080619406236";

#[test]
fn end_to_end_against_bac_chip_with_random_numbers() {
    let mut chip = Chip::new(MRZ);
    for _ in 0..3 {
        let mut ch = authenticate(&mut chip, MRZ, &mut rand::thread_rng()).unwrap();
        let sel = ch.send(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([0x01, 0x1E])).unwrap();
        assert!(sel.sw.is_ok());
        let r = ch.send(&CommandApdu::new(0, 0xB0, 0, 0x10).with_le(0x20)).unwrap();
        assert_eq!(r.data, (0x10..0x30).collect::<Vec<u8>>());
    }
}

#[test]
fn wrong_mrz_is_denied_and_a_retry_with_the_right_one_succeeds() {
    let mut chip = Chip::new(MRZ);
    let wrong = "L898902C<369080619406237";
    let err = authenticate(&mut chip, wrong, &mut rand::thread_rng()).unwrap_err();
    assert!(matches!(err, AccessError::Denied), "{err:?}");
    assert!(err.to_string().contains("check the MRZ"));
    assert!(authenticate(&mut chip, MRZ, &mut rand::thread_rng()).is_ok());
}

#[test]
fn every_wrong_key_status_a_chip_may_use_is_denied() {
    for sw in [
        StatusWord::VerificationFailed,
        StatusWord::TriesLeft(2),
        StatusWord::SecurityNotSatisfied,
        StatusWord::SmObjectsIncorrect,
    ] {
        let mut chip = Chip::new(MRZ);
        chip.fail_sw = Some(sw);
        let err = authenticate(&mut chip, "X0000000<0000000000000000", &mut rand::thread_rng())
            .unwrap_err();
        assert!(matches!(err, AccessError::Denied), "{sw}: {err:?}");
    }
    let mut chip = Chip::new(MRZ);
    chip.fail_sw = Some(StatusWord::IncorrectData);
    let err =
        authenticate(&mut chip, "X0000000<0000000000000000", &mut rand::thread_rng()).unwrap_err();
    assert!(matches!(
        err,
        AccessError::Status { step: "EXTERNAL AUTHENTICATE", sw: StatusWord::IncorrectData }
    ));
}

fn appendix_d_card(ext_auth_response: Vec<u8>) -> (ScriptedCard, ReplayRng, String) {
    let v = vector();
    let ea = &v["external_authenticate"];
    let card = ScriptedCard::new(vec![
        (hx(&v["get_challenge"]["command"]), ok(&hx(&v["get_challenge"]["RND_IC"]))),
        (hx(&ea["command_apdu"]), ext_auth_response),
    ]);
    let rng = ReplayRng::new(&[&hx(&v["RND_IFD"]), &hx(&v["K_IFD"])]);
    (card, rng, v["mrz"]["mrz_information"].as_str().unwrap().to_string())
}

#[test]
fn a_chip_answer_whose_mac_fails_is_denied() {
    let v = vector();
    let mut data = hx(&v["external_authenticate"]["response_data"]);
    data[39] ^= 0x01;
    let (mut card, mut rng, mrz) = appendix_d_card(ok(&data));
    assert!(matches!(authenticate(&mut card, &mrz, &mut rng), Err(AccessError::Denied)));
    // Truncated answer.
    let (mut card, mut rng, mrz) = appendix_d_card(ok(&data[..32]));
    assert!(matches!(authenticate(&mut card, &mrz, &mut rng), Err(AccessError::BadResponse(_))));
}

#[test]
fn an_answer_that_does_not_echo_rnd_ifd_is_rejected() {
    // A chip that knows the keys but answers another session's challenge (a replay).
    let v = vector();
    let (k_enc, k_mac) = (hx(&v["K_enc"]), hx(&v["K_mac"]));
    let mut r = hx(&v["external_authenticate"]["R_decrypted"]);
    r[8] ^= 0xFF; // RND.IFD echo
    let (mut card, mut rng, mrz) = appendix_d_card(ok(&seal(&k_enc, &k_mac, &r).unwrap()));
    assert!(matches!(authenticate(&mut card, &mrz, &mut rng), Err(AccessError::BadResponse(_))));
}

#[test]
fn get_challenge_failures_are_typed() {
    let card = ScriptedCard::new(vec![(vec![0, 0x84, 0, 0, 8], vec![0x6D, 0x00])]);
    let err = authenticate(card, MRZ, &mut rand::thread_rng()).unwrap_err();
    assert!(matches!(
        err,
        AccessError::Status { step: "GET CHALLENGE", sw: StatusWord::InsNotSupported }
    ));
    let card = ScriptedCard::new(vec![(vec![0, 0x84, 0, 0, 8], vec![1, 2, 3, 0x90, 0x00])]);
    assert!(matches!(
        authenticate(card, MRZ, &mut rand::thread_rng()),
        Err(AccessError::BadResponse(_))
    ));
    let card = ScriptedCard::new(vec![]);
    assert!(matches!(
        authenticate(card, MRZ, &mut rand::thread_rng()),
        Err(AccessError::Card(CardError::CardRemoved))
    ));
}

#[test]
fn bac_chip_allows_one_attempt_per_challenge() {
    let v = vector();
    let mut chip = BacChip::new(MRZ);
    let data = hx(&v["external_authenticate"]["cmd_data"]);
    let mut rng = rand::thread_rng();
    assert!(matches!(chip.external_authenticate(&data, &mut rng), Err(AccessError::NoChallenge)));
    chip.get_challenge(&mut rng);
    // Right keys (the vector's MRZ) but another challenge: denied.
    assert!(matches!(chip.external_authenticate(&data, &mut rng), Err(AccessError::Denied)));
    assert!(matches!(chip.external_authenticate(&data, &mut rng), Err(AccessError::NoChallenge)));
    chip.get_challenge(&mut rng);
    let err = chip.external_authenticate(&data[..39], &mut rng).unwrap_err();
    assert_eq!(err.chip_status(), StatusWord::WrongLength);
    assert!(!format!("{chip:?}").contains("AB94"));
}
