//! The kiosk's face-scan page (issue 5 §4): served once, SDK events accepted only with the
//! per-scan secret, an event ends the scan but validate decides; SDK files from the
//! operator's folder, nothing outside it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::services;
use enrol_kiosk::enrol::scan_page::ScanProgress;
use enrol_kiosk::enrol::{DemoCard, Executor, ScanControl, headless};
use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions, ScanOutcome};
use enrol_kiosk::sim::Profile;
use zeroize::Zeroizing;

/// One request to the page, trusting only the page's own certificate (it serves HTTPS only).
fn http(cert: &[u8], method: &str, url: &str, secret: Option<&str>, body: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cert = reqwest::Certificate::from_der(cert).unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder().add_root_certificate(cert).build().unwrap();
        let mut r = if method == "GET" { c.get(url) } else { c.post(url).body(body.to_owned()) };
        if let Some(s) = secret {
            r = r.header("x-scan-secret", s).header("content-type", "application/json");
        }
        let resp = r.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

#[test]
fn page_events_end_the_scan_only_with_the_secret_and_validate_decides() {
    let dir = tempfile::tempdir().unwrap();
    let common::PageKiosk { fake, mut exec, inputs, mrz } = common::page_kiosk(dir.path());
    let out = headless::run(
        &mut exec,
        &inputs,
        Zeroizing::new(mrz),
        |exec| {
            let url = exec.scan_page_url().unwrap().to_owned();
            assert!(url.starts_with("https://127.0.0.1:"), "{url}");
            let cert = exec.scan_page_cert().unwrap().to_vec();
            let chromium =
                exec.scan_browser_command(&["/usr/bin/chromium".into(), "--kiosk".into()]);
            assert!(
                chromium[2].starts_with("--ignore-certificate-errors-spki-list="),
                "{chromium:?}"
            );
            assert_eq!(exec.scan_browser_command(&["xdg-open".into()]), ["xdg-open"]);
            let token = exec.scan_token().unwrap().to_owned();
            let progress = |exec: &Executor| exec.scan_page().unwrap().progress(&url);
            assert_eq!(progress(exec), Some(ScanProgress::Waiting));
            let (status, page) = http(&cert, "GET", &url, None, "");
            assert_eq!(status, 200);
            assert_eq!(progress(exec), Some(ScanProgress::Opened));
            assert!(page.contains(&format!("<iproov-me token=\"{token}\"")), "{page}");
            assert!(page.contains("kiosk_mode=\"true\""));
            let origin = fake.base_url().trim_end_matches("/api/v2").to_owned();
            assert!(page.contains(&format!("base_url=\"{origin}\"")), "SDK gets the origin");
            assert!(page.contains("Simulate pass"), "stand-in element without an SDK folder");
            assert_eq!(http(&cert, "GET", &url, None, "").0, 410, "the page is served once");
            let secret =
                page.split("'x-scan-secret':'").nth(1).unwrap().split('\'').next().unwrap();
            let event_url = url.replace("/scan/", "/event/");
            let passed = r#"{"event":"passed"}"#;
            assert_eq!(
                http(&cert, "POST", &event_url, Some("0".repeat(64).as_str()), passed).0,
                403
            );
            // The SDK talks to iProov; here the fake records the scan as failed. The page
            // says "passed", but validate asks the service, so the result is a failure.
            fake.complete_scan(&token, ScanOutcome::Failed { reason: None }).unwrap();
            assert_eq!(
                http(&cert, "POST", &event_url, Some(secret), r#"{"event":"progress"}"#).0,
                204
            );
            assert_eq!(progress(exec), Some(ScanProgress::Opened), "no final event yet");
            assert_eq!(http(&cert, "POST", &event_url, Some(secret), passed).0, 204);
            assert_eq!(progress(exec), Some(ScanProgress::Ended));
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(!out.passed, "a browser event never decides the outcome");
    assert_eq!(out.stages.last(), Some(&"result"));
}

#[test]
fn sdk_files_come_only_from_the_operators_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = dir.path().join("sdk");
    std::fs::create_dir(&sdk).unwrap();
    std::fs::write(sdk.join("iProovMe.js"), "/* sdk */").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "nope").unwrap();
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let card = DemoCard::new(Profile::demo().unwrap());
    let scan = ScanControl::Page { browser: vec![], sdk_dir: Some(sdk) };
    let (exec, _inputs) =
        Executor::with_services(Box::new(card), services(&fake, dir.path()), scan).unwrap();
    let cert = exec.scan_page_cert().unwrap().to_vec();
    let base = format!("https://{}", exec.scan_page_addr().unwrap());
    assert_eq!(
        http(&cert, "GET", &format!("{base}/sdk/iProovMe.js"), None, ""),
        (200, "/* sdk */".into())
    );
    assert_eq!(http(&cert, "GET", &format!("{base}/sdk/..%2Fsecret.txt"), None, "").0, 404);
    assert_eq!(http(&cert, "GET", &format!("{base}/sdk/../secret.txt"), None, "").0, 404);
    assert_eq!(http(&cert, "GET", &format!("{base}/sdk/.hidden"), None, "").0, 404);
    assert_eq!(http(&cert, "GET", &format!("{base}/scan/unknown"), None, "").0, 404);
    // With the operator's SDK the page has no stand-in: `?simulate=` means nothing there.
    let url = exec.scan_page().unwrap().open(1, "token");
    let (status, page) = http(&cert, "GET", &format!("{url}?simulate=passed"), None, "");
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"/sdk/iProovMe.js\"></script>"), "{page}");
    assert!(!page.contains("simulate") && !page.contains("Simulate"), "{page}");
}
