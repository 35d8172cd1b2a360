//! The standardized PACE curves (ICAO 9303-11 §9.5.1, parameterIds 8–18) against known answers
//! we did not compute ourselves: RFC 5639 domain parameters, RFC 7027 ECDH vectors, NIST CAVP
//! "KAS ECC CDH primitive" vectors, and OpenSSL-generated vectors for brainpoolP192r1/P224r1/
//! P320r1 (provenance in tests/data/PROVENANCE.md); and hostile points and scalars on every curve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use elliptic_curve::bigint::ArrayEncoding;
use elliptic_curve::ff::PrimeField;
use elliptic_curve::group::Group;
use elliptic_curve::sec1::ToSec1Point;
use enrol_kiosk::access::pace::{Curve, CurveError};
use enrol_kiosk::ec::{BrainpoolP192r1, BrainpoolP224r1, BrainpoolP320r1, BrainpoolP512r1};
use primeorder::PrimeCurveParams;
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors");

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{VECTORS}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hex_field(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))).unwrap()
}

fn curve_of(v: &Value) -> Curve {
    let curve = Curve::from_parameter_id(v["parameter_id"].as_u64().unwrap()).unwrap();
    assert_eq!(curve.name(), v["curve"].as_str().unwrap());
    curve
}

/// Runs every ECDH vector of a file: d·G = q (when given), d·peer = z (x, and the whole
/// point when given), and the shared secret as PACE takes it (the x coordinate).
fn run_ecdh_file(name: &str) -> usize {
    let file = json(name);
    let vectors = file["vectors"].as_array().unwrap();
    for v in vectors {
        let curve = curve_of(v);
        let source = v["source"].as_str().unwrap();
        let d = hex_field(v, "d");
        if v.get("q").is_some() {
            assert_eq!(curve.mul(&d, None).unwrap(), hex_field(v, "q"), "{source}: d·G");
        }
        let shared = curve.mul(&d, Some(&hex_field(v, "peer"))).unwrap();
        if v.get("z_point").is_some() {
            assert_eq!(shared, hex_field(v, "z_point"), "{source}: d·peer");
        }
        assert_eq!(*curve.x_coordinate(&shared).unwrap(), hex_field(v, "z"), "{source}: z");
    }
    vectors.len()
}

#[test]
fn every_standardized_parameter_id_is_a_curve() {
    let mut names = std::collections::BTreeSet::new();
    for id in 8..=18u64 {
        let curve = Curve::from_parameter_id(id).unwrap_or_else(|| panic!("parameterId {id}"));
        assert_eq!(u64::from(curve.parameter_id()), id);
        assert_eq!(curve.point_len(), 1 + 2 * curve.field_len());
        assert!(names.insert(curve.name()), "{} twice", curve.name());
        assert_eq!(curve.to_string(), curve.name());
    }
    assert_eq!(Curve::ALL.len(), 11);
    let lens: Vec<(u8, usize)> =
        Curve::ALL.iter().map(|c| (c.parameter_id(), c.field_len())).collect();
    let expected = [(8, 24), (9, 24), (10, 28), (11, 28), (12, 32), (13, 32), (14, 40)];
    assert_eq!(lens[..7], expected);
    assert_eq!(lens[7..], [(15, 48), (16, 48), (17, 64), (18, 66)]);
    assert_eq!(Curve::from_parameter_id(14).unwrap().name(), "brainpoolP320r1");
    for id in [0, 2, 7, 19, 32, u64::MAX] {
        assert_eq!(Curve::from_parameter_id(id), None, "{id}");
    }
}

