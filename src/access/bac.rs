//! Basic Access Control (ICAO 9303 Part 11 §4.3, worked example Appendix D): key seed from
//! the MRZ, GET CHALLENGE, EXTERNAL AUTHENTICATE, session keys and SSC (§9.7), both the
//! terminal side ([`authenticate`]) and the chip side ([`BacChip`], for the simulator).

pub use super::kdf::derive_key;

use super::AccessError;
use super::kdf::{ENC, MAC};
use crate::card::{self, CardChannel};
use crate::iso7816::{CommandApdu, StatusWord};
use crate::sm::{ChipSmSession, Cipher, SecureChannel, SmError, SmSession, crypto};
use rand_core::{CryptoRng, RngCore};
use sha1::{Digest, Sha1};
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of RND.IC and RND.IFD.
const RND_LEN: usize = 8;
/// Length of K.IFD and K.IC.
const KEY_LEN: usize = 16;
/// E_IFD ‖ M_IFD (and E_IC ‖ M_IC): 32 bytes of cryptogram and an 8-byte MAC.
const AUTH_LEN: usize = 40;

/// K_seed = SHA-1(MRZ_information)[0..16] (§9.7.2). `mrz_information` is the document
/// number (with `<` fillers, at least 9 characters) and its check digit, the date of birth
/// and its check digit, the date of expiry and its check digit, e.g.
/// `"L898902C<369080619406236"`.
pub fn key_seed(mrz_information: &str) -> Zeroizing<[u8; 16]> {
    let digest = Zeroizing::new(Sha1::digest(mrz_information.as_bytes()).to_vec());
    let mut seed = Zeroizing::new([0u8; 16]);
    for (s, d) in seed.iter_mut().zip(digest.iter()) {
        *s = *d;
    }
    seed
}

/// Encrypts a 32-byte authentication block with 3DES-CBC (IV 0) under `k_enc` and appends
/// its MAC under `k_mac`: E ‖ M (§4.3.3.1).
fn seal(k_enc: &[u8], k_mac: &[u8], plain: &[u8]) -> Result<Vec<u8>, SmError> {
    let mut out = crypto::cbc_encrypt(Cipher::TripleDes, k_enc, &[0; 8], plain)?;
    let m = crypto::mac(Cipher::TripleDes, k_mac, &crypto::pad(&out, 8))?;
    out.extend_from_slice(&m);
    Ok(out)
}

