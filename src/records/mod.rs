//! Enrolment records and the append-only audit trail, in SQLite.
//!
//! One row per customer enrolment (the random `user_id`, document facts without the document
//! number, the iProov tokens, the outcome and a timestamp per step) and an audit table that
//! can only grow. Every API step is written before and after its call, each write in its own
//! transaction (WAL journal), so a crash leaves a row that is resumable or clearly abandoned.

pub mod batch;
pub mod cli;
pub mod config;
mod error;
mod files;
pub mod followup;
mod journal;
pub mod key;
mod lock;
mod model;
mod recovery;
mod schema;
mod store;
mod time;

pub use config::{
    RecordsConfig, RecordsConfigError, default_db_path, resolve_db_path, resolve_db_path_with,
};
pub use error::RecordsError;
pub use journal::{JournalEntry, token_hash};
pub use key::{DocumentKey, KeyError};
pub use model::{AuditEvent, DocumentFacts, Enrolment, EnrolmentStatus, RecoveredRow, Step};
pub use recovery::Recovery;
pub use schema::SCHEMA_VERSION;
pub use store::Store;
pub use time::{now_rfc3339, rfc3339_from_unix_ms};
