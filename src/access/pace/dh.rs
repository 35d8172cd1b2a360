//! Finite-field Diffie-Hellman of PACE and Chip Authentication (ICAO 9303 Part 11 §9.5.1, §4.4.3.3,
//! §6.2): the standardized groups 0, 1 and 2 (RFC 5114 §2.1–2.3), explicit X9.42 DomainParameters
//! (p, g, q) as DG14 carries them, public-key validation (RFC 2631 §2.1.5), the key agreement and
//! the Generic Mapping g~ = g^s · h mod p (§4.4.3.3.1).
//!
//! Group elements travel as big-endian unsigned integers of exactly len(p) bytes, leading zeros
//! kept. Secret exponents use constant-time Montgomery exponentiation (`crypto-bigint`
//! BoxedMontyForm) and are zeroized.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Limb, NonZero, Odd};
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Reader, SliceReader};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// The largest modulus accepted (bits).
pub const MAX_MODULUS_BITS: u32 = 4096;
/// The smallest modulus accepted (bits): the smallest standardized PACE group.
pub const MIN_MODULUS_BITS: u32 = 1024;
/// The smallest subgroup order accepted (bits): that of the 1024-bit standardized group.
const MIN_ORDER_BITS: u32 = 160;
/// The longest DER DomainParameters accepted (three 4096-bit integers and some slack).
const MAX_DER_LEN: usize = 2048;

/// Why DH parameters, a public value or a secret were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DhError {
    #[error("the DH domain parameters are not DER-encoded X9.42 DomainParameters")]
    Encoding,
    #[error(
        "the DH domain parameters carry no subgroup order q (PKCS#3 DHParameter), so public keys cannot be validated"
    )]
    NoSubgroupOrder,
    #[error(
        "the DH modulus has {bits} bits; {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} are accepted"
    )]
    ModulusSize { bits: u32 },
    #[error("the DH domain parameters are inconsistent: {0}")]
    BadParameters(&'static str),
    #[error("a DH value must be exactly {expected} bytes long, got {got}")]
    Length { expected: usize, got: usize },
    #[error("the DH public value is out of range (1 < y < p - 1)")]
    OutOfRange,
    #[error("the DH public value is not in the prime-order subgroup")]
    NotInSubgroup,
    #[error("the DH secret exponent is zero or longer than the modulus")]
    BadSecret,
    #[error("the DH result is the neutral element 1")]
    Identity,
}

/// A prime-order subgroup of GF(p)*: modulus p, generator g of order q.
#[derive(Clone)]
pub struct DhGroup {
    p: BoxedUint,
    g: BoxedUint,
    q: BoxedUint,
    params: BoxedMontyParams,
    len: usize,
    id: Option<u8>,
}

impl std::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DhGroup({})", self.name())
    }
}

impl PartialEq for DhGroup {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.p == other.p && self.g == other.g && self.q == other.q
    }
}

impl Eq for DhGroup {}

/// RFC 5114 §2.1: 1024-bit MODP group with 160-bit prime order subgroup (parameterId 0).
const RFC5114_1024_160: [&str; 3] = [
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
];

/// RFC 5114 §2.2: 2048-bit MODP group with 224-bit prime order subgroup (parameterId 1).
const RFC5114_2048_224: [&str; 3] = [
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
];

/// RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup (parameterId 2).
const RFC5114_2048_256: [&str; 3] = [
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
];

impl DhGroup {
    /// The standardized group of a PACE domain parameter identifier (0, 1 or 2), if any.
    pub fn from_parameter_id(id: u64) -> Option<DhGroup> {
        let [p, g, q] = match id {
            0 => RFC5114_1024_160,
            1 => RFC5114_2048_224,
            2 => RFC5114_2048_256,
            _ => return None,
        };
        let (p, g, q) = (hex::decode(p).ok()?, hex::decode(g).ok()?, hex::decode(q).ok()?);
        let mut group = DhGroup::explicit(&p, &g, Some(&q)).ok()?;
        group.id = u8::try_from(id).ok();
        Some(group)
    }

