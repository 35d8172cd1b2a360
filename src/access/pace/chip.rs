//! PACE, chip side (ICAO 9303 Part 11 §4.4.3), for the simulated passport: MSE:Set AT picks
//! the protocol and password, then the four GENERAL AUTHENTICATE steps — encrypted nonce,
//! mapping, key agreement, tokens (a wrong T_PCD is [`AccessError::Denied`], answered 6300)
//! — and the chip's secure-messaging session with SSC 0.

use super::{
    AccessError, Curve, PaceParams, dynamic, from_dynamic, password_key, session_keys, token,
};
use crate::access::password::Password;
use crate::iso7816::tlv::Reader;
use crate::mrz::{AccessKey, Can};
use crate::sm::{ChipSmSession, crypto};
use rand_core::{CryptoRng, RngCore};
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Where the protocol stands.
enum State {
    Idle,
    /// MSE:Set AT done.
    Ready {
        params: PaceParams,
        password: u8,
    },
    /// GA 1 answered with the encrypted nonce.
    Nonce {
        params: PaceParams,
        s: Zeroizing<Vec<u8>>,
    },
    /// GA 2 answered: the mapped generator.
    Mapped {
        params: PaceParams,
        g: Vec<u8>,
    },
    /// GA 3 answered: session keys and both ephemeral points.
    Agreed {
        params: PaceParams,
        keys: Keys,
        pk_pcd: Vec<u8>,
        pk_ic: Vec<u8>,
    },
}

struct Keys {
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
}

/// The answer to one GENERAL AUTHENTICATE.
pub enum GaAnswer {
    /// Response data of GA 1–3.
    Continue(Vec<u8>),
    /// GA 4: the response data (T_IC) and the chip's new secure-messaging session.
    Done(Vec<u8>, ChipSmSession),
}

/// The chip side of PACE: the protocols it offers, the MRZ and an optional CAN.
pub struct PaceChip {
    offered: Vec<PaceParams>,
    mrz: AccessKey,
    can: Option<Can>,
    state: State,
}

impl fmt::Debug for PaceChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceChip")
            .field("offered", &self.offered)
            .field("passwords", &"REDACTED")
            .field("started", &!matches!(self.state, State::Idle))
            .finish()
    }
}

impl PaceChip {
    /// A chip offering `offered` (EF.CardAccess order) with the MRZ password and maybe a CAN.
    pub fn new(offered: Vec<PaceParams>, mrz: AccessKey, can: Option<Can>) -> PaceChip {
        PaceChip { offered, mrz, can, state: State::Idle }
    }

    /// Forgets a protocol run in progress (power cycle, failed step).
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// MSE:Set AT (P1P2 C1A4): DO'80' a protocol this chip offers, DO'83' 01 (MRZ) or 02
    /// (CAN, when the chip has one), optional DO'84' matching the protocol's parameterId.
    pub fn set_at(&mut self, data: &[u8]) -> Result<(), AccessError> {
        self.state = State::Idle;
        let bad = |_| AccessError::BadCommand("MSE:Set AT data objects");
        let mut r = Reader::new(data);
        let oid = r.expect(0x80).map_err(bad)?;
        let reference = r.expect(0x83).map_err(bad)?;
        let domain = if r.is_empty() { None } else { Some(r.expect(0x84).map_err(bad)?) };
        r.finish().map_err(bad)?;
        let params = *self
            .offered
            .iter()
            .find(|p| p.protocol.oid() == oid.value)
            .ok_or(AccessError::Unsupported("protocol not offered"))?;
        if let Some(d) = domain
            && d.value != [params.curve.parameter_id()]
        {
            return Err(AccessError::Unsupported("domain parameters not offered"));
        }
        let password = match reference.value {
            [1] => 1,
            [2] if self.can.is_some() => 2,
            _ => return Err(AccessError::Unsupported("password reference")),
        };
        self.state = State::Ready { params, password };
        Ok(())
    }

