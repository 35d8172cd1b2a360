//! In-process tests of the simulated chip, driven by the terminal side (access::bac +
//! sm::SecureChannel) exactly as the reader drives a real chip.

use super::*;
use crate::access::bac;
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord, tlv};
use crate::sm::{SecureChannel, SmError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;

/// ICAO 9303 Part 11 Appendix D specimen: document L898902C<, born 690806, expires 940623.
const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";
const MRZ_INFORMATION: &str = "L898902C<369080619406236";
const SELECT_AID: [u8; 12] =
    [0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// A profile with small files, a 50 KB DG2 and an EF.CardAccess.
fn profile() -> Profile {
    let mut files = BTreeMap::new();
    files.insert("EF.COM".to_owned(), tlv::tlv(0x60, &pattern(20, 1)));
    files.insert("EF.DG1".to_owned(), tlv::tlv(0x61, &pattern(90, 2)));
    files.insert("EF.DG2".to_owned(), tlv::tlv(0x75, &pattern(50_000, 3)));
    files.insert("EF.SOD".to_owned(), tlv::tlv(0x77, &pattern(1500, 4)));
    files.insert("EF.CardAccess".to_owned(), tlv::tlv(0x31, &pattern(20, 5)));
    Profile::from_parts(MRZ, files, Behaviour::default()).unwrap()
}

fn chip(behaviour: Behaviour) -> Chip {
    Chip::with_seed(&profile(), behaviour, 7)
}

fn raw(chip: &mut Chip, bytes: &[u8]) -> ResponseApdu {
    ResponseApdu::parse(&chip.transmit(bytes).unwrap()).unwrap()
}

/// SELECT the eMRTD application, then BAC.
fn open(chip: &mut Chip) -> SecureChannel<&mut Chip> {
    assert_eq!(raw(chip, &SELECT_AID).sw, StatusWord::Ok);
    let mut rng = StdRng::seed_from_u64(99);
    bac::authenticate(chip, MRZ_INFORMATION, &mut rng).unwrap()
}

fn read_sfi(
    ch: &mut SecureChannel<&mut Chip>,
    sfi: u8,
    le: usize,
) -> Result<ResponseApdu, SmError> {
    ch.send(&CommandApdu::new(0x00, 0xB0, 0x80 | sfi, 0).with_le(le))
}

fn read_at(
    ch: &mut SecureChannel<&mut Chip>,
    offset: usize,
    le: usize,
) -> Result<ResponseApdu, SmError> {
    if offset < 32_768 {
        let [p1, p2] = (offset as u16).to_be_bytes();
        ch.send(&CommandApdu::new(0x00, 0xB0, p1, p2).with_le(le))
    } else {
        let off = (offset as u32).to_be_bytes();
        let data = tlv::tlv(0x54, off.get(1..).unwrap());
        // Le counts the DO'53' header too.
        let header = if le < 128 {
            2
        } else if le < 256 {
            3
        } else {
            4
        };
        let r =
            ch.send(&CommandApdu::new(0x00, 0xB1, 0, 0).with_data(data).with_le(le + header))?;
        let mut reader = tlv::Reader::new(&r.data);
        let inner = reader.expect(0x53).unwrap().value.to_vec();
        Ok(ResponseApdu::new(inner, r.sw))
    }
}

fn select_fid(ch: &mut SecureChannel<&mut Chip>, fid: u16) -> StatusWord {
    ch.send(&CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes())).unwrap().sw
}

/// Reads the current file completely in chunks of `chunk` bytes.
fn read_whole(ch: &mut SecureChannel<&mut Chip>, chunk: usize) -> Vec<u8> {
    let head = read_at(ch, 0, 8).unwrap().data;
    let total = tlv::parse_header(&head).unwrap().total_len();
    let mut out = Vec::new();
    while out.len() < total {
        let want = chunk.min(total - out.len());
        let r = read_at(ch, out.len(), want).unwrap();
        assert_eq!(r.sw, StatusWord::Ok);
        assert!(!r.data.is_empty());
        out.extend(r.data);
    }
    out
}

#[test]
fn plain_read_of_lds_files_is_refused_but_card_access_is_open() {
    let mut chip = chip(Behaviour::default());
    // EF.CardAccess (SFI 1C) in the master file is readable without access control.
    let r = raw(&mut chip, &[0x00, 0xB0, 0x9C, 0x00, 0x00]);
    assert_eq!(r.sw, StatusWord::Ok);
    assert_eq!(r.data, profile().file("EF.CardAccess").unwrap());
    assert_eq!(raw(&mut chip, &SELECT_AID).sw, StatusWord::Ok);
    assert_eq!(
        raw(&mut chip, &[0x00, 0xB0, 0x81, 0x00, 0x00]).sw,
        StatusWord::SecurityNotSatisfied
    );
    assert_eq!(raw(&mut chip, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]).sw, StatusWord::Ok);
    assert_eq!(
        raw(&mut chip, &[0x00, 0xB0, 0x00, 0x00, 0x04]).sw,
        StatusWord::SecurityNotSatisfied
    );
    assert_eq!(
        raw(&mut chip, &[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x00]).sw,
        StatusWord::FileNotFound
    );
    assert_eq!(raw(&mut chip, &[0x00, 0x77, 0x00, 0x00]).sw, StatusWord::InsNotSupported);
    assert_eq!(chip.apdu_count(), 7);
}

