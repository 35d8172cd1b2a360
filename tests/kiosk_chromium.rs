//! The kiosk's face-scan page in a real headless Chromium: with the command the
//! kiosk builds, the page loads over HTTPS, the stand-in element's event reaches the kiosk
//! with the per-scan secret and ends the scan, and validate decides the outcome; without the
//! certificate pin Chromium refuses the page; a second load is refused by the page itself.
//! The kiosk's browser gets the page by a private start page: no process's command line
//! holds the page's URL or id.
//!
//! Chromium is installed by scripts/setup.sh (Debian's `chromium`); a missing browser is a
//! failure, not a skip. The stand-in is driven without clicks by its `?simulate=` parameter
//! (stand-in only). Every Chromium started here is killed at the end, even on failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::services;
use enrol_kiosk::enrol::browser::PROFILE_PREFIX;
use enrol_kiosk::enrol::scan_page::ScanProgress;
use enrol_kiosk::enrol::{DemoCard, Executor, ScanControl, headless};
use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions, ScanOutcome};
use enrol_kiosk::records::EnrolmentStatus;
use enrol_kiosk::sim::Profile;
use zeroize::Zeroizing;

/// Chromium from PATH (Debian: `chromium`; elsewhere maybe `chromium-browser`).
fn chromium() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p.to_string_lossy().into_owned();
            }
        }
    }
    panic!("Chromium is not installed (no `chromium` on PATH): run scripts/setup.sh");
}

/// The operator's command as a test runs it: headless, and what this sandbox needs (root
/// needs `--no-sandbox`; no background traffic, no QUIC).
fn headless_chromium() -> Vec<String> {
    [
        chromium().as_str(),
        "--headless",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,800",
        "--hide-scrollbars",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Processes whose command line contains `needle` (e.g. the page's certificate pin).
fn processes_with(needle: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) && pid != std::process::id() {
            out.push((pid, cmd));
        }
    }
    out
}

fn kill(target: &str) {
    let _ = Command::new("kill").args(["-KILL", "--", target]).stderr(Stdio::null()).status();
}

/// Kills, when dropped, every process started with the kiosk's pin and every process group
/// this test started, whatever happened before.
struct Reaper {
    pin: String,
    groups: Vec<u32>,
}

impl Drop for Reaper {
    fn drop(&mut self) {
        for g in &self.groups {
            kill(&format!("-{g}"));
        }
        for (pid, _) in processes_with(&self.pin) {
            kill(&pid.to_string());
        }
    }
}

/// Runs `cmd` with `--dump-dom` on `url` in a process group of its own and a fresh profile;
/// returns (DOM, stderr, time taken). Killed after 15 s.
fn dump_dom(reaper: &mut Reaper, cmd: &[String], url: &str) -> (String, String, Duration) {
    run_headless(reaper, cmd, "--dump-dom", url)
}

/// Runs `cmd` with `action` (`--dump-dom`, `--screenshot=…`) on `url`, see [`dump_dom`].
fn run_headless(
    reaper: &mut Reaper,
    cmd: &[String],
    action: &str,
    url: &str,
) -> (String, String, Duration) {
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let t = Instant::now();
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([action, url])
        // Chromium's crash database follows XDG_CONFIG_HOME, not the profile: keep it here.
        .env("XDG_CONFIG_HOME", profile.path().join("config"))
        .env("XDG_CACHE_HOME", profile.path().join("cache"))
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    reaper.groups.push(child.id());
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "chromium --dump-dom did not finish in 15 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = t.elapsed();
    kill(&format!("-{}", child.id()));
    let read = |f: &tempfile::NamedTempFile| std::fs::read_to_string(f.path()).unwrap();
    (read(&out), read(&err), took)
}

/// The `--user-data-dir` of the process `pid`, once it shows.
fn profile_of(pid: u32) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let found = String::from_utf8_lossy(&cmd)
            .split('\0')
            .find_map(|a| a.strip_prefix("--user-data-dir=").map(PathBuf::from));
        if let Some(p) = found {
            return p;
        }
        assert!(Instant::now() < deadline, "the kiosk's browser shows no --user-data-dir");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn chromium_loads_the_pinned_page_posts_the_event_and_validate_decides() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // The kiosk opens the page itself below (with a URL parameter for the stand-in).
    let common::PageKiosk { fake, mut exec, inputs, mrz } = common::page_kiosk(dir.path());
    let cmd = headless_chromium();
    let pinned = exec.scan_browser_command(&cmd);
    let pin = pinned.last().unwrap().clone();
    assert!(pin.starts_with("--ignore-certificate-errors-spki-list="), "{pinned:?}");
    let mut reaper = Reaper { pin: pin.clone(), groups: Vec::new() };
    let mut kiosk_browser: Option<(u32, PathBuf)> = None;
    let mut launched = None;
    let mut timings = None;

    let out = headless::run(
        &mut exec,
        &inputs,
        Zeroizing::new(mrz),
        |exec| {
            let url = exec.scan_page_url().unwrap().to_owned();
            let token = exec.scan_token().unwrap().to_owned();

            // Without the pin Chromium refuses the certificate: nothing else trusts it.
            let (dom, err, took) = dump_dom(&mut reaper, &cmd, &url);
            assert!(err.contains("ERR_CERT_AUTHORITY_INVALID"), "{err}");
            assert!(!dom.contains("iproov-me"), "{dom}");
            let page = exec.scan_page().unwrap();
            assert_eq!(page.progress(&url), Some(ScanProgress::Waiting), "nothing served");
            eprintln!("chromium without the pin refused the page in {took:?}");

            // The service records a failed scan; the stand-in will say "passed".
            fake.complete_scan(&token, ScanOutcome::Failed { reason: None }).unwrap();
            // The kiosk starts its browser (pin and a profile of its own) on the page. The
            // page was not served to the refused browser, so this load gets it.
            launched = Some(Instant::now());
            page.launch(&cmd, &format!("{url}?simulate=passed")).unwrap();
            let pid = page.browser_pid().unwrap();
            let profile = profile_of(pid);
            // No process shows the page's URL or id on its command line (every local user
            // can read those): the browser was handed a private start page instead.
            let id = url.rsplit('/').next().unwrap().to_owned();
            let cmdline = String::from_utf8(std::fs::read(format!("/proc/{pid}/cmdline")).unwrap())
                .unwrap()
                .replace('\0', " ");
            assert!(!cmdline.contains(&id) && !cmdline.contains("/scan/"), "{cmdline}");
            assert!(cmdline.contains(&format!("file://{}/start.html", profile.display())));
            // Crash dumps and caches go into that folder too.
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
            let config = format!("XDG_CONFIG_HOME={}", profile.join("config").display());
            assert!(String::from_utf8_lossy(&env).split('\0').any(|v| v == config));
            kiosk_browser = Some((pid, profile));
            // Times from the launch: the page served, the page's event heard.
            let t0 = launched.unwrap();
            let mut served = None;
            wait_until("the page's event", Duration::from_secs(10), || {
                let p = page.progress(&url);
                if served.is_none() && p != Some(ScanProgress::Waiting) {
                    served = Some(t0.elapsed());
                }
                p == Some(ScanProgress::Ended)
            });
            timings = Some((served.unwrap(), t0.elapsed()));
            // While the browser ran (its helpers included), no command line held the id.
            assert_eq!(processes_with(&id), Vec::new(), "the page id on a command line");
        },
        Duration::from_secs(15),
    )
    .unwrap();
    let to_result = launched.unwrap().elapsed();
    assert!(!out.passed, "the event said passed; validate asked the service: failed");
    assert_eq!(
        out.stages[out.stages.len() - 3..],
        ["face-scan", "validating", "result"],
        "the page's event ended the scan"
    );
    let rec = exec.services().store.get(&out.user_id).unwrap().unwrap();
    assert_eq!(rec.status, EnrolmentStatus::Failed);
    let url = exec.scan_page_url().unwrap().to_owned();
    let page = exec.scan_page().unwrap();
    assert_eq!(page.progress(&url), Some(ScanProgress::Ended));

    // The kiosk closes its browser when the scan ends and removes the profile folder.
    let (pid, profile) = kiosk_browser.unwrap();
    assert!(
        profile.file_name().unwrap().to_string_lossy().starts_with(PROFILE_PREFIX),
        "{profile:?}"
    );
    wait_until("closing the kiosk's browser", Duration::from_secs(5), || {
        processes_with(&pin).is_empty() && !Path::new(&format!("/proc/{pid}")).exists()
    });
    wait_until("removing its profile", Duration::from_secs(5), || !profile.exists());

    // A second load of the same URL, in the browser, with the pin: refused by the page.
    let (dom, err, took) = dump_dom(&mut reaper, &pinned, &url);
    assert!(dom.contains("already opened"), "{dom}\n{err}");
    assert!(!dom.contains("iproov-me") && !dom.contains("x-scan-secret"), "{dom}");
    eprintln!(
        "kiosk browser: launch to page served {:?}, to event {:?}, to result {to_result:?}; \
         pinned reload refused in {took:?}; test {:?}",
        timings.unwrap().0,
        timings.unwrap().1,
        started.elapsed()
    );
    drop(exec);
    drop(reaper);
}

