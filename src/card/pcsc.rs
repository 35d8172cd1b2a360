//! PC/SC backend (`pcsc` crate → pcscd): list readers, wait for a card with timeout and
//! cancel, connect, transmit. Reader and card events become [`CardError`]s.

use super::{CardChannel, CardError};
use ::pcsc::{Context, Error as PcscError, Protocols, ReaderState, Scope, ShareMode, State};
use std::ffi::{CStr, CString};
use std::time::Duration;

/// Receive buffer: the largest extended response (65 536 data bytes + SW).
const MAX_RESPONSE: usize = ::pcsc::MAX_BUFFER_SIZE_EXTENDED;

/// A reader and whether a card is present in it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    /// Answer-to-reset (or ATS-derived ATR) of the card, hex, when one is present.
    pub atr: Option<String>,
}

/// Maps PC/SC errors to the typed, worded card errors.
pub fn map_error(e: PcscError) -> CardError {
    match e {
        PcscError::NoReadersAvailable | PcscError::UnknownReader => CardError::NoReader,
        PcscError::NoService | PcscError::ServiceStopped => CardError::ServiceNotRunning,
        PcscError::NoSmartcard => CardError::NoCard,
        PcscError::RemovedCard => CardError::CardRemoved,
        PcscError::ResetCard => CardError::CardReset,
        PcscError::Timeout => CardError::Timeout,
        PcscError::Cancelled => CardError::Cancelled,
        PcscError::UnresponsiveCard | PcscError::UnpoweredCard => CardError::Unresponsive,
        other => CardError::Pcsc(other),
    }
}

/// A PC/SC context: the handle to pcscd.
pub struct Pcsc {
    ctx: Context,
}

/// Cancels a pending [`Pcsc::wait_for_card`] from another thread.
#[derive(Clone)]
pub struct Canceller(Context);

impl Canceller {
    /// Wakes the waiting thread with [`CardError::Cancelled`].
    pub fn cancel(&self) {
        if let Err(e) = self.0.cancel() {
            tracing::warn!(error = %e, "could not cancel the PC/SC wait");
        }
    }
}

impl Pcsc {
    /// Connects to pcscd.
    pub fn establish() -> Result<Self, CardError> {
        Context::establish(Scope::User).map(|ctx| Self { ctx }).map_err(map_error)
    }

    /// A handle that can cancel a wait from another thread.
    pub fn canceller(&self) -> Canceller {
        Canceller(self.ctx.clone())
    }

    /// The readers pcscd knows, with card presence.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>, CardError> {
        let names = match self.ctx.list_readers_owned() {
            Ok(n) => n,
            Err(PcscError::NoReadersAvailable) => return Ok(Vec::new()),
            Err(e) => return Err(map_error(e)),
        };
        let mut states: Vec<ReaderState> =
            names.iter().map(|n| ReaderState::new(n.clone(), State::UNAWARE)).collect();
        self.ctx.get_status_change(Duration::ZERO, &mut states).map_err(map_error)?;
        Ok(states
            .iter()
            .map(|s| {
                let present = s.event_state().contains(State::PRESENT)
                    && !s.event_state().contains(State::MUTE);
                ReaderInfo {
                    name: s.name().to_string_lossy().into_owned(),
                    card_present: present,
                    atr: present.then(|| hex::encode_upper(s.atr())),
                }
            })
            .collect())
    }

    fn reader_cstring(&self, reader: &str) -> Result<CString, CardError> {
        let readers = self.readers()?;
        if readers.is_empty() {
            return Err(CardError::NoReader);
        }
        // Exact name first, then a unique prefix or substring (names carry slot numbers).
        let pick = readers
            .iter()
            .find(|r| r.name == reader)
            .or_else(|| {
                let mut m = readers.iter().filter(|r| r.name.contains(reader));
                match (m.next(), m.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            })
            .ok_or_else(|| CardError::ReaderNotFound(reader.to_owned()))?;
        CString::new(pick.name.clone()).map_err(|_| CardError::ReaderNotFound(reader.to_owned()))
    }

    /// Waits until a card is present in `reader`, up to `timeout`.
    pub fn wait_for_card(&self, reader: &str, timeout: Duration) -> Result<(), CardError> {
        let name = self.reader_cstring(reader)?;
        let mut state = [ReaderState::new(name, State::UNAWARE)];
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            self.ctx.get_status_change(left, &mut state).map_err(map_error)?;
            let ev = state[0].event_state();
            if ev.contains(State::UNKNOWN) || ev.contains(State::UNAVAILABLE) {
                return Err(CardError::ReaderNotFound(reader.to_owned()));
            }
            if ev.contains(State::PRESENT) && !ev.contains(State::MUTE) {
                return Ok(());
            }
            if left.is_zero() {
                return Err(CardError::Timeout);
            }
            state[0].sync_current_state();
        }
    }

    /// Connects to the card in `reader` (exclusive access while reading the chip).
    pub fn connect(&self, reader: &str) -> Result<PcscCard, CardError> {
        let name = self.reader_cstring(reader)?;
        let card = self
            .ctx
            .connect(&name, ShareMode::Exclusive, Protocols::ANY)
            .or_else(|e| match e {
                // Another process holds the reader shared: fall back to shared mode.
                PcscError::SharingViolation => {
                    self.ctx.connect(&name, ShareMode::Shared, Protocols::ANY)
                }
                other => Err(other),
            })
            .map_err(map_error)?;
        Ok(PcscCard { card, reader: name, buf: vec![0; MAX_RESPONSE] })
    }
}

/// A connected card.
pub struct PcscCard {
    card: ::pcsc::Card,
    reader: CString,
    buf: Vec<u8>,
}

/// How long to watch the reader after a failed exchange before calling the card unresponsive.
const SETTLE: Duration = Duration::from_millis(1500);

impl PcscCard {
    /// After a failed exchange, watches the reader for a moment: a card that left the field
    /// shows up as removed shortly after its last exchange failed.
    fn diagnose(&self, e: PcscError) -> CardError {
        let deadline = std::time::Instant::now() + SETTLE;
        loop {
            match self.card.status2_owned() {
                Ok(st) if st.status().contains(::pcsc::Status::PRESENT) => {}
                Ok(_) | Err(PcscError::RemovedCard | PcscError::NoSmartcard) => {
                    return CardError::CardRemoved;
                }
                Err(PcscError::ResetCard) => return CardError::CardReset,
                Err(_) => return map_error(e),
            }
            if std::time::Instant::now() >= deadline {
                tracing::debug!(error = %e, "exchange failed with the card still present");
                return CardError::Unresponsive;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The reader this card sits in.
    pub fn reader(&self) -> &CStr {
        &self.reader
    }
}

impl CardChannel for PcscCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        match self.card.transmit(command, &mut self.buf) {
            Ok(resp) => Ok(resp.to_vec()),
            // A card leaving mid-exchange often surfaces as a failed transaction or a
            // communication error: ask the reader whether the card is still there.
            Err(
                e @ (PcscError::NotTransacted | PcscError::CommError | PcscError::UnknownError),
            ) => Err(self.diagnose(e)),
            Err(e) => Err(map_error(e)),
        }
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.card.status2_owned().ok().map(|s| s.atr().to_vec())
    }
}
