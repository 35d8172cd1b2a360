//! Reading a passport: EF.CardAccess, PACE (or the eMRTD application and BAC), then EF.COM,
//! EF.SOD, DG1 and DG2 through secure messaging (ICAO 9303 Part 10 §3 and Part 11 §4),
//! counting APDUs.

use super::{ChunkPolicy, EfReader, FileId, Plain, ReadError, Transport};
use crate::access::pace::{self, PaceParams};
use crate::access::{AccessError, Password, bac};
use crate::card::{ApduLog, CardChannel};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::{Ef, card_access};
use crate::sm::SecureChannel;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The eMRTD application identifier (ICAO 9303 Part 10 §3.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Never try extended-length APDUs (for readers that mishandle them).
    pub no_extended_length: bool,
    /// Always read in chunks of this size (benchmark comparison); `None` learns the best size.
    pub fixed_chunk: Option<usize>,
    /// Set to stop between APDUs.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Use BAC even when the chip offers PACE (benchmark comparison; needs the MRZ).
    pub force_bac: bool,
}

/// What was read. File bytes hold personal data: keep them in memory only.
pub struct PassportRead {
    /// Access protocol used, e.g. "PACE-ECDH-GM-AES-128" or "BAC".
    pub access: String,
    /// Raw EF bytes by file, as read from the chip.
    pub files: BTreeMap<String, Zeroizing<Vec<u8>>>,
    /// Command APDUs sent.
    pub apdus: u64,
    /// Response bytes received (status words included).
    pub bytes_read: u64,
    /// Wall time of the whole read.
    pub elapsed: Duration,
    /// Chunk size the session settled on.
    pub chunk_size: usize,
}

impl std::fmt::Debug for PassportRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassportRead")
            .field("access", &self.access)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("apdus", &self.apdus)
            .field("bytes_read", &self.bytes_read)
            .finish_non_exhaustive()
    }
}

/// The file identifier the reader needs for an LDS file.
pub fn file_id(ef: &Ef) -> FileId {
    FileId { name: ef.name(), sfi: ef.sfi(), fid: ef.fid() }
}

/// How the secure channel was opened, to open it again the same way.
#[derive(Clone, Copy)]
enum Method {
    Bac,
    Pace(PaceParams),
}

impl Method {
    fn name(&self) -> String {
        match self {
            Method::Bac => "BAC".into(),
            Method::Pace(p) => p.name(),
        }
    }
}

/// A BAC- or PACE-protected transport that re-runs the same protocol when the chip ends the
/// session.
struct SecureTransport<'a, C: CardChannel> {
    chan: Option<SecureChannel<&'a mut ApduLog<C>>>,
    password: &'a Password,
    method: Method,
}

impl<C: CardChannel> Transport for SecureTransport<'_, C> {
    fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        match self.chan.as_mut() {
            Some(chan) => Ok(chan.send(cmd)?),
            None => Err(ReadError::Sm(crate::sm::SmError::Closed)),
        }
    }

    fn is_secure(&self) -> bool {
        true
    }

    fn recover(&mut self) -> Result<(), ReadError> {
        let card = match self.chan.take() {
            Some(chan) => chan.into_card(),
            None => return Err(ReadError::Sm(crate::sm::SmError::Closed)),
        };
        let chan = match self.method {
            Method::Bac => {
                // The chip dropped its session keys but keeps the application selected (ICAO
                // 9303 Part 11 §9.8): BAC again is enough. A chip that lost the selection gets
                // it back.
                tracing::debug!("re-establishing secure messaging with BAC");
                let key = self.password.mrz().ok_or(AccessError::CanNeedsPace)?.mrz_information();
                let session = match bac::authenticate(&mut *card, key, &mut rand::rngs::OsRng) {
                    Ok(chan) => chan.into_session(),
                    Err(AccessError::Status { .. }) => {
                        select_application(&mut *card)?;
                        bac::authenticate(&mut *card, key, &mut rand::rngs::OsRng)?.into_session()
                    }
                    Err(e) => return Err(e.into()),
                };
                SecureChannel::new(card, session)
            }
            Method::Pace(params) => {
                tracing::debug!("re-establishing secure messaging with PACE");
                let mut chan =
                    pace::authenticate(card, self.password, &params, &mut rand::rngs::OsRng)?;
                select_application_secure(&mut chan)?;
                chan
            }
        };
        self.chan = Some(chan);
        Ok(())
    }
}

/// SELECT the eMRTD application (plain, before access control).
pub fn select_application(card: &mut dyn CardChannel) -> Result<(), ReadError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID);
    let resp = crate::card::send(card, &cmd)?;
    match resp.sw {
        StatusWord::Ok => Ok(()),
        StatusWord::FileNotFound => {
            Err(ReadError::NotFound { file: "the eMRTD application".into() })
        }
        sw => Err(ReadError::Status { file: "the eMRTD application".into(), offset: 0, sw }),
    }
}

/// SELECT the eMRTD application under secure messaging (after PACE, ICAO 9303 Part 11 §4.2).
fn select_application_secure<C: CardChannel>(chan: &mut SecureChannel<C>) -> Result<(), ReadError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID);
    let resp = chan.send(&cmd)?;
    match resp.sw {
        StatusWord::Ok => Ok(()),
        StatusWord::FileNotFound => {
            Err(ReadError::NotFound { file: "the eMRTD application".into() })
        }
        sw => Err(ReadError::Status { file: "the eMRTD application".into(), offset: 0, sw }),
    }
}

