//! A watched folder that a document scanner saves page images into: a file that appears
//! after the watch opened is picked up once it is complete — its size and modification time
//! unchanged for a settling interval — read bounded, then deleted (the default: a scan is
//! personal data) or left. Files already there when the watch opened, hidden and temporary
//! names (`.x`, `~x`, `x.tmp`, `x.part`, …) are ignored. Polling is bounded: one directory
//! listing per interval, at most [`MAX_ENTRIES`] entries looked at.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::fixed::{page_limits, read_page_file};
use super::{CaptureError, CaptureEvent, PageCapture};

/// Entries looked at per listing; a folder with more is reported as too full.
pub const MAX_ENTRIES: usize = 4096;
/// How long a file's size and time must stay unchanged before it is read.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(1000);
/// How often the folder is listed.
pub const DEFAULT_SCAN_EVERY: Duration = Duration::from_millis(250);

/// Extensions of the picture formats the kiosk reads (content is checked as well).
const READABLE: &[&str] = &["jpg", "jpeg", "jpe", "png", "jp2", "j2k", "j2c", "jpf"];
/// Scanner formats the kiosk does not read: staff are told to change the scanner's setting.
const UNREADABLE_SCANS: &[&str] = &["tif", "tiff", "pdf", "bmp", "gif", "heic", "webp", "pnm"];
/// Name endings scanners and copy tools use while a file is being written.
const TEMPORARY_SUFFIXES: &[&str] =
    &[".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock", "~"];

/// How long a settled file whose picture has no end yet is waited for.
pub const INCOMPLETE_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    Done,
    NotYet,
}

/// True when the encoded picture has its end marker: JPEG's EOI (`FF D9`, trailing zero
/// padding allowed), PNG's `IEND` chunk; JPEG 2000 files are taken as they are (boxes may
/// follow the codestream).
pub fn looks_complete(bytes: &[u8]) -> bool {
    match crate::face::InputFormat::sniff(bytes) {
        Some(crate::face::InputFormat::Jpeg) => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            bytes[..end].ends_with(&[0xFF, 0xD9])
        }
        Some(crate::face::InputFormat::Png) => {
            bytes.len() >= 12
                && bytes[bytes.len() - 12..].starts_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D'])
        }
        _ => true,
    }
}

/// The files of one listing: name, size and time, kind.
type Listing = Vec<(OsString, Stamp, NameKind)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

struct Pending {
    stamp: Stamp,
    since: Instant,
}

/// What a file name says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A picture the kiosk may read.
    Readable,
    /// A scan in a format the kiosk does not read (TIFF, PDF, …).
    UnreadableScan,
    /// Hidden, temporary, or unrelated: ignored.
    Ignored,
}

/// Classifies a file name (pure).
pub fn name_kind(name: &str) -> NameKind {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with('.')
        || lower.starts_with('~')
        || TEMPORARY_SUFFIXES.iter().any(|s| lower.ends_with(s))
    {
        return NameKind::Ignored;
    }
    let Some((_, ext)) = lower.rsplit_once('.') else {
        return NameKind::Ignored;
    };
    if READABLE.contains(&ext) {
        NameKind::Readable
    } else if UNREADABLE_SCANS.contains(&ext) {
        NameKind::UnreadableScan
    } else {
        NameKind::Ignored
    }
}

/// Watches a folder for new page images.
pub struct FolderWatch {
    dir: PathBuf,
    delete_after_read: bool,
    /// Files present (at opening, or already handled) with the stamp they had then.
    seen: HashMap<OsString, Stamp>,
    pending: HashMap<OsString, Pending>,
    events: VecDeque<CaptureEvent>,
    last_scan: Option<Instant>,
    scan_every: Duration,
    settle: Duration,
    /// The folder could not be listed at the last try (reported once).
    unreadable: bool,
    /// The folder held more than [`MAX_ENTRIES`] entries at the last listing (reported once).
    too_full: bool,
}

impl FolderWatch {
    /// Opens the watch; the files already in `dir` are never read.
    pub fn open(dir: &Path, delete_after_read: bool) -> Result<FolderWatch, CaptureError> {
        let mut w = FolderWatch {
            dir: dir.to_path_buf(),
            delete_after_read,
            seen: HashMap::new(),
            pending: HashMap::new(),
            events: VecDeque::new(),
            last_scan: None,
            scan_every: DEFAULT_SCAN_EVERY,
            settle: DEFAULT_SETTLE,
            unreadable: false,
            too_full: false,
        };
        let (listing, _) = w.list().map_err(CaptureError::Folder)?;
        w.seen = listing.into_iter().map(|(name, stamp, _)| (name, stamp)).collect();
        w.last_scan = Some(Instant::now());
        Ok(w)
    }

    /// Sets the listing interval and the settling interval (tests use short ones).
    pub fn with_timing(mut self, scan_every: Duration, settle: Duration) -> FolderWatch {
        self.scan_every = scan_every;
        self.settle = settle;
        self
    }

