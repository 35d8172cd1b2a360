//! Where the kiosk's passports come from: a PC/SC reader, or the demo's simulated passport
//! on its simulated reader. The chip thread waits on a [`CardSource`] for a card, reads it,
//! then tells the source the read has ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::watch::DemoReader;
use crate::card::{CardChannel, CardError};
use crate::sim::{Behaviour, Chip, Profile};

/// Where passports come from.
pub trait CardSource: Send {
    /// Waits for a passport on the reader (giving up when `cancel` is set), then connects.
    fn wait(&mut self, cancel: &AtomicBool) -> Result<Box<dyn CardChannel>, CardError>;

    /// The read of the card [`CardSource::wait`] returned has ended (however it ended).
    fn finished(&mut self) {}
}

/// The built-in simulated passport (demo mode, GUI tests). It is "placed" when staff press
/// the button on the Place-passport screen ([`DemoCard::placer`]); it lies on the simulated
/// reader ([`DemoCard::reader`]) until its read ends, then is handed back.
pub struct DemoCard {
    profile: Profile,
    behaviour: Behaviour,
    /// Used for the first placement only (e.g. removal while reading), then `behaviour`.
    first: Option<Behaviour>,
    placed: Arc<AtomicBool>,
    reader: DemoReader,
}

impl DemoCard {
    pub fn new(profile: Profile) -> DemoCard {
        let behaviour = profile.behaviour().clone();
        DemoCard {
            profile,
            behaviour,
            first: None,
            placed: Arc::new(AtomicBool::new(false)),
            reader: DemoReader::default(),
        }
    }

    /// The first passport placed behaves like this (a fault), the next ones normally.
    pub fn with_first_behaviour(mut self, b: Behaviour) -> DemoCard {
        self.first = Some(b);
        self
    }

    /// Set to place the simulated passport on the reader.
    pub fn placer(&self) -> Arc<AtomicBool> {
        self.placed.clone()
    }

    /// The simulated reader (plugged in or not, the passport on it or not), for the status
    /// watcher and tests.
    pub fn reader(&self) -> DemoReader {
        self.reader.clone()
    }
}

impl CardSource for DemoCard {
    fn wait(&mut self, cancel: &AtomicBool) -> Result<Box<dyn CardChannel>, CardError> {
        // Polls a flag on the chip thread only (not the UI), like a reader's status change.
        // An unplugged simulated reader takes no passport.
        while !(self.reader.state().connected && self.placed.swap(false, Ordering::SeqCst)) {
            if cancel.load(Ordering::SeqCst) {
                return Err(CardError::NoCard);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let b = self.first.take().unwrap_or_else(|| self.behaviour.clone());
        self.reader.set_card(true);
        Ok(Box::new(Chip::new(&self.profile, b)))
    }

    fn finished(&mut self) {
        self.reader.set_card(false);
    }
}

/// A PC/SC reader: the configured one, else the first one listed.
pub struct PcscCardSource {
    pub reader: Option<String>,
}

impl CardSource for PcscCardSource {
    fn wait(&mut self, cancel: &AtomicBool) -> Result<Box<dyn CardChannel>, CardError> {
        let pcsc = crate::card::pcsc::Pcsc::establish()?;
        loop {
            let name = match &self.reader {
                Some(r) => Some(r.clone()),
                None => pcsc.readers()?.into_iter().next().map(|r| r.name),
            };
            if let Some(name) = name {
                match pcsc.wait_for_card(&name, Duration::from_millis(250)) {
                    Ok(()) => return Ok(Box::new(pcsc.connect(&name)?)),
                    Err(CardError::Timeout) => {}
                    Err(e) => return Err(e),
                }
            } else {
                std::thread::sleep(Duration::from_millis(250));
            }
            if cancel.load(Ordering::SeqCst) {
                return Err(CardError::NoCard);
            }
        }
    }
}
