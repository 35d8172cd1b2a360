//! The brainpool "r1" curves of RFC 5639 §3 that no maintained crate provides, one module
//! each, all written by [`brainpool_curve!`] from their domain parameters.

mod p192;
mod p224;
mod p320;
mod p512;

pub use p192::BrainpoolP192r1;
pub use p224::BrainpoolP224r1;
pub use p320::BrainpoolP320r1;
pub use p512::BrainpoolP512r1;

/// Defines a short Weierstrass curve of prime order (cofactor 1) from its RFC 5639 domain
/// parameters: the curve type, its field and scalar types (Montgomery form, constant time),
/// `CurveArithmetic`, `PrimeCurveParams` (so `primeorder` supplies the affine and projective
/// points with SEC1 encoding) and `EcdsaCurve` (verification through `ecdsa`).
///
/// Hex strings: `modulus_hex`/`order_hex` are as wide as `uint` (left-padded with zeros),
/// the coefficients and the generator exactly `bytes` wide. `*_generator` is a quadratic
/// non-residue modulo the prime (what `ff::PrimeField::MULTIPLICATIVE_GENERATOR` is used for:
/// the square root), checked by the tests `primefield::test_primefield!` writes.
macro_rules! brainpool_curve {
    (
        curve: $curve:ident,
        name: $name:literal,
        uint: $uint:ty,
        bytes: $bytes:ty,
        modulus_hex: $p:literal,
        field_generator: $pg:literal,
        order_hex: $n:literal,
        scalar_generator: $ng:literal,
        a: $a:literal,
        b: $b:literal,
        gx: $gx:literal,
        gy: $gy:literal $(,)?
    ) => {
        use elliptic_curve::bigint::Odd;
        use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
        use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

        #[doc = concat!("The elliptic curve ", $name, " (RFC 5639).")]
        #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
        pub struct $curve;

        impl elliptic_curve::Curve for $curve {
            type FieldBytesSize = $bytes;
            type Uint = $uint;
            const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex($n);
        }

        impl elliptic_curve::PrimeCurve for $curve {}

        impl elliptic_curve::point::PointCompression for $curve {
            const COMPRESS_POINTS: bool = false;
        }

        /// The prime field the coordinates live in.
        pub mod field {
            // The macros of primefield 0.14 call `Uint::bits`, deprecated in crypto-bigint 0.7.
            #![allow(deprecated)]
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::ops::BatchInvert;
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

            primefield::monty_field_params! {
                name: FieldParams,
                modulus: $p,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $pg,
                doc: concat!("Montgomery parameters of the ", $name, " field modulus p")
            }

            primefield::monty_field_element! {
                name: FieldElement,
                params: FieldParams,
                uint: $uint,
                doc: concat!("An element of the ", $name, " field, modulo p")
            }

            primefield::monty_field_arithmetic! {
                name: FieldElement,
                params: FieldParams,
                uint: $uint
            }

            impl BatchInvert for FieldElement {}

            #[cfg(test)]
            mod tests {
                #![allow(clippy::unwrap_used)]
                use super::FieldElement;
                type Uint = $uint;
                primefield::test_primefield!(FieldElement, Uint);
            }
        }

        /// The scalar field: integers modulo the group order n.
        pub mod scalar {
            // The macros of primefield 0.14 call `Uint::bits`, deprecated in crypto-bigint 0.7.
            #![allow(deprecated)]
            use super::$curve;
            use elliptic_curve::FieldBytes;
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::ops::Reduce;
            use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};

            primefield::monty_field_params! {
                name: ScalarParams,
                modulus: $n,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $ng,
                doc: concat!("Montgomery parameters of the ", $name, " group order n")
            }

            primefield::monty_field_element! {
                name: Scalar,
                params: ScalarParams,
                uint: $uint,
                doc: concat!("A scalar of ", $name, ", modulo the group order n")
            }

            primefield::monty_field_arithmetic! {
                name: Scalar,
                params: ScalarParams,
                uint: $uint
            }

            // Montgomery conversion reduces any integer of the width modulo n (constant time);
            // `monty_field_reduce!` cannot serve curves whose integers are wider than their
            // encodings (224 and 320 bits).
            impl Reduce<$uint> for Scalar {
                fn reduce(w: &$uint) -> Self {
                    Self::from_uint_unchecked(*w)
                }
            }

            impl Reduce<FieldBytes<$curve>> for Scalar {
                fn reduce(bytes: &FieldBytes<$curve>) -> Self {
                    Self::reduce(&elliptic_curve::field::bytes_to_uint::<$curve>(bytes))
                }
            }

            elliptic_curve::scalar_impls!($curve, Scalar);
            primeorder::wnaf::impl_wnaf_size_for_scalar!(Scalar);

            impl AsRef<Scalar> for Scalar {
                fn as_ref(&self) -> &Scalar {
                    self
                }
            }

            impl FromUintUnchecked for Scalar {
                type Uint = $uint;

                fn from_uint_unchecked(uint: Self::Uint) -> Self {
                    Self::from_uint_unchecked(uint)
                }
            }

            impl IsHigh for Scalar {
                fn is_high(&self) -> Choice {
                    let half: $uint =
                        <$curve as elliptic_curve::Curve>::ORDER.as_ref().shr_vartime(1);
                    self.to_canonical().ct_gt(&half)
                }
            }

            #[cfg(test)]
            mod tests {
                #![allow(clippy::unwrap_used)]
                use super::Scalar;
                type Uint = $uint;
                primefield::test_primefield!(Scalar, Uint);
            }
        }

        pub use field::FieldElement;
        pub use scalar::Scalar;

        #[doc = concat!("A point of ", $name, " in affine coordinates.")]
        pub type AffinePoint = primeorder::AffinePoint<$curve>;
        #[doc = concat!("A point of ", $name, " in projective coordinates.")]
        pub type ProjectivePoint = primeorder::ProjectivePoint<$curve>;

        impl CurveArithmetic for $curve {
            type AffinePoint = AffinePoint;
            type ProjectivePoint = ProjectivePoint;
            type Scalar = Scalar;
        }

        impl FieldArithmetic for $curve {
            type FieldElement = FieldElement;
        }

        impl PrimeCurveArithmetic for $curve {
            type CurveGroup = ProjectivePoint;
        }

        impl PrimeCurveParams for $curve {
            // The brainpool curves have a random a: the generic (complete) formulas.
            type PointArithmetic = point_arithmetic::EquationAIsGeneric;
            type Backend = mul_backend::VariableOnly;

            const EQUATION_A: FieldElement = FieldElement::from_hex_vartime($a);
            const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
            const GENERATOR: (FieldElement, FieldElement) =
                (FieldElement::from_hex_vartime($gx), FieldElement::from_hex_vartime($gy));
        }

        impl ecdsa_17::EcdsaCurve for $curve {
            const NORMALIZE_S: bool = false;
        }
    };
}

use brainpool_curve;