    /// Regular files (symbolic links are not followed) with a name that is not ignored,
    /// among the first [`MAX_ENTRIES`] entries; true when there were more.
    fn list(&self) -> std::io::Result<(Listing, bool)> {
        let mut out = Vec::new();
        let mut entries = std::fs::read_dir(&self.dir)?;
        for entry in entries.by_ref().take(MAX_ENTRIES) {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            let kind = match name.to_str() {
                Some(n) => name_kind(n),
                None => NameKind::Ignored,
            };
            if kind == NameKind::Ignored {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
            if !meta.file_type().is_file() {
                continue;
            }
            out.push((name, Stamp { len: meta.len(), modified: meta.modified().ok() }, kind));
        }
        Ok((out, entries.next().is_some()))
    }

    fn scan(&mut self) {
        let listing = match self.list() {
            Ok((l, more)) => {
                self.unreadable = false;
                if more && !self.too_full {
                    tracing::warn!(limit = MAX_ENTRIES, "the scan folder holds too many entries");
                    self.events.push_back(CaptureEvent::Problem(
                        "The scan folder holds too many files for the kiosk to watch: empty it."
                            .to_owned(),
                    ));
                }
                self.too_full = more;
                l
            }
            Err(e) => {
                if !self.unreadable {
                    tracing::warn!(error = %e, "the scan folder cannot be listed");
                    self.events.push_back(CaptureEvent::Problem(
                        "The scan folder cannot be read: check that the scanner's folder is there."
                            .to_owned(),
                    ));
                }
                self.unreadable = true;
                return;
            }
        };
        let now = Instant::now();
        let present: std::collections::HashSet<&OsString> =
            listing.iter().map(|(n, _, _)| n).collect();
        self.seen.retain(|n, _| present.contains(n));
        self.pending.retain(|n, _| present.contains(n));
        let mut ready = Vec::new();
        for (name, stamp, kind) in &listing {
            if self.seen.get(name) == Some(stamp) {
                continue;
            }
            match self.pending.get(name) {
                Some(p) if p.stamp == *stamp && stamp.len > 0 => {
                    if now.duration_since(p.since) >= self.settle {
                        ready.push((name.clone(), *stamp, *kind));
                    }
                }
                _ => {
                    self.pending.insert(name.clone(), Pending { stamp: *stamp, since: now });
                }
            }
        }
        for (name, stamp, kind) in ready {
            let Some(p) = self.pending.remove(&name) else { continue };
            let waited = now.duration_since(p.since);
            if self.take(&name, stamp, kind, waited) == Taken::NotYet {
                self.pending.insert(name, p);
            } else {
                self.seen.insert(name, stamp);
            }
        }
    }

    /// Reads a settled new file and queues what came of it; a picture whose end is missing
    /// (the scanner paused while writing) is left pending until [`INCOMPLETE_GRACE`].
    fn take(&mut self, name: &OsString, stamp: Stamp, kind: NameKind, waited: Duration) -> Taken {
        if kind == NameKind::UnreadableScan {
            self.events.push_back(CaptureEvent::Problem(
                "The scanner saved the page in a format the kiosk cannot read: set it to save JPEG or PNG."
                    .to_owned(),
            ));
            return Taken::Done;
        }
        let limit = page_limits().max_input_bytes;
        let path = self.dir.join(name);
        let result = if stamp.len > limit as u64 {
            Err(CaptureError::TooLarge { bytes: stamp.len, limit })
        } else {
            read_page_file(&path)
        };
        match result {
            Ok(bytes) if !looks_complete(&bytes) && waited < INCOMPLETE_GRACE => {
                return Taken::NotYet;
            }
            Ok(bytes) if !looks_complete(&bytes) => {
                tracing::warn!(bytes = bytes.len(), "a scan in the scan folder stays incomplete");
                self.events.push_back(CaptureEvent::Problem(
                    "The scan in the scan folder is incomplete: scan the page again.".to_owned(),
                ));
            }
            Ok(bytes) => {
                tracing::info!(bytes = bytes.len(), "a page image arrived in the scan folder");
                self.events.push_back(CaptureEvent::Captured(bytes));
                if self.delete_after_read {
                    self.delete(name, &path);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "a file in the scan folder cannot be used");
                self.events.push_back(CaptureEvent::Problem(problem_words(&e)));
            }
        }
        Taken::Done
    }

    fn delete(&mut self, name: &OsString, path: &Path) {
        match std::fs::remove_file(path) {
            Ok(()) => {
                self.seen.remove(name);
            }
            Err(e) => {
                tracing::warn!(error = %e, "a read scan could not be deleted");
                self.events.push_back(CaptureEvent::Problem(
                    "The scan was read but could not be deleted from the scan folder: delete it by hand."
                        .to_owned(),
                ));
            }
        }
    }
}

/// Plain words for staff about a file that could not be used.
fn problem_words(e: &CaptureError) -> String {
    match e {
        CaptureError::TooLarge { .. } => {
            "The scan is too large for the kiosk: scan only the photo page, at 600 dpi.".to_owned()
        }
        CaptureError::NotAnImage(crate::face::FaceError::TooLarge { .. }) => {
            "The scan has too many pixels: scan only the photo page, at 600 dpi.".to_owned()
        }
        CaptureError::NotAnImage(_) => {
            "The new file in the scan folder is not a picture the kiosk can read: scan again as JPEG or PNG."
                .to_owned()
        }
        _ => "The new scan could not be read: scan the page again.".to_owned(),
    }
}

impl PageCapture for FolderWatch {
    fn poll(&mut self) -> Option<CaptureEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        let due = self.last_scan.is_none_or(|t| t.elapsed() >= self.scan_every);
        if due {
            self.last_scan = Some(Instant::now());
            self.scan();
        }
        self.events.pop_front()
    }

    fn capture_now(&mut self) -> Result<(), CaptureError> {
        Ok(())
    }

    fn resolution_note(&self) -> Option<String> {
        Some("Set the scanner to 600 dpi, colour, JPEG or PNG: at 300 dpi or less the portrait may be too small.".to_owned())
    }
}

#[cfg(test)]
#[path = "folder_tests.rs"]
mod tests;
