//! Chip Authentication v1, terminal side (ICAO 9303 Part 11 §6.2; BSI TR-03110-1 §3.4,
//! TR-03110-3 §B.1): the key of EF.DG14 (chosen by keyId when several are listed), an
//! ephemeral key on its domain parameters, MSE:Set KAT (3DES) or MSE:Set AT + GENERAL
//! AUTHENTICATE under the current secure messaging, K = the shared secret (x-coordinate,
//! fixed width), new KS_enc/KS_mac with SSC 0, and one protected SELECT of EF.DG14 that must
//! verify under the new keys. A chip that cannot answer under the keys of the DG14 key does
//! not hold its private key: a clone.

use super::{Check, Method, Outcome};
use crate::access::kdf::{self, ENC, MAC};
use crate::access::pace::dh::DhGroup;
use crate::access::pace::group::standard_name;
use crate::access::pace::{Curve, cipher as sm_cipher};
use crate::card::{CardChannel, CardError};
use crate::iso7816::{CommandApdu, StatusWord, tlv};
use crate::lds::card_access::{CardAccess, PaceCipher, SecurityInfo};
use crate::lds::chip_authentication::{
    CaProtocol, CaPublicKey, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, EcDomain,
    is_ca_oid, oid_bytes,
};
use crate::sm::{Cipher, SecureChannel, SmError, SmSession};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// EF.DG14's file identifier: the confirming SELECT under the new keys (as real readers do).
const DG14_FID: [u8; 2] = [0x01, 0x0E];
/// Most keys considered from one DG14 (real ones list one or two).
const MAX_KEYS: usize = 8;

/// The domain parameters and public key of the chip's static key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipKey {
    /// ECDH on a curve this kiosk runs; the chip's public point (uncompressed).
    Ec { curve: Curve, public: Vec<u8> },
    /// DH in a validated prime-order group; the chip's public value (fixed width).
    Dh { group: DhGroup, public: Vec<u8> },
}

impl ChipKey {
    /// A fresh ephemeral secret on the key's domain parameters.
    pub fn random_secret(&self, rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<Vec<u8>> {
        match self {
            ChipKey::Ec { curve, .. } => curve.random_secret(rng),
            ChipKey::Dh { group, .. } => group.random_secret(rng),
        }
    }

    /// The public value of `secret` (fixed width: uncompressed point or len(p) bytes).
    pub fn public_of(&self, secret: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            ChipKey::Ec { curve, .. } => curve.mul(secret, None).map_err(|e| e.to_string()),
            ChipKey::Dh { group, .. } => group.public(secret, None).map_err(|e| e.to_string()),
        }
    }

    /// K: the x-coordinate of secret · the other side's point, or other^secret mod p (fixed
    /// width). `other` is validated first.
    pub fn agree(&self, secret: &[u8], other: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        match self {
            ChipKey::Ec { curve, .. } => {
                let point =
                    Zeroizing::new(curve.mul(secret, Some(other)).map_err(|e| e.to_string())?);
                curve.x_coordinate(&point).map_err(|e| e.to_string())
            }
            ChipKey::Dh { group, .. } => {
                group.shared_secret(secret, other).map_err(|e| e.to_string())
            }
        }
    }

    /// The chip's static public value.
    pub fn public(&self) -> &[u8] {
        match self {
            ChipKey::Ec { public, .. } | ChipKey::Dh { public, .. } => public,
        }
    }

    /// e.g. "brainpoolP256r1" or "2048-bit MODP group …".
    pub fn domain_name(&self) -> String {
        match self {
            ChipKey::Ec { curve, .. } => curve_name(*curve).to_owned(),
            ChipKey::Dh { group, .. } => group.name(),
        }
    }
}

/// The Chip Authentication the chip offers in EF.DG14, resolved to something to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaKey {
    pub protocol: CaProtocol,
    /// The key reference sent in DO'84' (present when DG14 gives one).
    pub key_id: Option<u64>,
    pub key: ChipKey,
}

impl CaKey {
    /// e.g. "CA-ECDH-AES-128 on brainpoolP256r1 (key 195)".
    pub fn describe(&self) -> String {
        let id = self.key_id.map(|k| format!(" (key {k})")).unwrap_or_default();
        format!("{} on {}{id}", self.protocol.name(), self.key.domain_name())
    }
}

