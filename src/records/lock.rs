//! Who uses the records: a lock file beside the database (`flock(2)` through
//! `std::fs::File`). Every open store holds it shared for its whole life; recovery settles
//! in-flight rows only while it holds it exclusively — that is, only when no other process
//! (and no other store of this process) has the records open, so no live call is settled.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::RecordsError;

/// How long opening a store waits for another process's recovery to finish.
const SHARED_WAIT: Duration = Duration::from_secs(10);

/// The records' lock file, held shared while the store is open.
pub(super) struct UseLock {
    path: PathBuf,
    file: Mutex<File>,
}

/// Held while this store is the only user of the records; dropping it goes back to shared.
pub(super) struct Exclusive<'a> {
    lock: &'a UseLock,
    file: MutexGuard<'a, File>,
}

/// `records.sqlite3` → `records.sqlite3.lock`.
pub(super) fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    db.with_file_name(name)
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> RecordsError {
    let path = path.display().to_string();
    move |source| RecordsError::Io { what, path, source }
}

impl UseLock {
    /// Opens (creating, 0600) the lock file beside `db` and takes it shared, waiting a
    /// little while another process runs its recovery.
    pub(super) fn acquire(db: &Path) -> Result<UseLock, RecordsError> {
        let path = beside(db, ".lock");
        refuse_symlink(&path)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path, "opening the lock file"))?;
        shared(&file, &path)?;
        Ok(UseLock { path, file: Mutex::new(file) })
    }

    /// Tries to become the only user. `None` (still shared) when another store has the
    /// records open. The caller must have no API call of its own in flight: the shared
    /// lock is given up for a moment while trying (`flock` converts a lock by dropping it).
    pub(super) fn try_exclusive(&self) -> Result<Option<Exclusive<'_>>, RecordsError> {
        let file = self.file.lock().map_err(|_| RecordsError::Poisoned)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Exclusive { lock: self, file })),
            Err(TryLockError::WouldBlock) => {
                shared(&file, &self.path)?;
                Ok(None)
            }
            Err(TryLockError::Error(e)) => {
                shared(&file, &self.path)?;
                Err(io(&self.path, "locking the records")(e))
            }
        }
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        if let Err(e) = shared(&self.file, &self.lock.path) {
            tracing::warn!(error = %e, "the records lock could not be taken back as shared");
        }
    }
}

/// Takes `file` shared, retrying while another process holds it exclusively (its recovery
/// is short), for at most [`SHARED_WAIT`].
fn shared(file: &File, path: &Path) -> Result<(), RecordsError> {
    let deadline = Instant::now() + SHARED_WAIT;
    loop {
        match file.try_lock_shared() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(RecordsError::Busy { path: path.display().to_string() });
            }
            Err(TryLockError::Error(e)) => return Err(io(path, "locking the records")(e)),
        }
    }
}

/// The lock file and the journal are never reached through a symbolic link (planted by
/// someone who could write the folder).
pub(super) fn refuse_symlink(path: &Path) -> Result<(), RecordsError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => Err(RecordsError::Io {
            what: "checking a file beside the database",
            path: path.display().to_string(),
            source: std::io::Error::other("not a regular file"),
        }),
        _ => Ok(()),
    }
}
