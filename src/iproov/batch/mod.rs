//! Bulk photo enrolment (`enrol-kiosk enrol-batch`): a manifest of photos on file
//! ([`manifest`]), checked and de-duplicated before any call ([`plan`]), enrolled with
//! bounded concurrency and a shared 429 back-off, resumable from the records without ever
//! sending an image twice ([`run`]), one result line per row ([`results`]).

pub mod cli;
pub mod manifest;
pub mod plan;
pub mod results;
pub mod run;

/// Most rows run at once.
pub const MAX_CONCURRENCY: u16 = 32;
