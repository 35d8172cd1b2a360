//! Watching PC/SC readers without polling (PC/SC part 5 `SCardGetStatusChange`, pcsc-lite):
//! one context of its own, blocked on every reader plus the PnP pseudo-reader
//! `\\?PnP?\Notification`, so plugging or unplugging a reader, or placing or lifting a
//! card, wakes it; nothing runs while nothing changes.

use std::ffi::CStr;
use std::time::Duration;

use ::pcsc::{Context, Error as PcscError, PNP_NOTIFICATION, ReaderState, Scope, State};

use super::CardError;
use super::pcsc::{ReaderInfo, map_error};

/// Most readers watched at once (a hostile or broken service could list thousands).
const MAX_READERS: usize = 32;

/// A PC/SC context watching every reader.
pub struct ReaderWatch {
    ctx: Context,
    states: Vec<ReaderState>,
}

/// Wakes a [`ReaderWatch::next`] blocked on another thread (it returns
/// [`CardError::Cancelled`]).
#[derive(Clone)]
pub struct WatchCanceller(Context);

impl WatchCanceller {
    pub fn cancel(&self) {
        if let Err(e) = self.0.cancel() {
            tracing::debug!(error = %e, "could not cancel the reader watch");
        }
    }
}

fn is_pnp(s: &ReaderState) -> bool {
    s.name() == PNP_NOTIFICATION()
}

impl ReaderWatch {
    /// Connects to pcscd with a context of its own.
    pub fn establish() -> Result<ReaderWatch, CardError> {
        let ctx = Context::establish(Scope::User).map_err(map_error)?;
        let states = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
        Ok(ReaderWatch { ctx, states })
    }

    pub fn canceller(&self) -> WatchCanceller {
        WatchCanceller(self.ctx.clone())
    }

    /// The readers and whether a card is present in each, once something changed since the
    /// last call (the first call answers at once), or when `timeout` passed.
    pub fn next(&mut self, timeout: Duration) -> Result<Vec<ReaderInfo>, CardError> {
        let names = match self.ctx.list_readers_owned() {
            Ok(n) => n,
            Err(PcscError::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(map_error(e)),
        };
        // Readers gone are dropped, new ones start unaware (so they answer at once).
        self.states.retain(|s| is_pnp(s) || names.iter().any(|n| n.as_c_str() == s.name()));
        for name in names {
            if self.states.len() > MAX_READERS {
                break;
            }
            if !self.states.iter().any(|s| s.name() == name.as_c_str()) {
                self.states.push(ReaderState::new(name, State::UNAWARE));
            }
        }
        for s in &mut self.states {
            s.sync_current_state();
        }
        match self.ctx.get_status_change(timeout, &mut self.states) {
            Ok(()) | Err(PcscError::Timeout) => {}
            Err(e) => return Err(map_error(e)),
        }
        Ok(self.states.iter().filter(|s| !is_pnp(s) && !gone(s)).map(info).collect())
    }
}

fn gone(s: &ReaderState) -> bool {
    s.event_state().intersects(State::UNKNOWN | State::IGNORE)
}

fn info(s: &ReaderState) -> ReaderInfo {
    let ev = s.event_state();
    let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
    ReaderInfo {
        name: name_of(s.name()),
        card_present: present,
        atr: present.then(|| hex::encode_upper(s.atr())),
    }
}

fn name_of(c: &CStr) -> String {
    c.to_string_lossy().into_owned()
}