/// What EF.DG14 offers for Chip Authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// No Chip Authentication public key in DG14.
    NotOffered,
    /// Offered with something this kiosk cannot run (why, in plain words).
    Unsupported(String),
    /// A key to run.
    Key(CaKey),
}

/// Chooses the key to use from DG14's SecurityInfos. With ChipAuthenticationInfos, the first
/// version-1 info whose key (same keyId, or the only key of its key agreement) is listed;
/// without any, each key implies CA with 3DES (TR-03110 v1: the info may be omitted then).
pub fn choose(dg14: &CardAccess) -> Offer {
    let keys: Vec<&ChipAuthenticationPublicKeyInfo> =
        dg14.ca_public_keys().take(MAX_KEYS).collect();
    let infos: Vec<&ChipAuthenticationInfo> = dg14.ca_infos().take(MAX_KEYS).collect();
    let malformed = dg14.infos.iter().any(|i| match i {
        SecurityInfo::Unknown { oid } => is_ca_oid(&oid_bytes(oid)),
        _ => false,
    });
    if keys.is_empty() {
        return match (infos.first(), malformed) {
            (None, false) => Offer::NotOffered,
            (Some(_), false) => {
                Offer::Unsupported("EF.DG14 lists Chip Authentication without a key".into())
            }
            (_, true) => Offer::Unsupported(
                "EF.DG14's Chip Authentication key is not in a form this kiosk reads".into(),
            ),
        };
    }
    let pairs: Vec<(CaProtocol, &ChipAuthenticationPublicKeyInfo)> = if infos.is_empty() {
        keys.iter()
            .map(|k| {
                (CaProtocol { key_agreement: k.key_agreement, cipher: PaceCipher::TripleDes }, *k)
            })
            .collect()
    } else {
        infos
            .iter()
            .filter(|i| i.version == 1)
            .filter_map(|i| {
                let key = match i.key_id {
                    Some(id) => keys.iter().find(|k| k.key_id == Some(id)),
                    None => keys.iter().find(|k| k.key_agreement == i.protocol.key_agreement),
                }?;
                (key.key_agreement == i.protocol.key_agreement).then_some((i.protocol, *key))
            })
            .collect()
    };
    let mut why = None;
    for (protocol, key) in &pairs {
        match resolve(*protocol, key) {
            Ok(k) => return Offer::Key(k),
            Err(reason) => {
                why.get_or_insert(reason);
            }
        }
    }
    Offer::Unsupported(why.unwrap_or_else(|| {
        if infos.iter().all(|i| i.version != 1) {
            "EF.DG14 offers only Chip Authentication version 2".into()
        } else {
            "EF.DG14's Chip Authentication info names no listed key".into()
        }
    }))
}

fn resolve(protocol: CaProtocol, key: &ChipAuthenticationPublicKeyInfo) -> Result<CaKey, String> {
    let key_id = key.key_id;
    match &key.public_key {
        CaPublicKey::Ec { domain, point } => {
            let (name, curve) = ec_curve(domain)?;
            let curve = curve.ok_or_else(|| {
                format!("the chip uses Chip Authentication on {name}, not supported here")
            })?;
            curve.check_point(point).map_err(|e| format!("EF.DG14's key on {name}: {e}"))?;
            Ok(CaKey { protocol, key_id, key: ChipKey::Ec { curve, public: point.clone() } })
        }
        CaPublicKey::Dh { p, g, q, y } => {
            let group = DhGroup::explicit(p, g, q.as_deref())
                .map_err(|e| format!("EF.DG14's Diffie-Hellman key: {e}"))?;
            let width = group.element_len();
            let start =
                width.checked_sub(y.len()).ok_or("EF.DG14's DH public value is too long")?;
            let mut public = vec![0; width];
            public
                .get_mut(start..)
                .ok_or("EF.DG14's DH public value is too long")?
                .copy_from_slice(y);
            group.check_public(&public).map_err(|e| format!("EF.DG14's DH public value: {e}"))?;
            Ok(CaKey { protocol, key_id, key: ChipKey::Dh { group, public } })
        }
    }
}

