//! Reading a passport: EF.CardAccess, PACE (or the eMRTD application and BAC; EF.CardSecurity
//! after PACE-CAM), then EF.COM, EF.SOD, DG1, DG2 and, when listed, DG11, DG12, DG14 and DG15
//! through secure messaging (ICAO 9303 Part 10 §3 and Part 11 §4), then Chip Authentication
//! when DG14 offers it (Part 11 §6.2), else Active Authentication when DG15 does (§6.1),
//! counting APDUs. PACE offered is never silently traded for BAC: only a chip refusing MSE:Set
//! AT gets BAC, and EF.DG14 then shows whether that was genuine.

use super::access_control::{self, AccessControl};
use super::{ChunkPolicy, EfReader, FileId, Plain, ReadError, Transport};
use crate::access::pace::{self, PaceParams};
use crate::access::{AccessError, Password, bac};
use crate::authentication::chip as ca;
use crate::authentication::{Check, Method as CheckMethod, Outcome};
use crate::card::{ApduLog, CardChannel};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::card_access::Mapping;
use crate::lds::{self, Ef, card_access};
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
    /// Whether PACE was offered, why BAC was used instead, and the EF.CardAccess / EF.DG14
    /// cross-check (an `invalid` outcome fails the document).
    pub access_control: AccessControl,
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
    /// What chip authentication (PACE-CAM, CA, AA) found during the read, in the order run.
    pub chip_checks: Vec<crate::authentication::Check>,
    /// PACE Chip Authentication Mapping's evidence, when PACE-CAM opened the chip: counts
    /// only once checked against the key in an EF.CardSecurity that passed passive
    /// authentication.
    pub cam: Option<pace::CamEvidence>,
    /// The evidence of every PACE-CAM session re-established during the read (after the
    /// chip ended secure messaging): each must verify against the same key as `cam`.
    pub cam_later: Vec<pace::CamEvidence>,
}

impl std::fmt::Debug for PassportRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassportRead")
            .field("access", &self.access)
            .field("access_control", &self.access_control)
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
    /// PACE-CAM evidence of every session PACE re-established: each must verify like the
    /// first, or data read under a later session would come from a chip nobody proved.
    cam_later: Vec<pace::CamEvidence>,
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
                let (mut chan, cam) =
                    pace::authenticate(card, self.password, &params, &mut rand::rngs::OsRng)?;
                self.cam_later.extend(cam);
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