/// The constants of a curve built in `enrol_kiosk::ec` against RFC 5639 §3.
fn check_domain_parameters<C: PrimeCurveParams>(v: &Value)
where
    C::AffinePoint: ToSec1Point<C>,
{
    let strip = |s: &str| s.trim_start_matches('0').to_ascii_lowercase();
    let field_modulus = <C::FieldElement as PrimeField>::MODULUS;
    assert_eq!(strip(field_modulus), strip(v["p"].as_str().unwrap()), "p");
    let order = <C::Scalar as PrimeField>::MODULUS;
    assert_eq!(strip(order), strip(v["q"].as_str().unwrap()), "q");
    assert_eq!(C::EQUATION_A.to_repr().to_vec(), hex_field(v, "a"), "A");
    assert_eq!(C::EQUATION_B.to_repr().to_vec(), hex_field(v, "b"), "B");
    assert_eq!(C::GENERATOR.0.to_repr().to_vec(), hex_field(v, "x"), "x");
    assert_eq!(C::GENERATOR.1.to_repr().to_vec(), hex_field(v, "y"), "y");
    assert_eq!(v["h"], 1, "cofactor");
    // n·G = identity: (n − 1)·G + G, in the group of the curve type itself.
    let minus_one = -<C::Scalar as elliptic_curve::Field>::ONE;
    let g = C::ProjectivePoint::generator();
    assert!(bool::from((g * minus_one + g).is_identity()), "n·G");
    assert!(!bool::from(g.is_identity()));
}

#[test]
fn rfc5639_domain_parameters_match_the_curve_types_and_the_generator_has_order_q() {
    let file = json("rfc5639-domain-parameters.json");
    let curves = file["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 4);
    for v in curves {
        let curve = curve_of(v);
        match curve {
            Curve::BrainpoolP192r1 => check_domain_parameters::<BrainpoolP192r1>(v),
            Curve::BrainpoolP224r1 => check_domain_parameters::<BrainpoolP224r1>(v),
            Curve::BrainpoolP320r1 => check_domain_parameters::<BrainpoolP320r1>(v),
            Curve::BrainpoolP512r1 => check_domain_parameters::<BrainpoolP512r1>(v),
            other => panic!("{other} is not built here"),
        }
        // The same through the PACE API: G is on the curve, 1·G = G, (q − 1)·G = −G,
        // q itself is not a scalar.
        let (x, y, p, q) =
            (hex_field(v, "x"), hex_field(v, "y"), hex_field(v, "p"), hex_field(v, "q"));
        let g = [&[0x04][..], &x, &y].concat();
        curve.check_point(&g).unwrap();
        let mut one = vec![0; curve.field_len()];
        *one.last_mut().unwrap() = 1;
        assert_eq!(curve.mul(&one, None).unwrap(), g);
        let q_minus_one = sub_one(&q);
        let minus_y = sub(&p, &y);
        assert_eq!(curve.mul(&q_minus_one, None).unwrap(), [&[0x04][..], &x, &minus_y].concat());
        assert_eq!(curve.mul(&q, None), Err(CurveError::BadScalar));
    }
}

#[test]
fn rfc7027_ecdh_vectors_on_brainpool_256_384_512() {
    assert_eq!(run_ecdh_file("ecdh-rfc7027-brainpool.json"), 6);
}

#[test]
fn nist_cavp_cdh_primitive_vectors_on_p192_p224_p521() {
    assert_eq!(run_ecdh_file("ecdh-nist-cavp-kas-cdh.json"), 14);
}

#[test]
fn openssl_ecdh_vectors_on_brainpool_192_224_320() {
    assert_eq!(run_ecdh_file("ecdh-openssl-brainpool-192-224-320.json"), 18);
}

/// Big-endian a − b (a ≥ b, same length).
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0);
    out
}

fn sub_one(a: &[u8]) -> Vec<u8> {
    let mut one = vec![0; a.len()];
    *one.last_mut().unwrap() = 1;
    sub(a, &one)
}

