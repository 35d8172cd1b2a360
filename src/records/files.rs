//! Private files of the records database: the database, its SQLite `-wal`, `-shm` and
//! `-journal` companions readable by this user only (0600), their folder 0700.
//!
//! New folders and the database file are created so; an existing database and its
//! companions are tightened when opened. An existing folder is tightened only when it is
//! this user's and holds nothing but the database's own files (a shared folder such as
//! `/tmp` or a home folder is never changed; a warning says it is open to others).

use std::ffi::OsString;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::RecordsError;

/// SQLite's companion files of a database (rollback journal, WAL, shared memory).
const COMPANIONS: &[&str] = &["-wal", "-shm", "-journal"];

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn err(path: &Path) -> impl FnOnce(std::io::Error) -> RecordsError + '_ {
    move |source| RecordsError::CreateDir { path: path.display().to_string(), source }
}

/// Before SQLite opens `path`: its folder exists (new ones 0700, a dedicated existing one
/// tightened) and the database file exists with mode 0600 (SQLite gives its companion files
/// the database file's mode).
pub(super) fn prepare(path: &Path) -> Result<(), RecordsError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(err(dir))?;
    } else {
        tighten_folder(dir, path);
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(path)(e)),
    }
    tighten_files(path)
}

/// The database and whichever companion files exist: 0600 (regular files of this user).
pub(super) fn tighten_files(path: &Path) -> Result<(), RecordsError> {
    let all =
        std::iter::once(path.to_path_buf()).chain(COMPANIONS.iter().map(|s| with_suffix(path, s)));
    for p in all {
        let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
        if meta.is_file() && meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                .map_err(err(&p))?;
        }
    }
    Ok(())
}

/// 0700 for a folder of this user that holds only the database's files; else a warning when
/// others can look in.
fn tighten_folder(dir: &Path, db: &Path) {
    let Ok(meta) = std::fs::metadata(dir) else { return };
    if meta.mode() & 0o077 == 0 {
        return;
    }
    let own = meta.uid() == rustix::process::geteuid().as_raw();
    let sticky = meta.mode() & 0o1000 != 0;
    let db_name = db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dedicated = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().all(|e| e.file_name().to_string_lossy().starts_with(&db_name))
    });
    if own && !sticky && dedicated && !db_name.is_empty() {
        let mode = std::fs::Permissions::from_mode(0o700);
        if std::fs::set_permissions(dir, mode).is_ok() {
            return;
        }
    }
    tracing::warn!(
        folder = %dir.display(),
        "the records database's folder can be opened by other users; keep the database in a \
         folder of its own (it is made 0700)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_dedicated_folder_is_tightened_a_shared_one_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("own");
        std::fs::create_dir(&own).unwrap();
        std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(own.join("r.db-wal"), b"").unwrap();
        prepare(&own.join("r.db")).unwrap();
        assert_eq!(mode(&own), 0o700);
        assert_eq!(mode(&own.join("r.db-wal")), 0o600);

        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(shared.join("notes.txt"), b"").unwrap();
        prepare(&shared.join("r.db")).unwrap();
        assert_eq!(mode(&shared), 0o755, "a folder with other files is not changed");
        assert_eq!(mode(&shared.join("r.db")), 0o600);
    }
}