/// An open channel, how it was opened, why BAC was used although PACE was offered, and the
/// PACE-CAM evidence.
/// The channel, the method, why BAC was used although PACE was offered, and the PACE-CAM
/// evidence of each PACE session (the first, then any re-established ones).
type Opened<'a, C> =
    (SecureChannel<&'a mut ApduLog<C>>, Method, Option<String>, Vec<pace::CamEvidence>);

/// What EF.CardAccess said about PACE.
enum Offer {
    /// No EF.CardAccess, or no PACEInfo in it: BAC.
    None,
    /// A PACEInfo this implementation runs.
    Pace(PaceParams),
    /// EF.CardAccess offers PACE, but no variant (or a file) this implementation can use:
    /// BAC, and the reason for the report.
    Unusable(String),
}

/// Opens the secure channel: PACE when EF.CardAccess offers a supported protocol (MRZ or
/// CAN), then SELECT of the eMRTD application under secure messaging; otherwise SELECT and
/// BAC (MRZ only). Once PACE is offered, only a chip that refuses MSE:Set AT gets BAC
/// (ICAO 9303 Part 11 §4.2): every failure after it — a truncated or malformed answer, a
/// transport error, a wrong password — ends this attempt, so nobody who disturbs the
/// exchange can force the weaker protocol. Returns the channel, the method, and why BAC was
/// used although PACE was offered; after PACE-CAM, EF.CardSecurity goes to `card_security`.
fn open_channel<'a, C: CardChannel>(
    log: &'a mut ApduLog<C>,
    password: &'a Password,
    offer: Offer,
    force_bac: bool,
    card_security: &mut Option<Vec<u8>>,
) -> Result<Opened<'a, C>, ReadError> {
    let bac_reason = match offer {
        Offer::Pace(_) if force_bac => Some("BAC was asked for".to_owned()),
        Offer::Pace(params) => {
            match pace::authenticate(&mut *log, password, &params, &mut rand::rngs::OsRng) {
                Ok((chan, cam)) => {
                    // Re-borrow for the caller: the channel above holds `&mut &mut log`.
                    let session = chan.into_session();
                    let mut chan = SecureChannel::new(log, session);
                    let mut cams: Vec<_> = cam.into_iter().collect();
                    if params.protocol.mapping == Mapping::ChipAuthentication {
                        let (back, bytes, later) = read_card_security(chan, password, params)?;
                        chan = back;
                        *card_security = bytes;
                        cams.extend(later);
                    }
                    select_application_secure(&mut chan)?;
                    return Ok((chan, Method::Pace(params), None, cams));
                }
                Err(AccessError::Status { step, sw })
                    if step == pace::MSE_SET_AT && password.mrz().is_some() =>
                {
                    tracing::warn!(%sw, protocol = %params.name(), "the chip refused MSE:Set AT; using BAC");
                    Some(format!("the chip refused to start {} (status {sw})", params.name()))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Offer::Unusable(why) => {
            // The chip offers a PACE this kiosk cannot run: the CAN cannot open it, and a chip
            // that refuses BAC too is told as what it is, not as a BAC failure.
            let Some(key) = password.mrz() else {
                return Err(AccessError::PaceUnsupported(why).into());
            };
            select_application(&mut *log)?;
            return match bac::authenticate(log, key.mrz_information(), &mut rand::rngs::OsRng) {
                Ok(chan) => Ok((chan, Method::Bac, Some(why), Vec::new())),
                Err(AccessError::Status { .. }) => Err(AccessError::PaceUnsupported(why).into()),
                Err(e) => Err(e.into()),
            };
        }
        Offer::None => None,
    };
    let key = password.mrz().ok_or(AccessError::CanNeedsPace)?;
    select_application(&mut *log)?;
    let chan = bac::authenticate(log, key.mrz_information(), &mut rand::rngs::OsRng)?;
    Ok((chan, Method::Bac, bac_reason, Vec::new()))
}

/// The channel back, and EF.CardSecurity when the chip has one.
type WithCardSecurity<'a, C> =
    (SecureChannel<&'a mut ApduLog<C>>, Option<Vec<u8>>, Vec<pace::CamEvidence>);

/// Reads EF.CardSecurity under secure messaging right after PACE-CAM, while the master file
/// is still selected (BSI TR-03110-3 §A.1.2; it holds the key the CAM evidence is checked
/// against). A chip answering with a status word has none (`None`: the CAM check then
/// fails); a transport or secure-messaging error ends the read. Bounded like every file.
fn read_card_security<'a, C: CardChannel>(
    chan: SecureChannel<&'a mut ApduLog<C>>,
    password: &'a Password,
    params: PaceParams,
) -> Result<WithCardSecurity<'a, C>, ReadError> {
    let policy = ChunkPolicy::new(false, chan.cipher().max_short_chunk());
    let method = Method::Pace(params);
    let transport = SecureTransport { chan: Some(chan), password, method, cam_later: Vec::new() };
    let mut reader = EfReader::new(transport, policy);
    let bytes = match reader.read(&file_id(&Ef::CardSecurity), &mut |_, _, _| {}) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.is_absent_file() => {
            tracing::warn!(error = %e, "PACE-CAM chip without a readable EF.CardSecurity");
            None
        }
        Err(e) => return Err(e),
    };
    let chan = reader.transport.chan.take().ok_or(ReadError::Sm(crate::sm::SmError::Closed))?;
    Ok((chan, bytes, std::mem::take(&mut reader.transport.cam_later)))
}

/// Reads EF.CardAccess in the clear (master file): by short file identifier first; when that
/// finds nothing (a chip whose current DF after reset is not the MF), SELECT the MF and read
/// it by file identifier. Only a chip that answers with status words (6A82 file not found,
/// 6982, …) has none; a transport error, a card that left or a truncated file ends the read
/// rather than silently leading to BAC.
fn read_card_access<C: CardChannel>(
    log: &mut ApduLog<C>,
    options: &ReadOptions,
    progress: super::Progress<'_>,
) -> Result<Option<Vec<u8>>, ReadError> {
    let ef = file_id(&Ef::CardAccess);
    if let Some(bytes) = read_plain(&mut *log, &ef, options, &mut *progress)? {
        return Ok(Some(bytes));
    }
    select_master_file(&mut *log)?;
    read_plain(log, &FileId { sfi: None, ..ef }, options, progress)
}

