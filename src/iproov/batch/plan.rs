//! Before any call: every manifest row's image is read (bounded) and hashed, and rows
//! sharing a user_id or an image (the same path, or the same bytes under another name) are
//! reported — every row of such a group, since which one is right cannot be told.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::manifest::{Manifest, duplicates, rows_text};
use super::results::{Outcome, RowResult};
use crate::iproov::UserId;

/// Largest image file read (the upload is re-encoded to at most 2 MB by `face::prepare`).
pub const MAX_IMAGE_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A row ready to be enrolled.
#[derive(Debug, Clone)]
pub struct Job {
    pub row: usize,
    pub user_id: Option<UserId>,
    /// The image file (manifest folder joined with the row's path).
    pub path: PathBuf,
    /// SHA-256 of the file's bytes when planned (checked again when it is read to upload).
    pub sha256: [u8; 32],
}

/// Reads an image file, bounded. The bytes are wiped when dropped.
pub fn read_image(path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "the image file does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => {
            "the image file cannot be read (permission)".to_owned()
        }
        _ => "the image file cannot be read".to_owned(),
    })?;
    if !meta.is_file() {
        return Err("the image path is not a file".to_owned());
    }
    if meta.len() > MAX_IMAGE_FILE_BYTES {
        return Err(format!("the image file is larger than {} MB", MAX_IMAGE_FILE_BYTES >> 20));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    let file = std::fs::File::open(path).map_err(|_| "the image file cannot be read".to_owned())?;
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_IMAGE_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|_| "the image file cannot be read".to_owned())?;
    if bytes.len() as u64 > MAX_IMAGE_FILE_BYTES {
        return Err(format!("the image file is larger than {} MB", MAX_IMAGE_FILE_BYTES >> 20));
    }
    if bytes.is_empty() {
        return Err("the image file is empty".to_owned());
    }
    Ok(bytes)
}

/// Jobs for the good rows; a failed result for every bad, unreadable or duplicated row.
pub fn plan(manifest: &Manifest, folder: &Path) -> (Vec<Job>, Vec<RowResult>) {
    let mut failed: Vec<RowResult> = manifest
        .bad
        .iter()
        .map(|b| RowResult::new(b.row, None, Outcome::Failed, b.reason.clone()))
        .collect();
    let mut jobs = Vec::new();
    for r in &manifest.rows {
        let path = folder.join(&r.image);
        let uid = r.user_id.as_ref().map(UserId::as_str);
        match read_image(&path) {
            Ok(bytes) => jobs.push(Job {
                row: r.row,
                user_id: r.user_id.clone(),
                path,
                sha256: Sha256::digest(bytes.as_slice()).into(),
            }),
            Err(reason) => failed.push(RowResult::new(r.row, uid, Outcome::Failed, reason)),
        }
    }
    let by_uid: Vec<(usize, &str)> =
        jobs.iter().filter_map(|j| j.user_id.as_ref().map(|u| (j.row, u.as_str()))).collect();
    let same_uid = duplicates(&by_uid);
    let by_path: Vec<(usize, PathBuf)> = jobs.iter().map(|j| (j.row, normalise(&j.path))).collect();
    let same_path = duplicates(&by_path);
    let by_bytes: Vec<(usize, [u8; 32])> = jobs.iter().map(|j| (j.row, j.sha256)).collect();
    let same_bytes = duplicates(&by_bytes);
    jobs.retain(|j| {
        let uid = j.user_id.as_ref().map(UserId::as_str);
        let reason = if let Some(o) = same_uid.get(&j.row) {
            format!("the same user_id is also given at {}; none of these rows is enrolled", rows_text(o))
        } else if let Some(o) = same_path.get(&j.row) {
            format!("the same image is also listed at {}; none of these rows is enrolled", rows_text(o))
        } else if let Some(o) = same_bytes.get(&j.row) {
            format!(
                "the same photo (identical bytes) is also listed at {}; none of these rows is enrolled",
                rows_text(o)
            )
        } else {
            return true;
        };
        failed.push(RowResult::new(j.row, uid, Outcome::Failed, reason));
        false
    });
    (jobs, failed)
}

/// `a/./b` and `a/b`, `a/x/../b` and `a/b` name the same file (no symlinks followed).
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iproov::batch::manifest::parse;

    #[test]
    fn duplicates_and_unreadable_images_are_reported_and_the_rest_planned() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.jpg"), b"AAA").unwrap();
        std::fs::write(d.join("b.jpg"), b"BBB").unwrap();
        std::fs::write(d.join("c.jpg"), b"AAA").unwrap();
        std::fs::write(d.join("e.jpg"), b"EEE").unwrap();
        std::fs::write(d.join("f.jpg"), b"FFF").unwrap();
        std::fs::write(d.join("g.jpg"), b"GGG").unwrap();
        std::fs::write(d.join("empty.jpg"), b"").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        let m = parse(
            b"user_id,image\n\
              ,a.jpg\n\
              ,c.jpg\n\
              u1,b.jpg\n\
              u1,e.jpg\n\
              ,missing.jpg\n\
              ,empty.jpg\n\
              ,sub\n\
              ,f.jpg\n\
              ,./sub/../f.jpg\n\
              ok,g.jpg\n",
        )
        .unwrap();
        let (jobs, failed) = plan(&m, d);
        assert_eq!(jobs.iter().map(|j| j.row).collect::<Vec<_>>(), [11]);
        let reason = |row: usize| {
            failed.iter().find(|r| r.row == row).map(|r| r.reason.clone()).unwrap_or_default()
        };
        assert!(
            reason(2).contains("identical bytes") && reason(2).contains("row 3"),
            "{}",
            reason(2)
        );
        assert!(reason(4).contains("same user_id") && reason(4).contains("row 5"));
        assert!(reason(6).contains("does not exist"));
        assert!(reason(7).contains("empty"));
        assert!(reason(8).contains("not a file"));
        assert!(reason(9).contains("same image is also listed at row 10"), "{}", reason(9));
        assert_eq!(failed.len(), 9);
        assert!(failed.iter().all(|r| r.outcome == Outcome::Failed));
    }
}