/// The page as Chromium renders it for the customer (stand-in), kept in the target's test
/// folder (README shows a copy, tests/snapshots/scan-page-chromium.png); the background
/// shows it is the kiosk's page.
#[test]
fn chromium_renders_the_scan_page_in_the_kiosk_look() {
    let dir = tempfile::tempdir().unwrap();
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let card = DemoCard::new(Profile::demo().unwrap());
    let scan = ScanControl::Page { browser: vec![], sdk_dir: None };
    let (exec, _inputs) =
        Executor::with_services(Box::new(card), services(&fake, dir.path()), scan).unwrap();
    let page = exec.scan_page().unwrap();
    let url = page.open(1, "screenshot-token");
    let cmd = page.browser_command(&headless_chromium());
    let mut reaper = Reaper { pin: cmd.last().unwrap().clone(), groups: Vec::new() };
    let shot = dir.path().join("scan-page.png");
    let (_, err, took) =
        run_headless(&mut reaper, &cmd, &format!("--screenshot={}", shot.display()), &url);
    let img = image::open(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}): {err}")).to_rgb8();
    assert_eq!(img.dimensions(), (1280, 800));
    // The kiosk's light background in the corners (not Chromium's white error page).
    for (x, y) in [(2, 2), (1277, 2), (2, 797), (1277, 797)] {
        assert_eq!(img.get_pixel(x, y).0, [0xf8, 0xf8, 0xf8], "pixel at {x},{y}");
    }
    // The pass button's green is on the page.
    assert!(img.pixels().any(|p| p.0 == [0x1b, 0x6e, 0x2a]), "no green button");
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scan-page-chromium.png");
    std::fs::copy(&shot, &keep).unwrap();
    eprintln!("scan page rendered by chromium in {took:?}: {}", keep.display());
}
