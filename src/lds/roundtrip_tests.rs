//! Randomised encode → parse round trips for EF.COM, DG2 and the LDSSecurityObject.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::dg2::{FaceImage, FeaturePoint, ImageFormat};
use super::sod::HashAlgorithm;
use super::*;

fn random_dgs(rng: &mut StdRng) -> Vec<u8> {
    let mut dgs: Vec<u8> = (1..=16).filter(|_| rng.gen_bool(0.4)).collect();
    if dgs.is_empty() {
        dgs.push(1);
    }
    dgs
}

#[test]
fn ef_com_round_trips() {
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..500 {
        let com = com::EfCom {
            lds_version: format!("{:04}", rng.gen_range(0..10_000)),
            unicode_version: format!("{:06}", rng.gen_range(0..1_000_000)),
            data_groups: random_dgs(&mut rng),
        };
        assert_eq!(com::parse(&com.encode()).unwrap(), com);
    }
}

fn random_face(rng: &mut StdRng) -> FaceImage {
    let format = [ImageFormat::Jpeg, ImageFormat::Jp2, ImageFormat::J2k][rng.gen_range(0..3)];
    let magic: &[u8] = match format {
        ImageFormat::Jpeg => &[0xFF, 0xD8, 0xFF],
        ImageFormat::Jp2 => &[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A],
        ImageFormat::J2k => &[0xFF, 0x4F, 0xFF, 0x51],
    };
    // Sizes around the 127/255/65535 length-form boundaries of the TLV headers.
    let len = [0usize, 100, 115, 240, 65_500, 70_000][rng.gen_range(0..6)] + rng.gen_range(0..20);
    let mut data = magic.to_vec();
    data.extend((0..len).map(|_| rng.r#gen::<u8>()));
    let n_points = rng.gen_range(0..5);
    FaceImage {
        format,
        width: rng.r#gen(),
        height: rng.r#gen(),
        feature_points: (0..n_points)
            .map(|_| FeaturePoint { kind: 1, code: rng.r#gen(), x: rng.r#gen(), y: rng.r#gen() })
            .collect(),
        gender: rng.r#gen(),
        eye_colour: rng.r#gen(),
        hair_colour: rng.r#gen(),
        property_mask: rng.r#gen(),
        expression: rng.r#gen(),
        pose_angle: rng.r#gen(),
        pose_angle_uncertainty: rng.r#gen(),
        image_type: rng.r#gen(),
        image_data_type: format.data_type(),
        colour_space: rng.r#gen(),
        source_type: rng.r#gen(),
        device_type: rng.r#gen(),
        quality: rng.r#gen(),
        data,
    }
}

#[test]
fn dg2_round_trips() {
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..60 {
        let faces: Vec<FaceImage> =
            (0..rng.gen_range(1..4)).map(|_| random_face(&mut rng)).collect();
        let parsed = dg2::parse(&dg2::encode(&faces)).unwrap();
        assert!(parsed.faces == faces);
        let record = dg2::record::encode(&faces);
        assert!(dg2::record::parse(&record).unwrap() == faces);
    }
}

#[test]
fn lds_security_object_round_trips() {
    let mut rng = StdRng::seed_from_u64(3);
    let algs = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];
    for _ in 0..300 {
        let alg = algs[rng.gen_range(0..algs.len())];
        let hashes: BTreeMap<u8, Vec<u8>> = random_dgs(&mut rng)
            .into_iter()
            .map(|dg| (dg, (0..alg.output_len()).map(|_| rng.r#gen()).collect()))
            .collect();
        let lso =
            sod::parse_lds_security_object(&sod::encode_lds_security_object(alg, &hashes)).unwrap();
        assert_eq!((lso.hash_algorithm, lso.version), (alg, 0));
        assert_eq!(lso.dg_hashes, hashes);
    }
}
