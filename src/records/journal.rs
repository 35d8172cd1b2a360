//! The validate-outcome journal: when the database refuses the write of a validate answer,
//! the outcome is appended to a file beside it (0600, one JSON line per outcome: user_id,
//! a hash of the verify token, passed, the service's reason, the time — no personal data)
//! and recovery replays it into the record at the next start.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::RecordsError;
use super::lock::{beside, refuse_symlink};
use super::store::Store;
use super::time::now_rfc3339;

/// A journal larger than this is not read whole (only its first part is replayed).
const MAX_JOURNAL_BYTES: u64 = 4 * 1024 * 1024;
/// Longest `reason` kept.
const MAX_REASON_CHARS: usize = 200;

/// One validate outcome that could not be written to the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub user_id: String,
    /// SHA-256 (hex) of the verify token validated: identifies it without keeping it.
    pub token_sha256: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the answer came, RFC 3339 UTC.
    pub at: String,
}

/// The hash a journal line keeps of a verify token.
pub fn token_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"enrol-kiosk verify token v1\0");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> RecordsError {
    let path = path.display().to_string();
    move |source| RecordsError::Io { what, path, source }
}

impl Store {
    /// `<database>.journal`.
    pub fn journal_path(&self) -> PathBuf {
        beside(self.path(), ".journal")
    }

    /// Appends a validate outcome to the journal and flushes it to disk.
    pub fn journal_validate(
        &self,
        user_id: &str,
        verify_token: &str,
        passed: bool,
        reason: Option<&str>,
    ) -> Result<(), RecordsError> {
        let path = self.journal_path();
        let entry = JournalEntry {
            user_id: user_id.to_owned(),
            token_sha256: token_hash(verify_token),
            passed,
            reason: reason.map(|r| r.chars().take(MAX_REASON_CHARS).collect()),
            at: now_rfc3339(),
        };
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| io(&path, "writing the journal")(std::io::Error::other(e)))?;
        line.push('\n');
        refuse_symlink(&path)?;
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path, "opening the journal"))?;
        f.write_all(line.as_bytes()).map_err(io(&path, "writing the journal"))?;
        f.sync_all().map_err(io(&path, "flushing the journal"))
    }
}

/// What the journal holds: its entries, how many lines did not parse, and whether it was
/// read whole (a journal over the size cap is replayed in part and kept).
pub(super) struct Contents {
    pub entries: Vec<JournalEntry>,
    pub bad: usize,
    pub whole: bool,
}

/// Reads the journal (lines that do not parse are skipped and counted).
pub(super) fn read(path: &Path) -> Result<Contents, RecordsError> {
    refuse_symlink(path)?;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Contents { entries: Vec::new(), bad: 0, whole: true });
        }
        Err(e) => return Err(io(path, "opening the journal")(e)),
    };
    let len = f.metadata().map_err(io(path, "reading the journal"))?.len();
    let mut raw = Vec::new();
    f.take(MAX_JOURNAL_BYTES).read_to_end(&mut raw).map_err(io(path, "reading the journal"))?;
    let mut entries = Vec::new();
    let mut bad = 0;
    for line in raw.split(|b| *b == b'\n').filter(|l| !l.trim_ascii().is_empty()) {
        match serde_json::from_slice::<JournalEntry>(line) {
            Ok(e) => entries.push(e),
            Err(_) => bad += 1,
        }
    }
    Ok(Contents { entries, bad, whole: len <= MAX_JOURNAL_BYTES })
}

/// Empties the journal once its entries are in the database.
pub(super) fn clear(path: &Path) -> Result<(), RecordsError> {
    match OpenOptions::new().write(true).truncate(true).open(path) {
        Ok(f) => f.sync_all().map_err(io(path, "emptying the journal")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(path, "emptying the journal")(e)),
    }
}