/// The group order n of `curve` as field-length big-endian bytes, from the curve types.
fn order(curve: Curve) -> Vec<u8> {
    fn of<C: elliptic_curve::Curve>(len: usize) -> Vec<u8> {
        let bytes = C::ORDER.as_ref().to_be_byte_array();
        bytes[bytes.len() - len..].to_vec()
    }
    let len = curve.field_len();
    match curve {
        Curve::NistP192 => of::<p192::NistP192>(len),
        Curve::BrainpoolP192r1 => of::<BrainpoolP192r1>(len),
        Curve::NistP224 => of::<p224::NistP224>(len),
        Curve::BrainpoolP224r1 => of::<BrainpoolP224r1>(len),
        Curve::NistP256 => of::<p256_14::NistP256>(len),
        Curve::BrainpoolP256r1 => of::<bp256::BrainpoolP256r1>(len),
        Curve::BrainpoolP320r1 => of::<BrainpoolP320r1>(len),
        Curve::NistP384 => of::<p384::NistP384>(len),
        Curve::BrainpoolP384r1 => of::<bp384::BrainpoolP384r1>(len),
        Curve::BrainpoolP512r1 => of::<BrainpoolP512r1>(len),
        Curve::NistP521 => of::<p521::NistP521>(len),
    }
}

#[test]
fn every_curve_refuses_hostile_points_and_scalars() {
    for curve in Curve::ALL {
        let len = curve.field_len();
        let mut two = vec![0; len];
        two[len - 1] = 2;
        let g2 = curve.mul(&two, None).unwrap();
        assert_eq!(g2.len(), curve.point_len(), "{curve}");
        curve.check_point(&g2).unwrap();
        assert_eq!(
            curve.mul(&two, Some(&g2)).unwrap(),
            curve.mul(&[&vec![0; len - 1][..], &[4]].concat(), None).unwrap()
        );

        // Points: off the curve, wrong length, compressed, identity, coordinates ≥ p.
        let mut off = g2.clone();
        off[curve.point_len() - 1] ^= 1;
        let compressed = [&[0x02 | (g2[curve.point_len() - 1] & 1)][..], &g2[1..1 + len]].concat();
        let zeros = [&[0x04][..], &vec![0; 2 * len]].concat();
        let ones = [&[0x04][..], &vec![0xFF; 2 * len]].concat();
        let mut hybrid = g2.clone();
        hybrid[0] = 0x06 | (g2[curve.point_len() - 1] & 1);
        let bad_points: [(&str, Vec<u8>); 9] = [
            ("off the curve", off),
            ("one byte short", g2[..g2.len() - 1].to_vec()),
            ("one byte long", [&g2[..], &[0]].concat()),
            ("empty", vec![]),
            ("compressed", compressed),
            ("hybrid", hybrid),
            ("identity encoding", vec![0x00]),
            ("(0, 0)", zeros),
            ("coordinates 0xFF…", ones),
        ];
        for (what, point) in &bad_points {
            assert_eq!(curve.check_point(point), Err(CurveError::BadPoint), "{curve}: {what}");
            assert_eq!(curve.mul(&two, Some(point)), Err(CurveError::BadPoint), "{curve}: {what}");
            assert_eq!(
                curve.map_generator(&[1], point),
                Err(CurveError::BadPoint),
                "{curve}: {what}"
            );
            assert!(curve.x_coordinate(point).is_err(), "{curve}: {what}");
        }

        // Scalars: zero, the order, all ones, wrong lengths.
        let n = order(curve);
        let bad_scalars: [(&str, Vec<u8>); 6] = [
            ("zero", vec![0; len]),
            ("the order n", n.clone()),
            ("n + 1", {
                let mut v = n.clone();
                v[len - 1] = v[len - 1].wrapping_add(1);
                v
            }),
            ("all ones", vec![0xFF; len]),
            ("one byte short", two[1..].to_vec()),
            ("one byte long", [&[0][..], &two].concat()),
        ];
        for (what, scalar) in &bad_scalars {
            assert_eq!(curve.mul(scalar, None), Err(CurveError::BadScalar), "{curve}: {what}");
            assert_eq!(curve.mul(scalar, Some(&g2)), Err(CurveError::BadScalar), "{curve}: {what}");
        }
        // n − 1 is the largest scalar; (n − 1)·G + G is the identity, refused as a result.
        let n_minus_one = sub_one(&n);
        let minus_g = curve.mul(&n_minus_one, None).unwrap();
        assert_eq!(curve.map_generator(&[1], &minus_g), Err(CurveError::Identity), "{curve}");
        // A nonce longer than the scalar (a 32-byte AES-256 nonce on a 24-byte curve) is taken
        // modulo n: s and s + n map alike.
        let mut s = vec![0; 32];
        s[31] = 5;
        let s_plus_n = add(&s, &n);
        let s_plus_n = &s_plus_n[s_plus_n.iter().take_while(|&&b| b == 0).count()..];
        if s_plus_n.len() <= 64 {
            let mapped = curve.map_generator(&s, &g2).unwrap();
            assert_eq!(curve.map_generator(s_plus_n, &g2).unwrap(), mapped, "{curve}");
        }
        assert!(curve.map_generator(&[], &g2).is_err());
        assert!(curve.map_generator(&[1; 65], &g2).is_err());
    }
}