#[test]
fn bac_then_every_file_reads_by_sfi_and_by_fid() {
    let p = profile();
    let mut chip = chip(Behaviour::default());
    let mut ch = open(&mut chip);
    for (name, sfi) in [("EF.COM", 0x1E), ("EF.DG1", 0x01), ("EF.SOD", 0x1D)] {
        let r = read_sfi(&mut ch, sfi, 65_536).unwrap();
        assert_eq!(r.sw, StatusWord::Ok, "{name}");
        assert_eq!(r.data, p.file(name).unwrap(), "{name} by SFI");
    }
    for (name, fid) in
        [("EF.COM", 0x011E), ("EF.DG1", 0x0101), ("EF.DG2", 0x0102), ("EF.SOD", 0x011D)]
    {
        assert_eq!(select_fid(&mut ch, fid), StatusWord::Ok);
        assert_eq!(read_whole(&mut ch, 223), p.file(name).unwrap(), "{name} by FID");
    }
    assert_eq!(select_fid(&mut ch, 0x0107), StatusWord::FileNotFound);
    assert!(ch.is_open());
}

#[test]
fn odd_ins_reads_offsets_beyond_32k_and_extended_length_reads_dg2_at_once() {
    let dg2 = profile().file("EF.DG2").unwrap().to_vec();
    let mut chip = chip(Behaviour::default());
    let mut ch = open(&mut chip);
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok);
    let r = read_at(&mut ch, 40_000, 1000).unwrap();
    assert_eq!(r.data, dg2[40_000..41_000]);
    let whole = read_whole(&mut ch, 65_536);
    assert_eq!(whole, dg2);
    // A 6 000-byte Le is honoured in one APDU with extended length.
    let before = ch.card_mut().apdu_count();
    let r = read_at(&mut ch, 100, 6000).unwrap();
    assert_eq!(r.data, dg2[100..6100]);
    assert_eq!(ch.card_mut().apdu_count(), before + 1);
}

#[test]
fn without_extended_length_an_extended_apdu_is_6700_and_short_reads_still_work() {
    let dg2 = profile().file("EF.DG2").unwrap().to_vec();
    let b = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let mut chip = chip(b.clone());
    let mut ch = open(&mut chip);
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok);
    assert!(matches!(
        read_at(&mut ch, 0, 1000),
        Err(SmError::Unprotected(StatusWord::WrongLength))
    ));
    // The terminal's channel is closed now; a new BAC and 223-byte chunks read everything.
    let mut chip = Chip::with_seed(&profile(), b, 8);
    let mut ch = open(&mut chip);
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok);
    // 256 plaintext bytes do not fit a short protected response: 6700, protected.
    assert_eq!(read_at(&mut ch, 0, 256).unwrap().sw, StatusWord::WrongLength);
    assert_eq!(read_whole(&mut ch, 223), dg2);
    assert_eq!(read_at(&mut ch, 33_000, 200).unwrap().data, dg2[33_000..33_200]);
}

