//! Tests of the Integrated Mapping: the ICAO 9303 Part 11 worked examples (ECDH on
//! brainpoolP256r1, DH on RFC 5114 group 0, AES-128) byte for byte — R(s, t), R_p(s, t) and the
//! mapped generator — then every supported curve and cipher, nonce lengths, and the
//! fixed-width and on-curve properties of the results.

use super::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

const BP256_P: &str = "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377";
/// Every standardized curve the point encoding serves (all but NIST P-224).
fn curves() -> impl Iterator<Item = Curve> {
    Curve::ALL.into_iter().filter(|c| *c != Curve::NistP224)
}
const CIPHERS: [Cipher; 4] = [Cipher::TripleDes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

#[test]
fn worked_example_ecdh_bp256_pseudo_random_and_point_encoding() {
    let v = vector("pace-ecdh-im-bp256.json");
    let (s, t) = (hx(&v["nonce_s"]), hx(&v["nonce_t_terminal"]));
    assert_eq!(hx(&v["prf_constants"]["c0"]), C0_128);
    assert_eq!(hx(&v["prf_constants"]["c1"]), C1_128);
    let r = pseudo_random(Cipher::Aes128, &s, &t, 256).unwrap();
    assert_eq!(*r, hx(&v["R_s_t"]));
    let p = hex::decode(BP256_P).unwrap();
    let r_mod_p = pseudo_random_mod(Cipher::Aes128, &s, &t, &p).unwrap();
    assert_eq!(*r_mod_p, hx(&v["R_mod_p"]));
    assert_eq!(
        encode_point::<bp256::BrainpoolP256r1>(&r_mod_p).unwrap(),
        hx(&v["mapped_generator"])
    );
    let mapped = map_ec(Curve::BrainpoolP256r1, Cipher::Aes128, &s, &t).unwrap();
    assert_eq!(mapped, hx(&v["mapped_generator"]));
    // The example continues on G~: the terminal's ephemeral key and the shared secret.
    let c = Curve::BrainpoolP256r1;
    let pk = c.mul(&hx(&v["terminal_ephemeral_private"]), Some(&mapped)).unwrap();
    assert_eq!(pk, hx(&v["terminal_ephemeral_public"]));
    let k = c.mul(&hx(&v["terminal_ephemeral_private"]), Some(&hx(&v["chip_ephemeral_public"])));
    assert_eq!(*c.x_coordinate(&k.unwrap()).unwrap(), hx(&v["shared_secret_K"]));
}

#[test]
fn worked_example_dh_modp1024_pseudo_random_and_mapping() {
    let v = vector("pace-dh-im-modp1024.json");
    let (s, t) = (hx(&v["nonce_s"]), hx(&v["nonce_t_terminal"]));
    let group = DhGroup::from_parameter_id(0).unwrap();
    let r = pseudo_random(Cipher::Aes128, &s, &t, 1024).unwrap();
    assert_eq!(r.len(), 144, "n = 9 blocks: 9 * 128 >= 1024 + 64");
    assert_eq!(*r, hx(&v["R_s_t"]));
    let r_mod_p = pseudo_random_mod(Cipher::Aes128, &s, &t, &group.modulus()).unwrap();
    assert_eq!(*r_mod_p, hx(&v["R_mod_p"]));
    let mapped = map_dh(&group, Cipher::Aes128, &s, &t).unwrap();
    assert_eq!(mapped, hx(&v["mapped_generator"]));
    group.check_public(&mapped).unwrap();
}

#[test]
fn block_count_follows_the_modulus_and_the_cipher() {
    let mut rng = StdRng::seed_from_u64(9303);
    for cipher in CIPHERS {
        let s = random(&mut rng, chip_nonce_len(cipher));
        let t = random_terminal_nonce(cipher, &mut rng);
        let l = chip_nonce_len(cipher);
        for (p_bits, blocks_128, blocks_256) in
            [(256, 3, 2), (384, 4, 2), (521, 5, 3), (1024, 9, 5), (2048, 17, 9)]
        {
            let r = pseudo_random(cipher, &s, &t, p_bits).unwrap();
            let blocks = if l == 16 { blocks_128 } else { blocks_256 };
            assert_eq!(r.len(), blocks * l, "{cipher} p {p_bits}");
            // The chain is a function of (s, t): a longer output extends the shorter one.
            let longer = pseudo_random(cipher, &s, &t, p_bits + 256).unwrap();
            assert_eq!(&longer[..r.len()], &r[..]);
        }
    }
}

#[test]
fn aes192_truncates_each_key_to_24_bytes() {
    // With AES-192 the chained keys are 32-byte CBC outputs cut to 24 bytes; the constants are
    // the l = 256 ones. Recompute one link with the cipher directly.
    let s = [0x11u8; 32];
    let t = [0x22u8; 24];
    let r = pseudo_random(Cipher::Aes192, &s, &t, 256).unwrap();
    let iv = [0u8; 16];
    let k0 = crypto::cbc_encrypt(Cipher::Aes192, &t, &iv, &s).unwrap();
    let x1 = crypto::cbc_encrypt(Cipher::Aes192, &k0[..24], &iv, &C1_256).unwrap();
    assert_eq!(&r[..32], &x1[..]);
    let k1 = crypto::cbc_encrypt(Cipher::Aes192, &k0[..24], &iv, &C0_256).unwrap();
    let x2 = crypto::cbc_encrypt(Cipher::Aes192, &k1[..24], &iv, &C1_256).unwrap();
    assert_eq!(&r[32..64], &x2[..]);
}

#[test]
fn every_curve_and_cipher_maps_to_a_point_on_the_curve() {
    let mut rng = StdRng::seed_from_u64(4433);
    for curve in curves() {
        for cipher in CIPHERS {
            for _ in 0..3 {
                let s = random(&mut rng, chip_nonce_len(cipher));
                let t = random_terminal_nonce(cipher, &mut rng);
                let g = map_ec(curve, cipher, &s, &t).unwrap();
                assert_eq!(g.len(), curve.point_len(), "{curve:?} {cipher}");
                curve.check_point(&g).unwrap();
                assert_eq!(map_ec(curve, cipher, &s, &t).unwrap(), g, "deterministic");
                let mut t2 = t.clone();
                t2[0] ^= 0x80; // not a DES parity bit
                assert_ne!(map_ec(curve, cipher, &s, &t2).unwrap(), g, "t matters");
                // G~ works as a generator: ECDH on it agrees.
                let (a, b) = (curve.random_secret(&mut rng), curve.random_secret(&mut rng));
                let (pa, pb) = (curve.mul(&a, Some(&g)).unwrap(), curve.mul(&b, Some(&g)).unwrap());
                assert_eq!(curve.mul(&a, Some(&pb)).unwrap(), curve.mul(&b, Some(&pa)).unwrap());
            }
        }
    }
}

#[test]
fn both_branches_of_the_point_encoding_give_points() {
    // h2 is a square for about half of the inputs: find both cases and check each point.
    let (mut first, mut second) = (0, 0);
    for i in 2u32..200 {
        let mut u = [0u8; 32];
        u[28..].copy_from_slice(&i.to_be_bytes());
        let point = encode_point::<bp256::BrainpoolP256r1>(&u).unwrap();
        Curve::BrainpoolP256r1.check_point(&point).unwrap();
        // The first branch keeps X2, the second X3 = α·X2; tell them apart by recomputing X2.
        let fe = field_element::<bp256::BrainpoolP256r1>(&u).unwrap();
        let alpha = -fe.square();
        let sum = alpha + alpha.square();
        let a = <bp256::BrainpoolP256r1 as PrimeCurveParams>::EQUATION_A;
        let b = <bp256::BrainpoolP256r1 as PrimeCurveParams>::EQUATION_B;
        let x2 = -b * (<bp256::BrainpoolP256r1 as primeorder::elliptic_curve::hazmat::FieldArithmetic>::FieldElement::ONE + sum)
            * (a * sum).invert().unwrap();
        if point[1..33] == x2.to_be_repr()[..] {
            first += 1;
        } else {
            second += 1;
        }
    }
    assert!(first > 50 && second > 50, "{first} {second}");
}

#[test]
fn mapped_dh_generators_are_subgroup_elements_of_full_width() {
    let mut rng = StdRng::seed_from_u64(1024);
    for id in 0..=2u64 {
        let group = DhGroup::from_parameter_id(id).unwrap();
        for cipher in CIPHERS {
            let s = random(&mut rng, chip_nonce_len(cipher));
            let t = random_terminal_nonce(cipher, &mut rng);
            let g = map_dh(&group, cipher, &s, &t).unwrap();
            assert_eq!(g.len(), group.element_len());
            group.check_public(&g).unwrap();
            let (a, b) = (group.random_secret(&mut rng), group.random_secret(&mut rng));
            let pa = group.public(&a, Some(&g)).unwrap();
            let pb = group.public(&b, Some(&g)).unwrap();
            assert_eq!(
                group.shared_secret(&a, &pb).unwrap(),
                group.shared_secret(&b, &pa).unwrap()
            );
        }
    }
}

#[test]
fn reduction_keeps_leading_zeros() {
    // Some R_p values start with a zero byte (about 1 in 256 on P-256): the field element and
    // the DH base still come out at full width and map correctly.
    let mut rng = StdRng::seed_from_u64(7);
    let p = {
        let mut p = hex::decode(BP256_P).unwrap();
        p.insert(0, 0);
        p.remove(0);
        p
    };
    let mut seen = 0;
    for _ in 0..3000 {
        let s = random(&mut rng, 16);
        let t = random(&mut rng, 16);
        let x = pseudo_random_mod(Cipher::Aes128, &s, &t, &p).unwrap();
        assert_eq!(x.len(), 32);
        if x[0] == 0 {
            seen += 1;
            let g = map_ec(Curve::BrainpoolP256r1, Cipher::Aes128, &s, &t).unwrap();
            assert_eq!(g, encode_point::<bp256::BrainpoolP256r1>(&x).unwrap());
        }
    }
    assert!(seen > 2, "{seen}");
}

#[test]
fn wrong_nonce_lengths_are_refused() {
    let group = DhGroup::from_parameter_id(0).unwrap();
    for cipher in CIPHERS {
        let (ls, lt) = (chip_nonce_len(cipher), terminal_nonce_len(cipher));
        let (s, t) = (vec![1u8; ls], vec![2u8; lt]);
        for bad in [0, 8, ls - 1, ls + 1, 64] {
            let err = MappingError::Nonce { which: "s", cipher, expected: ls, got: bad };
            assert_eq!(map_ec(Curve::NistP256, cipher, &vec![1; bad], &t), Err(err.clone()));
            assert_eq!(map_dh(&group, cipher, &vec![1; bad], &t), Err(err));
        }
        for bad in [0, 8, lt - 1, lt + 1, 64] {
            let err = MappingError::Nonce { which: "t", cipher, expected: lt, got: bad };
            assert_eq!(map_ec(Curve::NistP384, cipher, &s, &vec![2; bad]), Err(err.clone()));
            assert_eq!(map_dh(&group, cipher, &s, &vec![2; bad]), Err(err));
        }
    }
    assert_eq!(
        (chip_nonce_len(Cipher::TripleDes), terminal_nonce_len(Cipher::TripleDes)),
        (16, 16)
    );
    assert_eq!((chip_nonce_len(Cipher::Aes192), terminal_nonce_len(Cipher::Aes192)), (32, 24));
    assert_eq!((chip_nonce_len(Cipher::Aes256), terminal_nonce_len(Cipher::Aes256)), (32, 32));
    assert_eq!(
        pseudo_random(Cipher::Aes128, &[0; 16], &[0; 16], 0).map(|_| ()),
        Err(MappingError::UnsupportedGroup)
    );
    assert_eq!(
        pseudo_random(Cipher::Aes128, &[0; 16], &[0; 16], 8192).map(|_| ()),
        Err(MappingError::UnsupportedGroup)
    );
}

#[test]
fn degenerate_and_out_of_field_inputs_are_refused() {
    // u = 0 makes α + α² = 0: no X2. u = p (not a field element) and a wrong length fail too.
    assert_eq!(encode_point::<bp256::BrainpoolP256r1>(&[0; 32]), Err(MappingError::Degenerate));
    let mut one = [0u8; 32];
    one[31] = 1; // α = −1, α + α² = 0
    assert_eq!(encode_point::<bp256::BrainpoolP256r1>(&one), Err(MappingError::Degenerate));
    let p = hex::decode(BP256_P).unwrap();
    assert_eq!(encode_point::<bp256::BrainpoolP256r1>(&p), Err(MappingError::BadPoint));
    assert_eq!(encode_point::<bp256::BrainpoolP256r1>(&p[1..]), Err(MappingError::BadPoint));
}

#[test]
fn only_p_3_mod_4_is_accepted() {
    assert!(
        sqrt_inverse_exponent(&BoxedUint::from_be_slice_vartime(&hex::decode(BP256_P).unwrap()))
            .is_ok()
    );
    // NIST P-224's p = 2^224 − 2^96 + 1 ≡ 1 (mod 4): the Appendix B encoding does not apply.
    let p224 = hex::decode("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001").unwrap();
    assert_eq!(
        sqrt_inverse_exponent(&BoxedUint::from_be_slice_vartime(&p224)),
        Err(MappingError::UnsupportedCurve)
    );
    // The exponent for p = 7: 7 − 1 − 2 = 4.
    assert_eq!(sqrt_inverse_exponent(&BoxedUint::from_be_slice_vartime(&[7])).unwrap()[0], 4);
    // So Integrated Mapping on P-224 is refused, by name, and every other curve is served.
    let (s, t) = ([1u8; 16], [2u8; 16]);
    assert_eq!(
        map_ec(Curve::NistP224, Cipher::Aes128, &s, &t),
        Err(MappingError::UnsupportedCurve)
    );
    assert_eq!(curves().count(), 10);
}

fn random(rng: &mut StdRng, n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    rand::RngCore::fill_bytes(rng, &mut v);
    v
}
