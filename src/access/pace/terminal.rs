//! PACE, terminal side (ICAO 9303 Part 11 §4.4.3, §4.4.4): MSE:Set AT, then four GENERAL
//! AUTHENTICATE commands chained with CLA 10 — encrypted nonce, mapping (G~ = s·G + H),
//! key agreement, mutual authentication tokens — and a secure channel with SSC 0.

use super::{
    AccessError, MAX_NONCE, PaceParams, dynamic, from_dynamic, password_key, session_keys, token,
};
use crate::access::password::Password;
use crate::card::{self, CardChannel};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord, tlv};
use crate::sm::{SecureChannel, SmSession, crypto};
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Runs PACE with the chip (at master-file level, before the eMRTD application is selected)
/// and returns the secure channel.
///
/// A wrong password — the chip refusing the terminal's token with 6300, 63Cx, 6982 or 6988,
/// or a chip token that does not verify — is [`AccessError::Denied`]. Anything else (a
/// refused MSE:Set AT, a malformed answer, an invalid chip point) is another error, after
/// which BAC may be tried (§4.4). Pass `&mut card` to keep the card for another attempt.
pub fn authenticate<C: CardChannel>(
    mut card: C,
    password: &Password,
    params: &PaceParams,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<SecureChannel<C>, AccessError> {
    let cipher = params.cipher();
    let curve = params.curve;

    // MSE:Set AT: 80 protocol OID, 83 password reference, 84 domain parameter id.
    let mut mse = tlv::tlv(0x80, &params.protocol.oid());
    tlv::encode(0x83, &[password.pace_reference()], &mut mse);
    tlv::encode(0x84, &[curve.parameter_id()], &mut mse);
    let resp = card::send(&mut card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data(mse))?;
    match resp.sw {
        StatusWord::Ok => {}
        // Some chips report the password's retry counter here.
        StatusWord::TriesLeft(n) if n > 0 => {}
        sw => return Err(AccessError::Status { step: super::MSE_SET_AT, sw }),
    }

    // GA 1: the encrypted nonce z; s = D(K_π, z).
    let z = step(&mut card, "GENERAL AUTHENTICATE (nonce)", &[], 0x80, true)?;
    if z.is_empty() || z.len() > MAX_NONCE || z.len() % cipher.block_size() != 0 {
        return Err(AccessError::BadResponse("the encrypted nonce has a bad length"));
    }
    let k_pi = password_key(password, cipher);
    let s = Zeroizing::new(crypto::cbc_decrypt(cipher, &k_pi, &vec![0; cipher.block_size()], &z)?);
    drop(k_pi);

    // GA 2: mapping keys; H = SK_map · PK_map,IC; G~ = s·G + H.
    let sk_map = curve.random_secret(rng);
    let pk_map = curve.mul(&sk_map, None)?;
    let pk_map_ic =
        step(&mut card, "GENERAL AUTHENTICATE (map)", &dynamic(0x81, &pk_map), 0x82, true)?;
    check_peer(curve, &pk_map_ic, &pk_map)?;
    let h = Zeroizing::new(curve.mul(&sk_map, Some(&pk_map_ic))?);
    drop(sk_map);
    let g = curve.map_generator(&s, &h)?;
    drop(s);

    // GA 3: ephemeral keys on G~; K = x(SK_PCD · PK_IC).
    let sk = curve.random_secret(rng);
    let pk = curve.mul(&sk, Some(&g))?;
    let pk_ic =
        step(&mut card, "GENERAL AUTHENTICATE (key agreement)", &dynamic(0x83, &pk), 0x84, true)?;
    check_peer(curve, &pk_ic, &pk)?;
    let shared = Zeroizing::new(curve.mul(&sk, Some(&pk_ic))?);
    drop(sk);
    let k = curve.x_coordinate(&shared)?;
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
    let ssc = vec![0u8; cipher.ssc_len()];
    let session = SmSession::new(cipher, &ks_enc, &ks_mac, &ssc)?;
    Ok(SecureChannel::new(card, session))
}

/// A GENERAL AUTHENTICATE command (CLA 10 while chaining), Le 00.
fn ga(chained: bool, data: &[u8]) -> CommandApdu {
    let cla = if chained { 0x10 } else { 0x00 };
    CommandApdu::new(cla, 0x86, 0x00, 0x00).with_data(data.to_vec()).with_le(256)
}

/// Sends one chained GENERAL AUTHENTICATE and returns the value of `tag` in the answer.
fn step<C: CardChannel>(
    card: &mut C,
    step: &'static str,
    data: &[u8],
    tag: u32,
    chained: bool,
) -> Result<Vec<u8>, AccessError> {
    // GA 1 sends an empty 7C.
    let data = if data.is_empty() { vec![0x7C, 0x00] } else { data.to_vec() };
    let resp: ResponseApdu = card::send(card, &ga(chained, &data))?;
    if !resp.sw.is_ok() {
        return Err(AccessError::Status { step, sw: resp.sw });
    }
    from_dynamic(&resp.data, tag)
        .map(<[u8]>::to_vec)
        .ok_or(AccessError::BadResponse("GENERAL AUTHENTICATE: missing data object"))
}

/// The chip's point must be on the curve and differ from ours (§4.4.3.3.2).
fn check_peer(curve: super::Curve, theirs: &[u8], ours: &[u8]) -> Result<(), AccessError> {
    if theirs.len() != curve.point_len() {
        return Err(AccessError::BadResponse("the chip's public key has a bad length"));
    }
    curve.check_point(theirs)?;
    if bool::from(theirs.ct_eq(ours)) {
        return Err(AccessError::BadResponse("the chip sent back the terminal's public key"));
    }
    Ok(())
}
