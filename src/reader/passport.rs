//! Reading a passport: EF.CardAccess, the eMRTD application, BAC, then EF.COM, EF.SOD, DG1
//! and DG2 through secure messaging (ICAO 9303 Part 10 §3 and Part 11 §4), counting APDUs.

use super::{ChunkPolicy, EfReader, FileId, Plain, ReadError, Transport};
use crate::access::{AccessError, bac};
use crate::card::{ApduLog, CardChannel};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::Ef;
use crate::mrz::AccessKey;
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
}

/// What was read. File bytes hold personal data: keep them in memory only.
pub struct PassportRead {
    /// Access protocol used, e.g. "BAC".
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

/// A BAC-protected transport that can re-run BAC when the chip ends the session.
struct BacTransport<'a, C: CardChannel> {
    chan: Option<SecureChannel<&'a mut ApduLog<C>>>,
    key: &'a AccessKey,
}

impl<C: CardChannel> Transport for BacTransport<'_, C> {
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
        // The chip dropped its session keys but keeps the application selected (ICAO 9303
        // Part 11 §9.8): BAC again is enough. A chip that lost the selection gets it back.
        tracing::debug!("re-establishing secure messaging with BAC");
        let key = self.key.mrz_information();
        let session = match bac::authenticate(&mut *card, key, &mut rand::rngs::OsRng) {
            Ok(chan) => chan.into_session(),
            Err(AccessError::Status { .. }) => {
                select_application(&mut *card)?;
                bac::authenticate(&mut *card, key, &mut rand::rngs::OsRng)?.into_session()
            }
            Err(e) => return Err(e.into()),
        };
        self.chan = Some(SecureChannel::new(card, session));
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

/// Reads EF.CardAccess, then EF.COM, EF.SOD, DG1 and DG2 under BAC.
pub fn read_passport<C: CardChannel>(
    card: C,
    key: &AccessKey,
    options: &ReadOptions,
    progress: super::Progress<'_>,
) -> Result<PassportRead, ReadError> {
    let started = Instant::now();
    let mut log = ApduLog::new(card);
    let mut files = BTreeMap::new();

    // EF.CardAccess sits in the master file and is read in the clear; its absence is normal
    // for BAC-only chips. PACE (a later step) will use it.
    let mut plain = EfReader::new(Plain(&mut log), ChunkPolicy::new(false, 256));
    if let Some(flag) = &options.cancel {
        plain = plain.with_cancel(flag.clone());
    }
    match plain.read(&file_id(&Ef::CardAccess), progress) {
        Ok(bytes) => {
            files.insert(Ef::CardAccess.name(), Zeroizing::new(bytes));
        }
        Err(e) if e.is_card_gone() || matches!(e, ReadError::Cancelled) => return Err(e),
        Err(e) => tracing::debug!(error = %e, "no EF.CardAccess"),
    }
    drop(plain);

    select_application(&mut log)?;
    let chan = bac::authenticate(&mut log, key.mrz_information(), &mut rand::rngs::OsRng)?;
    let policy = match options.fixed_chunk {
        Some(n) => ChunkPolicy::fixed(n),
        None => ChunkPolicy::new(!options.no_extended_length, chan.cipher().max_short_chunk()),
    };
    let mut reader = EfReader::new(BacTransport { chan: Some(chan), key }, policy);
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
        access: "BAC".into(),
        files,
        apdus: log.apdus,
        bytes_read: log.bytes_in,
        elapsed: started.elapsed(),
        chunk_size,
    })
}
