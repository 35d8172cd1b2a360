//! DG11 and DG12 are read when EF.COM lists them, and only then (simulated chip, BAC).

use super::*;
use crate::iso7816::tlv;
use crate::lds::com::EfCom;
use crate::mrz::AccessKey;
use crate::sim::{Behaviour, Chip, Profile};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

fn profile(listed: &[u8]) -> Profile {
    let mut files = BTreeMap::new();
    let com = EfCom {
        lds_version: "0107".into(),
        unicode_version: "040000".into(),
        data_groups: [&[1, 2][..], listed].concat(),
    };
    files.insert("EF.COM".to_owned(), com.encode());
    files.insert("EF.DG1".to_owned(), tlv::tlv(0x61, &[0x5F, 0x1F, 0x01, b'P']));
    files.insert("EF.DG2".to_owned(), tlv::tlv(0x75, &[0; 300]));
    files.insert("EF.SOD".to_owned(), tlv::tlv(0x77, &[0; 200]));
    files.insert("EF.DG11".to_owned(), crate::lds::dg11::encode("ERIKSSON<<ANNA", "ZENITH"));
    files.insert("EF.DG12".to_owned(), crate::lds::dg12::encode("UTOPIA CITY", "20240101"));
    Profile::from_parts(MRZ, files, Behaviour::default()).unwrap()
}

fn read(p: &Profile) -> PassportRead {
    let key = AccessKey::from_mrz_text(MRZ).unwrap();
    read_passport(
        Chip::with_seed(p, Behaviour::default(), 5),
        key,
        &ReadOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap()
}

#[test]
fn dg11_and_dg12_are_read_when_listed() {
    let p = profile(&[11, 12]);
    let r = read(&p);
    for name in ["EF.DG11", "EF.DG12"] {
        assert_eq!(r.files.get(name).map(|b| b.as_slice()), p.file(name), "{name}");
    }
    let dg11 = crate::lds::dg11::parse(r.files.get("EF.DG11").unwrap()).unwrap();
    assert_eq!(dg11.place_of_birth.unwrap().as_str(), "ZENITH");
    // One listed, one not.
    let r = read(&profile(&[12]));
    assert!(!r.files.contains_key("EF.DG11") && r.files.contains_key("EF.DG12"));
}

#[test]
fn unlisted_dg11_and_dg12_are_not_read() {
    let r = read(&profile(&[]));
    assert!(!r.files.contains_key("EF.DG11") && !r.files.contains_key("EF.DG12"));
}