#[test]
fn max_le_is_enforced_or_truncated() {
    let b = Behaviour { max_le: Some(192), ..Behaviour::default() };
    let mut chip = chip(b.clone());
    let mut ch = open(&mut chip);
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok);
    assert_eq!(read_at(&mut ch, 0, 193).unwrap().sw, StatusWord::WrongLength);
    assert_eq!(read_at(&mut ch, 0, 192).unwrap().data.len(), 192);
    assert!(ch.is_open(), "a protected 6700 keeps the session");
    let b = Behaviour { le_overflow: LeOverflow::Truncate, ..b };
    let mut chip = Chip::with_seed(&profile(), b, 9);
    let mut ch = open(&mut chip);
    let r = read_sfi(&mut ch, 2, 4096).unwrap();
    assert_eq!((r.data.len(), r.sw), (192, StatusWord::Ok));
}

#[test]
fn reads_past_the_end_give_bytes_left_then_6b00_or_6282() {
    let com = profile().file("EF.COM").unwrap().to_vec();
    for eof in [false, true] {
        let mut chip = chip(Behaviour { eof_6282: eof, ..Behaviour::default() });
        let mut ch = open(&mut chip);
        assert_eq!(select_fid(&mut ch, 0x011E), StatusWord::Ok);
        let r = read_at(&mut ch, 10, 100).unwrap();
        assert_eq!(r.data, com[10..]);
        assert_eq!(r.sw, if eof { StatusWord::EndOfFile } else { StatusWord::Ok });
        assert_eq!(read_at(&mut ch, com.len() + 5, 10).unwrap().sw, StatusWord::WrongOffset);
    }
}

#[test]
fn omitted_do99_is_still_read() {
    let mut chip = chip(Behaviour { omit_do99: true, ..Behaviour::default() });
    let mut ch = open(&mut chip);
    let r = read_sfi(&mut ch, 0x1E, 256).unwrap();
    assert_eq!(r.data, profile().file("EF.COM").unwrap());
}

#[test]
fn a_wrong_response_mac_is_detected_by_the_terminal() {
    // APDUs: 1 SELECT, 2 GET CHALLENGE, 3 EXTERNAL AUTHENTICATE, 4 first protected read.
    let mut chip = chip(Behaviour { wrong_mac_at_apdu: Some(5), ..Behaviour::default() });
    let mut ch = open(&mut chip);
    assert!(read_sfi(&mut ch, 0x1E, 256).is_ok());
    assert!(matches!(read_sfi(&mut ch, 0x01, 256), Err(SmError::MacMismatch)));
    assert!(matches!(read_sfi(&mut ch, 0x01, 256), Err(SmError::Closed)));
    // Once only: a fresh session reads fine.
    let mut ch = open(ch.into_card());
    assert!(read_sfi(&mut ch, 0x01, 256).is_ok());
}

#[test]
fn a_wrong_mac_on_the_bac_answer_is_denied() {
    // APDU 3 is EXTERNAL AUTHENTICATE: its answer's MAC (M_IC) is corrupted.
    let mut chip = chip(Behaviour { wrong_mac_at_apdu: Some(3), ..Behaviour::default() });
    assert_eq!(raw(&mut chip, &SELECT_AID).sw, StatusWord::Ok);
    let mut rng = StdRng::seed_from_u64(4);
    assert!(matches!(
        bac::authenticate(&mut chip, MRZ_INFORMATION, &mut rng),
        Err(crate::access::AccessError::Denied)
    ));
    let mut ch = bac::authenticate(&mut chip, MRZ_INFORMATION, &mut rng).unwrap();
    assert!(read_sfi(&mut ch, 0x01, 256).is_ok());
}

#[test]
fn a_bad_command_mac_ends_the_chip_session_with_plain_6988() {
    let mut chip = chip(Behaviour::default());
    let mut ch = open(&mut chip);
    assert!(read_sfi(&mut ch, 0x1E, 256).is_ok());
    let chip = ch.into_card();
    // A protected READ BINARY with a forged MAC (the last 8 bytes before Le).
    let forged =
        [0x0C, 0xB0, 0x9E, 0x00, 0x0D, 0x97, 0x01, 0x00, 0x8E, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00];
    assert_eq!(chip.transmit(&forged).unwrap(), [0x69, 0x88]);
    // The session is gone: the same command is now answered 6987 (no session).
    assert_eq!(chip.transmit(&forged).unwrap(), [0x69, 0x87]);
    // A plain read is refused again.
    assert_eq!(raw(chip, &[0x00, 0xB0, 0x81, 0x00, 0x00]).sw, StatusWord::SecurityNotSatisfied);
}

