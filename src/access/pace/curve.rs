//! The elliptic curves of PACE (ICAO 9303 Part 11 §9.5.1 standardized domain parameters 8–18:
//! NIST P-192, P-224, P-256, P-384, P-521 and brainpoolP192r1 … P512r1) and the point
//! operations Generic Mapping needs
//! (§4.4.3.3.1): public keys, ECDH, G~ = s·G + H. Points travel as uncompressed SEC1 bytes
//! (04 ‖ X ‖ Y); every point from the other side is decoded with an on-curve check and the
//! identity is refused. Arithmetic (all elliptic-curve 0.14, constant time for secrets):
//! RustCrypto `p192`, `p224`, `p256`, `p384`, `p521`, `bp256`, `bp384`, and [`crate::ec`] for
//! brainpoolP192r1/P224r1/P320r1/P512r1.

use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{CurveArithmetic, Field, FieldBytes, FieldBytesSize, Group, PrimeField};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// Longest nonce s accepted by [`Curve::map_generator`] (bounded work; PACE nonces are one
/// or two cipher blocks).
const MAX_NONCE: usize = 64;

/// Why a point or scalar was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CurveError {
    #[error("the public key is not an uncompressed point on the curve")]
    BadPoint,
    #[error("the result is the point at infinity")]
    Identity,
    #[error("the secret is not a scalar of the curve")]
    BadScalar,
}

/// A PACE elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-192 (secp192r1), standardized domain parameter 8.
    NistP192,
    /// brainpoolP192r1, standardized domain parameter 9.
    BrainpoolP192r1,
    /// NIST P-224 (secp224r1), standardized domain parameter 10.
    NistP224,
    /// brainpoolP224r1, standardized domain parameter 11.
    BrainpoolP224r1,
    /// NIST P-256 (secp256r1), standardized domain parameter 12.
    NistP256,
    /// brainpoolP256r1, standardized domain parameter 13.
    BrainpoolP256r1,
    /// brainpoolP320r1, standardized domain parameter 14.
    BrainpoolP320r1,
    /// NIST P-384 (secp384r1), standardized domain parameter 15.
    NistP384,
    /// brainpoolP384r1, standardized domain parameter 16.
    BrainpoolP384r1,
    /// brainpoolP512r1, standardized domain parameter 17.
    BrainpoolP512r1,
    /// NIST P-521 (secp521r1), standardized domain parameter 18.
    NistP521,
}