/// One plain read of an MF file; `None` when the chip answers it with a status word.
fn read_plain<C: CardChannel>(
    log: &mut ApduLog<C>,
    file: &FileId,
    options: &ReadOptions,
    progress: super::Progress<'_>,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut plain = EfReader::new(Plain(log), ChunkPolicy::new(false, 256));
    if let Some(flag) = &options.cancel {
        plain = plain.with_cancel(flag.clone());
    }
    match plain.read(file, progress) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.is_absent_file() => {
            tracing::debug!(file = %file.name, error = %e, "not readable in the clear");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// SELECT of the master file (ISO/IEC 7816-4 §11.1.1: P1-P2 000C, file identifier 3F00, no
/// Le). Chips answer it in many ways — 9000, but also 6982, 6A81, 6A86, 6A87 or 6D00 — and
/// none of them is fatal: the file read that follows tells. Only a transport error ends the
/// read.
fn select_master_file(card: &mut dyn CardChannel) -> Result<(), ReadError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x00, 0x0C).with_data([0x3F, 0x00]);
    let resp = crate::card::send(card, &cmd)?;
    if !resp.sw.is_ok() {
        tracing::debug!(sw = %resp.sw, "the chip refused SELECT of the master file; reading on");
    }
    Ok(())
}

/// Extended length as the card announced it before access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extended {
    Yes,
    /// Yes, with responses carrying at most this many plaintext bytes under SM.
    UpTo(usize),
    No,
    /// Nothing announced: the first READ BINARY tries.
    Unknown,
}

/// Room a protected response needs beyond its plaintext: DO'87' header and padding, DO'99',
/// DO'8E', SW (9303 Part 11 §9.8), rounded up.
const SM_RESPONSE_OVERHEAD: usize = 64;

/// What the ATR's card capabilities (ISO/IEC 7816-4 §8.1.1.2.7) say about extended Lc/Le,
/// or, when they point there, EF.ATR/INFO's DO'7F66' (§8.2.1.1), read in the clear with one
/// READ BINARY by SFI 01. A card saying nothing, or an unreadable EF.ATR/INFO, is `Unknown`.
fn extended_length_up_front<C: CardChannel>(log: &mut ApduLog<C>) -> Result<Extended, ReadError> {
    use crate::iso7816::atr::{self, ExtendedLength};
    let atr = log.atr().unwrap_or_default();
    let decided = match atr::extended_length(&atr) {
        ExtendedLength::Supported => Extended::Yes,
        ExtendedLength::NotSupported => Extended::No,
        ExtendedLength::Unknown => Extended::Unknown,
        ExtendedLength::InEfAtrInfo => {
            let cmd = CommandApdu::new(0x00, 0xB0, 0x81, 0x00).with_le(256);
            let resp = crate::card::send(&mut *log, &cmd)?;
            let ok = matches!(resp.sw, StatusWord::Ok | StatusWord::EndOfFile);
            match atr::max_response_from_ef_atr(&resp.data).filter(|_| ok) {
                Some(n) if n.saturating_sub(SM_RESPONSE_OVERHEAD) > 256 => {
                    Extended::UpTo(n - SM_RESPONSE_OVERHEAD)
                }
                Some(_) => Extended::No,
                None => Extended::Unknown,
            }
        }
    };
    tracing::debug!(?decided, "extended length before access control");
    Ok(decided)
}

/// What EF.CardAccess offers.
fn offer(card_access: Option<&[u8]>) -> Offer {
    let Some(bytes) = card_access else { return Offer::None };
    match card_access::parse(bytes) {
        Ok(ca) => match (PaceParams::choose(&ca), pace::unsupported_reason(&ca)) {
            (Some(params), _) => Offer::Pace(params),
            (None, Some(why)) => Offer::Unusable(why),
            (None, None) => Offer::None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "EF.CardAccess does not parse; using BAC");
            Offer::Unusable("EF.CardAccess does not parse".into())
        }
    }
}

/// True when Chip Authentication or PACE-CAM already passed or failed: Active
/// Authentication then adds nothing (an `Unsupported` one leaves AA to run).
fn chip_authentication_decided(done: &[Check]) -> bool {
    use crate::authentication::{Method as Mechanism, Outcome};
    done.iter().any(|c| {
        matches!(c.method, Mechanism::ChipAuthentication | Mechanism::PaceCam)
            && matches!(c.outcome, Outcome::Passed | Outcome::Failed)
    })
}

