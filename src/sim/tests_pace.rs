//! In-process tests of the simulated chip's PACE (ICAO 9303 Part 11 §4.4) through the whole
//! reader (`reader::passport::read_passport`): MRZ and CAN, every curve and cipher, wrong
//! passwords, BAC-only and PACE-only chips, recovery after a secure-messaging failure.

use super::*;
use crate::access::{AccessError, Password};
use crate::iso7816::tlv;
use crate::mrz::{AccessKey, Can};
use crate::reader::ReadError;
use crate::reader::passport::{ReadOptions, read_passport};
use std::collections::BTreeMap;

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed)).collect()
}

fn profile(pace: Option<PaceSettings>) -> Profile {
    let mut files = BTreeMap::new();
    files.insert("EF.COM".to_owned(), tlv::tlv(0x60, &pattern(20, 1)));
    files.insert("EF.DG1".to_owned(), tlv::tlv(0x61, &pattern(90, 2)));
    files.insert("EF.DG2".to_owned(), tlv::tlv(0x75, &pattern(9_000, 3)));
    files.insert("EF.SOD".to_owned(), tlv::tlv(0x77, &pattern(1500, 4)));
    let p = Profile::from_parts(MRZ, files, Behaviour::default()).unwrap();
    p.with_pace(pace, Some(Can::new("123456").unwrap()))
}

fn pace(id: u64, cipher: &str, bac: bool) -> Option<PaceSettings> {
    Some(PaceSettings::new(id, cipher, bac).unwrap())
}

fn mrz() -> Password {
    AccessKey::from_mrz_text(MRZ).unwrap().into()
}

fn can(c: &str) -> Password {
    Can::new(c).unwrap().into()
}

fn read(
    p: &Profile,
    b: Behaviour,
    pw: &Password,
) -> Result<crate::reader::passport::PassportRead, ReadError> {
    read_passport(Chip::with_seed(p, b, 3), pw, &ReadOptions::default(), &mut |_, _, _| {})
}

fn assert_complete(p: &Profile, r: &crate::reader::passport::PassportRead) {
    for name in ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2", "EF.CardAccess"] {
        assert_eq!(r.files.get(name).map(|f| f.as_slice()), p.file(name), "{name}");
    }
}

#[test]
fn pace_with_mrz_and_can_on_every_curve_and_cipher() {
    for id in [12, 13, 15, 16] {
        for cipher in ["3DES", "AES-128", "AES-192", "AES-256"] {
            let p = profile(pace(id, cipher, true));
            for pw in [mrz(), can("123456")] {
                let r = read(&p, Behaviour::default(), &pw).unwrap();
                assert_complete(&p, &r);
                assert_eq!(r.access, format!("PACE-ECDH-GM-{cipher}"));
                // CardAccess, MSE + 4 GA, SELECT under SM, one extended READ per EF.
                assert_eq!(r.apdus, 11, "{id} {cipher} {pw:?}");
            }
        }
    }
}

#[test]
fn short_apdus_under_aes_use_the_223_byte_chunk() {
    let p = profile(pace(13, "AES-128", true));
    let b = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let r = read(&p, b, &can("123456")).unwrap();
    assert_complete(&p, &r);
    assert_eq!(r.chunk_size, 223);
}

#[test]
fn wrong_passwords_are_denied() {
    let p = profile(pace(13, "AES-128", true));
    for pw in [can("654321"), AccessKey::from_parts("L898902C", "690806", "940624").unwrap().into()]
    {
        let err = read(&p, Behaviour::default(), &pw).unwrap_err();
        assert!(matches!(err, ReadError::Access(AccessError::Denied)), "{err:?}");
    }
    // The chip's "wrong password" status word may differ.
    let b = Behaviour { denied_sw: Some(0x63C2), ..Behaviour::default() };
    let err = read(&p, b, &can("000000")).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Denied)), "{err:?}");
}

#[test]
fn bac_only_chips_take_the_mrz_and_refuse_the_can_with_a_typed_error() {
    let p = profile(None);
    let r = read(&p, Behaviour::default(), &mrz()).unwrap();
    assert_eq!(r.access, "BAC");
    let err = read(&p, Behaviour::default(), &can("123456")).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::CanNeedsPace)), "{err:?}");
    assert!(err.to_string().contains("MRZ"), "{err}");
}

#[test]
fn force_bac_reads_a_pace_chip_with_bac_and_a_pace_only_chip_refuses_it() {
    let options = ReadOptions { force_bac: true, ..ReadOptions::default() };
    let both = profile(pace(13, "AES-128", true));
    let r = read_passport(
        Chip::with_seed(&both, Behaviour::default(), 1),
        mrz(),
        &options,
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(r.access, "BAC");
    let only = profile(pace(13, "AES-128", false));
    assert!(!only.bac_allowed());
    let err = read_passport(
        Chip::with_seed(&only, Behaviour::default(), 1),
        mrz(),
        &options,
        &mut |_, _, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Status { .. })), "{err:?}");
}

