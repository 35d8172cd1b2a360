//! Tests of finite-field DH: ICAO 9303 Part 11 Appendix G.2 (DH Generic Mapping on RFC 5114
//! group 0) byte for byte, the standardized groups, X9.42 and PKCS#3 parameters encoded by
//! OpenSSL, fixed-width encodings, and hostile public values and parameters.

use super::*;
use crate::access::test_rng::ReplayRng;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/dh/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn hx(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn group0() -> DhGroup {
    DhGroup::from_parameter_id(0).unwrap()
}

/// p − k as fixed-width bytes (k small).
fn p_minus(group: &DhGroup, k: u8) -> Vec<u8> {
    let mut v = group.modulus();
    let mut borrow = u16::from(k);
    for b in v.iter_mut().rev() {
        let x = u16::from(*b);
        let (r, next) = if x >= borrow { (x - borrow, 0) } else { (x + 256 - borrow, 1) };
        *b = r as u8;
        borrow = next;
        if borrow == 0 {
            break;
        }
    }
    v
}

fn small(group: &DhGroup, k: u8) -> Vec<u8> {
    let mut v = vec![0; group.element_len()];
    *v.last_mut().unwrap() = k;
    v
}

#[test]
fn appendix_g2_group_is_parameter_id_0() {
    let v = vector("pace-dh-gm-modp1024.json");
    let g = group0();
    assert_eq!(g.modulus(), hx(&v["group"]["p"]));
    assert_eq!(g.generator(), hx(&v["group"]["g"]));
    assert_eq!(g.order(), hx(&v["group"]["q"]));
    assert_eq!(g.element_len(), 128);
    assert_eq!(g.order_len(), 20);
    assert_eq!(g.parameter_id(), Some(0));
    assert_eq!(g.name(), "1024-bit MODP group with 160-bit prime order subgroup (RFC 5114)");
}

#[test]
fn appendix_g2_generic_mapping_and_key_agreement() {
    let v = vector("pace-dh-gm-modp1024.json");
    let g = group0();
    // Mapping: both sides' public values, the shared h, then g~ = g^s · h.
    assert_eq!(
        g.public(&hx(&v["terminal_mapping_private"]), None).unwrap(),
        hx(&v["terminal_mapping_public"])
    );
    assert_eq!(
        g.public(&hx(&v["chip_mapping_private"]), None).unwrap(),
        hx(&v["chip_mapping_public"])
    );
    let h = g
        .shared_secret(&hx(&v["terminal_mapping_private"]), &hx(&v["chip_mapping_public"]))
        .unwrap();
    assert_eq!(*h, hx(&v["mapping_shared_secret_h"]));
    let h_chip = g
        .shared_secret(&hx(&v["chip_mapping_private"]), &hx(&v["terminal_mapping_public"]))
        .unwrap();
    assert_eq!(h_chip, h);
    let mapped = g.map_generic(&hx(&v["nonce_s"]), &h).unwrap();
    assert_eq!(mapped, hx(&v["mapped_generator"]));
    // Key agreement on g~.
    let t_pub = g.public(&hx(&v["terminal_ephemeral_private"]), Some(&mapped)).unwrap();
    assert_eq!(t_pub, hx(&v["terminal_ephemeral_public"]));
    let c_pub = g.public(&hx(&v["chip_ephemeral_private"]), Some(&mapped)).unwrap();
    assert_eq!(c_pub, hx(&v["chip_ephemeral_public"]));
    let k = g.shared_secret(&hx(&v["terminal_ephemeral_private"]), &c_pub).unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
    let k_chip = g.shared_secret(&hx(&v["chip_ephemeral_private"]), &t_pub).unwrap();
    assert_eq!(k_chip, k);
}

#[test]
fn im_dh_example_key_agreement_with_a_full_length_secret() {
    // The IM worked example's terminal secret is a full 1024-bit value (> q).
    let v = vector("pace-dh-im-modp1024.json");
    let g = group0();
    let mapped = hx(&v["mapped_generator"]);
    let secret = hx(&v["terminal_ephemeral_private"]);
    assert_eq!(secret.len(), 128);
    assert_eq!(g.public(&secret, Some(&mapped)).unwrap(), hx(&v["terminal_ephemeral_public"]));
    let k = g.shared_secret(&secret, &hx(&v["chip_ephemeral_public"])).unwrap();
    assert_eq!(*k, hx(&v["shared_secret_K"]));
}

#[test]
fn standardized_groups_match_openssl_x942_encodings() {
    for id in 0..=2u64 {
        let named = DhGroup::from_parameter_id(id).unwrap();
        let parsed = DhGroup::from_der(&data(&format!("rfc5114-{id}-x942.der"))).unwrap();
        assert_eq!(parsed, named, "group {id}");
        assert_eq!(parsed.parameter_id(), None);
        assert!(parsed.name().contains("explicit parameters"));
    }
    let g1 = DhGroup::from_parameter_id(1).unwrap();
    assert_eq!((g1.element_len(), g1.order_len()), (256, 28));
    assert_eq!(g1.name(), "2048-bit MODP group with 224-bit prime order subgroup (RFC 5114)");
    let g2 = DhGroup::from_parameter_id(2).unwrap();
    assert_eq!((g2.element_len(), g2.order_len()), (256, 32));
    assert_eq!(g2.name(), "2048-bit MODP group with 256-bit prime order subgroup (RFC 5114)");
    assert!(DhGroup::from_parameter_id(3).is_none());
    assert!(DhGroup::from_parameter_id(13).is_none());
}

#[test]
fn pkcs3_parameters_without_q_are_refused() {
    assert_eq!(DhGroup::from_der(&data("rfc5114-0-pkcs3.der")), Err(DhError::NoSubgroupOrder));
    let g = group0();
    assert_eq!(
        DhGroup::explicit(&g.modulus(), &g.generator(), None),
        Err(DhError::NoSubgroupOrder)
    );
}

#[test]
fn hostile_parameters_are_refused() {
    let g = group0();
    let (p, g_bytes, q) = (g.modulus(), g.generator(), g.order());
    // g = 1, g = p − 1, g ≥ p, g outside the subgroup (2 generates far more).
    assert!(matches!(DhGroup::explicit(&p, &[1], Some(&q)), Err(DhError::BadParameters(_))));
    assert!(matches!(
        DhGroup::explicit(&p, &p_minus(&g, 1), Some(&q)),
        Err(DhError::BadParameters(_))
    ));
    assert!(matches!(DhGroup::explicit(&p, &p, Some(&q)), Err(DhError::BadParameters(_))));
    assert!(matches!(DhGroup::explicit(&p, &[2], Some(&q)), Err(DhError::BadParameters(_))));
    // q not dividing p − 1, q too small or as large as p, p even, p too small or too large.
    let mut q_off = q.clone();
    *q_off.last_mut().unwrap() ^= 2;
    assert!(matches!(
        DhGroup::explicit(&p, &g_bytes, Some(&q_off)),
        Err(DhError::BadParameters(_))
    ));
    assert!(matches!(
        DhGroup::explicit(&p, &g_bytes, Some(&[0xFF; 8])),
        Err(DhError::BadParameters(_))
    ));
    assert!(matches!(DhGroup::explicit(&p, &g_bytes, Some(&p)), Err(DhError::BadParameters(_))));
    let mut even = p.clone();
    *even.last_mut().unwrap() &= 0xFE;
    assert!(matches!(DhGroup::explicit(&even, &g_bytes, Some(&q)), Err(DhError::BadParameters(_))));
    assert_eq!(
        DhGroup::explicit(&p[1..], &g_bytes[1..], Some(&q)),
        Err(DhError::ModulusSize { bits: 1012 })
    );
    let huge = vec![0xFF; 513];
    assert_eq!(
        DhGroup::explicit(&huge, &g_bytes, Some(&q)),
        Err(DhError::ModulusSize { bits: 4104 })
    );
    assert_eq!(DhGroup::explicit(&[], &g_bytes, Some(&q)), Err(DhError::ModulusSize { bits: 0 }));
    // Leading zeros on p are tolerated, the element length stays len(p).
    let padded = [&[0u8, 0][..], &p].concat();
    assert_eq!(DhGroup::explicit(&padded, &g_bytes, Some(&q)).unwrap().element_len(), 128);
    // Not DER, truncated DER, trailing bytes, and an oversized input.
    let der = data("rfc5114-0-x942.der");
    assert_eq!(DhGroup::from_der(&der[..der.len() - 1]), Err(DhError::Encoding));
    assert_eq!(DhGroup::from_der(&[der.clone(), vec![0]].concat()), Err(DhError::Encoding));
    assert_eq!(DhGroup::from_der(b"not der"), Err(DhError::Encoding));
    assert_eq!(DhGroup::from_der(&[]), Err(DhError::Encoding));
    assert_eq!(DhGroup::from_der(&vec![0x30; 5000]), Err(DhError::Encoding));
}

#[test]
fn hostile_public_values_are_refused() {
    for id in 0..=2u64 {
        let g = DhGroup::from_parameter_id(id).unwrap();
        let n = g.element_len();
        assert_eq!(g.check_public(&small(&g, 0)), Err(DhError::OutOfRange), "y = 0, group {id}");
        assert_eq!(g.check_public(&small(&g, 1)), Err(DhError::OutOfRange), "y = 1, group {id}");
        assert_eq!(
            g.check_public(&p_minus(&g, 1)),
            Err(DhError::OutOfRange),
            "y = p-1, group {id}"
        );
        assert_eq!(g.check_public(&g.modulus()), Err(DhError::OutOfRange), "y = p, group {id}");
        assert_eq!(g.check_public(&vec![0xFF; n]), Err(DhError::OutOfRange), "y > p, group {id}");
        // 2 and p − 2 are in range but (for these groups) outside the order-q subgroup.
        assert_eq!(g.check_public(&small(&g, 2)), Err(DhError::NotInSubgroup), "y = 2, group {id}");
        assert_eq!(g.check_public(&p_minus(&g, 2)), Err(DhError::NotInSubgroup), "group {id}");
        // Wrong lengths: a dropped leading byte, an extra leading zero, empty.
        let y = g.public(&[7], None).unwrap();
        g.check_public(&y).unwrap();
        assert_eq!(g.check_public(&y[1..]), Err(DhError::Length { expected: n, got: n - 1 }));
        let longer = [&[0u8][..], &y].concat();
        assert_eq!(g.check_public(&longer), Err(DhError::Length { expected: n, got: n + 1 }));
        assert_eq!(g.check_public(&[]), Err(DhError::Length { expected: n, got: 0 }));
        // Every operation taking a peer value validates it.
        assert_eq!(g.shared_secret(&[7], &small(&g, 1)).map(|_| ()), Err(DhError::OutOfRange));
        assert_eq!(g.shared_secret(&[7], &small(&g, 2)).map(|_| ()), Err(DhError::NotInSubgroup));
        assert_eq!(g.map_generic(&[7], &p_minus(&g, 1)), Err(DhError::OutOfRange));
        assert_eq!(g.public(&[7], Some(&small(&g, 2))), Err(DhError::NotInSubgroup));
    }
}

#[test]
fn hostile_secrets_are_refused() {
    let g = group0();
    assert_eq!(g.public(&[], None), Err(DhError::BadSecret));
    assert_eq!(g.public(&[0; 20], None), Err(DhError::BadSecret));
    assert_eq!(g.public(&[1; 129], None), Err(DhError::BadSecret));
    // x = q gives the neutral element.
    assert_eq!(g.public(&g.order(), None), Err(DhError::Identity));
}

#[test]
fn results_keep_their_leading_zeros() {
    // Find small exponents whose results start with a zero byte (about 1 in 177 for this p)
    // and check each operation returns exactly len(p) bytes with the value intact.
    let g = group0();
    let y_peer = g.public(&[0x42], None).unwrap();
    let (mut publics, mut shared, mut mapped) = (0, 0, 0);
    for x in 1u16..4000 {
        let x = x.to_be_bytes();
        let y = g.public(&x, None).unwrap();
        assert_eq!(y.len(), 128);
        if y[0] == 0 {
            publics += 1;
            g.check_public(&y).unwrap();
        }
        let k = g.shared_secret(&x, &y_peer).unwrap();
        assert_eq!(k.len(), 128);
        if k[0] == 0 {
            shared += 1;
            // Agreement from the other side gives the same fixed-width bytes.
            assert_eq!(g.shared_secret(&[0x42], &y).unwrap(), k);
        }
        let m = g.map_generic(&x, &y_peer).unwrap();
        assert_eq!(m.len(), 128);
        mapped += usize::from(m[0] == 0);
    }
    assert!(publics > 3 && shared > 3 && mapped > 3, "{publics} {shared} {mapped}");
}

#[test]
fn random_secrets_are_below_q_and_agree() {
    let mut rng = StdRng::seed_from_u64(5114);
    for id in 0..=2u64 {
        let g = DhGroup::from_parameter_id(id).unwrap();
        let a = g.random_secret(&mut rng);
        let b = g.random_secret(&mut rng);
        assert_eq!(a.len(), g.order_len());
        assert_ne!(a, b);
        let (ya, yb) = (g.public(&a, None).unwrap(), g.public(&b, None).unwrap());
        g.check_public(&ya).unwrap();
        assert_eq!(g.shared_secret(&a, &yb).unwrap(), g.shared_secret(&b, &ya).unwrap());
    }
    // Candidates ≥ q and zero are skipped: replay q itself, then 0, then 5.
    let g = group0();
    let q = g.order();
    let mut five = vec![0; 20];
    five[19] = 5;
    let mut rng = ReplayRng::new(&[&q, &[0; 20], &five]);
    assert_eq!(*g.random_secret(&mut rng), five);
    assert!(rng.is_empty());
}

#[test]
fn integers_of_any_length_normalize_to_fixed_width() {
    let g = group0();
    // Find a public value with a leading zero byte, then offer it trimmed, exact and padded.
    let y = (1u16..2000)
        .map(|x| g.public(&x.to_be_bytes(), None).unwrap())
        .find(|y| y[0] == 0)
        .unwrap();
    assert_eq!(g.normalize_public(&y[1..]).unwrap(), y);
    assert_eq!(g.normalize_public(&y).unwrap(), y);
    assert_eq!(g.normalize_public(&[&[0u8, 0][..], &y].concat()).unwrap(), y);
    // Range and subgroup checks still apply; more digits than p is out of range.
    assert_eq!(g.normalize_public(&[1]), Err(DhError::OutOfRange));
    assert_eq!(g.normalize_public(&[]), Err(DhError::OutOfRange));
    assert_eq!(g.normalize_public(&[2]), Err(DhError::NotInSubgroup));
    assert_eq!(g.normalize_public(&[1; 129]), Err(DhError::OutOfRange));
}

/// A value of the BSI EAC worked example as len(p)-byte big-endian (the source prints some
/// DH values with one extra leading 00, as OpenPACE stores them).
fn bsi(v: &serde_json::Value, len: usize) -> Vec<u8> {
    let b = hx(v);
    let extra = b.len().saturating_sub(len);
    assert!(b[..extra].iter().all(|&x| x == 0));
    b[extra..].to_vec()
}

#[test]
fn bsi_eac_worked_example_dh_pace_and_chip_authentication() {
    // Second source for the same group: PACE DH-GM with 1024-bit secrets, then the Chip
    // Authentication key agreement K = PK_PICC^SK_PCD.
    let v = vector("ca-bsi-eac-worked-example-dh-modp1024.json");
    let g = group0();
    let pace = &v["pace"];
    let n = g.element_len();
    let t_map = bsi(&pace["terminal_mapping_private"], n);
    assert_eq!(g.public(&t_map, None).unwrap(), bsi(&pace["terminal_mapping_public"], n));
    let h = g.shared_secret(&t_map, &bsi(&pace["chip_mapping_public"], n)).unwrap();
    assert_eq!(*h, bsi(&pace["mapping_shared_secret_H"], n));
    let mapped = g.map_generic(&hx(&pace["nonce_s"]), &h).unwrap();
    assert_eq!(mapped, bsi(&pace["mapped_generator"], n));
    let t_eph = bsi(&pace["terminal_ephemeral_private"], n);
    assert_eq!(
        g.public(&t_eph, Some(&mapped)).unwrap(),
        bsi(&pace["terminal_ephemeral_public"], n)
    );
    let k = g.shared_secret(&t_eph, &bsi(&pace["chip_ephemeral_public"], n)).unwrap();
    assert_eq!(*k, bsi(&pace["shared_secret_K"], n));

    let ca = &v["ca"];
    let picc_private = bsi(&ca["picc_static_private"], g.order_len());
    assert_eq!(g.public(&picc_private, None).unwrap(), bsi(&ca["picc_static_public"], n));
    let pcd_private = bsi(&ca["pcd_ephemeral_private"], n);
    assert_eq!(g.public(&pcd_private, None).unwrap(), bsi(&ca["pcd_ephemeral_public"], n));
    let k = g.shared_secret(&pcd_private, &bsi(&ca["picc_static_public"], n)).unwrap();
    assert_eq!(*k, bsi(&ca["shared_secret_K"], n));
    let k_chip = g.shared_secret(&picc_private, &bsi(&ca["pcd_ephemeral_public"], n)).unwrap();
    assert_eq!(k_chip, k);
}

#[test]
fn icao_dg14_sample_pkcs3_parameters_are_refused() {
    // The ICAO 9303 DG14 sample's Chip Authentication key uses dhKeyAgreement (PKCS#3):
    // DHParameter { p, g, privateValueLength 1017 } at offset 42 — no q to validate keys with.
    let dg14 = std::fs::read(format!(
        "{}/tests/data/lds/jmrtd-doc9303/DG14_spec_sample.bin",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let params = &dg14[42..313];
    assert_eq!(&params[..4], &[0x30, 0x82, 0x01, 0x0B]);
    assert_eq!(DhGroup::from_der(params), Err(DhError::NoSubgroupOrder));
}
