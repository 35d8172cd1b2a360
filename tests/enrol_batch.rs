//! `enrol-kiosk enrol-batch` end to end: the real binary against the real `fake-iproov`
//! process, with 429s (Retry-After in seconds and as an HTTP date), upload answers lost
//! after the image was registered, uploads dropped before, a SIGKILL in the middle and a
//! Ctrl-C: every row ends enrolled exactly once or reported, and no enrol token is ever sent
//! two images (the fake counts uploads per token). Plus hostile and bad manifest rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_enrol-kiosk");
const KEY: &str = "fakeapikey000000000000000000000000000000";
const SECRET: &str = "fakesecret000000000000000000000000000000";

/// Killed however the test ends.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `enrol-kiosk fake-iproov` on a free loopback port, tokens living 2 s.
fn start_fake() -> (Proc, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["fake-iproov", "--listen", &addr, "--token-ttl-secs", "2"])
        .env_remove("IPROOV_API_KEY")
        .env_remove("IPROOV_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("listening"), "{first}");
    // Drained while the fake runs (a closed pipe would end it at its next line).
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (Proc(child), addr)
}

/// One plain HTTP/1.1 request to the fake's control endpoints; the JSON body of the answer.
fn http(addr: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

fn fault(addr: &str, json: &str) {
    let v = http(addr, "POST", "/control/fault", json);
    assert_eq!(v["fault"], "set", "{json}: {v}");
}

/// Uploads per enrol token and images registered per user, as the fake counted them.
fn counts(addr: &str) -> (HashMap<String, u64>, HashMap<String, u64>) {
    let v = http(addr, "GET", "/control/images", "");
    let map = |k: &str| -> HashMap<String, u64> {
        v[k].as_object()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
            .collect()
    };
    (map("uploads"), map("users"))
}

/// `n` distinct photos: the synthetic demo face with a JPEG comment segment naming its row
/// (same pixels, different bytes), written as p000.jpg, p001.jpg, … in `dir`.
fn photos(dir: &Path, n: usize) {
    let face = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-face.jpg")).unwrap();
    for i in 0..n {
        let com = format!("photo {i}");
        let mut b = face[..2].to_vec();
        b.extend_from_slice(&[0xFF, 0xFE]);
        b.extend_from_slice(&u16::try_from(com.len() + 2).unwrap().to_be_bytes());
        b.extend_from_slice(com.as_bytes());
        b.extend_from_slice(&face[2..]);
        std::fs::write(dir.join(format!("p{i:03}.jpg")), b).unwrap();
    }
}

fn batch(addr: &str, dir: &Path, manifest: &str, out: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("enrol-batch")
        .arg(dir.join(manifest))
        .args(["--source", "selfie", "--json", "--settle-after-secs", "3", "--out"])
        .arg(dir.join(out))
        .arg("--db")
        .arg(dir.join("records").join("r.db"))
        .args(extra)
        .env("IPROOV_BASE_URL", format!("http://{addr}/api/v2"))
        .env("IPROOV_API_KEY", KEY)
        .env("IPROOV_SECRET", SECRET)
        .env("ENROL_KIOSK_DOCUMENT_KEY", dir.join("records").join("document.key"))
        .env_remove("ENROL_KIOSK_DB")
        .stdin(Stdio::null());
    c
}

fn results(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn wait_lines(path: &Path, n: usize, limit: Duration) {
    let t = Instant::now();
    while results(path).len() < n {
        assert!(t.elapsed() < limit, "no {n} results in {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_to_end(mut c: Command) -> (i32, String) {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), err)
}

fn setup(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    std::fs::create_dir(d.join("records")).unwrap();
    photos(&d, n);
    (dir, d)
}

#[test]
fn two_hundred_rows_through_429s_lost_answers_and_a_kill_end_enrolled_exactly_once() {
    let (_keep, d) = setup(200);
    // Every other row names its user_id; the rest get generated ones.
    let mut csv = String::from("user_id,image,reference\n");
    for i in 0..200 {
        let uid = if i % 2 == 0 { format!("cust-{i}") } else { String::new() };
        csv.push_str(&format!("{uid},p{i:03}.jpg,REFERENCE-MARKER-{i}\n"));
    }
    std::fs::write(d.join("manifest.csv"), &csv).unwrap();
    let (_fake, addr) = start_fake();
    fault(
        &addr,
        r#"{"call":"enrol_token","kind":"too_many_requests","retry_after_secs":1,"every":25}"#,
    );
    fault(&addr, r#"{"call":"enrol_image","kind":"lose_response","every":13}"#);

    // Run 1, killed (SIGKILL) in the middle.
    let mut first = Proc(
        batch(&addr, &d, "manifest.csv", "r1.jsonl", &["--concurrency", "8"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_lines(&d.join("r1.jsonl"), 60, Duration::from_secs(120));
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let r1 = results(&d.join("r1.jsonl"));
    assert!(r1.len() < 200, "the kill came before the end ({} rows)", r1.len());

    // Run 2: uploads now dropped before they reach the service, 429s dated.
    fault(&addr, r#"{"call":"enrol_image","kind":"drop_connection","every":11}"#);
    fault(
        &addr,
        r#"{"call":"enrol_token","kind":"too_many_requests","retry_after_secs":1,"retry_after_as_date":true,"every":30}"#,
    );
    let (code, err) =
        run_to_end(batch(&addr, &d, "manifest.csv", "r2.jsonl", &["--concurrency", "8"]));
    assert_eq!(code, 0, "{err}");
    let r2 = results(&d.join("r2.jsonl"));

    // Every row once, enrolled now or before, under the same user_id as in run 1.
    assert_eq!(r2.len(), 200, "{err}");
    let rows: HashSet<u64> = r2.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, (2..=201).collect());
    let mut uid_of_row = HashMap::new();
    for r in &r2 {
        let o = r["outcome"].as_str().unwrap();
        assert!(o == "enrolled" || o == "already done", "{r}");
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "row, user_id, outcome, reason only: {r}");
        assert!(
            !r.to_string().contains("REFERENCE-MARKER"),
            "the reference stays out of the results: {r}"
        );
        let row = r["row"].as_u64().unwrap();
        let uid = r["user_id"].as_str().unwrap().to_owned();
        if (row - 2) % 2 == 0 {
            assert_eq!(uid, format!("cust-{}", row - 2));
        }
        uid_of_row.insert(row, uid);
    }
    for r in &r1 {
        let row = r["row"].as_u64().unwrap();
        assert_eq!(r["user_id"].as_str(), Some(uid_of_row[&row].as_str()), "{r}");
        if r["outcome"] == "enrolled" {
            let again = r2.iter().find(|x| x["row"] == r["row"]).unwrap();
            assert_eq!(again["outcome"], "already done", "{again}");
        }
    }
    assert!(r2.iter().any(|r| r["outcome"] == "enrolled"), "run 2 completed the rest");

    // The service's side: one image per user, never two images on one token.
    let (uploads, users) = counts(&addr);
    let twice: Vec<_> = uploads.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "tokens sent more than one image: {twice:?}");
    let enrolled: HashSet<&String> =
        users.iter().filter(|(_, n)| **n > 0).map(|(u, _)| u).collect();
    assert_eq!(enrolled, uid_of_row.values().collect::<HashSet<_>>());
    assert!(users.values().all(|n| *n <= 1), "a user got two images: {users:?}");
    // The faults were met: 429s waited out, lost answers settled with the service.
    let summary = err.lines().find(|l| l.starts_with("enrol-batch:")).unwrap_or_default();
    let figure = |label: &str| -> u64 {
        summary
            .split(label)
            .nth(1)
            .and_then(|s| s.trim_start_matches(": ").split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{label} in {summary}"))
    };
    assert!(figure("429 answers") >= 1, "{summary}");
    assert!(figure("lost upload answers settled") >= 1, "{summary}");
}

#[test]
fn ctrl_c_stops_new_rows_finishes_running_ones_and_a_rerun_completes() {
    let (_keep, d) = setup(12);
    let csv: String = std::iter::once("image\n".to_owned())
        .chain((0..12).map(|i| format!("p{i:03}.jpg\n")))
        .collect();
    std::fs::write(d.join("m.csv"), csv).unwrap();
    let (_fake, addr) = start_fake();
    fault(&addr, r#"{"call":"enrol_image","kind":"delay","delay_ms":700}"#);
    let mut run = Proc(
        batch(&addr, &d, "m.csv", "r1.jsonl", &["--concurrency", "2"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_lines(&d.join("r1.jsonl"), 2, Duration::from_secs(60));
    let pid = run.0.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = run.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let r1 = results(&d.join("r1.jsonl"));
    assert_eq!(r1.len(), 12, "every row has a line: done or skipped");
    let skipped = r1.iter().filter(|r| r["outcome"] == "skipped").count();
    assert!(skipped >= 1 && r1.iter().all(|r| r["outcome"] != "failed"), "{r1:?}");
    let done_before = 12 - skipped;

    let cleared = http(&addr, "POST", "/control/fault", r#"{"call":"enrol_image","kind":"none"}"#);
    assert_eq!(cleared, serde_json::json!({ "fault": null }));
    let (code, err) = run_to_end(batch(&addr, &d, "m.csv", "r2.jsonl", &[]));
    assert_eq!(code, 0, "{err}");
    let r2 = results(&d.join("r2.jsonl"));
    assert_eq!(r2.iter().filter(|r| r["outcome"] == "already done").count(), done_before);
    assert_eq!(r2.iter().filter(|r| r["outcome"] == "enrolled").count(), skipped);
    let (uploads, users) = counts(&addr);
    assert!(uploads.values().all(|n| *n == 1), "{uploads:?}");
    assert_eq!(users.values().filter(|n| **n == 1).count(), 12);
}

#[test]
fn bad_rows_are_reported_with_their_row_and_never_stop_the_batch() {
    let (_keep, d) = setup(4);
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces/astronaut.png"),
        d.join("small-face.png"),
    )
    .unwrap();
    std::fs::write(d.join("not-an-image.jpg"), b"hello, I am text").unwrap();
    std::fs::copy(d.join("p002.jpg"), d.join("copy-of-2.jpg")).unwrap();
    let csv = "user_id,image\n\
               good-1,p000.jpg\n\
               ,too,many\n\
               lonely,\n\
               not valid!,p001.jpg\n\
               ,missing.jpg\n\
               ,not-an-image.jpg\n\
               ,small-face.png\n\
               ,/etc/hostname\n\
               ,../outside.jpg\n\
               twin,p001.jpg\n\
               twin,p003.jpg\n\
               ,p002.jpg\n\
               ,copy-of-2.jpg\n\
               good-2,./sub/../p003.jpg\n";
    std::fs::write(d.join("bad.csv"), csv).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    let (_fake, addr) = start_fake();
    let (code, err) = run_to_end(batch(&addr, &d, "bad.csv", "r.jsonl", &[]));
    assert_eq!(code, 2, "some rows failed: {err}");
    let r = results(&d.join("r.jsonl"));
    assert_eq!(r.len(), 14, "{r:?}");
    let of = |row: u64| r.iter().find(|x| x["row"] == row).unwrap_or_else(|| panic!("row {row}"));
    let failed = |row: u64, words: &str| {
        let x = of(row);
        assert_eq!(x["outcome"], "failed", "{x}");
        let reason = x["reason"].as_str().unwrap();
        assert!(reason.contains(words), "row {row}: {reason}");
    };
    assert_eq!(of(2)["outcome"], "enrolled");
    failed(3, "3 fields; the header has 2");
    failed(4, "image path is empty");
    failed(5, "user_id may only hold");
    failed(6, "does not exist");
    failed(7, "cannot be used");
    failed(8, "85");
    // Nothing was made for a row that failed its checks: no user_id to report.
    assert!(of(7)["user_id"].is_null() && of(8)["user_id"].is_null(), "{r:?}");
    failed(9, "relative");
    failed(10, "out of the manifest's folder");
    failed(11, "same user_id is also given at row 12");
    failed(12, "same user_id is also given at row 11");
    failed(13, "identical bytes");
    failed(14, "identical bytes");
    // Row 15 names p003.jpg, as row 12 does: the same image twice.
    failed(15, "same image is also listed at row 12");
    // Only row 2 reached the service.
    let (uploads, users) = counts(&addr);
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(users.keys().collect::<Vec<_>>(), ["good-1"]);
}