/// Verifies the MAC of E ‖ M and decrypts E. A wrong MAC means the other side used other
/// keys: [`AccessError::Denied`].
fn open(k_enc: &[u8], k_mac: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, AccessError> {
    let (e, m) = sealed.split_at_checked(AUTH_LEN - 8).ok_or(AccessError::Denied)?;
    let expected = crypto::mac(Cipher::TripleDes, k_mac, &crypto::pad(e, 8))?;
    if !bool::from(expected.as_slice().ct_eq(m)) {
        return Err(AccessError::Denied);
    }
    Ok(Zeroizing::new(crypto::cbc_decrypt(Cipher::TripleDes, k_enc, &[0; 8], e)?))
}

/// Session keys and SSC (§9.7.4): K_seed = K.IFD ⊕ K.IC, KS_enc = KDF(K_seed, 1),
/// KS_mac = KDF(K_seed, 2), SSC = RND.IC[4..8] ‖ RND.IFD[4..8].
pub(crate) struct SessionKeys {
    pub ks_enc: Zeroizing<Vec<u8>>,
    pub ks_mac: Zeroizing<Vec<u8>>,
    pub ssc: [u8; 8],
}

pub(crate) fn session_keys(
    k_ifd: &[u8; KEY_LEN],
    k_ic: &[u8; KEY_LEN],
    rnd_ic: &[u8; RND_LEN],
    rnd_ifd: &[u8; RND_LEN],
) -> SessionKeys {
    let mut seed = Zeroizing::new([0u8; KEY_LEN]);
    for ((s, a), b) in seed.iter_mut().zip(k_ifd).zip(k_ic) {
        *s = a ^ b;
    }
    let mut ssc = [0u8; 8];
    let halves = rnd_ic.iter().skip(4).chain(rnd_ifd.iter().skip(4));
    for (s, b) in ssc.iter_mut().zip(halves) {
        *s = *b;
    }
    SessionKeys {
        ks_enc: derive_key(&*seed, ENC, Cipher::TripleDes),
        ks_mac: derive_key(&*seed, MAC, Cipher::TripleDes),
        ssc,
    }
}

/// A decrypted authentication block: two random numbers and a key half.
type AuthBlock = ([u8; RND_LEN], [u8; RND_LEN], Zeroizing<[u8; KEY_LEN]>);

/// Splits `bytes` into three fixed-size parts (RND ‖ RND ‖ key).
fn split_block(bytes: &[u8]) -> Option<AuthBlock> {
    let (a, rest) = bytes.split_first_chunk::<RND_LEN>()?;
    let (b, rest) = rest.split_first_chunk::<RND_LEN>()?;
    let k: [u8; KEY_LEN] = rest.try_into().ok()?;
    Some((*a, *b, Zeroizing::new(k)))
}

/// Runs BAC with the chip and returns the secure channel (3DES secure messaging).
///
/// GET CHALLENGE (`0084000008`), then EXTERNAL AUTHENTICATE (`0082000028 … 28`) with
/// E_IFD ‖ M_IFD; the chip's MAC and its echo of RND.IFD are checked before the session
/// keys are derived. A wrong key — the chip answering 6300, 63Cx, 6982 or 6988, or a
/// response whose MAC does not verify — is [`AccessError::Denied`]. Pass `&mut card` to
/// keep the card for another attempt.
pub fn authenticate<C: CardChannel>(
    mut card: C,
    mrz_information: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<SecureChannel<C>, AccessError> {
    let seed = key_seed(mrz_information);
    let k_enc = derive_key(&*seed, ENC, Cipher::TripleDes);
    let k_mac = derive_key(&*seed, MAC, Cipher::TripleDes);

    let resp = card::send(&mut card, &CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(RND_LEN))?;
    if !resp.sw.is_ok() {
        return Err(AccessError::Status { step: "GET CHALLENGE", sw: resp.sw });
    }
    let rnd_ic: [u8; RND_LEN] = resp
        .data
        .as_slice()
        .try_into()
        .map_err(|_| AccessError::BadResponse("GET CHALLENGE did not return 8 bytes"))?;

    let mut rnd_ifd = [0u8; RND_LEN];
    rng.fill_bytes(&mut rnd_ifd);
    let mut k_ifd = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(&mut *k_ifd);
    let s = Zeroizing::new([&rnd_ifd[..], &rnd_ic[..], &k_ifd[..]].concat());
    let cmd_data = seal(&k_enc, &k_mac, &s)?;

    let ext_auth = CommandApdu::new(0x00, 0x82, 0x00, 0x00).with_data(cmd_data).with_le(AUTH_LEN);
    let resp = card::send(&mut card, &ext_auth)?;
    match resp.sw {
        StatusWord::Ok => {}
        StatusWord::VerificationFailed
        | StatusWord::TriesLeft(_)
        | StatusWord::SecurityNotSatisfied
        | StatusWord::SmObjectsIncorrect => return Err(AccessError::Denied),
        sw => return Err(AccessError::Status { step: "EXTERNAL AUTHENTICATE", sw }),
    }
    if resp.data.len() != AUTH_LEN {
        return Err(AccessError::BadResponse("EXTERNAL AUTHENTICATE did not return 40 bytes"));
    }
    let r = open(&k_enc, &k_mac, &resp.data)?;
    let (echo_ic, echo_ifd, k_ic) = split_block(&r)
        .ok_or(AccessError::BadResponse("EXTERNAL AUTHENTICATE cryptogram length"))?;
    if echo_ic != rnd_ic || echo_ifd != rnd_ifd {
        return Err(AccessError::BadResponse(
            "the chip's cryptogram does not echo RND.IC and RND.IFD",
        ));
    }
    let keys = session_keys(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd);
    let session = SmSession::new(Cipher::TripleDes, &keys.ks_enc, &keys.ks_mac, &keys.ssc)?;
    Ok(SecureChannel::new(card, session))
}

/// The chip side of BAC, for the simulated passport. Each challenge allows one attempt.
pub struct BacChip {
    k_enc: Zeroizing<Vec<u8>>,
    k_mac: Zeroizing<Vec<u8>>,
    challenge: Option<[u8; RND_LEN]>,
}

impl fmt::Debug for BacChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacChip")
            .field("keys", &"REDACTED")
            .field("challenge_pending", &self.challenge.is_some())
            .finish()
    }
}

impl BacChip {
    /// A chip whose document access keys come from `mrz_information` (see [`key_seed`]).
    pub fn new(mrz_information: &str) -> Self {
        let seed = key_seed(mrz_information);
        Self {
            k_enc: derive_key(&*seed, ENC, Cipher::TripleDes),
            k_mac: derive_key(&*seed, MAC, Cipher::TripleDes),
            challenge: None,
        }
    }

    /// GET CHALLENGE: a fresh RND.IC, remembered for the next EXTERNAL AUTHENTICATE.
    pub fn get_challenge(&mut self, rng: &mut (impl RngCore + CryptoRng)) -> [u8; 8] {
        let mut rnd_ic = [0u8; RND_LEN];
        rng.fill_bytes(&mut rnd_ic);
        self.challenge = Some(rnd_ic);
        rnd_ic
    }

    /// EXTERNAL AUTHENTICATE: checks M_IFD and the echoed RND.IC, draws K.IC, and returns
    /// the response data E_IC ‖ M_IC with the chip's secure-messaging session.
    /// [`AccessError::Denied`] when the terminal used other keys or another challenge.
    pub fn external_authenticate(
        &mut self,
        cmd_data: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Vec<u8>, ChipSmSession), AccessError> {
        let rnd_ic = self.challenge.take().ok_or(AccessError::NoChallenge)?;
        if cmd_data.len() != AUTH_LEN {
            return Err(AccessError::BadCommand("EXTERNAL AUTHENTICATE data must be 40 bytes"));
        }
        let s = open(&self.k_enc, &self.k_mac, cmd_data)?;
        let (rnd_ifd, echo_ic, k_ifd) = split_block(&s).ok_or(AccessError::Denied)?;
        if echo_ic != rnd_ic {
            return Err(AccessError::Denied);
        }
        let mut k_ic = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill_bytes(&mut *k_ic);
        let r = Zeroizing::new([&rnd_ic[..], &rnd_ifd[..], &k_ic[..]].concat());
        let response = seal(&self.k_enc, &self.k_mac, &r)?;
        let keys = session_keys(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd);
        let session = ChipSmSession::new(Cipher::TripleDes, &keys.ks_enc, &keys.ks_mac, &keys.ssc)?;
        Ok((response, session))
    }
}

#[cfg(test)]
#[path = "bac_tests.rs"]
mod tests;