/// Active Authentication (ICAO 9303 Part 11 §6.1) when EF.DG15 was read and neither Chip
/// Authentication nor PACE-CAM has already decided (passed or failed): when a chip offers
/// both, CA alone suffices. The chip ending secure messaging over INTERNAL AUTHENTICATE is
/// a `Failed` check; a card that left ends the read.
fn active_authentication<C: CardChannel>(
    reader: &mut EfReader<SecureTransport<'_, C>>,
    files: &BTreeMap<String, Zeroizing<Vec<u8>>>,
    done: &[Check],
) -> Result<Option<Check>, ReadError> {
    use crate::authentication::{Method as Mechanism, Outcome, active};
    let Some(dg15) = files.get(&Ef::Dg(15).name()) else { return Ok(None) };
    if chip_authentication_decided(done) {
        tracing::debug!(
            "DG15 present, Chip Authentication already decided: no Active Authentication"
        );
        return Ok(None);
    }
    let mut challenge = [0u8; active::CHALLENGE_LEN];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut challenge);
    let dg14 = files.get(&Ef::Dg(14).name()).map(|b| b.as_slice());
    let extended = reader.policy.is_extended();
    let transport = &mut reader.transport;
    let check = match active::run(&mut |cmd| transport.send(cmd), dg15, dg14, extended, &challenge)
    {
        Ok(check) => check,
        Err(ReadError::Sm(e)) if !matches!(e, crate::sm::SmError::Card(_)) => Check::new(
            Mechanism::ActiveAuthentication,
            Outcome::Failed,
            format!("secure messaging failed on INTERNAL AUTHENTICATE: {e}"),
        ),
        Err(e) => return Err(e),
    };
    tracing::info!(outcome = ?check.outcome, detail = %check.detail, "Active Authentication");
    Ok(Some(check))
}

/// Reads EF.CardAccess, opens secure messaging with PACE (MRZ or CAN) or BAC (MRZ), then
/// reads EF.COM, EF.SOD, DG1, DG2 and DG14 when EF.COM or EF.SOD lists it, and compares
/// EF.DG14 with EF.CardAccess and the protocol used ([`PassportRead::access_control`]).
/// `password` is a [`Password`] or an [`AccessKey`](crate::mrz::AccessKey) (the MRZ).
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
    let card_access = read_card_access(&mut log, options, progress)?;
    let offer = offer(card_access.as_deref());
    let pace_offered = !matches!(offer, Offer::None);
    if let Some(bytes) = card_access {
        files.insert(Ef::CardAccess.name(), Zeroizing::new(bytes));
    }

    // Extended length from the ATR or EF.ATR/INFO, read in the clear before access control:
    // a short-length chip then never costs a refused extended READ and a second PACE.
    let extended = match (options.no_extended_length, options.fixed_chunk) {
        (false, None) => extended_length_up_front(&mut log)?,
        _ => Extended::Unknown,
    };
    let mut card_security = None;
    let (chan, method, bac_reason, mut cams) =
        open_channel(&mut log, &password, offer, options.force_bac, &mut card_security)?;
    if let Some(bytes) = card_security {
        files.insert(Ef::CardSecurity.name(), Zeroizing::new(bytes));
    }
    let short_max = chan.cipher().max_short_chunk();
    let policy = match (options.fixed_chunk, extended) {
        (Some(n), _) => ChunkPolicy::fixed(n),
        _ if options.no_extended_length => ChunkPolicy::new(false, short_max),
        (None, Extended::No) => ChunkPolicy::new(false, short_max),
        (None, Extended::UpTo(n)) => ChunkPolicy::new(true, short_max).extended_at_most(n),
        (None, Extended::Yes | Extended::Unknown) => ChunkPolicy::new(true, short_max),
    };
    let transport =
        SecureTransport { chan: Some(chan), password: &password, method, cam_later: Vec::new() };
    let mut reader = EfReader::new(transport, policy);
    if let Some(flag) = &options.cancel {
        reader = reader.with_cancel(flag.clone());
    }
    for ef in [Ef::Com, Ef::Sod, Ef::Dg(1), Ef::Dg(2)] {
        let bytes = reader.read(&file_id(&ef), progress)?;
        files.insert(ef.name(), Zeroizing::new(bytes));
    }
    // DG11 and DG12 (additional personal and document details) when listed.
    for n in [11, 12] {
        if lds::lists(&files, n) {
            let ef = Ef::Dg(n);
            let bytes = reader.read(&file_id(&ef), progress)?;
            files.insert(ef.name(), Zeroizing::new(bytes));
        }
    }
    // DG14 holds the chip's SecurityInfos under the EF.SOD signature (ICAO 9303 Part 11
    // §9.2): it shows whether EF.CardAccess was complete and BAC was legitimate.
    if lds::lists(&files, 14) {
        let bytes = reader.read(&file_id(&Ef::Dg(14)), progress)?;
        files.insert(Ef::Dg(14).name(), Zeroizing::new(bytes));
    }
    // Chip Authentication with DG14's key (ICAO 9303 Part 11 §6.2); the session goes on
    // under the new keys.
    let mut chip_checks = Vec::new();
    let dg14 = files.get(&Ef::Dg(14).name()).map(|b| b.as_slice());
    chip_checks.extend(chip_authentication(&mut reader.transport, dg14)?);
    // DG15 holds the Active Authentication key (ICAO 9303 Part 11 §6.1), signed via EF.SOD.
    if lds::lists(&files, 15) {
        let bytes = reader.read(&file_id(&Ef::Dg(15)), progress)?;
        files.insert(Ef::Dg(15).name(), Zeroizing::new(bytes));
    }
    if let Some(check) = active_authentication(&mut reader, &files, &chip_checks)? {
        chip_checks.push(check);
    }
    let chunk_size = reader.policy.size();
    cams.append(&mut reader.transport.cam_later);
    drop(reader);
    let mut cams = cams.into_iter();
    let cam = cams.next();
    let cam_later = cams.collect();
    let security_infos = access_control::check(
        files.get(&Ef::CardAccess.name()).map(|b| b.as_slice()),
        files.get(&Ef::Dg(14).name()).map(|b| b.as_slice()),
        matches!(method, Method::Pace(_)),
    );
    if let access_control::SecurityInfosCheck::Invalid(why) = &security_infos {
        tracing::warn!(reason = %why, "EF.DG14 contradicts the access protocol");
    }
    Ok(PassportRead {
        access: method.name(),
        access_control: AccessControl { pace_offered, bac_reason, security_infos },
        files,
        apdus: log.apdus,
        bytes_read: log.bytes_in,
        elapsed: started.elapsed(),
        chunk_size,
        chip_checks,
        cam,
        cam_later,
    })
}