    /// One GENERAL AUTHENTICATE step. `chained` is CLA bit 10 (set for steps 1–3, clear for
    /// step 4). Any failure ends the run: the terminal must start again with MSE:Set AT.
    pub fn general_authenticate(
        &mut self,
        chained: bool,
        data: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<GaAnswer, AccessError> {
        let state = std::mem::replace(&mut self.state, State::Idle);
        let last = matches!(state, State::Agreed { .. });
        if chained == last {
            return Err(AccessError::OutOfOrder("GENERAL AUTHENTICATE command chaining"));
        }
        match state {
            State::Idle => Err(AccessError::OutOfOrder("GENERAL AUTHENTICATE without MSE:Set AT")),
            State::Ready { params, password } => {
                if data != [0x7C, 0x00] {
                    return Err(AccessError::BadCommand("GA 1 must carry an empty 7C"));
                }
                let cipher = params.cipher();
                let mut s = Zeroizing::new(vec![0u8; cipher.block_size()]);
                rng.fill_bytes(&mut s);
                let pw = if password == 2 {
                    self.can.clone().map(Password::Can)
                } else {
                    Some(Password::Mrz(self.mrz.clone()))
                };
                let pw = pw.ok_or(AccessError::Unsupported("password reference"))?;
                let k_pi = password_key(&pw, cipher);
                let z = crypto::cbc_encrypt(cipher, &k_pi, &vec![0; cipher.block_size()], &s)?;
                self.state = State::Nonce { params, s };
                Ok(GaAnswer::Continue(dynamic(0x80, &z)))
            }
            State::Nonce { params, s } => {
                let curve = params.curve;
                let pk_pcd = point(curve, data, 0x81)?;
                let sk = curve.random_secret(rng);
                let pk = curve.mul(&sk, None)?;
                if bool::from(pk.ct_eq(&pk_pcd)) {
                    return Err(AccessError::BadCommand("the terminal's mapping key equals ours"));
                }
                let h = Zeroizing::new(curve.mul(&sk, Some(&pk_pcd))?);
                let g = curve.map_generator(&s, &h)?;
                self.state = State::Mapped { params, g };
                Ok(GaAnswer::Continue(dynamic(0x82, &pk)))
            }
            State::Mapped { params, g } => {
                let curve = params.curve;
                let pk_pcd = point(curve, data, 0x83)?;
                let sk = curve.random_secret(rng);
                let pk_ic = curve.mul(&sk, Some(&g))?;
                if bool::from(pk_ic.ct_eq(&pk_pcd)) {
                    return Err(AccessError::BadCommand(
                        "the terminal's ephemeral key equals ours",
                    ));
                }
                let shared = Zeroizing::new(curve.mul(&sk, Some(&pk_pcd))?);
                let k = curve.x_coordinate(&shared)?;
                let (ks_enc, ks_mac) = session_keys(&k, params.cipher());
                let keys = Keys { ks_enc, ks_mac };
                let answer = dynamic(0x84, &pk_ic);
                self.state = State::Agreed { params, keys, pk_pcd, pk_ic };
                Ok(GaAnswer::Continue(answer))
            }
            State::Agreed { params, keys, pk_pcd, pk_ic } => {
                let t_pcd = from_dynamic(data, 0x85)
                    .ok_or(AccessError::BadCommand("GA 4 must carry DO'85'"))?;
                let expected = token(&params, &keys.ks_mac, &pk_ic)?;
                if !bool::from(expected.as_slice().ct_eq(t_pcd)) {
                    return Err(AccessError::Denied);
                }
                let t_ic = token(&params, &keys.ks_mac, &pk_pcd)?;
                let cipher = params.cipher();
                let ssc = vec![0u8; cipher.ssc_len()];
                let session = ChipSmSession::new(cipher, &keys.ks_enc, &keys.ks_mac, &ssc)?;
                Ok(GaAnswer::Done(dynamic(0x86, &t_ic), session))
            }
        }
    }
}

/// The terminal's public point in 7C { tag point }, checked on the curve.
fn point(curve: Curve, data: &[u8], tag: u32) -> Result<Vec<u8>, AccessError> {
    let p = from_dynamic(data, tag).ok_or(AccessError::BadCommand("GENERAL AUTHENTICATE data"))?;
    if p.len() != curve.point_len() {
        return Err(AccessError::BadCommand("the terminal's public key has a bad length"));
    }
    curve.check_point(p)?;
    Ok(p.to_vec())
}