/// Runs `$f::<Curve type>($args)` for the curve `$c` (every type implements
/// `primeorder::PrimeCurveParams` and the SEC1 point traits).
macro_rules! per_curve {
    ($c:expr, $f:ident($($a:expr),*)) => {
        match $c {
            $crate::access::pace::curve::Curve::NistP192 => $f::<::p192::NistP192>($($a),*),
            $crate::access::pace::curve::Curve::BrainpoolP192r1 => {
                $f::<$crate::ec::BrainpoolP192r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::NistP224 => $f::<::p224::NistP224>($($a),*),
            $crate::access::pace::curve::Curve::BrainpoolP224r1 => {
                $f::<$crate::ec::BrainpoolP224r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::NistP256 => $f::<::p256_14::NistP256>($($a),*),
            $crate::access::pace::curve::Curve::BrainpoolP256r1 => {
                $f::<::bp256::BrainpoolP256r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::BrainpoolP320r1 => {
                $f::<$crate::ec::BrainpoolP320r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::NistP384 => $f::<::p384::NistP384>($($a),*),
            $crate::access::pace::curve::Curve::BrainpoolP384r1 => {
                $f::<::bp384::BrainpoolP384r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::BrainpoolP512r1 => {
                $f::<$crate::ec::BrainpoolP512r1>($($a),*)
            }
            $crate::access::pace::curve::Curve::NistP521 => $f::<::p521::NistP521>($($a),*),
        }
    };
}

impl Curve {
    /// Every standardized curve, in parameterId order.
    pub const ALL: [Curve; 11] = [
        Curve::NistP192,
        Curve::BrainpoolP192r1,
        Curve::NistP224,
        Curve::BrainpoolP224r1,
        Curve::NistP256,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP320r1,
        Curve::NistP384,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
        Curve::NistP521,
    ];

    /// The curve of a standardized domain parameter identifier (8–18), if it is one.
    pub fn from_parameter_id(id: u64) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| u64::from(c.parameter_id()) == id)
    }

    /// The standardized domain parameter identifier.
    pub fn parameter_id(self) -> u8 {
        match self {
            Curve::NistP192 => 8,
            Curve::BrainpoolP192r1 => 9,
            Curve::NistP224 => 10,
            Curve::BrainpoolP224r1 => 11,
            Curve::NistP256 => 12,
            Curve::BrainpoolP256r1 => 13,
            Curve::BrainpoolP320r1 => 14,
            Curve::NistP384 => 15,
            Curve::BrainpoolP384r1 => 16,
            Curve::BrainpoolP512r1 => 17,
            Curve::NistP521 => 18,
        }
    }

    /// The curve's usual name, for messages ("brainpoolP320r1", "NIST P-256").
    pub fn name(self) -> &'static str {
        match self {
            Curve::NistP192 => "NIST P-192",
            Curve::BrainpoolP192r1 => "brainpoolP192r1",
            Curve::NistP224 => "NIST P-224",
            Curve::BrainpoolP224r1 => "brainpoolP224r1",
            Curve::NistP256 => "NIST P-256",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP320r1 => "brainpoolP320r1",
            Curve::NistP384 => "NIST P-384",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
            Curve::BrainpoolP512r1 => "brainpoolP512r1",
            Curve::NistP521 => "NIST P-521",
        }
    }

    /// Bytes of a coordinate or a scalar.
    pub fn field_len(self) -> usize {
        match self {
            Curve::NistP192 | Curve::BrainpoolP192r1 => 24,
            Curve::NistP224 | Curve::BrainpoolP224r1 => 28,
            Curve::NistP256 | Curve::BrainpoolP256r1 => 32,
            Curve::BrainpoolP320r1 => 40,
            Curve::NistP384 | Curve::BrainpoolP384r1 => 48,
            Curve::BrainpoolP512r1 => 64,
            Curve::NistP521 => 66,
        }
    }

    /// Bytes of an uncompressed point.
    pub fn point_len(self) -> usize {
        1 + 2 * self.field_len()
    }

    /// A random non-zero scalar below the order, as big-endian bytes.
    pub fn random_secret(self, rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<Vec<u8>> {
        per_curve!(self, random_secret(rng))
    }

    /// secret · base (base = the curve's generator when `None`).
    pub fn mul(self, secret: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>, CurveError> {
        per_curve!(self, mul(secret, base))
    }

    /// The mapped generator G~ = s·G + H (Generic Mapping); `s` is the nonce as an integer
    /// (big-endian, any length: it is reduced modulo the order).
    pub fn map_generator(self, s: &[u8], h: &[u8]) -> Result<Vec<u8>, CurveError> {
        per_curve!(self, map_generator(s, h))
    }

    /// Checks that `point` is an uncompressed point on the curve, not the identity.
    pub fn check_point(self, point: &[u8]) -> Result<(), CurveError> {
        per_curve!(self, check(point))
    }

    /// Checks that `secret` is field-length big-endian bytes of a non-zero scalar below the
    /// order.
    pub fn check_scalar(self, secret: &[u8]) -> Result<(), CurveError> {
        per_curve!(self, check_scalar(secret))
    }

    /// a⁻¹ · b mod n, for PACE-CAM's CA_IC = SK_IC⁻¹ · SK_Map,IC (§4.4.3.5.1).
    pub fn inverse_times(self, a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, CurveError> {
        per_curve!(self, inverse_times(a, b))
    }

    /// The x coordinate of an uncompressed point (the ECDH shared secret).
    pub fn x_coordinate(self, point: &[u8]) -> Result<Zeroizing<Vec<u8>>, CurveError> {
        let x = point.get(1..1 + self.field_len()).ok_or(CurveError::BadPoint)?;
        self.check_point(point)?;
        Ok(Zeroizing::new(x.to_vec()))
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn random_secret<C: CurveArithmetic>(rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<Vec<u8>> {
    loop {
        let mut bytes = Zeroizing::new(FieldBytes::<C>::default());
        rng.fill_bytes(&mut bytes);
        let ok = C::Scalar::from_repr(*bytes).into_option().is_some_and(|mut s| {
            let non_zero = !bool::from(s.is_zero());
            s.zeroize();
            non_zero
        });
        if ok {
            return Zeroizing::new(bytes.to_vec());
        }
    }
}

/// A scalar from exactly field-length big-endian bytes, below the order and non-zero.
fn scalar<C: CurveArithmetic>(secret: &[u8]) -> Result<C::Scalar, CurveError> {
    let bytes =
        Zeroizing::new(FieldBytes::<C>::try_from(secret).map_err(|_| CurveError::BadScalar)?);
    let s: Option<C::Scalar> = C::Scalar::from_repr(*bytes).into_option();
    match s {
        Some(s) if !bool::from(s.is_zero()) => Ok(s),
        _ => Err(CurveError::BadScalar),
    }
}

fn decode<C>(point: &[u8]) -> Result<C::ProjectivePoint, CurveError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if point.first() != Some(&0x04) {
        return Err(CurveError::BadPoint);
    }
    let affine = C::AffinePoint::from_sec1_bytes(point).map_err(|_| CurveError::BadPoint)?;
    let p = C::ProjectivePoint::from(affine);
    if bool::from(p.is_identity()) {
        return Err(CurveError::Identity);
    }
    Ok(p)
}

fn check<C>(point: &[u8]) -> Result<(), CurveError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    decode::<C>(point).map(|_| ())
}

fn encode<C>(p: C::ProjectivePoint) -> Result<Vec<u8>, CurveError>
where
    C: CurveArithmetic,
    C::AffinePoint: ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if bool::from(p.is_identity()) {
        return Err(CurveError::Identity);
    }
    let affine: C::AffinePoint = p.into();
    Ok(affine.to_sec1_point(false).as_bytes().to_vec())
}

fn mul<C>(secret: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>, CurveError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let mut k = scalar::<C>(secret)?;
    let base = match base {
        Some(b) => decode::<C>(b),
        None => Ok(C::ProjectivePoint::generator()),
    };
    let product = base.map(|b| b * k);
    k.zeroize();
    encode::<C>(product?)
}

fn map_generator<C>(s: &[u8], h: &[u8]) -> Result<Vec<u8>, CurveError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if s.is_empty() || s.len() > MAX_NONCE {
        return Err(CurveError::BadScalar);
    }
    // s mod n by Horner's rule in the scalar field: constant time in the value of s, and any
    // length (a 32-byte AES-256 nonce is longer than a P-192 scalar).
    let radix = C::Scalar::from(256u64);
    let mut s =
        s.iter().fold(C::Scalar::ZERO, |acc, &byte| acc * radix + C::Scalar::from(u64::from(byte)));
    let mapped = decode::<C>(h).map(|h| C::ProjectivePoint::generator() * s + h);
    s.zeroize();
    encode::<C>(mapped?)
}

fn check_scalar<C: CurveArithmetic>(secret: &[u8]) -> Result<(), CurveError> {
    scalar::<C>(secret).map(|mut s| s.zeroize())
}

fn inverse_times<C: CurveArithmetic>(a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, CurveError> {
    let mut a = scalar::<C>(a)?;
    let mut b = scalar::<C>(b)?;
    let inv: Option<C::Scalar> = a.invert().into_option();
    a.zeroize();
    let mut product = inv.ok_or(CurveError::BadScalar)? * b;
    b.zeroize();
    let bytes = Zeroizing::new(product.to_repr().to_vec());
    product.zeroize();
    Ok(bytes)
}
