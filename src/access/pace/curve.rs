//! The elliptic curves of PACE (ICAO 9303 Part 11 §9.5.1 standardized domain parameters:
//! 12 = NIST P-256, 13 = brainpoolP256r1, 15 = NIST P-384, 16 = brainpoolP384r1) and the
//! point operations Generic Mapping needs
//! (§4.4.3.3.1): public keys, ECDH, G~ = s·G + H. Points travel as uncompressed SEC1 bytes
//! (04 ‖ X ‖ Y); every point from the other side is decoded with an on-curve check and the
//! identity is refused. Arithmetic: RustCrypto `bp256`, `p256`, `bp384`, `p384` (elliptic-curve 0.14).

use bp256::BrainpoolP256r1;
use bp256::elliptic_curve::ops::Reduce;
use bp256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use bp256::elliptic_curve::{
    CurveArithmetic, Field, FieldBytes, FieldBytesSize, Group, PrimeField,
};
use bp384::BrainpoolP384r1;
use p256_14::NistP256;
use p384::NistP384;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

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
    /// NIST P-256 (secp256r1), standardized domain parameter 12.
    NistP256,
    /// brainpoolP256r1, standardized domain parameter 13.
    BrainpoolP256r1,
    /// NIST P-384 (secp384r1), standardized domain parameter 15.
    NistP384,
    /// brainpoolP384r1, standardized domain parameter 16.
    BrainpoolP384r1,
}

/// Runs `$f::<Curve type>($args)` for the curve `$c`.
macro_rules! per_curve {
    ($c:expr, $f:ident($($a:expr),*)) => {
        match $c {
            Curve::NistP256 => $f::<NistP256>($($a),*),
            Curve::BrainpoolP256r1 => $f::<BrainpoolP256r1>($($a),*),
            Curve::NistP384 => $f::<NistP384>($($a),*),
            Curve::BrainpoolP384r1 => $f::<BrainpoolP384r1>($($a),*),
        }
    };
}

impl Curve {
    /// The curve of a standardized domain parameter identifier, if supported.
    pub fn from_parameter_id(id: u64) -> Option<Curve> {
        match id {
            12 => Some(Curve::NistP256),
            13 => Some(Curve::BrainpoolP256r1),
            15 => Some(Curve::NistP384),
            16 => Some(Curve::BrainpoolP384r1),
            _ => None,
        }
    }

    /// The standardized domain parameter identifier.
    pub fn parameter_id(self) -> u8 {
        match self {
            Curve::NistP256 => 12,
            Curve::BrainpoolP256r1 => 13,
            Curve::NistP384 => 15,
            Curve::BrainpoolP384r1 => 16,
        }
    }

    /// Bytes of a coordinate or a scalar.
    pub fn field_len(self) -> usize {
        match self {
            Curve::NistP256 | Curve::BrainpoolP256r1 => 32,
            Curve::NistP384 | Curve::BrainpoolP384r1 => 48,
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

    /// The mapped generator G~ = s·G + H (Generic Mapping); `s` is the nonce as an integer.
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
    let mut bytes = Zeroizing::new(FieldBytes::<C>::default());
    let len = bytes.len();
    let start = len.checked_sub(s.len()).ok_or(CurveError::BadScalar)?;
    bytes.get_mut(start..).ok_or(CurveError::BadScalar)?.copy_from_slice(s);
    let mut s = <C::Scalar as Reduce<FieldBytes<C>>>::reduce(&bytes);
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