/// Opens the secure channel: PACE when EF.CardAccess offers a supported protocol (MRZ or
/// CAN), then SELECT of the eMRTD application under secure messaging; otherwise SELECT and
/// BAC (MRZ only). PACE failing for a reason other than the password falls back to BAC when
/// the MRZ is at hand (ICAO 9303 Part 11 §4.4).
fn open_channel<'a, C: CardChannel>(
    log: &'a mut ApduLog<C>,
    password: &Password,
    pace_params: Option<PaceParams>,
    force_bac: bool,
) -> Result<(SecureChannel<&'a mut ApduLog<C>>, Method), ReadError> {
    if let Some(params) = pace_params.filter(|_| !force_bac) {
        match pace::authenticate(&mut *log, password, &params, &mut rand::rngs::OsRng) {
            Ok(chan) => {
                // Re-borrow for the caller: the channel above holds `&mut &mut log`.
                let session = chan.into_session();
                let mut chan = SecureChannel::new(log, session);
                select_application_secure(&mut chan)?;
                return Ok((chan, Method::Pace(params)));
            }
            Err(e @ AccessError::Denied) => return Err(e.into()),
            Err(e) if password.mrz().is_none() => return Err(e.into()),
            // Only a chip that refuses to start PACE gets BAC. A PACE run that broke later
            // (a bad point, a malformed answer) is not retried with the weaker protocol: that
            // would let anyone who disturbs the exchange force BAC.
            Err(e @ AccessError::Status { step, .. }) if step != pace::MSE_SET_AT => {
                return Err(e.into());
            }
            Err(e @ (AccessError::BadResponse(_) | AccessError::Curve(_) | AccessError::Sm(_))) => {
                return Err(e.into());
            }
            Err(e) => {
                let e = ReadError::from(e);
                if e.is_card_gone() {
                    // The card left: BAC cannot run either.
                    return Err(e);
                }
                tracing::warn!(error = %e, protocol = %params.name(), "PACE failed; falling back to BAC");
            }
        }
    } else if password.mrz().is_none() {
        return Err(AccessError::CanNeedsPace.into());
    }
    let key = password.mrz().ok_or(AccessError::CanNeedsPace)?;
    select_application(&mut *log)?;
    let chan = bac::authenticate(log, key.mrz_information(), &mut rand::rngs::OsRng)?;
    Ok((chan, Method::Bac))
}

/// Reads EF.CardAccess, opens secure messaging with PACE (MRZ or CAN) or BAC (MRZ), then
/// reads EF.COM, EF.SOD, DG1 and DG2. `password` is a [`Password`] or an [`AccessKey`](crate::mrz::AccessKey)
/// (the MRZ).
pub fn read_passport<C: CardChannel, P: Into<Password>>(
    card: C,
    password: P,
    options: &ReadOptions,
    progress: super::Progress<'_>,
) -> Result<PassportRead, ReadError> {
    let password = password.into();
    let started = Instant::now();
    let mut log = ApduLog::new(card);
    let mut files = BTreeMap::new();

    // EF.CardAccess sits in the master file and is read in the clear; its absence is normal
    // for BAC-only chips. A supported PACEInfo in it means PACE.
    let mut plain = EfReader::new(Plain(&mut log), ChunkPolicy::new(false, 256));
    if let Some(flag) = &options.cancel {
        plain = plain.with_cancel(flag.clone());
    }
    let mut pace_params = None;
    match plain.read(&file_id(&Ef::CardAccess), progress) {
        Ok(bytes) => {
            match card_access::parse(&bytes) {
                Ok(ca) => pace_params = PaceParams::choose(&ca),
                Err(e) => tracing::warn!(error = %e, "EF.CardAccess does not parse; using BAC"),
            }
            files.insert(Ef::CardAccess.name(), Zeroizing::new(bytes));
        }
        Err(e) if e.is_card_gone() || matches!(e, ReadError::Cancelled) => return Err(e),
        Err(e) => tracing::debug!(error = %e, "no EF.CardAccess"),
    }
    drop(plain);

    let (chan, method) = open_channel(&mut log, &password, pace_params, options.force_bac)?;
    let policy = match options.fixed_chunk {
        Some(n) => ChunkPolicy::fixed(n),
        None => ChunkPolicy::new(!options.no_extended_length, chan.cipher().max_short_chunk()),
    };
    let transport = SecureTransport { chan: Some(chan), password: &password, method };
    let mut reader = EfReader::new(transport, policy);
    if let Some(flag) = &options.cancel {
        reader = reader.with_cancel(flag.clone());
    }
    for ef in [Ef::Com, Ef::Sod, Ef::Dg(1), Ef::Dg(2)] {
        let bytes = reader.read(&file_id(&ef), progress)?;
        files.insert(ef.name(), Zeroizing::new(bytes));
    }
    let chunk_size = reader.policy.size();
    drop(reader);
    Ok(PassportRead {
        access: method.name(),
        files,
        apdus: log.apdus,
        bytes_read: log.bytes_in,
        elapsed: started.elapsed(),
        chunk_size,
    })
}
