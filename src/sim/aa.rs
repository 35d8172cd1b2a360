//! The simulated chip's Active Authentication key (ICAO 9303 Part 11 §6.1): kept in a
//! profile's `chip-aa.der` (PKCS#8), it signs the terminal's INTERNAL AUTHENTICATE challenge —
//! RSA with ISO/IEC 9796-2 scheme 1 (trailer BC for SHA-1, else `id ‖ CC`), ECDSA as plain
//! r ‖ s (BSI TR-03111) or DER — and gives the SubjectPublicKeyInfo EF.DG15 carries.

use super::SimError;
use super::behaviour::Behaviour;
use crate::authentication::iso9796;
use crate::iso7816::tlv::{self, Reader};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::sod::HashAlgorithm;
use ecdsa_17::SigningKey;
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use zeroize::Zeroizing;

/// id-ecPublicKey (RFC 5480 §2.1.1), DER content bytes.
const ID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// Largest RSA key the maker generates or the simulator loads.
pub const MAX_RSA_BITS: usize = 4096;

/// An elliptic curve the simulated chip signs on, by its OID (dotted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AaCurve {
    NistP256,
    BrainpoolP256r1,
    NistP384,
    BrainpoolP384r1,
}

impl AaCurve {
    /// The curve named `name` ("P-256", "brainpoolP256r1", "P-384", "brainpoolP384r1").
    pub fn from_name(name: &str) -> Option<AaCurve> {
        Some(match name {
            "P-256" => AaCurve::NistP256,
            "brainpoolP256r1" => AaCurve::BrainpoolP256r1,
            "P-384" => AaCurve::NistP384,
            "brainpoolP384r1" => AaCurve::BrainpoolP384r1,
            _ => return None,
        })
    }

    fn oid(self) -> &'static [u8] {
        match self {
            AaCurve::NistP256 => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
            AaCurve::BrainpoolP256r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07],
            AaCurve::NistP384 => &[0x2B, 0x81, 0x04, 0x00, 0x22],
            AaCurve::BrainpoolP384r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B],
        }
    }

    fn from_oid(oid: &[u8]) -> Option<AaCurve> {
        [AaCurve::NistP256, AaCurve::BrainpoolP256r1, AaCurve::NistP384, AaCurve::BrainpoolP384r1]
            .into_iter()
            .find(|c| c.oid() == oid)
    }

    fn scalar_len(self) -> usize {
        match self {
            AaCurve::NistP256 | AaCurve::BrainpoolP256r1 => 32,
            AaCurve::NistP384 | AaCurve::BrainpoolP384r1 => 48,
        }
    }
}

/// An ECDSA signing key on one of the [`AaCurve`]s.
#[derive(Clone)]
enum EcKey {
    P256(SigningKey<p256_14::NistP256>),
    Bp256(SigningKey<bp256::BrainpoolP256r1>),
    P384(SigningKey<p384::NistP384>),
    Bp384(SigningKey<bp384::BrainpoolP384r1>),
}

macro_rules! per_key {
    ($k:expr, $v:ident => $e:expr) => {
        match $k {
            EcKey::P256($v) => $e,
            EcKey::Bp256($v) => $e,
            EcKey::P384($v) => $e,
            EcKey::Bp384($v) => $e,
        }
    };
}

impl EcKey {
    fn from_scalar(curve: AaCurve, d: &[u8]) -> Option<EcKey> {
        Some(match curve {
            AaCurve::NistP256 => EcKey::P256(SigningKey::from_slice(d).ok()?),
            AaCurve::BrainpoolP256r1 => EcKey::Bp256(SigningKey::from_slice(d).ok()?),
            AaCurve::NistP384 => EcKey::P384(SigningKey::from_slice(d).ok()?),
            AaCurve::BrainpoolP384r1 => EcKey::Bp384(SigningKey::from_slice(d).ok()?),
        })
    }

    fn curve(&self) -> AaCurve {
        match self {
            EcKey::P256(_) => AaCurve::NistP256,
            EcKey::Bp256(_) => AaCurve::BrainpoolP256r1,
            EcKey::P384(_) => AaCurve::NistP384,
            EcKey::Bp384(_) => AaCurve::BrainpoolP384r1,
        }
    }

    fn scalar(&self) -> Zeroizing<Vec<u8>> {
        per_key!(self, k => Zeroizing::new(k.to_bytes().to_vec()))
    }

    fn point(&self) -> Vec<u8> {
        per_key!(self, k => k.verifying_key().to_sec1_point(false).as_bytes().to_vec())
    }

    /// r ‖ s over the digest, with a nonce from `rng`.
    fn sign_prehash(&self, digest: &[u8], rng: &mut dyn rand::RngCore) -> Option<Vec<u8>> {
        per_key!(self, k => sign_with(k, self.curve().scalar_len(), digest, rng))
    }
}

