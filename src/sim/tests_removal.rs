//! The card taken away at every APDU of a whole read (PACE with the demo passport, BAC with
//! the JPEG 2000 profile; extended and short APDUs, so step-down and re-authentication are
//! covered too): each attempt ends in the typed "passport moved" error, and the next
//! attempt on the same chip reads every file byte for byte.

use super::*;
use crate::access::{AccessError, Password};
use crate::card::CardError;
use crate::mrz::AccessKey;
use crate::reader::ReadError;
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};
use crate::sm::SmError;

/// True only for the card leaving (not a reset, not any other failure), wherever it surfaced.
fn card_removed(e: &ReadError) -> bool {
    matches!(
        e,
        ReadError::Card(CardError::CardRemoved)
            | ReadError::Sm(SmError::Card(CardError::CardRemoved))
            | ReadError::Access(AccessError::Card(CardError::CardRemoved))
            | ReadError::Access(AccessError::Sm(SmError::Card(CardError::CardRemoved)))
    )
}

fn read(chip: &mut Chip, password: &Password) -> Result<PassportRead, ReadError> {
    read_passport(chip, password, &ReadOptions::default(), &mut |_, _, _| {})
}

/// Removes the card before each APDU of a full read in turn; returns the APDUs of a read.
fn pull_at_every_apdu(profile: &Profile, behaviour: &Behaviour, access: &str) -> u64 {
    let password: Password = AccessKey::from_mrz_text(profile.mrz_text()).unwrap().into();
    let full = read(&mut Chip::with_seed(profile, behaviour.clone(), 1), &password).unwrap();
    assert_eq!(full.access, access);
    for i in 0..full.apdus {
        let b = Behaviour { remove_after_apdu: Some(i), ..behaviour.clone() };
        let mut chip = Chip::with_seed(profile, b, 1);
        let err = read(&mut chip, &password).expect_err("the card left mid-read");
        assert!(card_removed(&err), "card pulled at APDU {}: {err:?}", i + 1);
        assert!(err.is_card_gone());
        // Nothing more was sent once the card had gone.
        assert_eq!(chip.apdu_count(), i + 1, "card pulled at APDU {}", i + 1);
        let again = read(&mut chip, &password)
            .unwrap_or_else(|e| panic!("retry after a pull at APDU {}: {e:?}", i + 1));
        assert_eq!(again.access, access);
        for name in profile.file_names() {
            let got = again.files.get(name).map(|f| f.as_slice());
            assert_eq!(got, profile.file(name), "{name} after a pull at APDU {}", i + 1);
        }
        assert!(!again.access_control.security_infos.is_invalid());
    }
    full.apdus
}

#[test]
fn the_card_pulled_at_every_apdu_of_a_pace_and_a_bac_read() {
    let demo = Profile::demo().unwrap();
    assert!(demo.file("EF.DG14").is_some(), "the demo chip offers PACE and has DG14");
    let jp2 = Profile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/profiles/jp2"),
    )
    .unwrap();
    assert!(jp2.pace().is_none());
    let short = Behaviour { extended_length: Some(false), ..Behaviour::default() };
    let mut total = 0;
    for behaviour in [Behaviour::default(), short] {
        total += pull_at_every_apdu(&demo, &behaviour, "PACE-ECDH-GM-AES-128");
        total += pull_at_every_apdu(&jp2, &behaviour, "BAC");
    }
    // Extended reads take a dozen APDUs; the short-APDU reads of a 15 KB face many more.
    assert!(total > 150, "only {total} APDU indices covered");
    eprintln!("card pulled at each of {total} APDU indices, each retry read in full");
}