#[test]
fn wrong_mrz_is_denied() {
    let mut chip = chip(Behaviour::default());
    assert_eq!(raw(&mut chip, &SELECT_AID).sw, StatusWord::Ok);
    let mut rng = StdRng::seed_from_u64(1);
    let wrong = "L898902C<369080619406244";
    assert!(matches!(
        bac::authenticate(&mut chip, wrong, &mut rng),
        Err(crate::access::AccessError::Denied)
    ));
    // The right MRZ still works afterwards.
    assert!(bac::authenticate(&mut chip, MRZ_INFORMATION, &mut rng).is_ok());
    // Chips that answer 6988 (or 6982) to a wrong key are denied just the same.
    for sw in [0x6988, 0x6982] {
        let mut chip = self::chip(Behaviour { denied_sw: Some(sw), ..Behaviour::default() });
        let r = raw(&mut chip, &[0x00, 0x84, 0x00, 0x00, 0x08]);
        assert_eq!(r.data.len(), 8);
        let mut bogus = vec![0x00, 0x82, 0x00, 0x00, 0x28];
        bogus.extend([0x55; 40]);
        bogus.push(0x28);
        assert_eq!(raw(&mut chip, &bogus).sw.to_u16(), sw);
        assert!(matches!(
            bac::authenticate(&mut chip, wrong, &mut rng),
            Err(crate::access::AccessError::Denied)
        ));
    }
}

#[test]
fn removal_after_n_apdus_happens_once_and_a_retry_succeeds() {
    let dg2 = profile().file("EF.DG2").unwrap().to_vec();
    let mut chip = chip(Behaviour { remove_after_apdu: Some(6), ..Behaviour::default() });
    let mut ch = open(&mut chip); // APDUs 1..=3
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok); // 4
    assert!(read_at(&mut ch, 0, 200).is_ok()); // 5
    assert!(read_at(&mut ch, 200, 200).is_ok()); // 6
    match read_at(&mut ch, 400, 200) {
        Err(SmError::Card(CardError::CardRemoved)) => {}
        other => panic!("expected removal, got {other:?}"),
    }
    let chip = ch.into_card();
    // The card is back, reset: LDS files need BAC again.
    assert_eq!(raw(chip, &SELECT_AID).sw, StatusWord::Ok);
    assert_eq!(raw(chip, &[0x00, 0xB0, 0x82, 0x00, 0x10]).sw, StatusWord::SecurityNotSatisfied);
    let mut ch = open(chip);
    assert_eq!(select_fid(&mut ch, 0x0102), StatusWord::Ok);
    assert_eq!(read_whole(&mut ch, 65_536), dg2);
}