/// ECDSA (SEC 1 §4.1.3) with the crate's `sign_prehashed` and a nonce from `rng` (a nonce
/// candidate out of range is drawn again, at most 64 times).
fn sign_with<C>(
    key: &SigningKey<C>,
    len: usize,
    digest: &[u8],
    rng: &mut dyn rand::RngCore,
) -> Option<Vec<u8>>
where
    C: ecdsa_17::EcdsaCurve + ecdsa_17::elliptic_curve::CurveArithmetic,
    ecdsa_17::SignatureSize<C>: ecdsa_17::elliptic_curve::array::ArraySize,
{
    for _ in 0..64 {
        let mut k = Zeroizing::new(vec![0u8; len]);
        rng.fill_bytes(&mut k);
        let Ok(nonce) = SigningKey::<C>::from_slice(&k) else { continue };
        let signed = ecdsa_17::hazmat::sign_prehashed(
            key.as_nonzero_scalar(),
            nonce.as_nonzero_scalar(),
            digest,
        );
        if let Ok((sig, _)) = signed {
            return Some(sig.to_bytes().to_vec());
        }
    }
    None
}

/// The chip's Active Authentication private key. `Debug` never shows it.
#[derive(Clone)]
pub struct ChipAaKey(Kind);

#[derive(Clone)]
enum Kind {
    Rsa(Box<RsaPrivateKey>),
    Ec(EcKey),
}

impl std::fmt::Debug for ChipAaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChipAaKey({})", self.describe())
    }
}

fn key_error(why: impl Into<String>) -> SimError {
    SimError::AaKey(why.into())
}

impl ChipAaKey {
    /// A fresh RSA key of `bits` bits (1024 takes well under a second; 2048 a few seconds in
    /// a debug build).
    pub fn generate_rsa(bits: usize) -> Result<ChipAaKey, SimError> {
        if !(512..=MAX_RSA_BITS).contains(&bits) || !bits.is_multiple_of(8) {
            return Err(key_error(format!("RSA size {bits} is not a multiple of 8 in 512..=4096")));
        }
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits)
            .map_err(|e| key_error(format!("RSA key generation: {e}")))?;
        Ok(ChipAaKey(Kind::Rsa(Box::new(key))))
    }

    /// A fresh ECDSA key on `curve`.
    pub fn generate_ec(curve: AaCurve) -> ChipAaKey {
        loop {
            let mut d = Zeroizing::new(vec![0u8; curve.scalar_len()]);
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut d);
            if let Some(key) = EcKey::from_scalar(curve, &d) {
                return ChipAaKey(Kind::Ec(key));
            }
        }
    }

    /// From PKCS#8 DER (RFC 5208): rsaEncryption, or id-ecPublicKey with a named curve of
    /// [`AaCurve`] and an ECPrivateKey (RFC 5915).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<ChipAaKey, SimError> {
        let info = rsa::pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| key_error(format!("not PKCS#8: {e}")))?;
        if info.algorithm.oid.as_bytes() == ID_EC_PUBLIC_KEY {
            let params = info
                .algorithm
                .parameters
                .ok_or_else(|| key_error("EC key without a named curve"))?;
            let curve = AaCurve::from_oid(params.value())
                .ok_or_else(|| key_error("EC key on a curve the simulator does not sign on"))?;
            let bad = || key_error("ECPrivateKey does not parse");
            let mut outer = Reader::new(info.private_key);
            let seq = outer.expect(0x30).map_err(|_| bad())?;
            let mut r = Reader::nested(&seq);
            r.expect(0x02).map_err(|_| bad())?;
            let d = r.expect(0x04).map_err(|_| bad())?;
            let key = EcKey::from_scalar(curve, d.value)
                .ok_or_else(|| key_error("EC private key out of range"))?;
            return Ok(ChipAaKey(Kind::Ec(key)));
        }
        let key = RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|e| key_error(format!("not an RSA or EC PKCS#8 key: {e}")))?;
        if rsa::traits::PublicKeyParts::n(&key).bits() > MAX_RSA_BITS {
            return Err(key_error("RSA key larger than 4096 bits"));
        }
        Ok(ChipAaKey(Kind::Rsa(Box::new(key))))
    }

    /// PKCS#8 DER of the key.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, SimError> {
        match &self.0 {
            Kind::Rsa(k) => {
                let doc = k.to_pkcs8_der().map_err(|e| key_error(format!("PKCS#8: {e}")))?;
                Ok(Zeroizing::new(doc.as_bytes().to_vec()))
            }
            Kind::Ec(k) => {
                let mut ec = tlv::tlv(0x02, &[1]);
                ec.extend(tlv::tlv(0x04, &k.scalar()));
                let ec = Zeroizing::new(tlv::tlv(0x30, &ec));
                let mut body = Zeroizing::new(tlv::tlv(0x02, &[0]));
                body.extend(ec_algorithm(k.curve()));
                body.extend(tlv::tlv(0x04, &ec));
                Ok(Zeroizing::new(tlv::tlv(0x30, &body)))
            }
        }
    }

    /// The DER SubjectPublicKeyInfo for EF.DG15.
    pub fn spki_der(&self) -> Result<Vec<u8>, SimError> {
        match &self.0 {
            Kind::Rsa(k) => Ok(k
                .to_public_key()
                .to_public_key_der()
                .map_err(|e| key_error(format!("SPKI: {e}")))?
                .as_bytes()
                .to_vec()),
            Kind::Ec(k) => {
                let mut bits = vec![0u8];
                bits.extend(k.point());
                Ok(tlv::tlv(0x30, &[ec_algorithm(k.curve()), tlv::tlv(0x03, &bits)].concat()))
            }
        }
    }

    /// True for an ECDSA key.
    pub fn is_ec(&self) -> bool {
        matches!(self.0, Kind::Ec(_))
    }

    /// "RSA-1024", "ECDSA NistP256" …
    pub fn describe(&self) -> String {
        match &self.0 {
            Kind::Rsa(k) => format!("RSA-{}", rsa::traits::PublicKeyParts::n(k.as_ref()).bits()),
            Kind::Ec(k) => format!("ECDSA {:?}", k.curve()),
        }
    }

    /// The answer to INTERNAL AUTHENTICATE over `challenge`: RSA ISO/IEC 9796-2 scheme 1 with
    /// `hash` (SHA-1 → trailer BC), or ECDSA over `hash(challenge)`, plain or `der`.
    pub fn sign(
        &self,
        challenge: &[u8],
        hash: HashAlgorithm,
        der: bool,
        rng: &mut dyn rand::RngCore,
    ) -> Option<Vec<u8>> {
        match &self.0 {
            Kind::Rsa(k) => {
                let implicit = hash == HashAlgorithm::Sha1;
                let mut fill = |b: &mut [u8]| rng.fill_bytes(b);
                let mut blinding = rand::rngs::OsRng;
                iso9796::sign(k, hash, implicit, challenge, &mut fill, &mut blinding).ok()
            }
            Kind::Ec(k) => {
                let plain = k.sign_prehash(&hash.digest(challenge), rng)?;
                if !der {
                    return Some(plain);
                }
                let (r, s) = plain.split_at(plain.len() / 2);
                let int = |v: &[u8]| {
                    let start = v.iter().position(|b| *b != 0).unwrap_or(v.len().saturating_sub(1));
                    let v = v.get(start..).unwrap_or(v);
                    let mut out = Vec::with_capacity(v.len() + 1);
                    if v.first().is_some_and(|b| b & 0x80 != 0) {
                        out.push(0);
                    }
                    out.extend_from_slice(v);
                    tlv::tlv(0x02, &out)
                };
                Some(tlv::tlv(0x30, &[int(r), int(s)].concat()))
            }
        }
    }
}

