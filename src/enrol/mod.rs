//! The enrolment workflow: document entry → wait for passport → read → review →
//! enrol → face scan → validate → result, as an explicit state machine that knows nothing
//! of the screen. The kiosk GUI (and a headless driver) feed it [`Input`]s and carry out
//! the [`Effect`]s it returns; [`exec`] carries them out on a named chip thread and an
//! owned tokio runtime.
//!
//! Personal data (the access key, the chip files, the MRZ, the face) lives only in
//! [`personal::Personal`], which is zeroized when a customer is finished or abandoned.

pub mod browser;
pub mod cards;
pub mod cli;
pub mod demo_photos;
pub mod exec;
pub mod headless;
pub mod machine;
pub mod page_reader;
pub mod personal;
pub mod photo_jobs;
pub mod progress;
mod scan_markup;
pub mod scan_page;
pub mod signals;
pub mod sink;
pub mod sources;
pub mod stage;
pub mod status;
pub mod tls;
pub mod watch;
pub mod wording;

pub use exec::{
    CardSource, DemoCard, Executor, PageReader, PcscCardSource, PhotoSources, ScanControl, Services,
};
pub use machine::Workflow;
pub use personal::{ChipResult, Personal, ReviewFacts};
pub use progress::{Checklist, Mark};
pub use signals::{DocumentInput, Effect, Input, ReadFailure, ServiceFailure};
pub use sources::{Comparison, Offer, OnFilePhoto, PageReadout, PhotoFailure};
pub use stage::{Stage, Way};
pub use status::{ReaderStatus, ServiceStatus, StatusEvent};
pub use watch::{DemoReader, ReaderFeed};