/// Runs Chip Authentication v1 when EF.DG14 offers it: a 3DES chip that refused MSE:Set KAT
/// and ended the session gets secure messaging again and MSE:Set AT + GA. A chip that failed
/// gets a fresh session for whatever the read does next (its failure is the check).
fn chip_authentication<C: CardChannel>(
    transport: &mut SecureTransport<'_, C>,
    dg14: Option<&[u8]>,
) -> Result<Option<Check>, ReadError> {
    let Some(infos) = dg14.and_then(|b| crate::lds::dg14::parse(b).ok()) else {
        return Ok(None);
    };
    let key = match ca::choose(&infos) {
        ca::Offer::NotOffered => return Ok(None),
        ca::Offer::Unsupported(why) => {
            return Ok(Some(Check::new(
                CheckMethod::ChipAuthentication,
                Outcome::Unsupported,
                why,
            )));
        }
        ca::Offer::Key(key) => key,
    };
    let mut mode = ca::Mode::Auto;
    loop {
        let chan = transport.chan.as_mut().ok_or(ReadError::Sm(crate::sm::SmError::Closed))?;
        match ca::authenticate(chan, &key, mode, &mut rand::rngs::OsRng)? {
            ca::Run::Done(check) => {
                tracing::info!(outcome = ?check.outcome, detail = %check.detail, "chip authentication");
                if !chan.is_open()
                    && let Err(e) = transport.recover()
                {
                    tracing::warn!(error = %e, "no secure messaging after chip authentication");
                }
                return Ok(Some(check));
            }
            ca::Run::KatRefusedSessionEnded if mode == ca::Mode::Auto => {
                transport.recover()?;
                mode = ca::Mode::SetAt;
            }
            ca::Run::KatRefusedSessionEnded => {
                let why = "the chip ended secure messaging over MSE:Set AT";
                return Ok(Some(Check::new(CheckMethod::ChipAuthentication, Outcome::Failed, why)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authentication::{Method as Mechanism, Outcome};

    #[test]
    fn active_authentication_runs_unless_ca_or_cam_decided() {
        let check = |m, o| Check::new(m, o, "");
        assert!(!chip_authentication_decided(&[]));
        for decided in [Outcome::Passed, Outcome::Failed] {
            assert!(chip_authentication_decided(&[check(Mechanism::ChipAuthentication, decided)]));
            assert!(chip_authentication_decided(&[check(Mechanism::PaceCam, decided)]));
        }
        assert!(!chip_authentication_decided(&[check(
            Mechanism::ChipAuthentication,
            Outcome::Unsupported
        )]));
        assert!(!chip_authentication_decided(&[check(
            Mechanism::ActiveAuthentication,
            Outcome::Failed
        )]));
    }
}

#[cfg(test)]
#[path = "passport_lds_tests.rs"]
mod lds_tests;