#[test]
fn evil_file_declares_4gb_and_serves_garbage() {
    let b = Behaviour { evil_file: Some("EF.DG2".into()), ..Behaviour::default() };
    let mut chip = chip(b);
    let mut ch = open(&mut chip);
    let head = read_sfi(&mut ch, 0x02, 8).unwrap().data;
    assert_eq!(head[..6], [0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(tlv::parse_header(&head).unwrap().value_len, 0xFFFF_FFFF);
    let far = read_at(&mut ch, 1_000_000, 1000).unwrap();
    assert_eq!((far.data.len(), far.sw), (1000, StatusWord::Ok));
    // Le 65 536 is served as far as a 64 KB response allows.
    let most = read_at(&mut ch, 1000, 65_536).unwrap();
    assert!((65_400..65_536).contains(&most.data.len()), "{}", most.data.len());
}

#[test]
fn select_with_fcp_reports_the_size() {
    let mut chip = chip(Behaviour::default());
    let mut ch = open(&mut chip);
    let r = ch
        .send(&CommandApdu::new(0, 0xA4, 0x02, 0x04).with_data([0x01, 0x01]).with_le(256))
        .unwrap();
    let mut reader = tlv::Reader::new(&r.data);
    let fcp = reader.expect(0x62).unwrap();
    let size = tlv::Reader::nested(&fcp).find(0x80).unwrap().unwrap();
    assert_eq!(size.value, (profile().file("EF.DG1").unwrap().len() as u16).to_be_bytes());
}

#[test]
fn the_demo_profile_reads_and_its_dg1_holds_its_mrz() {
    let p = Profile::demo().unwrap();
    let mut chip = Chip::with_seed(&p, Behaviour::default(), 3);
    assert_eq!(raw(&mut chip, &SELECT_AID).sw, StatusWord::Ok);
    let mut rng = StdRng::seed_from_u64(5);
    let mut ch = bac::authenticate(&mut chip, p.mrz_information(), &mut rng).unwrap();
    let dg1 = read_sfi(&mut ch, 0x01, 65_536).unwrap().data;
    let mrz = crate::lds::dg1::parse(&dg1).unwrap();
    let expected = crate::mrz::Mrz::parse(p.mrz_text()).unwrap();
    assert_eq!(mrz.lines(), expected.lines());
    let dg2 = read_sfi(&mut ch, 0x02, 65_536).unwrap().data;
    assert_eq!(dg2, p.file("EF.DG2").unwrap());
    let face = crate::lds::dg2::parse(&dg2).unwrap();
    assert_eq!(face.faces.len(), 1);
    let eyes = face.faces[0].eye_centres().unwrap();
    let dx = (i32::from(eyes.0.0) - i32::from(eyes.1.0)).abs();
    assert!(dx >= 90, "eye distance {dx}");
}

#[test]
fn hostile_commands_never_panic_and_get_a_status_word() {
    use rand::{Rng, RngCore};
    let mut rng = StdRng::seed_from_u64(2024);
    let evil = Behaviour { evil_file: Some("EF.DG2".into()), ..Behaviour::default() };
    for behaviour in [Behaviour::default(), evil] {
        let mut chip = chip(behaviour.clone());
        let mut ch = open(&mut chip);
        assert!(read_sfi(&mut ch, 0x1E, 4).is_ok());
        let chip = ch.into_card();
        for i in 0..20_000 {
            let len = rng.gen_range(0..300);
            let mut cmd = vec![0u8; len];
            rng.fill_bytes(&mut cmd);
            // Bias towards commands the chip knows, protected or plain.
            if let Some(cla) = cmd.get_mut(0) {
                *cla = [0x00, 0x0C, 0x0C, 0x00][i % 4];
            }
            if let Some(ins) = cmd.get_mut(1) {
                *ins = [0xA4, 0xB0, 0xB1, 0x84, 0x82, *ins][i % 6];
            }
            let resp = chip.transmit(&cmd).unwrap();
            assert!(resp.len() >= 2);
            if i % 500 == 0 {
                // Re-open a session now and then so protected paths are reached too.
                let mut ch = open(&mut *chip);
                assert!(read_sfi(&mut ch, 0x01, 4).is_ok());
            }
        }
    }
}

#[test]
fn random_protected_commands_are_answered_without_panic() {
    use rand::{Rng, RngCore};
    let mut rng = StdRng::seed_from_u64(77);
    let mut chip = chip(Behaviour { evil_file: Some("EF.SOD".into()), ..Behaviour::default() });
    let mut ch = open(&mut chip);
    let mut answered = 0;
    for _ in 0..3_000 {
        let ins = [0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x88, 0xCA][rng.gen_range(0..7)];
        let mut data = vec![0u8; rng.gen_range(0..12)];
        rng.fill_bytes(&mut data);
        if ins == 0xB1 && rng.gen_bool(0.7) {
            data = tlv::tlv(0x54, &data[..data.len().min(rng.gen_range(0..5))]);
        }
        let mut cmd = CommandApdu::new(0, ins, rng.r#gen(), rng.r#gen()).with_data(data);
        if rng.gen_bool(0.8) {
            cmd = cmd.with_le(rng.gen_range(1..=65_536));
        }
        if ch.send(&cmd).is_ok() {
            answered += 1;
        }
        if !ch.is_open() {
            ch = open(ch.into_card());
        }
    }
    assert!(answered > 2_000, "only {answered} protected answers");
}
