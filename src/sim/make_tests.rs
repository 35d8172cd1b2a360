//! Tests of the profile maker and of the committed profiles: the EF.SOD parses, lists the
//! right hashes, and its CMS signature and certificate chain verify (ECDSA P-256).

use super::*;
use crate::lds::sod::{self, HashCheck};
use crate::sim::{Behaviour, Chip, Profile};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use signature::Verifier;
use x509_cert::Certificate;

const MRZ: &str =
    "P<UTOSPECIMEN<<ALEX<SAMPLE<<<<<<<<<<<<<<<<<<\nD231458907UTO9003129F3104161<<<<<<<<<<<<<<04";

fn key_of(cert: &Certificate) -> VerifyingKey {
    VerifyingKey::from_public_key_der(
        &cert.tbs_certificate.subject_public_key_info.to_der().unwrap(),
    )
    .unwrap()
}

/// Checks the SOD against the DG files and the signature chain up to `csca_der`.
fn check_signed_profile(files: &BTreeMap<String, Vec<u8>>, csca_der: &[u8]) {
    let sod_bytes = files.get("EF.SOD").unwrap();
    let parsed = sod::parse(sod_bytes).unwrap();
    let mut dgs: Vec<u8> = files.keys().filter_map(|n| dg_number(n)).collect();
    dgs.sort_unstable();
    assert_eq!(parsed.dg_hashes.keys().copied().collect::<Vec<_>>(), dgs);
    for dg in &dgs {
        let bytes = files.get(&format!("EF.DG{dg}")).unwrap();
        assert_eq!(parsed.check(*dg, bytes), HashCheck::Match, "DG{dg}");
        let mut flipped = bytes.clone();
        flipped[3] ^= 0x40;
        assert_eq!(parsed.check(*dg, &flipped), HashCheck::Mismatch, "DG{dg} flipped");
    }
    let com = crate::lds::com::parse(files.get("EF.COM").unwrap()).unwrap();
    assert_eq!(com.data_groups, dgs);

    // CMS: the signer's signature over the signed attributes, then the DSC under the CSCA.
    let info = ContentInfo::from_der(&parsed.signed_data).unwrap();
    let signed: SignedData = info.content.decode_as().unwrap();
    assert_eq!(signed.encap_content_info.econtent_type, ID_LDS_SECURITY_OBJECT);
    let dsc = match signed.certificates.as_ref().unwrap().0.get(0).unwrap() {
        CertificateChoices::Certificate(c) => c.clone(),
        _ => panic!("the SOD should carry the document signer certificate"),
    };
    let signer = signed.signer_infos.0.get(0).unwrap();
    let attrs = signer.signed_attrs.as_ref().unwrap().to_der().unwrap();
    let sig = DerSignature::from_bytes(signer.signature.as_bytes()).unwrap();
    key_of(&dsc).verify(&attrs, &sig).unwrap();
    let mut tampered = attrs.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(key_of(&dsc).verify(&tampered, &sig).is_err());

    let csca = Certificate::from_der(csca_der).unwrap();
    assert_eq!(dsc.tbs_certificate.issuer, csca.tbs_certificate.subject);
    let dsc_sig = DerSignature::from_bytes(dsc.signature.raw_bytes()).unwrap();
    key_of(&csca).verify(&dsc.tbs_certificate.to_der().unwrap(), &dsc_sig).unwrap();
    let csca_sig = DerSignature::from_bytes(csca.signature.raw_bytes()).unwrap();
    key_of(&csca).verify(&csca.tbs_certificate.to_der().unwrap(), &csca_sig).unwrap();
}