/// The curve's name and, when this kiosk runs it, the curve. Explicit parameters must equal a
/// standardized curve's (with cofactor 1), or the key is refused.
fn ec_curve(domain: &EcDomain) -> Result<(String, Option<Curve>), String> {
    let known = match domain {
        EcDomain::Named(oid) => crate::trust::ec::Curve::by_oid(oid)
            .ok_or_else(|| format!("EF.DG14 names an unknown curve ({oid})"))?,
        EcDomain::Explicit(c) => {
            let cofactor = c.cofactor.as_deref().map(|h| h.iter().skip_while(|b| **b == 0));
            if cofactor.is_some_and(|h| !h.eq([1u8].iter())) {
                return Err("EF.DG14's curve has a cofactor other than 1".into());
            }
            crate::trust::ec::Curve::by_params(&c.p, &c.a, &c.b, &c.g, &c.n).ok_or_else(|| {
                "EF.DG14's explicit curve parameters match no standardized curve".to_owned()
            })?
        }
    };
    Ok((known.name.to_owned(), curve_by_oid(known.oid)))
}

/// The named-curve OIDs of the standardized domain parameters 8–18 (ICAO 9303 Part 11
/// §9.5.1; RFC 5480, RFC 5639).
const CURVE_OIDS: [(u64, &str); 11] = [
    (8, "1.2.840.10045.3.1.1"),
    (9, "1.3.36.3.3.2.8.1.1.3"),
    (10, "1.3.132.0.33"),
    (11, "1.3.36.3.3.2.8.1.1.5"),
    (12, "1.2.840.10045.3.1.7"),
    (13, "1.3.36.3.3.2.8.1.1.7"),
    (14, "1.3.36.3.3.2.8.1.1.9"),
    (15, "1.3.132.0.34"),
    (16, "1.3.36.3.3.2.8.1.1.11"),
    (17, "1.3.36.3.3.2.8.1.1.13"),
    (18, "1.3.132.0.35"),
];

/// The PACE curve of a named-curve OID, when this kiosk runs it.
pub fn curve_by_oid(oid: &str) -> Option<Curve> {
    let (id, _) = CURVE_OIDS.iter().find(|(_, o)| *o == oid)?;
    Curve::from_parameter_id(*id)
}

/// The named-curve OID of a PACE curve.
pub fn curve_oid(curve: Curve) -> &'static str {
    let id = u64::from(curve.parameter_id());
    CURVE_OIDS.iter().find(|(i, _)| *i == id).map_or("", |(_, o)| o)
}

fn curve_name(curve: Curve) -> &'static str {
    standard_name(u64::from(curve.parameter_id())).unwrap_or("an unnamed curve")
}

/// How the key agreement is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 3DES: MSE:Set KAT, and MSE:Set AT + GA when the chip refuses it under secure
    /// messaging; AES: MSE:Set AT + GA.
    Auto,
    /// MSE:Set AT + GA only (a 3DES chip that refused MSE:Set KAT and ended the session).
    SetAt,
}

/// What a run of Chip Authentication ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// The result, to record.
    Done(Check),
    /// The 3DES chip refused MSE:Set KAT without secure messaging, which ended the session:
    /// re-open it and run again with [`Mode::SetAt`].
    KatRefusedSessionEnded,
}

/// KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) for the new session (§9.7.1).
pub fn session_keys(k: &[u8], cipher: Cipher) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    (kdf::derive_key(k, ENC, cipher), kdf::derive_key(k, MAC, cipher))
}

/// The shared secret K with the chip's static key (fixed width).
pub fn shared_secret(key: &CaKey, secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    key.key.agree(secret, key.key.public())
}

