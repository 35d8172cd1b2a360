//! PACE, chip side (ICAO 9303 Part 11 §4.4.3), for the simulated passport: MSE:Set AT picks
//! the protocol and password, then the four GENERAL AUTHENTICATE steps — encrypted nonce,
//! mapping (Generic, Integrated, or Chip Authentication Mapping with the chip's static key),
//! key agreement, tokens (a wrong T_PCD is [`AccessError::Denied`], answered 6300; under CAM
//! the answer adds the encrypted chip authentication data) — and the chip's
//! secure-messaging session with SSC 0.

use super::{
    AccessError, Group, PaceParams, cam, dynamic, from_dynamic, integrated, password_key,
    session_keys, token,
};
use crate::access::password::Password;
use crate::iso7816::tlv::{self, Reader};
use crate::lds::card_access::Mapping;
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
    /// GA 2 answered: the mapped generator (and the mapping secret, which CAM needs).
    Mapped {
        params: PaceParams,
        g: Vec<u8>,
        sk_map: Option<Zeroizing<Vec<u8>>>,
    },
    /// GA 3 answered: session keys and both ephemeral points.
    Agreed {
        params: PaceParams,
        keys: Keys,
        pk_pcd: Vec<u8>,
        pk_ic: Vec<u8>,
        sk_map: Option<Zeroizing<Vec<u8>>>,
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

/// The chip side of PACE: the protocols it offers, the MRZ, an optional CAN and, for Chip
/// Authentication Mapping, the chip's static Chip Authentication private key.
pub struct PaceChip {
    offered: Vec<PaceParams>,
    mrz: AccessKey,
    can: Option<Can>,
    ca_key: Option<Zeroizing<Vec<u8>>>,
    /// MSE:Set AT must name the domain parameters (DO'84'): EF.CardAccess lists several
    /// PACEInfos, or the chip insists.
    domain_required: bool,
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
        PaceChip { offered, mrz, can, ca_key: None, domain_required: false, state: State::Idle }
    }

    /// The chip's static Chip Authentication private key SK_IC (big-endian, field length of
    /// the PACE curve), which Chip Authentication Mapping proves.
    pub fn with_ca_key(mut self, key: Zeroizing<Vec<u8>>) -> PaceChip {
        self.ca_key = Some(key);
        self
    }

    /// Refuses MSE:Set AT without DO'84' (domain parameter id), as chips listing several
    /// PACEInfos in EF.CardAccess do (ICAO 9303 Part 11 §4.4.4.1: the terminal must then send it).
    pub fn with_domain_required(mut self, required: bool) -> PaceChip {
        self.domain_required = required;
        self
    }

    /// Forgets a protocol run in progress (power cycle, failed step).
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// MSE:Set AT (P1P2 C1A4): DO'80' a protocol this chip offers, DO'83' 01 (MRZ) or 02
    /// (CAN, when the chip has one), DO'84' the parameterId of one of the PACEInfos with that
    /// protocol (optional unless [`PaceChip::with_domain_required`]).
    pub fn set_at(&mut self, data: &[u8]) -> Result<(), AccessError> {
        self.state = State::Idle;
        let bad = |_| AccessError::BadCommand("MSE:Set AT data objects");
        let mut r = Reader::new(data);
        let oid = r.expect(0x80).map_err(bad)?;
        let reference = r.expect(0x83).map_err(bad)?;
        let domain = if r.is_empty() { None } else { Some(r.expect(0x84).map_err(bad)?) };
        r.finish().map_err(bad)?;
        let mut same_oid = self.offered.iter().filter(|p| p.protocol.oid() == oid.value).peekable();
        if same_oid.peek().is_none() {
            return Err(AccessError::Unsupported("protocol not offered"));
        }
        // DO'84' picks among the PACEInfos of this protocol; without it the chip takes the
        // first (when it does not insist on DO'84').
        let params = *match domain {
            Some(d) => same_oid
                .find(|p| d.value == [p.group.parameter_id()])
                .ok_or(AccessError::Unsupported("domain parameters not offered"))?,
            None if self.domain_required => {
                return Err(AccessError::Unsupported("MSE:Set AT without domain parameters"));
            }
            None => same_oid.next().ok_or(AccessError::Unsupported("protocol not offered"))?,
        };
        if params.mapping() == Mapping::ChipAuthentication && self.ca_key.is_none() {
            return Err(AccessError::Unsupported("no Chip Authentication key for CAM"));
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
                // One block for Generic Mapping; l bits for Integrated Mapping (§4.4.3.3.2).
                let len = match params.mapping() {
                    Mapping::Integrated => integrated::chip_nonce_len(cipher),
                    _ => cipher.block_size(),
                };
                let mut s = Zeroizing::new(vec![0u8; len]);
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
                let group = params.group;
                let (g, answer, sk_map) = match params.mapping() {
                    Mapping::Generic | Mapping::ChipAuthentication => {
                        let pk_pcd = public(group, data, 0x81)?;
                        let sk = group.random_secret(rng)?;
                        let pk = group.public(&sk, None)?;
                        if bool::from(pk.ct_eq(&pk_pcd)) {
                            return Err(AccessError::BadCommand(
                                "the terminal's mapping key equals ours",
                            ));
                        }
                        let g = group.map_generic(&s, &sk, &pk_pcd)?;
                        (g, dynamic(0x82, &pk), Some(sk))
                    }
                    Mapping::Integrated => {
                        let t = from_dynamic(data, 0x81)
                            .ok_or(AccessError::BadCommand("GA 2 must carry the nonce t"))?;
                        if t.len() != integrated::terminal_nonce_len(params.cipher()) {
                            return Err(AccessError::BadCommand("the nonce t has a bad length"));
                        }
                        let g = group.map_integrated(&s, t, params.cipher())?;
                        (g, dynamic(0x82, &[]), None)
                    }
                };
                self.state = State::Mapped { params, g, sk_map };
                Ok(GaAnswer::Continue(answer))
            }
            State::Mapped { params, g, sk_map } => {
                let group = params.group;
                let pk_pcd = public(group, data, 0x83)?;
                let sk = group.random_secret(rng)?;
                let pk_ic = group.public(&sk, Some(&g))?;
                if bool::from(pk_ic.ct_eq(&pk_pcd)) {
                    return Err(AccessError::BadCommand(
                        "the terminal's ephemeral key equals ours",
                    ));
                }
                let k = group.shared_secret(&sk, &pk_pcd)?;
                let (ks_enc, ks_mac) = session_keys(&k, params.cipher());
                let keys = Keys { ks_enc, ks_mac };
                let answer = dynamic(0x84, &pk_ic);
                self.state = State::Agreed { params, keys, pk_pcd, pk_ic, sk_map };
                Ok(GaAnswer::Continue(answer))
            }
            State::Agreed { params, keys, pk_pcd, pk_ic, sk_map } => {
                let t_pcd = from_dynamic(data, 0x85)
                    .ok_or(AccessError::BadCommand("GA 4 must carry DO'85'"))?;
                let expected = token(&params, &keys.ks_mac, &pk_ic)?;
                if !bool::from(expected.as_slice().ct_eq(t_pcd)) {
                    return Err(AccessError::Denied);
                }
                let t_ic = token(&params, &keys.ks_mac, &pk_pcd)?;
                let cipher = params.cipher();
                let mut answer = tlv::tlv(0x86, &t_ic);
                if params.mapping() == Mapping::ChipAuthentication {
                    // CA_IC = SK_IC⁻¹ · SK_Map,IC mod n, encrypted (§4.4.3.5.1).
                    let (Group::Ec(curve), Some(sk_ic), Some(sk_map)) =
                        (params.group, self.ca_key.as_ref(), sk_map.as_ref())
                    else {
                        return Err(AccessError::Unsupported("Chip Authentication Mapping"));
                    };
                    let ca_ic = curve.inverse_times(sk_ic, sk_map)?;
                    tlv::encode(
                        cam::TAG_CA_DATA,
                        &cam::encrypt(cipher, &keys.ks_enc, &ca_ic)?,
                        &mut answer,
                    );
                }
                let ssc = vec![0u8; cipher.ssc_len()];
                let session = ChipSmSession::new(cipher, &keys.ks_enc, &keys.ks_mac, &ssc)?;
                Ok(GaAnswer::Done(tlv::tlv(0x7C, &answer), session))
            }
        }
    }
}

/// The terminal's public value in 7C { tag value }, checked in the group.
fn public(group: Group, data: &[u8], tag: u32) -> Result<Vec<u8>, AccessError> {
    let p = from_dynamic(data, tag).ok_or(AccessError::BadCommand("GENERAL AUTHENTICATE data"))?;
    if p.len() != group.public_len() {
        return Err(AccessError::BadCommand("the terminal's public key has a bad length"));
    }
    group.check_public(p)?;
    Ok(p.to_vec())
}