#[test]
fn made_profile_loads_and_its_sod_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let mut options =
        MakeOptions { eye_centres: Some(((260, 250), (160, 250))), ..Default::default() };
    options.extra_files.insert("EF.DG11".into(), vec![0x6B, 0x03, 0x5C, 0x01, 0x00]);
    options.behaviour = Some(BehaviourToml("max_le = 192".into()));
    let made = make_profile(MRZ, face, dir.path(), &options).unwrap();
    assert_eq!(
        made.files.keys().collect::<Vec<_>>(),
        ["EF.COM", "EF.DG1", "EF.DG11", "EF.DG2", "EF.SOD"]
    );
    check_signed_profile(&made.files, &made.csca_der);
    assert_eq!(std::fs::read(dir.path().join("csca.der")).unwrap(), made.csca_der);
    assert_eq!(std::fs::read(dir.path().join("dsc.der")).unwrap(), made.dsc_der);

    let loaded = Profile::load(dir.path()).unwrap();
    assert_eq!(loaded.behaviour().max_le, Some(192));
    assert_eq!(loaded.mrz_information(), "D23145890790031293104161");
    for (name, bytes) in &made.files {
        assert_eq!(loaded.file(name).unwrap(), bytes.as_slice(), "{name}");
    }
    let dg1 = crate::lds::dg1::parse(loaded.file("EF.DG1").unwrap()).unwrap();
    assert_eq!(dg1.document_number, "D23145890");
    let dg2 = crate::lds::dg2::parse(loaded.file("EF.DG2").unwrap()).unwrap();
    let f = &dg2.faces[0];
    assert_eq!((f.width, f.height, f.format), (420, 540, ImageFormat::Jpeg));
    assert_eq!(f.eye_centres(), Some(((260, 250), (160, 250))));
    assert_eq!(f.data, face);
}

#[test]
fn bad_inputs_to_the_maker_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let d = MakeOptions::default();
    assert!(matches!(make_profile(MRZ, b"GIF89a....", dir.path(), &d), Err(SimError::FaceImage)));
    assert!(matches!(make_profile("P<UTO", face, dir.path(), &d), Err(SimError::Mrz(_))));
    let mut o = MakeOptions::default();
    o.extra_files.insert("EF.DG99".into(), vec![1]);
    assert!(matches!(make_profile(MRZ, face, dir.path(), &o), Err(SimError::UnknownFile { .. })));
    let o = MakeOptions {
        behaviour: Some(BehaviourToml("max_le = \"x\"".into())),
        ..Default::default()
    };
    assert!(matches!(make_profile(MRZ, face, dir.path(), &o), Err(SimError::ProfileToml { .. })));
}

#[test]
fn image_sizes_come_from_the_image_headers() {
    assert_eq!(image_size(include_bytes!("../../assets/demo-face.jpg")), Some((420, 540)));
    assert_eq!(image_size(include_bytes!("../../assets/demo-face.jp2")), Some((420, 540)));
    assert_eq!(image_size(&[0xFF, 0xD8, 0xFF]), None);
    assert_eq!(image_size(b"\0\0\0\x0cjP  \r\n\x87\n"), None);
}

fn committed(dir: &str) -> (Profile, Vec<u8>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let profile = Profile::load(&path).unwrap();
    let csca = std::fs::read(path.join("csca.der")).unwrap();
    (profile, csca)
}

fn files_of(p: &Profile) -> BTreeMap<String, Vec<u8>> {
    p.file_names().map(|n| (n.to_owned(), p.file(n).unwrap().to_vec())).collect()
}

#[test]
fn committed_profiles_are_signed_and_as_described() {
    let (demo, csca) = committed("assets/demo-passport");
    check_signed_profile(&files_of(&demo), &csca);
    let built_in = Profile::demo().unwrap();
    assert_eq!(files_of(&built_in), files_of(&demo));
    let face = &crate::lds::dg2::parse(demo.file("EF.DG2").unwrap()).unwrap().faces[0];
    assert_eq!(face.format, ImageFormat::Jpeg);

    let (jp2, csca) = committed("tests/data/profiles/jp2");
    check_signed_profile(&files_of(&jp2), &csca);
    let face = &crate::lds::dg2::parse(jp2.file("EF.DG2").unwrap()).unwrap().faces[0];
    assert_eq!(face.format, ImageFormat::Jp2);
    assert!((13_000..17_000).contains(&face.data.len()), "JP2 face is {} bytes", face.data.len());

    let (big, csca) = committed("tests/data/profiles/big");
    check_signed_profile(&files_of(&big), &csca);
    assert!(big.file("EF.DG2").unwrap().len() > 40_000);
    let mrz = crate::mrz::Mrz::parse(big.mrz_text()).unwrap();
    assert!(mrz.date_of_expiry.as_str() > "261125", "specimen expiry should be in the future");
}