/// AlgorithmIdentifier { id-ecPublicKey, namedCurve }.
fn ec_algorithm(curve: AaCurve) -> Vec<u8> {
    tlv::tlv(0x30, &[tlv::tlv(0x06, &ID_EC_PUBLIC_KEY), tlv::tlv(0x06, curve.oid())].concat())
}

/// INTERNAL AUTHENTICATE (ICAO 9303 Part 11 §6.1) on the chip: signs the 8-byte challenge
/// (or, with `aa_wrong_challenge`, another one) with `aa`; `aa_ecdsa_der` answers ECDSA in
/// DER.
pub(super) fn internal_authenticate(
    aa: Option<&(ChipAaKey, HashAlgorithm)>,
    behaviour: &Behaviour,
    rng: &mut dyn rand::RngCore,
    cmd: &CommandApdu,
) -> Result<ResponseApdu, StatusWord> {
    if (cmd.p1, cmd.p2) != (0x00, 0x00) {
        return Err(StatusWord::IncorrectP1P2);
    }
    if cmd.data.len() != 8 {
        return Err(StatusWord::WrongLength);
    }
    let (key, hash) = aa.ok_or(StatusWord::InsNotSupported)?;
    let mut challenge = cmd.data.clone();
    if behaviour.aa_wrong_challenge {
        challenge.iter_mut().for_each(|b| *b ^= 0xA5);
    }
    let signature = key
        .sign(&challenge, *hash, behaviour.aa_ecdsa_der, rng)
        .ok_or(StatusWord::Other(0x6F00))?;
    if cmd.le.is_some_and(|le| le < signature.len()) {
        return Err(StatusWord::WrongLength);
    }
    Ok(ResponseApdu::new(signature, StatusWord::Ok))
}
