//! EC public keys and ECDSA verification (SEC 1 §4.1.4, BSI TR-03111 §4.2.1.2) through
//! `ecdsa` 0.17 `verify_prehash` on constant-time curve types for every known curve: the
//! RustCrypto crates for P-224 (`p224`), P-256 (`p256`), P-384 (`p384`), P-521 (`p521`),
//! brainpoolP256r1 (`bp256`) and brainpoolP384r1 (`bp384`), and [`crate::ec`] for
//! brainpoolP224r1, P320r1 and P512r1. The variable-time generic verifier in `ec` is kept only
//! as the tests' independent reference.

use ecdsa_17::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use ecdsa_17::elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize};
use ecdsa_17::signature::hazmat::PrehashVerifier;
use ecdsa_17::{EcdsaCurve, Signature, SignatureSize, VerifyingKey};
#[cfg(test)]
use num_bigint_dig::BigUint;

use super::TrustError;
use super::ec::Curve;

/// A document signer's or CSCA's EC public key on a known curve.
#[derive(Clone)]
pub struct EcPublicKey {
    curve: Curve,
    key: Backend,
}

#[derive(Clone)]
enum Backend {
    P256(VerifyingKey<p256_14::NistP256>),
    P384(VerifyingKey<p384::NistP384>),
    P521(VerifyingKey<p521::NistP521>),
    P224(VerifyingKey<p224::NistP224>),
    Bp224(VerifyingKey<crate::ec::BrainpoolP224r1>),
    Bp256(VerifyingKey<bp256::BrainpoolP256r1>),
    Bp320(VerifyingKey<crate::ec::BrainpoolP320r1>),
    Bp384(VerifyingKey<bp384::BrainpoolP384r1>),
    Bp512(VerifyingKey<crate::ec::BrainpoolP512r1>),
    /// The tests' reference: the variable-time verifier of `ec`.
    #[cfg(test)]
    Generic((BigUint, BigUint)),
}

impl std::fmt::Debug for EcPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcPublicKey({}, {})", self.curve.name, self.backend())
    }
}

/// Which crate verifies on the curve with this OID, if one does.
fn crate_for(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => "p256",
        "1.3.132.0.34" => "p384",
        "1.3.132.0.35" => "p521",
        "1.3.132.0.33" => "p224",
        "1.3.36.3.3.2.8.1.1.5" => "bp224",
        "1.3.36.3.3.2.8.1.1.7" => "bp256",
        "1.3.36.3.3.2.8.1.1.9" => "bp320",
        "1.3.36.3.3.2.8.1.1.11" => "bp384",
        "1.3.36.3.3.2.8.1.1.13" => "bp512",
        _ => return None,
    })
}

fn sec1<C>(curve: &Curve, point: &[u8]) -> Result<VerifyingKey<C>, TrustError>
where
    C: EcdsaCurve + CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    VerifyingKey::<C>::from_sec1_bytes(point)
        .map_err(|_| TrustError::invalid(format!("public key is not a point on {}", curve.name)))
}

impl EcPublicKey {
    /// From a SEC 1 point (uncompressed or compressed), checked to lie on `curve`.
    pub fn from_sec1(curve: Curve, point: &[u8]) -> Result<EcPublicKey, TrustError> {
        let key = match crate_for(curve.oid) {
            Some("p256") => Backend::P256(sec1(&curve, point)?),
            Some("p384") => Backend::P384(sec1(&curve, point)?),
            Some("p521") => Backend::P521(sec1(&curve, point)?),
            Some("p224") => Backend::P224(sec1(&curve, point)?),
            Some("bp224") => Backend::Bp224(sec1(&curve, point)?),
            Some("bp256") => Backend::Bp256(sec1(&curve, point)?),
            Some("bp320") => Backend::Bp320(sec1(&curve, point)?),
            Some("bp384") => Backend::Bp384(sec1(&curve, point)?),
            Some("bp512") => Backend::Bp512(sec1(&curve, point)?),
            _ => return Err(TrustError::unsupported(format!("ECDSA on {}", curve.name))),
        };
        Ok(EcPublicKey { curve, key })
    }

    /// Always the generic verifier (the tests' reference to compare the crates with).
    #[cfg(test)]
    pub fn generic(curve: Curve, point: &[u8]) -> Result<EcPublicKey, TrustError> {
        let key = Backend::Generic(curve.decode_point(point)?);
        Ok(EcPublicKey { curve, key })
    }

    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// The curve type that verifies ("p256", "bp320" …; "generic" for the tests' reference).
    pub fn backend(&self) -> &'static str {
        match self.key {
            Backend::P256(_) => "p256",
            Backend::P384(_) => "p384",
            Backend::P521(_) => "p521",
            Backend::P224(_) => "p224",
            Backend::Bp224(_) => "bp224",
            Backend::Bp256(_) => "bp256",
            Backend::Bp320(_) => "bp320",
            Backend::Bp384(_) => "bp384",
            Backend::Bp512(_) => "bp512",
            #[cfg(test)]
            Backend::Generic(_) => "generic",
        }
    }

    /// Verifies ECDSA (r, s), big-endian unsigned integers of any length, over the message
    /// digest `hash` (any length: the leftmost bits of the order's length are used, SEC 1
    /// §4.1.4 step 5; the crates' `bits2field` does the same).
    pub fn verify(&self, hash: &[u8], r: &[u8], s: &[u8]) -> Result<(), TrustError> {
        match &self.key {
            Backend::P256(k) => self.with_crate(k, hash, r, s),
            Backend::P384(k) => self.with_crate(k, hash, r, s),
            Backend::P521(k) => self.with_crate(k, hash, r, s),
            Backend::P224(k) => self.with_crate(k, hash, r, s),
            Backend::Bp224(k) => self.with_crate(k, hash, r, s),
            Backend::Bp256(k) => self.with_crate(k, hash, r, s),
            Backend::Bp320(k) => self.with_crate(k, hash, r, s),
            Backend::Bp384(k) => self.with_crate(k, hash, r, s),
            Backend::Bp512(k) => self.with_crate(k, hash, r, s),
            #[cfg(test)]
            Backend::Generic(q) => {
                self.curve.verify(q, hash, &BigUint::from_bytes_be(r), &BigUint::from_bytes_be(s))
            }
        }
    }

    fn with_crate<C>(
        &self,
        key: &VerifyingKey<C>,
        hash: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> Result<(), TrustError>
    where
        C: EcdsaCurve + CurveArithmetic,
        SignatureSize<C>: ecdsa_17::elliptic_curve::array::ArraySize,
    {
        let bad = |why: &str| TrustError::BadSignature(format!("ECDSA {}: {why}", self.curve.name));
        let len = self.curve.field_len();
        let mut rs = vec![0u8; 2 * len];
        for (half, value) in [(0, r), (len, s)] {
            let value = strip_zeros(value);
            let start = (half + len).checked_sub(value.len()).filter(|start| *start >= half);
            let dest = start.and_then(|start| rs.get_mut(start..half + len));
            match dest {
                Some(dest) => dest.copy_from_slice(value),
                None => return Err(bad("r or s out of range")),
            }
        }
        // from_slice refuses r or s equal to zero or not below the order.
        let sig = Signature::<C>::from_slice(&rs).map_err(|_| bad("r or s out of range"))?;
        key.verify_prehash(hash, &sig).map_err(|_| bad("mismatch"))
    }
}

#[cfg(test)]
#[path = "ec_key_tests.rs"]
mod tests;

fn strip_zeros(mut v: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = v {
        v = rest;
    }
    v
}