    /// A group from explicit parameters (big-endian unsigned integers). Without q the group is
    /// refused: public keys could not be validated. Checks: 1024 ≤ bits(p) ≤ 4096, p odd,
    /// 160 ≤ bits(q) < bits(p), q | p − 1, 1 < g < p − 1 and g^q ≡ 1 (mod p). Primality of p
    /// and q is not tested.
    pub fn explicit(p: &[u8], g: &[u8], q: Option<&[u8]>) -> Result<DhGroup, DhError> {
        let q = q.ok_or(DhError::NoSubgroupOrder)?;
        let p = trim(p);
        let p_bits = bit_len(p);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&p_bits) {
            return Err(DhError::ModulusSize { bits: p_bits });
        }
        let len = p.len();
        let prec = p_bits;
        let p_int = BoxedUint::from_be_slice(p, prec).map_err(|_| DhError::Encoding)?;
        let odd: Option<Odd<BoxedUint>> = p_int.to_odd().into_option();
        let odd = odd.ok_or(DhError::BadParameters("p is even"))?;
        let params = BoxedMontyParams::new_vartime(odd);

        let q = trim(q);
        let q_bits = bit_len(q);
        if q_bits < MIN_ORDER_BITS || q_bits >= p_bits {
            return Err(DhError::BadParameters("the size of q does not fit p"));
        }
        let q_int = BoxedUint::from_be_slice(q, prec).map_err(|_| DhError::Encoding)?;
        let p_minus_1 = p_int.wrapping_sub(BoxedUint::one_with_precision(prec));
        let q_nz: Option<NonZero<BoxedUint>> = q_int.to_nz().into_option();
        let q_nz = q_nz.ok_or(DhError::BadParameters("q is zero"))?;
        if !bool::from(p_minus_1.rem_vartime(&q_nz).is_zero()) {
            return Err(DhError::BadParameters("q does not divide p - 1"));
        }

