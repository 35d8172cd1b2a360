//! Storage errors of the records layer, each saying which operation on which database failed.

/// Why a records operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("records database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("records database: could not create its folder {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("records database: {what}: {source}")]
    Sql {
        what: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "records database has schema version {found}, newer than this program knows ({known}): update enrol-kiosk"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("no enrolment record for this user_id")]
    NotFound,
    #[error("an enrolment record for this user_id already exists")]
    Duplicate,
    #[error("enrolment record is in state {status}; {step} cannot be {action} now")]
    WrongState { status: String, step: &'static str, action: &'static str },
    #[error("records database holds an unknown status {0:?}")]
    UnknownStatus(String),
    #[error("records database lock was poisoned by a crashed thread")]
    Poisoned,
    #[error("records: {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "records {path}: another enrol-kiosk process has held them exclusively for too long; try again"
    )]
    Busy { path: String },
}

impl RecordsError {
    pub(crate) fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> RecordsError {
        move |source| RecordsError::Sql { what, source }
    }
}
