use std::time::{Duration, Instant};

use super::*;

const SETTLE: Duration = Duration::from_millis(300);

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([120, 90, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn watch(dir: &Path, delete: bool) -> FolderWatch {
    FolderWatch::open(dir, delete).unwrap().with_timing(Duration::ZERO, SETTLE)
}

/// Polls for `wait`, collecting every event.
fn events_within(w: &mut FolderWatch, wait: Duration) -> Vec<CaptureEvent> {
    let end = Instant::now() + wait;
    let mut out = Vec::new();
    while Instant::now() < end {
        if let Some(e) = w.poll() {
            out.push(e);
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    out
}

fn captured(events: &[CaptureEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Captured(b) => Some(b.to_vec()),
            _ => None,
        })
        .collect()
}

fn problems(events: &[CaptureEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Problem(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn names_are_classified() {
    assert_eq!(name_kind("scan_0001.JPG"), NameKind::Readable);
    assert_eq!(name_kind("page.jp2"), NameKind::Readable);
    assert_eq!(name_kind("page.png"), NameKind::Readable);
    assert_eq!(name_kind("scan.tiff"), NameKind::UnreadableScan);
    assert_eq!(name_kind("scan.pdf"), NameKind::UnreadableScan);
    for ignored in
        [".scan.jpg", "~scan.jpg", "scan.jpg.part", "scan.jpg.tmp", "scan.jpg~", "x", "notes.txt"]
    {
        assert_eq!(name_kind(ignored), NameKind::Ignored, "{ignored}");
    }
}

#[test]
fn old_files_are_ignored_and_a_new_scan_is_read_once_then_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let old = png(10, 10);
    std::fs::write(dir.path().join("yesterday.png"), &old).unwrap();
    let mut w = watch(dir.path(), true);
    assert!(events_within(&mut w, SETTLE * 2).is_empty(), "a file older than the watch is read");
    let page = png(64, 48);
    std::fs::write(dir.path().join("scan_0002.png"), &page).unwrap();
    let events = events_within(&mut w, SETTLE * 3);
    assert_eq!(captured(&events), vec![page], "{events:?}");
    assert!(problems(&events).is_empty(), "{events:?}");
    assert!(!dir.path().join("scan_0002.png").exists(), "a read scan is deleted by default");
    assert!(dir.path().join("yesterday.png").exists(), "an old file is left alone");
    assert!(events_within(&mut w, SETTLE * 2).is_empty());
}

#[test]
fn a_file_still_being_written_is_read_only_when_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = watch(dir.path(), true);
    let page = png(200, 150);
    let path = dir.path().join("scan.png");
    // The scanner writes in three parts, pausing for less than the settling interval.
    let third = page.len() / 3;
    std::fs::write(&path, &page[..third]).unwrap();
    for part in [&page[third..2 * third], &page[2 * third..]] {
        assert!(captured(&events_within(&mut w, SETTLE / 2)).is_empty(), "read before complete");
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut f, part).unwrap();
    }
    assert!(captured(&events_within(&mut w, SETTLE / 2)).is_empty(), "read before it settled");
    let events = events_within(&mut w, SETTLE * 3);
    assert_eq!(captured(&events), vec![page], "{events:?}");
}

#[test]
fn a_scan_paused_longer_than_the_settling_time_is_not_read_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = watch(dir.path(), true);
    let page = png(200, 150);
    let path = dir.path().join("scan.png");
    std::fs::write(&path, &page[..page.len() / 2]).unwrap();
    let events = events_within(&mut w, SETTLE * 3);
    assert!(events.is_empty(), "a truncated picture was taken: {events:?}");
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut f, &page[page.len() / 2..]).unwrap();
    let events = events_within(&mut w, SETTLE * 3);
    assert_eq!(captured(&events), vec![page], "{events:?}");
}

#[test]
fn end_markers_are_recognised() {
    let p = png(4, 4);
    assert!(looks_complete(&p));
    assert!(!looks_complete(&p[..p.len() - 1]));
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    assert!(looks_complete(&jpeg));
    let mut padded = jpeg.clone();
    padded.extend_from_slice(&[0; 16]);
    assert!(looks_complete(&padded));
    assert!(!looks_complete(&jpeg[..jpeg.len() - 2]));
}

#[test]
fn temporary_names_wait_for_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = watch(dir.path(), false);
    let page = png(30, 20);
    std::fs::write(dir.path().join("scan.jpg.part"), &page).unwrap();
    std::fs::write(dir.path().join(".scan.png"), &page).unwrap();
    assert!(events_within(&mut w, SETTLE * 2).is_empty());
    std::fs::rename(dir.path().join("scan.jpg.part"), dir.path().join("scan.png")).unwrap();
    let events = events_within(&mut w, SETTLE * 3);
    assert_eq!(captured(&events), vec![page]);
    // Left in place when so configured, and not read again.
    assert!(dir.path().join("scan.png").exists());
    assert!(events_within(&mut w, SETTLE * 2).is_empty());
}

#[test]
fn unusable_files_are_reported_in_plain_words_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = watch(dir.path(), true);
    std::fs::write(dir.path().join("scan1.jpg"), b"this is not a picture").unwrap();
    std::fs::write(dir.path().join("scan2.tif"), b"II*\0 tiff").unwrap();
    let big = std::fs::File::create(dir.path().join("scan3.png")).unwrap();
    big.set_len(page_limits().max_input_bytes as u64 + 1).unwrap();
    drop(big);
    let events = events_within(&mut w, SETTLE * 3);
    assert!(captured(&events).is_empty());
    let mut words = problems(&events);
    words.sort();
    assert_eq!(words.len(), 3, "{words:?}");
    assert!(words.iter().any(|p| p.contains("JPEG or PNG") && p.contains("format")), "{words:?}");
    assert!(words.iter().any(|p| p.contains("too large")), "{words:?}");
    assert!(words.iter().any(|p| p.contains("not a picture")), "{words:?}");
    for p in &words {
        assert!(!p.contains("scan1") && !p.contains(&*dir.path().to_string_lossy()), "{p}");
    }
    assert!(events_within(&mut w, SETTLE * 2).is_empty(), "a bad file is reported once");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.png");
    std::fs::write(&target, png(8, 8)).unwrap();
    let mut w = watch(dir.path(), true);
    std::os::unix::fs::symlink(&target, dir.path().join("scan.png")).unwrap();
    assert!(events_within(&mut w, SETTLE * 2).is_empty());
    assert!(target.exists());
}

#[test]
fn a_missing_folder_is_an_error_at_opening_and_a_problem_later() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("scans");
    assert!(matches!(FolderWatch::open(&gone, true), Err(CaptureError::Folder(_))));
    std::fs::create_dir(&gone).unwrap();
    let mut w = watch(&gone, true);
    std::fs::remove_dir(&gone).unwrap();
    let events = events_within(&mut w, SETTLE);
    assert_eq!(problems(&events).len(), 1, "reported once: {events:?}");
}

#[test]
fn an_overfull_folder_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = watch(dir.path(), true);
    for i in 0..=MAX_ENTRIES {
        std::fs::write(dir.path().join(format!("old{i}.txt")), b"").unwrap();
    }
    let events = events_within(&mut w, SETTLE);
    let words = problems(&events);
    assert_eq!(words.len(), 1, "{words:?}");
    assert!(words[0].contains("too many files"), "{words:?}");
}