/// Big-endian a + b, as long as the longer of the two plus one byte.
fn add(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len()) + 1;
    let pad = |x: &[u8]| [vec![0; len - x.len()], x.to_vec()].concat();
    let (a, b) = (pad(a), pad(b));
    let mut out = vec![0; len];
    let mut carry = 0u16;
    for i in (0..len).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}

/// Generic code over `PrimeCurveParams` (as Integrated Mapping's point encoding is written)
/// finds points with the curve's own field arithmetic: y = sqrt(x³ + a·x + b), inverses.
fn point_from_field_arithmetic<C: PrimeCurveParams>() -> (Vec<u8>, Vec<u8>) {
    use elliptic_curve::Field;
    let one = C::FieldElement::ONE;
    assert!(bool::from(C::FieldElement::ZERO.invert().is_none()));
    let mut x = C::GENERATOR.0 + one;
    for _ in 0..256 {
        let inverse = x.invert().unwrap();
        assert_eq!(x * inverse, one);
        let rhs = x.square() * x + C::EQUATION_A * x + C::EQUATION_B;
        if let Some(y) = rhs.sqrt().into_option() {
            assert_eq!(y.square(), rhs);
            let encode = |y: C::FieldElement| [&[0x04][..], &x.to_repr(), &y.to_repr()].concat();
            return (encode(y), encode(-y));
        }
        x += one;
    }
    panic!("no square in 256 tries");
}

#[test]
fn field_arithmetic_lets_generic_code_find_points_on_every_curve() {
    for curve in Curve::ALL {
        let (p, minus_p) = match curve {
            Curve::NistP192 => point_from_field_arithmetic::<p192::NistP192>(),
            Curve::BrainpoolP192r1 => point_from_field_arithmetic::<BrainpoolP192r1>(),
            Curve::NistP224 => point_from_field_arithmetic::<p224::NistP224>(),
            Curve::BrainpoolP224r1 => point_from_field_arithmetic::<BrainpoolP224r1>(),
            Curve::NistP256 => point_from_field_arithmetic::<p256_14::NistP256>(),
            Curve::BrainpoolP256r1 => point_from_field_arithmetic::<bp256::BrainpoolP256r1>(),
            Curve::BrainpoolP320r1 => point_from_field_arithmetic::<BrainpoolP320r1>(),
            Curve::NistP384 => point_from_field_arithmetic::<p384::NistP384>(),
            Curve::BrainpoolP384r1 => point_from_field_arithmetic::<bp384::BrainpoolP384r1>(),
            Curve::BrainpoolP512r1 => point_from_field_arithmetic::<BrainpoolP512r1>(),
            Curve::NistP521 => point_from_field_arithmetic::<p521::NistP521>(),
        };
        assert_eq!(p.len(), curve.point_len(), "{curve}");
        curve.check_point(&p).unwrap_or_else(|e| panic!("{curve}: {e}"));
        curve.check_point(&minus_p).unwrap_or_else(|e| panic!("{curve}: {e}"));
        assert_ne!(p, minus_p, "{curve}");
    }
}