#[test]
fn a_made_profile_reads_back_through_the_chip_with_matching_hashes() {
    use crate::iso7816::CommandApdu;
    use rand::SeedableRng;
    let (big, _) = committed("tests/data/profiles/big");
    let mut chip =
        Chip::with_seed(&big, Behaviour { max_le: Some(192), ..Behaviour::default() }, 1);
    let select = [0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
    assert_eq!(crate::card::CardChannel::transmit(&mut chip, &select).unwrap(), [0x90, 0x00]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let mut ch =
        crate::access::bac::authenticate(&mut chip, big.mrz_information(), &mut rng).unwrap();
    let mut read = |sfi: u8| {
        let mut out = Vec::new();
        loop {
            let cmd = if out.is_empty() {
                CommandApdu::new(0, 0xB0, 0x80 | sfi, 0).with_le(192)
            } else if out.len() < 32_768 {
                let [p1, p2] = (out.len() as u16).to_be_bytes();
                CommandApdu::new(0, 0xB0, p1, p2).with_le(192)
            } else {
                let off = (out.len() as u32).to_be_bytes();
                CommandApdu::new(0, 0xB1, 0, 0)
                    .with_data(crate::iso7816::tlv::tlv(0x54, &off[1..]))
                    .with_le(192)
            };
            let r = ch.send(&cmd).unwrap();
            let data = if cmd.ins == 0xB1 {
                crate::iso7816::tlv::Reader::new(&r.data).expect(0x53).unwrap().value.to_vec()
            } else {
                r.data
            };
            out.extend(data);
            let total = crate::iso7816::tlv::parse_header(&out).unwrap().total_len();
            if out.len() >= total {
                return out;
            }
        }
    };
    let sod = sod::parse(&read(0x1D)).unwrap();
    let dg2 = read(0x02);
    assert!(dg2.len() > 40_000);
    assert_eq!(sod.check(2, &dg2), HashCheck::Match);
    assert_eq!(sod.check(1, &read(0x01)), HashCheck::Match);
}

#[test]
fn an_indefinite_length_sod_keeps_its_content_and_passes_passive_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let face = include_bytes!("../../assets/demo-face.jpg");
    let options = MakeOptions { sod_indefinite_length: true, ..Default::default() };
    let made = make_profile(MRZ, face, dir.path(), &options).unwrap();
    let sod_bytes = made.files.get("EF.SOD").unwrap();
    // 77 80, ContentInfo 30 80, its [0] A0 80, SignedData 30 80; six end-of-contents pairs
    // close the file (encapContentInfo and its [0] are indefinite too).
    assert_eq!(sod_bytes[..4], [0x77, 0x80, 0x30, 0x80]);
    assert!(sod_bytes.ends_with(&[0; 8]));
    let mut framing = crate::reader::indefinite::Framing::new(1 << 20);
    assert_eq!(
        framing.advance(sod_bytes),
        Ok(crate::reader::indefinite::Frame::Complete(sod_bytes.len()))
    );
    assert_eq!(Profile::load(dir.path()).unwrap().file("EF.SOD").unwrap(), sod_bytes.as_slice());

    let parsed = sod::parse(sod_bytes).unwrap();
    for dg in [1u8, 2] {
        let bytes = made.files.get(&format!("EF.DG{dg}")).unwrap();
        assert_eq!(parsed.check(dg, bytes), HashCheck::Match, "DG{dg}");
    }
    let store = crate::trust::TrustStore::load(std::slice::from_ref(&made.csca_path)).unwrap();
    let dgs: BTreeMap<u8, &[u8]> =
        [1u8, 2].map(|dg| (dg, made.files[&format!("EF.DG{dg}")].as_slice())).into();
    let pa = crate::trust::check(Some(sod_bytes), &dgs, &store, std::time::SystemTime::now());
    assert_eq!(pa.status, crate::trust::Status::Valid, "{}", pa.reason);
}
