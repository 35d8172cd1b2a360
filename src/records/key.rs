//! The document-number key: HMAC-SHA-256 (RFC 2104, FIPS 180-4) over the document number,
//! under a 256-bit key kept outside the records database, so a copy of the database alone
//! cannot be searched for a document number by trying them all.
//!
//! The key lives in a file of its own (64 hexadecimal digits, mode 0600, in a 0700 folder),
//! made on first use with the operating system's random generator. The demo and tests use a
//! key made in memory for the process ([`DocumentKey::generate`]).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Length of the key in bytes.
const KEY_LEN: usize = 32;
/// Domain separation: what the HMAC is over (and its version).
const LABEL: &[u8] = b"enrol-kiosk document number v2\0";

/// Why the key file cannot be used. The key itself is never part of a message.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("document-number key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("document-number key file {path}: {what}")]
    Unsafe { path: String, what: &'static str },
    #[error("document-number key file {path} does not hold 64 hexadecimal digits")]
    Malformed { path: String },
}

/// The key of the document-number HMAC. Zeroized when dropped; `Debug` redacts it.
#[derive(Clone)]
pub struct DocumentKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for DocumentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentKey(REDACTED)")
    }
}

impl DocumentKey {
    /// A fresh random key for this process only (demo, tests): hashes made with it can be
    /// compared only while it lives.
    pub fn generate() -> DocumentKey {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, k.as_mut());
        DocumentKey(k)
    }

    /// A key from its bytes (tests).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DocumentKey {
        DocumentKey(Zeroizing::new(bytes))
    }

    /// Reads the key file at `path`, or makes it (0600, its folder 0700) when there is none.
    /// A key file that others can read, or that is not a regular file owned by this user, is
    /// refused rather than used.
    pub fn load_or_create(path: &Path) -> Result<DocumentKey, KeyError> {
        match read_key(path) {
            Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                create_key(path)
            }
            other => other,
        }
    }

    /// HMAC-SHA-256 of the trimmed document number, hex.
    pub fn document_number_hash(&self, document_number: &str) -> String {
        // A 32-byte key is always accepted by HMAC; the fallback never runs.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref()) else {
            return String::new();
        };
        mac.update(LABEL);
        mac.update(document_number.trim().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io { path: path.display().to_string(), source }
}

fn read_key(path: &Path) -> Result<DocumentKey, KeyError> {
    let shown = || path.display().to_string();
    let meta = std::fs::symlink_metadata(path).map_err(io(path))?;
    if !meta.is_file() {
        return Err(KeyError::Unsafe { path: shown(), what: "is not a regular file" });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(KeyError::Unsafe {
            path: shown(),
            what: "can be read by other users: make it private (chmod 600) or replace it",
        });
    }
    if meta.uid() != own_uid() {
        return Err(KeyError::Unsafe { path: shown(), what: "belongs to another user" });
    }
    if meta.len() > 256 {
        return Err(KeyError::Malformed { path: shown() });
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io(path))?);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    hex::decode_to_slice(text.trim(), key.as_mut())
        .map_err(|_| KeyError::Malformed { path: shown() })?;
    Ok(DocumentKey(key))
}

/// The effective user id, as the kernel shows it for this process.
fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Writes a new key to a private temporary file next to `path` and links it into place, so
/// two processes starting at once agree on one key (the second reads the first's).
fn create_key(path: &Path) -> Result<DocumentKey, KeyError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io(dir))?;
    }
    let key = DocumentKey::generate();
    let text = Zeroizing::new(format!("{}\n", hex::encode(key.0.as_ref())));
    let tmp = temp_name(path);
    let written = (|| {
        let mut f =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(key),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
        Err(e) => Err(io(path)(e)),
    }
}

fn temp_name(path: &Path) -> PathBuf {
    let mut b = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.tmp", hex::encode(b)));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_an_independent_computation() {
        // RFC 4231 test case 2 checks the HMAC construction itself.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let k = DocumentKey::from_bytes([7; 32]);
        let h = k.document_number_hash(" L898902C3 ");
        assert_eq!(h, k.document_number_hash("L898902C3"));
        assert_eq!(h.len(), 64);
        assert_ne!(h, DocumentKey::from_bytes([8; 32]).document_number_hash("L898902C3"));
        assert_eq!(format!("{k:?}"), "DocumentKey(REDACTED)");
    }

    #[test]
    fn a_key_file_is_made_private_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/document-number.key");
        let a = DocumentKey::load_or_create(&path).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600);
        let folder = std::fs::metadata(path.parent().unwrap()).unwrap();
        assert_eq!(folder.mode() & 0o777, 0o700);
        let b = DocumentKey::load_or_create(&path).unwrap();
        assert_eq!(a.document_number_hash("X1"), b.document_number_hash("X1"));
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temp left");
    }

    #[test]
    fn a_readable_or_malformed_key_file_is_refused_without_showing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let secret = "ab".repeat(32);
        std::fs::write(&path, &secret).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = DocumentKey::load_or_create(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600") && !e.contains(&secret), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(DocumentKey::load_or_create(&path).is_ok());
        std::fs::write(&path, "not hex at all, but maybe a secret").unwrap();
        let e = DocumentKey::load_or_create(&path).unwrap_err().to_string();
        assert!(e.contains("64 hexadecimal") && !e.contains("secret"), "{e}");
    }
}
