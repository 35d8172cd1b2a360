//! The kiosk's face-scan page: served once, SDK events accepted only with the
//! per-scan secret, an event ends the scan but validate decides; SDK files from the
//! operator's folder, nothing outside it; only its own host is answered, with a
//! Content-Security-Policy, and unfinished pages are purged.

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

/// One raw HTTP/1.1 request over TLS to the page (trusting its certificate only), exactly as
/// written (the `Host` header included); the whole answer as text.
fn raw_https(cert: &[u8], addr: SocketAddr, request: &str) -> String {
    use std::io::{Read, Write};
    use std::sync::Arc;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(cert.to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    // The server closes after answering (`Connection: close`); how it closes does not matter.
    let _ = tls.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn page_only_kiosk(dir: &std::path::Path) -> (enrol_kiosk::iproov::fake::FakeHandle, Executor) {
    let fake =
        FakeIproov::spawn_thread(SocketAddr::from(([127, 0, 0, 1], 0)), FakeOptions::default())
            .unwrap();
    let card = DemoCard::new(Profile::demo().unwrap());
    let scan = ScanControl::Page { browser: vec![], sdk_dir: None };
    let (exec, _inputs) =
        Executor::with_services(Box::new(card), services(&fake, dir), scan).unwrap();
    (fake, exec)
}

#[test]
fn the_page_answers_only_its_own_host_with_a_content_security_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (_fake, exec) = page_only_kiosk(dir.path());
    let page = exec.scan_page().unwrap();
    let cert = exec.scan_page_cert().unwrap().to_vec();
    let addr = exec.scan_page_addr().unwrap();
    let url = page.open(1, "token");
    let path = url.split_once(&addr.to_string()).unwrap().1.to_owned();
    let get = |host: &str| {
        raw_https(
            &cert,
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    // A DNS name rebound to 127.0.0.1, another port, or no port: refused, nothing served.
    let port = addr.port();
    for host in ["evil.example", &format!("evil.example:{port}"), "127.0.0.1:1", "127.0.0.1"] {
        let answer = get(host);
        assert!(answer.starts_with("HTTP/1.1 421"), "{host}: {answer}");
        assert!(!answer.contains("iproov-me"), "{answer}");
    }
    assert_eq!(page.progress(&url), Some(ScanProgress::Waiting), "not served to a wrong host");
    let answer = get(&format!("localhost:{port}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header in {head}"))
            .to_owned()
    };
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-frame-options"), "deny");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'") && !csp.contains(" 'unsafe-eval'"), "{csp}");
    // Every inline script carries this response's nonce; none runs without it.
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert_eq!(nonce.len(), 32, "{csp}");
    assert_eq!(
        body.matches("<script").count(),
        body.matches(&format!("<script nonce=\"{nonce}\">")).count()
    );
    assert_eq!(body.matches("<script").count(), 2, "the stand-in and the page's own script");
    // The page's region may be reached (HTTPS and its WebSocket), nothing else.
    assert!(csp.contains("connect-src 'self' http://127.0.0.1:"), "{csp}");
}

#[test]
fn unfinished_scan_pages_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let (_fake, exec) = page_only_kiosk(dir.path());
    let page = exec.scan_page().unwrap();
    let cert = exec.scan_page_cert().unwrap().to_vec();
    // A new scan replaces an unfinished one.
    let first = page.open(1, "token-1");
    let second = page.open(2, "token-2");
    assert_eq!(page.progress(&first), None);
    assert_eq!(http(&cert, "GET", &first, None, "").0, 404);
    // The workflow leaving the scan (cancel, New customer, idle) purges it.
    assert_eq!(page.progress(&second), Some(ScanProgress::Waiting));
    page.close_browser();
    assert_eq!(page.progress(&second), None);
    assert_eq!(http(&cert, "GET", &second, None, "").0, 404);
    // An ended scan stays known (its page is no longer served either way).
    let third = page.open(3, "token-3");
    let (status, body) = http(&cert, "GET", &third, None, "");
    assert_eq!(status, 200);
    let secret = body.split("'x-scan-secret':'").nth(1).unwrap().split('\'').next().unwrap();
    let event = third.replace("/scan/", "/event/");
    assert_eq!(http(&cert, "POST", &event, Some(secret), r#"{"event":"passed"}"#).0, 204);
    page.close_browser();
    assert_eq!(page.progress(&third), Some(ScanProgress::Ended));
}