/// Runs Chip Authentication with `key` over `chan` with a fresh ephemeral key. Only a
/// transport failure (the card gone) is an error; everything the chip answers is a [`Run`].
pub fn authenticate<C: CardChannel>(
    chan: &mut SecureChannel<C>,
    key: &CaKey,
    mode: Mode,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Run, CardError> {
    let secret = key.key.random_secret(rng);
    authenticate_with_secret(chan, key, mode, &secret)
}

/// [`authenticate`] with the given ephemeral private key (fixed-width big-endian scalar):
/// for replaying recorded sessions.
pub fn authenticate_with_secret<C: CardChannel>(
    chan: &mut SecureChannel<C>,
    key: &CaKey,
    mode: Mode,
    secret: &[u8],
) -> Result<Run, CardError> {
    let failed = |detail: String| Ok(Run::Done(check(key, Outcome::Failed, detail)));
    let public = match key.key.public_of(secret) {
        Ok(p) => p,
        Err(e) => return failed(format!("no ephemeral key: {e}")),
    };
    let key_ref = key.key_id.map(key_reference);
    let triple_des = key.protocol.cipher == PaceCipher::TripleDes;
    let mut used_kat = false;
    if triple_des && mode == Mode::Auto {
        let mut data = tlv::tlv(0x91, &public);
        if let Some(r) = &key_ref {
            tlv::encode(0x84, r, &mut data);
        }
        match send(chan, &CommandApdu::new(0x00, 0x22, 0x41, 0xA6).with_data(data))? {
            Ok(StatusWord::Ok) => used_kat = true,
            Ok(sw) => tracing::info!(%sw, "the chip refused MSE:Set KAT; trying MSE:Set AT"),
            Err(_) if !chan.is_open() => return Ok(Run::KatRefusedSessionEnded),
            Err(e) => return failed(format!("MSE:Set KAT: {e}")),
        }
    }
    if !used_kat {
        let mut data = tlv::tlv(0x80, &key.protocol.oid());
        if let Some(r) = &key_ref {
            tlv::encode(0x84, r, &mut data);
        }
        match send(chan, &CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(data))? {
            Ok(StatusWord::Ok) => {}
            Ok(sw) => return failed(format!("the chip refused MSE:Set AT ({sw})")),
            Err(e) => return failed(format!("MSE:Set AT: {e}")),
        }
        let ga = CommandApdu::new(0x00, 0x86, 0x00, 0x00)
            .with_data(tlv::tlv(0x7C, &tlv::tlv(0x80, &public)))
            .with_le(256);
        let resp = match chan.send(&ga) {
            Ok(r) => r,
            Err(SmError::Card(e)) => return Err(e),
            Err(e) => return failed(format!("GENERAL AUTHENTICATE: {e}")),
        };
        if resp.sw != StatusWord::Ok {
            return failed(format!("the chip refused GENERAL AUTHENTICATE ({})", resp.sw));
        }
        // The answer is an empty dynamic authentication data object (7C 00).
        if !resp.data.is_empty() && resp.data.first() != Some(&0x7C) {
            return failed("GENERAL AUTHENTICATE answered no dynamic authentication data".into());
        }
    }
    let k = match shared_secret(key, secret) {
        Ok(k) => k,
        Err(e) => return failed(format!("no shared secret: {e}")),
    };
    let cipher = sm_cipher(key.protocol.cipher);
    let (ks_enc, ks_mac) = session_keys(&k, cipher);
    drop(k);
    let session = match SmSession::new(cipher, &ks_enc, &ks_mac, &vec![0; cipher.ssc_len()]) {
        Ok(s) => s,
        Err(e) => return failed(format!("new session: {e}")),
    };
    chan.rekey(session);
    let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(DG14_FID);
    let how = if used_kat { "MSE:Set KAT" } else { "MSE:Set AT + GENERAL AUTHENTICATE" };
    match send(chan, &select)? {
        Ok(StatusWord::Ok) => Ok(Run::Done(check(
            key,
            Outcome::Passed,
            format!("{how}; the chip answered under the new session keys"),
        ))),
        Ok(sw) => failed(format!("the chip answered {sw} under the new session keys")),
        Err(e) => failed(format!("the chip does not hold the key of EF.DG14 ({e})")),
    }
}

fn check(key: &CaKey, outcome: Outcome, detail: String) -> Check {
    Check::new(Method::ChipAuthentication, outcome, format!("{}: {detail}", key.describe()))
}

/// Sends under secure messaging: a transport failure is the outer error, a secure-messaging
/// failure (which ends the session) the inner one.
fn send<C: CardChannel>(
    chan: &mut SecureChannel<C>,
    cmd: &CommandApdu,
) -> Result<Result<StatusWord, SmError>, CardError> {
    match chan.send(cmd) {
        Ok(r) => Ok(Ok(r.sw)),
        Err(SmError::Card(e)) => Err(e),
        Err(e) => Ok(Err(e)),
    }
}

/// The key reference of DO'84': the keyId's big-endian bytes without leading zeros.
fn key_reference(id: u64) -> Vec<u8> {
    let bytes = id.to_be_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
    bytes.get(start..).unwrap_or(&[0]).to_vec()
}

#[cfg(test)]
#[path = "chip_tests.rs"]
mod tests;
