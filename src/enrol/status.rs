//! What the status watchers report about the passport reader and the iProov service, as
//! plain values the workflow's inputs carry and the screens show. No I/O: the watchers
//! (`watch`) produce these.

/// What the kiosk knows of its passport reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderStatus {
    /// The watcher has not answered yet.
    Checking,
    /// The PC/SC service (pcscd) does not answer.
    NoPcsc,
    /// No reader (or not the configured one) is connected.
    NoReader { wanted: Option<String> },
    /// The reader, and whether a passport lies on it.
    Ready { name: String, card: bool },
}

impl ReaderStatus {
    /// The status line, in plain words.
    pub fn line(&self) -> String {
        match self {
            ReaderStatus::Checking => "Reader: checking…".into(),
            ReaderStatus::NoPcsc => {
                "Reader: the smart-card service (pcscd) is not running — start it".into()
            }
            ReaderStatus::NoReader { wanted: None } => {
                "Reader: none connected — plug in the NFC reader".into()
            }
            ReaderStatus::NoReader { wanted: Some(n) } => {
                format!("Reader: {n} is not connected — plug in the NFC reader")
            }
            ReaderStatus::Ready { name, card: false } => format!("Reader: {name} — no passport"),
            ReaderStatus::Ready { name, card: true } => {
                format!("Reader: {name} — a passport is on it")
            }
        }
    }

    /// A reader is there to read with.
    pub fn is_ready(&self) -> bool {
        matches!(self, ReaderStatus::Ready { .. })
    }
}

/// Whether the iProov service's host answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Checking,
    Reachable,
    /// The connect failed (the cause is logged, not shown: it changes from try to try).
    Unreachable,
}

/// The iProov service's reachability, with the host it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    /// The host shown (e.g. `eu.rp.secure.iproov.me`; in the demo, the fake's address).
    pub host: String,
    pub reach: Reach,
}

impl ServiceStatus {
    pub fn checking(host: impl Into<String>) -> ServiceStatus {
        ServiceStatus { host: host.into(), reach: Reach::Checking }
    }

    /// The status line, in plain words.
    pub fn line(&self) -> String {
        match &self.reach {
            Reach::Checking => format!("iProov service: checking ({})…", self.host),
            Reach::Reachable => format!("iProov service: reachable ({})", self.host),
            Reach::Unreachable => {
                format!("iProov service: not reachable ({}) — check the network", self.host)
            }
        }
    }

    pub fn is_reachable(&self) -> bool {
        self.reach == Reach::Reachable
    }
}

/// News from a watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusEvent {
    Reader(ReaderStatus),
    Service(ServiceStatus),
}