#[test]
fn pace_refused_at_mse_set_at_falls_back_to_bac_with_the_mrz_and_says_so() {
    // EF.CardAccess advertises P-256, but the chip only runs brainpool: MSE:Set AT fails.
    let mut p = profile(pace(13, "AES-128", true));
    let other = PaceSettings::new(12, "AES-128", true).unwrap();
    p = p.with_pace(Some(other), Some(Can::new("123456").unwrap()));
    let mut chip = Chip::with_seed(&p, Behaviour::default(), 1);
    chip.pace = Some(crate::access::pace::PaceChip::new(
        vec![PaceSettings::new(13, "AES-128", true).unwrap().params],
        AccessKey::from_mrz_text(MRZ).unwrap(),
        None,
    ));
    let r = read_passport(chip, mrz(), &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    assert_eq!(r.access, "BAC");
    let note = r.access_control.note().unwrap();
    assert!(note.starts_with("PACE offered, BAC used: the chip refused"), "{note}");
    // With the CAN there is nothing to fall back to.
    let mut chip = Chip::with_seed(&p, Behaviour::default(), 1);
    chip.pace = Some(crate::access::pace::PaceChip::new(
        vec![PaceSettings::new(13, "AES-128", true).unwrap().params],
        AccessKey::from_mrz_text(MRZ).unwrap(),
        None,
    ));
    let err =
        read_passport(chip, can("123456"), &ReadOptions::default(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(err, ReadError::Access(AccessError::Status { .. })), "{err:?}");
}

#[test]
fn a_secure_messaging_failure_reruns_pace() {
    // A short-APDU chip answers the extended first chunk with a plain 6700, which ends SM;
    // the reader runs PACE again (and SELECTs the application) and carries on.
    let p = profile(pace(13, "AES-128", true));
    let b = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let r = read(&p, b, &can("123456")).unwrap();
    assert_complete(&p, &r);
    assert_eq!(r.access, "PACE-ECDH-GM-AES-128");
    // CardAccess, PACE, SELECT, the refused READ, PACE and SELECT again, then the reads.
    let reads: u64 = ["EF.COM", "EF.SOD", "EF.DG1", "EF.DG2"]
        .iter()
        .map(|n| p.file(n).unwrap().len().div_ceil(223) as u64)
        .sum();
    assert_eq!(r.apdus, 1 + 5 + 1 + 1 + 5 + 1 + reads);
}

#[test]
fn the_demo_profile_offers_pace_with_a_can() {
    let demo = Profile::demo().unwrap();
    assert_eq!(demo.can().map(Can::digits), Some("123456"));
    assert!(demo.pace().is_some() && demo.bac_allowed());
    let r = read(&demo, Behaviour::default(), &can("123456")).unwrap();
    assert_eq!(r.access, "PACE-ECDH-GM-AES-128");
}

#[test]
fn pace_settings_are_validated() {
    assert!(matches!(PaceSettings::new(19, "AES-128", true), Err(SimError::Pace(_))));
    assert!(matches!(PaceSettings::new(13, "AES-512", true), Err(SimError::Pace(_))));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("profile.toml"),
        format!(
            "mrz = {MRZ:?}\ncan = \"12345\"\n[pace]\nparameter_id = 13\ncipher = \"AES-128\"\n"
        ),
    )
    .unwrap();
    assert!(matches!(Profile::load(dir.path()), Err(SimError::Mrz(_))));
    std::fs::write(
        dir.path().join("profile.toml"),
        format!("mrz = {MRZ:?}\ncan = \"123456\"\n[pace]\nparameter_id = 12\ncipher = \"3DES\"\nbac = false\n"),
    )
    .unwrap();
    let p = Profile::load(dir.path()).unwrap();
    assert!(!p.bac_allowed());
    let ca = crate::lds::card_access::parse(p.file("EF.CardAccess").unwrap()).unwrap();
    assert_eq!(ca.pace_infos().next().unwrap().protocol.name(), "PACE-ECDH-GM-3DES");
    assert!(!format!("{p:?}").contains("123456"));
}

#[test]
fn hostile_pace_commands_never_panic_and_get_a_status_word() {
    use rand::{Rng, SeedableRng};
    let p = profile(pace(13, "AES-128", true));
    let mut chip = Chip::with_seed(&p, Behaviour::default(), 5);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mse = hex::decode("0022C1A40F800A04007F00070202040202830102").unwrap();
    for i in 0..3000 {
        if i % 4 == 0 {
            let r = crate::card::CardChannel::transmit(&mut chip, &mse).unwrap();
            assert_eq!(r, [0x90, 0x00]);
        }
        let len = rng.gen_range(0..80);
        let mut data: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        if rng.gen_bool(0.5) && data.len() > 2 {
            // Mostly well-formed 7C { 8x … } so deeper steps are reached.
            data[0] = 0x7C;
            data[1] = (len - 2) as u8;
            data[2] = 0x81 + rng.gen_range(0..5);
        }
        let cla = if rng.gen_bool(0.7) { 0x10 } else { 0x00 };
        let ins = if rng.gen_bool(0.9) { 0x86 } else { 0x22 };
        let cmd = crate::iso7816::CommandApdu::new(cla, ins, 0, 0).with_data(data).with_le(256);
        let r = crate::card::CardChannel::transmit(&mut chip, &cmd.encode().unwrap()).unwrap();
        assert!(r.len() >= 2);
    }
}

#[test]
fn a_card_leaving_during_pace_is_card_gone_not_a_bac_fallback() {
    let p = profile(pace(13, "AES-128", true));
    for after in 1..=6 {
        let b = Behaviour { remove_after_apdu: Some(after), ..Behaviour::default() };
        let mut chip = Chip::with_seed(&p, b, 2);
        let err = read_passport(&mut chip, mrz(), &ReadOptions::default(), &mut |_, _, _| {})
            .unwrap_err();
        assert!(err.is_card_gone(), "after APDU {after}: {err:?}");
        // Nothing is sent after the card left.
        assert_eq!(chip.apdu_count(), after + 1);
        // Back on the reader, the next read succeeds.
        let r = read_passport(&mut chip, mrz(), &ReadOptions::default(), &mut |_, _, _| {});
        assert_eq!(r.unwrap().access, "PACE-ECDH-GM-AES-128");
    }
}

/// A card channel that records the CLA and INS of every command it passes on.
struct Recorder<'a> {
    chip: &'a mut Chip,
    sent: Vec<(u8, u8)>,
}