        let g = trim(g);
        if g.len() > len {
            return Err(DhError::BadParameters("g is not below p"));
        }
        let g_int = BoxedUint::from_be_slice(g, prec).map_err(|_| DhError::Encoding)?;
        let group = DhGroup { p: p_int, g: g_int, q: q_int, params, len, id: None };
        group.check_element(&group.g).map_err(|e| match e {
            DhError::NotInSubgroup => {
                DhError::BadParameters("g does not generate the order-q subgroup")
            }
            _ => DhError::BadParameters("g is out of range"),
        })?;
        Ok(group)
    }

    /// A group from DER X9.42 DomainParameters ::= SEQUENCE { p, g, q INTEGER, j INTEGER
    /// OPTIONAL, validationParms OPTIONAL } (RFC 3279 §2.3.3), as in a DH
    /// ChipAuthenticationPublicKeyInfo. A PKCS#3 DHParameter (p, g) is refused with
    /// [`DhError::NoSubgroupOrder`].
    pub fn from_der(der: &[u8]) -> Result<DhGroup, DhError> {
        if der.len() > MAX_DER_LEN {
            return Err(DhError::Encoding);
        }
        let (p, g, q) = parse_domain_parameters(der).map_err(|_| DhError::Encoding)?;
        match q {
            // PKCS#3's optional third integer is privateValueLength, a bit count, never an order.
            Some(q) if bit_len(trim(&q)) < MIN_ORDER_BITS => Err(DhError::NoSubgroupOrder),
            q => DhGroup::explicit(&p, &g, q.as_deref()),
        }
    }

    /// Bytes of an encoded group element (len(p)).
    pub fn element_len(&self) -> usize {
        self.len
    }

    /// Bytes of the subgroup order q.
    pub fn order_len(&self) -> usize {
        self.q.bit_width_vartime().div_ceil(8) as usize
    }

    /// The standardized domain parameter identifier, or `None` for explicit parameters.
    pub fn parameter_id(&self) -> Option<u8> {
        self.id
    }

    /// The modulus p, fixed width.
    pub fn modulus(&self) -> Vec<u8> {
        self.fixed(&self.p).to_vec()
    }

    /// The generator g, fixed width.
    pub fn generator(&self) -> Vec<u8> {
        self.fixed(&self.g).to_vec()
    }

    /// The subgroup order q, as [`order_len`](Self::order_len) bytes.
    pub fn order(&self) -> Vec<u8> {
        let all = self.fixed(&self.q);
        all.get(self.len - self.order_len()..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// Plain words for staff and logs, e.g. "1024-bit MODP group with 160-bit prime order
    /// subgroup (RFC 5114)".
    pub fn name(&self) -> String {
        let p = self.p.bit_width_vartime();
        let q = self.q.bit_width_vartime();
        match self.id {
            Some(_) => format!("{p}-bit MODP group with {q}-bit prime order subgroup (RFC 5114)"),
            None => format!(
                "{p}-bit MODP group with {q}-bit prime order subgroup (explicit parameters)"
            ),
        }
    }

    /// A random secret exponent 1 ≤ x < q, as [`order_len`](Self::order_len) bytes.
    pub fn random_secret(&self, rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<Vec<u8>> {
        let n = self.order_len();
        let top_bits = self.q.bit_width_vartime() % 8;
        let mask = if top_bits == 0 { 0xFF } else { (1u8 << top_bits) - 1 };
        let prec = self.p.bits_precision();
        loop {
            let mut bytes = Zeroizing::new(vec![0u8; n]);
            rng.fill_bytes(&mut bytes);
            if let Some(b) = bytes.first_mut() {
                *b &= mask;
            }
            let Ok(x) = BoxedUint::from_be_slice(&bytes, prec) else { continue };
            let x = Zeroizing::new(x);
            // x < q exactly when x − q borrows; both checks in constant time.
            let (mut diff, borrow) = x.borrowing_sub(&self.q, Limb::ZERO);
            diff.zeroize();
            let below_q = borrow != Limb::ZERO;
            if below_q && bool::from(x.is_nonzero()) {
                return bytes;
            }
        }
    }

    /// base^secret mod p, fixed width; base = g when `None`. A given base must be a valid
    /// element of the subgroup (see [`check_public`](Self::check_public)). The secret is a
    /// non-zero big-endian exponent of at most len(p) bytes.
    pub fn public(&self, secret: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>, DhError> {
        let base = match base {
            Some(b) => self.element(b)?,
            None => self.g.clone(),
        };
        let y = self.pow_secret(&base, secret)?;
        Ok(self.fixed(&y).to_vec())
    }

    /// Validates a public value from the other side: exactly len(p) bytes, 1 < y < p − 1, and
    /// y^q ≡ 1 (mod p) (RFC 2631 §2.1.5).
    pub fn check_public(&self, y: &[u8]) -> Result<(), DhError> {
        self.element(y).map(|_| ())
    }

    /// A public value given as an unsigned integer of any length (a DER INTEGER's content, as
    /// in a DH SubjectPublicKeyInfo of DG14, or a chip that drops leading zeros), validated and
    /// returned at exactly len(p) bytes.
    pub fn normalize_public(&self, y: &[u8]) -> Result<Vec<u8>, DhError> {
        let digits = trim(y);
        if digits.len() > self.len {
            return Err(DhError::OutOfRange);
        }
        let mut fixed = vec![0u8; self.len - digits.len()];
        fixed.extend_from_slice(digits);
        self.check_public(&fixed)?;
        Ok(fixed)
    }

    /// The key agreement K = peer^secret mod p, fixed width (ICAO 9303 Part 11 §9.6: the
    /// shared secret keeps its leading zeros). The peer's value is validated first.
    pub fn shared_secret(&self, secret: &[u8], peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, DhError> {
        let peer = self.element(peer)?;
        let k = Zeroizing::new(self.pow_secret(&peer, secret)?);
        Ok(self.fixed(&k))
    }

    /// Generic Mapping (§4.4.3.3.1): g~ = g^s · h mod p, fixed width, where `s` is the
    /// decrypted nonce as a big-endian integer and `h` the mapping key agreement's result (a
    /// validated subgroup element).
    pub fn map_generic(&self, s: &[u8], h: &[u8]) -> Result<Vec<u8>, DhError> {
        let h = Zeroizing::new(self.element(h)?);
        let gs = Zeroizing::new(self.pow_secret(&self.g, s)?);
        let (mut gs, mut h) = (self.monty(&gs), self.monty(&h));
        let mut product = gs.mul(&h);
        let mapped = Zeroizing::new(product.retrieve());
        for m in [&mut gs, &mut h, &mut product] {
            m.zeroize();
        }
        self.check_element(&mapped)?;
        Ok(self.fixed(&mapped).to_vec())
    }

    /// x^((p−1)/q) mod p for x < p, fixed width: the Integrated Mapping's f_g (§4.4.3.3.2).
    /// Refuses the results 0 and 1.
    #[allow(dead_code)] // used by the Integrated Mapping (integrated.rs)
    pub(crate) fn cofactor_power(&self, x: &BoxedUint) -> Result<Vec<u8>, DhError> {
        let p_minus_1 = self.p.wrapping_sub(BoxedUint::one_with_precision(self.p.bits_precision()));
        let q: Option<NonZero<BoxedUint>> = self.q.to_nz().into_option();
        let q = q.ok_or(DhError::BadParameters("q is zero"))?;
        let cofactor = p_minus_1.div_rem_vartime(&q).0;
        let mut x = self.monty(x);
        let mapped = x.pow_bounded_exp(&cofactor, cofactor.bit_width_vartime()).retrieve();
        x.zeroize();
        self.check_element(&mapped)?;
        Ok(self.fixed(&mapped).to_vec())
    }

    /// The modulus as an integer (for the Integrated Mapping's reduction).
    #[allow(dead_code)] // used by the Integrated Mapping (integrated.rs)
    pub(crate) fn modulus_int(&self) -> &BoxedUint {
        &self.p
    }

    /// A public value decoded and validated.
    fn element(&self, y: &[u8]) -> Result<BoxedUint, DhError> {
        if y.len() != self.len {
            return Err(DhError::Length { expected: self.len, got: y.len() });
        }
        let v = BoxedUint::from_be_slice(y, self.p.bits_precision())
            .map_err(|_| DhError::Length { expected: self.len, got: y.len() })?;
        self.check_element(&v)?;
        Ok(v)
    }

    /// 1 < v < p − 1 and v^q ≡ 1 (mod p).
    fn check_element(&self, v: &BoxedUint) -> Result<(), DhError> {
        let prec = self.p.bits_precision();
        let one = BoxedUint::one_with_precision(prec);
        let p_minus_1 = self.p.wrapping_sub(&one);
        if v.cmp_vartime(&one).is_le() || v.cmp_vartime(&p_minus_1).is_ge() {
            return Err(DhError::OutOfRange);
        }
        // v may be secret-derived (h, g~): its Montgomery form is wiped after use.
        let mut m = self.monty(v);
        let power = m.pow_bounded_exp(&self.q, self.q.bit_width_vartime()).retrieve();
        m.zeroize();
        if power != one {
            return Err(DhError::NotInSubgroup);
        }
        Ok(())
    }

    /// base^secret mod p in constant time (for a secret of a given length); refuses a zero
    /// exponent and the result 1.
    fn pow_secret(&self, base: &BoxedUint, secret: &[u8]) -> Result<BoxedUint, DhError> {
        if secret.is_empty() || secret.len() > self.len {
            return Err(DhError::BadSecret);
        }
        let bits = u32::try_from(secret.len() * 8).map_err(|_| DhError::BadSecret)?;
        let x =
            Zeroizing::new(BoxedUint::from_be_slice(secret, bits).map_err(|_| DhError::BadSecret)?);
        if !bool::from(x.is_nonzero()) {
            return Err(DhError::BadSecret);
        }
        let mut power = self.monty(base).pow(&x);
        let y = power.retrieve();
        power.zeroize();
        if y == BoxedUint::one_with_precision(self.p.bits_precision()) {
            return Err(DhError::Identity);
        }
        Ok(y)
    }

    fn monty(&self, v: &BoxedUint) -> BoxedMontyForm {
        BoxedMontyForm::new(v.clone(), &self.params)
    }

    /// `v` (< p) as exactly len(p) big-endian bytes.
    fn fixed(&self, v: &BoxedUint) -> Zeroizing<Vec<u8>> {
        let all = Zeroizing::new(v.to_be_bytes());
        let skip = all.len().saturating_sub(self.len);
        Zeroizing::new(all.get(skip..).map(<[u8]>::to_vec).unwrap_or_default())
    }
}

/// Leading zero bytes removed.
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Bits of a big-endian integer without leading zero bytes.
fn bit_len(trimmed: &[u8]) -> u32 {
    match trimmed.first() {
        None => 0,
        Some(&top) => {
            let bytes = u32::try_from(trimmed.len()).unwrap_or(u32::MAX);
            bytes.saturating_sub(1).saturating_mul(8).saturating_add(8 - top.leading_zeros())
        }
    }
}

/// p, g and the optional third INTEGER of DomainParameters or DHParameter.
type Parsed = (Vec<u8>, Vec<u8>, Option<Vec<u8>>);

fn parse_domain_parameters(der: &[u8]) -> der::Result<Parsed> {
    let mut reader = SliceReader::new(der)?;
    let parsed = reader.sequence(|r| {
        let p = UintRef::decode(r)?.as_bytes().to_vec();
        let g = UintRef::decode(r)?.as_bytes().to_vec();
        let q = Option::<UintRef<'_>>::decode(r)?.map(|q| q.as_bytes().to_vec());
        // j and validationParms: allowed, not used.
        while !r.is_finished() {
            AnyRef::decode(r)?;
        }
        Ok((p, g, q))
    })?;
    reader.finish(parsed)
}

#[cfg(test)]
#[path = "dh_tests.rs"]
mod tests;
