//! PACE, terminal side (ICAO 9303 Part 11 §4.4.3, §4.4.4): MSE:Set AT, then four GENERAL
//! AUTHENTICATE commands chained with CLA 10 — encrypted nonce, mapping (Generic: G~ = s·G + H;
//! Integrated: the terminal's nonce t and G~ = f(R(s, t)); Chip Authentication Mapping as
//! Generic), key agreement, mutual authentication tokens (with the chip's encrypted chip
//! authentication data under CAM) — and a secure channel with SSC 0.

use super::{
    AccessError, CamEvidence, Group, MAX_NONCE, PaceParams, cam, dynamic, from_dynamic,
    password_key, session_keys, token,
};
use crate::access::password::Password;
use crate::card::{self, CardChannel};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord, tlv};
use crate::lds::card_access::Mapping;
use crate::sm::{SecureChannel, SmSession, crypto};
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Runs PACE with the chip (at master-file level, before the eMRTD application is selected)
/// and returns the secure channel, and for Chip Authentication Mapping the evidence to check
/// against the chip's key in EF.CardSecurity.
///
/// A wrong password — the chip refusing the terminal's token with 6300, 63Cx, 6982 or 6988,
/// or a chip token that does not verify — is [`AccessError::Denied`]. Anything else (a
/// refused MSE:Set AT, a malformed answer, an invalid chip point, missing or undecryptable
/// chip authentication data under CAM) is another error, after which BAC may be tried only
/// for a refused MSE:Set AT (§4.4). Pass `&mut card` to keep the card for another attempt.
pub fn authenticate<C: CardChannel>(
    card: C,
    password: &Password,
    params: &PaceParams,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(SecureChannel<C>, Option<CamEvidence>), AccessError> {
    let k_pi = password_key(password, params.cipher());
    run(card, &k_pi, password.pace_reference(), params, rng)
}

/// PACE with K_π already derived and the password reference of MSE:Set AT.
pub(super) fn run<C: CardChannel>(
    mut card: C,
    k_pi: &[u8],
    reference: u8,
    params: &PaceParams,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(SecureChannel<C>, Option<CamEvidence>), AccessError> {
    let cipher = params.cipher();
    let group = params.group;

    // MSE:Set AT: 80 protocol OID, 83 password reference, 84 domain parameter id (always:
    // chips listing several PACEInfos or domain parameters need it). No Le.
    let mut mse = tlv::tlv(0x80, &params.protocol.oid());
    tlv::encode(0x83, &[reference], &mut mse);
    tlv::encode(0x84, &[group.parameter_id()], &mut mse);
    let resp = card::send(&mut card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data(mse))?;
    match resp.sw {
        StatusWord::Ok => {}
        // Some chips report the password's retry counter here.
        StatusWord::TriesLeft(n) if n > 0 => {}
        sw => return Err(AccessError::Status { step: super::MSE_SET_AT, sw }),
    }

    // GA 1: the encrypted nonce z; s = D(K_π, z).
    let z = step(&mut card, "GENERAL AUTHENTICATE (nonce)", &[], Some(0x80), true)?;
    if z.is_empty() || z.len() > MAX_NONCE || z.len() % cipher.block_size() != 0 {
        return Err(AccessError::BadResponse("the encrypted nonce has a bad length"));
    }
    let s = Zeroizing::new(crypto::cbc_decrypt(cipher, k_pi, &vec![0; cipher.block_size()], &z)?);

    // GA 2: the mapping.
    let (g, pk_map_ic) = match params.mapping() {
        Mapping::Generic | Mapping::ChipAuthentication => {
            // Mapping keys; H = SK_map · PK_map,IC; G~ = s·G + H.
            let sk_map = group.random_secret(rng)?;
            let pk_map = group.public(&sk_map, None)?;
            let data = dynamic(0x81, &pk_map);
            let pk_map_ic = step(&mut card, "GENERAL AUTHENTICATE (map)", &data, Some(0x82), true)?;
            check_peer(group, &pk_map_ic, &pk_map)?;
            let g = group.map_generic(&s, &sk_map, &pk_map_ic)?;
            (g, Some(pk_map_ic))
        }
        Mapping::Integrated => {
            // The terminal's nonce t in the clear; the chip answers an empty mapping data.
            let mut t = Zeroizing::new(vec![0u8; cipher.block_size()]);
            rng.fill_bytes(&mut t);
            let data = dynamic(0x81, &t);
            let answer = step(&mut card, "GENERAL AUTHENTICATE (map)", &data, None, true)?;
            if !answer.is_empty() {
                return Err(AccessError::BadResponse(
                    "the chip answered Integrated Mapping with data",
                ));
            }
            (group.map_integrated(&s, &t, cipher)?, None)
        }
    };
    drop(s);

    // GA 3: ephemeral keys on G~; K = the shared secret of SK_PCD and PK_IC.
    let sk = group.random_secret(rng)?;
    let pk = group.public(&sk, Some(&g))?;
    let data = dynamic(0x83, &pk);
    let pk_ic = step(&mut card, "GENERAL AUTHENTICATE (key agreement)", &data, Some(0x84), true)?;
    check_peer(group, &pk_ic, &pk)?;
    let k = group.shared_secret(&sk, &pk_ic)?;
    drop(sk);
    let (ks_enc, ks_mac) = session_keys(&k, cipher);

    // GA 4: tokens. T_PCD covers the chip's point, T_IC ours.
    let t_pcd = token(params, &ks_mac, &pk_ic)?;
    let cmd = ga(false, &dynamic(0x85, &t_pcd));
    let resp = card::send(&mut card, &cmd)?;
    match resp.sw {
        StatusWord::Ok => {}
        StatusWord::VerificationFailed
        | StatusWord::TriesLeft(_)
        | StatusWord::SecurityNotSatisfied
        | StatusWord::SmObjectsIncorrect
        | StatusWord::AuthBlocked => return Err(AccessError::Denied),
        sw => return Err(AccessError::Status { step: "GENERAL AUTHENTICATE (tokens)", sw }),
    }
    let t_ic = from_dynamic(&resp.data, 0x86)
        .ok_or(AccessError::BadResponse("GENERAL AUTHENTICATE (tokens): no DO'86'"))?;
    let expected = token(params, &ks_mac, &pk)?;
    if !bool::from(expected.as_slice().ct_eq(t_ic)) {
        return Err(AccessError::Denied);
    }
    // CAM: the chip authentication data, decrypted now (fail closed when absent or bad).
    let cam = match (params.mapping(), group.curve(), pk_map_ic) {
        (Mapping::ChipAuthentication, Some(curve), Some(pk_map_ic)) => {
            let a_ic = from_dynamic(&resp.data, cam::TAG_CA_DATA).ok_or(AccessError::BadResponse(
                "Chip Authentication Mapping: the chip sent no chip authentication data (DO'8A')",
            ))?;
            Some(cam::evidence(curve, cipher, &ks_enc, a_ic, &pk_map_ic)?)
        }
        (Mapping::ChipAuthentication, ..) => {
            return Err(AccessError::Unsupported("Chip Authentication Mapping needs ECDH"));
        }
        _ => None,
    };
    let ssc = vec![0u8; cipher.ssc_len()];
    let session = SmSession::new(cipher, &ks_enc, &ks_mac, &ssc)?;
    Ok((SecureChannel::new(card, session), cam))
}

/// A GENERAL AUTHENTICATE command (CLA 10 while chaining), Le 00.
fn ga(chained: bool, data: &[u8]) -> CommandApdu {
    let cla = if chained { 0x10 } else { 0x00 };
    CommandApdu::new(cla, 0x86, 0x00, 0x00).with_data(data.to_vec()).with_le(256)
}

/// Sends one chained GENERAL AUTHENTICATE and returns the value of `tag` in the answer (with
/// `None`: the value of the answer's 7C, which must be empty or one empty object).
fn step<C: CardChannel>(
    card: &mut C,
    step: &'static str,
    data: &[u8],
    tag: Option<u32>,
    chained: bool,
) -> Result<Vec<u8>, AccessError> {
    // GA 1 sends an empty 7C.
    let data = if data.is_empty() { vec![0x7C, 0x00] } else { data.to_vec() };
    let resp: ResponseApdu = card::send(card, &ga(chained, &data))?;
    if !resp.sw.is_ok() {
        return Err(AccessError::Status { step, sw: resp.sw });
    }
    match tag {
        Some(tag) => from_dynamic(&resp.data, tag)
            .map(<[u8]>::to_vec)
            .ok_or(AccessError::BadResponse("GENERAL AUTHENTICATE: missing data object")),
        None => empty_dynamic(&resp.data),
    }
}

/// The answer to an Integrated Mapping GA 2: 7C 00, or 7C 02 82 00 (§4.4.4.2: no mapping
/// data). Returns the data found (empty when the answer is as it should be).
fn empty_dynamic(data: &[u8]) -> Result<Vec<u8>, AccessError> {
    let bad = |_| AccessError::BadResponse("GENERAL AUTHENTICATE (map): malformed answer");
    let mut outer = tlv::Reader::new(data);
    let dynamic = outer.expect(0x7C).map_err(bad)?;
    outer.finish().map_err(bad)?;
    let mut inner = tlv::Reader::nested(&dynamic);
    let mut found = Vec::new();
    while !inner.is_empty() {
        let t = inner.read().map_err(bad)?;
        found.extend_from_slice(t.value);
    }
    Ok(found)
}

/// The chip's public value must be valid in the group and differ from ours (§4.4.3.3.2).
fn check_peer(group: Group, theirs: &[u8], ours: &[u8]) -> Result<(), AccessError> {
    if theirs.len() != group.public_len() {
        return Err(AccessError::BadResponse("the chip's public key has a bad length"));
    }
    group.check_public(theirs)?;
    if bool::from(theirs.ct_eq(ours)) {
        return Err(AccessError::BadResponse("the chip sent back the terminal's public key"));
    }
    Ok(())
}