impl crate::card::CardChannel for Recorder<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::card::CardError> {
        if let [cla, ins, ..] = command {
            self.sent.push((*cla, *ins));
        }
        self.chip.transmit(command)
    }
}

/// True when a plain GET CHALLENGE or EXTERNAL AUTHENTICATE (BAC) was sent.
fn ran_bac(sent: &[(u8, u8)]) -> bool {
    sent.iter().any(|&(cla, ins)| cla & 0x0C == 0 && (ins == 0x84 || ins == 0x82))
}

#[test]
fn a_truncated_pace_answer_is_final_never_bac() {
    let p = profile(pace(13, "AES-128", true));
    for step in 1..=4 {
        for pw in [mrz(), can("123456")] {
            let b = Behaviour { truncate_ga: Some(step), ..Behaviour::default() };
            let mut chip = Chip::with_seed(&p, b, 7);
            let mut rec = Recorder { chip: &mut chip, sent: Vec::new() };
            let err = read_passport(&mut rec, &pw, &ReadOptions::default(), &mut |_, _, _| {})
                .unwrap_err();
            assert!(matches!(err, ReadError::Access(_)), "GA {step}: {err:?}");
            assert!(!ran_bac(&rec.sent), "GA {step}: BAC after a broken PACE: {:02X?}", rec.sent);
            // The retry runs PACE again (the fault was once) and reads everything.
            let mut rec = Recorder { chip: &mut chip, sent: Vec::new() };
            let r =
                read_passport(&mut rec, &pw, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
            assert_eq!(r.access, "PACE-ECDH-GM-AES-128");
            assert!(!ran_bac(&rec.sent));
            assert_complete(&p, &r);
        }
    }
}

/// `p`'s files plus an EF.DG14 listing `dg14` and an EF.COM that lists DG1, DG2 and DG14.
fn with_dg14(p: &Profile, dg14: &[PaceSettings], keep_pace: bool) -> Profile {
    let mut files: BTreeMap<String, Vec<u8>> = p
        .file_names()
        .filter(|n| *n != "EF.CardAccess")
        .map(|n| (n.to_owned(), p.file(n).unwrap().to_vec()))
        .collect();
    let infos: Vec<_> = dg14.iter().map(|s| s.params.info()).collect();
    files.insert("EF.DG14".into(), crate::lds::dg14::encode_pace(&infos));
    let com = crate::lds::com::EfCom {
        lds_version: "0107".into(),
        unicode_version: "040000".into(),
        data_groups: vec![1, 2, 14],
    };
    files.insert("EF.COM".into(), com.encode());
    let out = Profile::from_parts(MRZ, files, Behaviour::default()).unwrap();
    let pace = if keep_pace { p.pace().copied() } else { None };
    out.with_pace(pace, Some(Can::new("123456").unwrap()))
}

#[test]
fn dg14_is_read_and_matches_card_access_after_pace() {
    use crate::reader::access_control::SecurityInfosCheck;
    let settings = pace(13, "AES-128", true);
    let p = with_dg14(&profile(settings), &[settings.unwrap()], true);
    for pw in [mrz(), can("123456")] {
        let r = read(&p, Behaviour::default(), &pw).unwrap();
        assert_eq!(r.files.get("EF.DG14").unwrap().as_slice(), p.file("EF.DG14").unwrap());
        assert_eq!(r.access_control.security_infos, SecurityInfosCheck::Consistent);
        assert!(r.access_control.pace_offered && r.access_control.note().is_none());
    }
    // Without DG14 in EF.COM (or EF.SOD) nothing more is read and nothing is checked.
    let plain = profile(settings);
    let r = read(&plain, Behaviour::default(), &mrz()).unwrap();
    assert!(!r.files.contains_key("EF.DG14"));
    assert!(matches!(r.access_control.security_infos, SecurityInfosCheck::NotChecked(_)));
}

#[test]
fn bac_on_a_chip_whose_dg14_lists_pace_is_invalid() {
    let settings = pace(13, "AES-128", true);
    // EF.CardAccess stripped: the chip looks BAC-only, but its signed DG14 lists PACE.
    let stripped = with_dg14(&profile(settings), &[settings.unwrap()], false);
    assert!(stripped.file("EF.CardAccess").is_none());
    let r = read(&stripped, Behaviour::default(), &mrz()).unwrap();
    assert_eq!(r.access, "BAC");
    assert!(!r.access_control.pace_offered);
    assert!(r.access_control.security_infos.is_invalid(), "{:?}", r.access_control);
    assert!(r.access_control.security_infos.reason().contains("read with BAC"));
    // PACE offered and BAC forced: said so, and invalid as well.
    let full = with_dg14(&profile(settings), &[settings.unwrap()], true);
    let options = ReadOptions { force_bac: true, ..ReadOptions::default() };
    let chip = Chip::with_seed(&full, Behaviour::default(), 1);
    let r = read_passport(chip, mrz(), &options, &mut |_, _, _| {}).unwrap();
    assert_eq!(r.access, "BAC");
    assert_eq!(r.access_control.note().unwrap(), "PACE offered, BAC used: BAC was asked for");
    assert!(r.access_control.security_infos.is_invalid());
    // The report and the kiosk's verdict carry it.
    let report = crate::report::build(&r);
    assert_eq!(report.access_control.security_infos, "invalid");
    assert!(report.access_control.note.unwrap().starts_with("PACE offered, BAC used"));
    let policy = crate::face::EncodePolicy::default();
    let trust = crate::trust::TrustStore::new();
    let chip = crate::enrol::ChipResult::from_read(r, &policy, &trust, "2026-01-01");
    assert_eq!(chip.facts.authenticity, "invalid");
    assert!(chip.facts.authenticity_reason.contains("read with BAC"));
}

#[test]
fn a_card_access_pace_that_dg14_does_not_list_is_invalid() {
    let offered = pace(13, "AES-128", true);
    let p = with_dg14(&profile(offered), &[pace(12, "AES-128", true).unwrap()], true);
    let r = read(&p, Behaviour::default(), &mrz()).unwrap();
    assert_eq!(r.access, "PACE-ECDH-GM-AES-128");
    assert!(r.access_control.security_infos.is_invalid(), "{:?}", r.access_control);
    assert!(r.access_control.security_infos.reason().contains("does not list"));
}

#[test]
fn a_chip_sending_a_few_bytes_per_read_is_cut_off() {
    let p = profile(pace(13, "AES-128", true));
    let few =
        Behaviour { max_le: Some(4), le_overflow: LeOverflow::Truncate, ..Behaviour::default() };
    let mut chip = Chip::with_seed(&p, few, 3);
    let err =
        read_passport(&mut chip, mrz(), &ReadOptions::default(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(&err, ReadError::TooManyApdus { file, .. } if file == "EF.SOD"), "{err:?}");
    // EF.COM (22 bytes) got through; EF.SOD (1504 bytes) is stopped at its cap, far below
    // the 376 reads four bytes at a time would take.
    let cap = crate::reader::apdu_cap(1504, 223) as u64;
    assert!(chip.apdu_count() < 30 + cap && cap < 1504 / 4, "{} APDUs", chip.apdu_count());
    // A chip that silently truncates to 64 bytes is slow but honest: it is read.
    let slow =
        Behaviour { max_le: Some(64), le_overflow: LeOverflow::Truncate, ..Behaviour::default() };
    let r = read(&p, slow, &mrz()).unwrap();
    assert_complete(&p, &r);
}
