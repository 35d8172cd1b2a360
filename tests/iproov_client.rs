//! The iProov client against the local fake: happy path (in-process and with the fake on its
//! own runtime thread, over loopback), every documented error code as its typed error,
//! token expiry on an injected clock, already_enrolled, validate once, retries, and the
//! headless `enrol` / `validate` commands.

// Test helpers outside #[test] fns: a panic there is a failed test, not a crashed kiosk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use enrol_kiosk::records::cli::FileArgs;
use std::net::SocketAddr;
use std::time::Duration;

use enrol_kiosk::iproov::fake::{
    AnswerShape, FAKE_API_KEY, FAKE_SECRET, FakeHandle, FakeIproov, FakeOptions, FaultKind,
    ManualClock, ScanOutcome,
};
use enrol_kiosk::iproov::journey::{self, JourneyError};
use enrol_kiosk::iproov::{
    ApiErrorCode, AssuranceType, Call, ImageSource, IproovClient, IproovConfig, IproovError,
    Secret, UserId,
};
use enrol_kiosk::records::{DocumentFacts, EnrolmentStatus, Store};

const FACE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg");

fn face() -> Vec<u8> {
    std::fs::read(FACE).unwrap()
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn config_for(base_url: String) -> IproovConfig {
    IproovConfig {
        base_url: Some(base_url),
        api_key: Secret::new(FAKE_API_KEY),
        secret: Secret::new(FAKE_SECRET),
        timeout_secs: 2,
        token_attempts: 3,
        backoff_ms: 5,
        ..IproovConfig::default()
    }
}

fn client_for(fake: &FakeHandle) -> IproovClient {
    IproovClient::new(config_for(fake.base_url())).unwrap()
}

async fn full_sequence(client: &IproovClient, fake: &FakeHandle) {
    let user = UserId::generate();
    let enrol = client.enrol_token(&user).await.unwrap();
    assert_eq!(enrol.token.len(), 64);
    assert!(enrol.token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(enrol.user_id.as_deref(), Some(user.as_str()));
    let img = client.enrol_image(&enrol.token, &face(), ImageSource::Eid).await.unwrap();
    assert!(img.success);
    assert!(fake.user(user.as_str()).unwrap().active);
    let verify = client.verify_token(&user).await.unwrap();
    assert_ne!(verify.token, enrol.token);
    fake.complete_scan(&verify.token, ScanOutcome::Passed).unwrap();
    let v = client.validate(&user, &verify.token).await.unwrap();
    assert!(v.passed);
    assert_eq!(v.reason, None);
}

#[tokio::test]
async fn happy_path_in_process() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    assert!(client.availability().await.unwrap());
    full_sequence(&client, &fake).await;
}

#[test]
fn happy_path_over_loopback_with_fake_on_its_own_runtime() {
    // The fake runs as a separate service (own thread and runtime); the client reaches it
    // through "localhost" and the [::1] address only via the loopback network.
    let fake = FakeIproov::spawn_thread(any_port(), FakeOptions::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let base = format!("http://localhost:{}/api/v2", fake.addr().port());
    let client = IproovClient::new(config_for(base)).unwrap();
    rt.block_on(full_sequence(&client, &fake));
}

#[tokio::test]
async fn failed_scan_reason_in_both_places_and_frame_available_as_string() {
    for shape in [
        AnswerShape::default(),
        AnswerShape { reason_under_result: true, frame_available_as_string: true },
    ] {
        let opts = FakeOptions { shape, ..FakeOptions::default() };
        let fake = FakeIproov::start_with(any_port(), opts).await.unwrap();
        let client = client_for(&fake);
        let user = UserId::generate();
        let t = client.enrol_token(&user).await.unwrap();
        client.enrol_image(&t.token, &face(), ImageSource::Oid).await.unwrap();
        let vt = client.verify_token(&user).await.unwrap();
        fake.complete_scan(
            &vt.token,
            ScanOutcome::Failed { reason: Some("Please Keep Still".into()) },
        )
        .unwrap();
        let v = client.validate(&user, &vt.token).await.unwrap();
        assert!(!v.passed);
        assert_eq!(v.reason.as_deref(), Some("Please Keep Still"), "{shape:?}");
        assert_eq!(v.frame_available, Some(false));
    }
}

#[tokio::test]
async fn already_enrolled_and_no_user_and_inactive_user() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);

    let stranger = UserId::generate();
    let e = client.verify_token(&stranger).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::NoUser), "{e}");

    let user = UserId::generate();
    let t = client.enrol_token(&user).await.unwrap();
    // Enrol token issued but no image yet: the user exists, inactive.
    let e = client.verify_token(&user).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InactiveUser), "{e}");

    client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap();
    let e = client.enrol_token(&user).await.unwrap_err();
    assert!(
        matches!(
            &e,
            IproovError::Api {
                call: Call::EnrolToken,
                status: 400,
                code: ApiErrorCode::AlreadyEnrolled,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("already enrolled"), "{e}");
    // Not retried: a 400 is an answer.
    assert_eq!(fake.requests(Call::EnrolToken), 2);
}

#[tokio::test]
async fn an_enrol_token_registers_one_image_only() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();
    let t = client.enrol_token(&user).await.unwrap();
    client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap();
    let e = client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
    assert_eq!(fake.user(user.as_str()).unwrap().images, 1);
}

#[tokio::test]
async fn expired_tokens_on_the_injected_clock() {
    let clock = ManualClock::new();
    let opts = FakeOptions { clock: clock.clone(), ..FakeOptions::default() };
    let fake = FakeIproov::start_with(any_port(), opts).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();

    // Enrol token: still good at exactly 2 minutes, refused after.
    let t = client.enrol_token(&user).await.unwrap();
    clock.advance(Duration::from_secs(121));
    let e = client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
    assert!(e.to_string().contains("expired"), "{e}");
    assert!(!fake.user(user.as_str()).unwrap().active);

    let t = client.enrol_token(&user).await.unwrap();
    clock.advance(Duration::from_secs(120));
    client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap();

    // Verify token: the scan cannot be claimed after 2 minutes; validate then refuses.
    let vt = client.verify_token(&user).await.unwrap();
    clock.advance(Duration::from_secs(121));
    let r = fake.complete_scan(&vt.token, ScanOutcome::Passed).unwrap_err();
    assert_eq!(r.code, ApiErrorCode::InvalidToken);
    let e = client.validate(&user, &vt.token).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
}

#[tokio::test]
async fn validate_twice_is_refused_by_the_fake_and_never_attempted_by_the_journey() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).unwrap();
    let user = UserId::generate();
    let started = journey::enrol(
        &client,
        &store,
        &user,
        &face(),
        ImageSource::Eid,
        &DocumentFacts::default(),
    )
    .await
    .unwrap();
    fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();

    let out = journey::validate(&client, &store, &user, &started.verify_token).await.unwrap();
    assert_eq!(out.passed, Some(true));
    assert_eq!(fake.requests(Call::Validate), 1);

    // The journey refuses from the record, without a request.
    let e = journey::validate(&client, &store, &user, &started.verify_token).await.unwrap_err();
    assert!(matches!(e, JourneyError::NotAllowed { status: EnrolmentStatus::Passed, .. }), "{e:?}");
    assert_eq!(fake.requests(Call::Validate), 1);

    // Sent anyway (bypassing the journey), the fake refuses a second validate.
    let e = client.validate(&user, &started.verify_token).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
    assert_eq!(fake.requests(Call::Validate), 2);
    // And the record still holds the one true outcome.
    let rec = store.get(user.as_str()).unwrap().unwrap();
    assert_eq!(rec.status, EnrolmentStatus::Passed);
    assert_eq!(rec.passed, Some(true));
}

#[tokio::test]
async fn validate_before_the_scan_and_with_the_wrong_user() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();
    let t = client.enrol_token(&user).await.unwrap();
    client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap();
    let vt = client.verify_token(&user).await.unwrap();
    let e = client.validate(&user, &vt.token).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
    fake.complete_scan(&vt.token, ScanOutcome::Passed).unwrap();
    let other = UserId::generate();
    let e = client.validate(&other, &vt.token).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidValidation), "{e}");
    assert!(client.validate(&user, &vt.token).await.unwrap().passed);
}

#[tokio::test]
async fn wrong_credentials_give_invalid_key_without_retry() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let mut cfg = config_for(fake.base_url());
    cfg.secret = Secret::new("x".repeat(40));
    let client = IproovClient::new(cfg).unwrap();
    let e = client.enrol_token(&UserId::generate()).await.unwrap_err();
    assert!(
        matches!(&e, IproovError::Api { status: 401, code: ApiErrorCode::InvalidKey, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("credentials or region"), "{e}");
    assert_eq!(fake.requests(Call::EnrolToken), 1);
}

#[tokio::test]
async fn assurance_type_and_risk_profile_refusals() {
    let opts =
        FakeOptions { assurance_types: vec!["genuine_presence".into()], ..FakeOptions::default() };
    let fake = FakeIproov::start_with(any_port(), opts).await.unwrap();
    let mut cfg = config_for(fake.base_url());
    cfg.assurance_type = AssuranceType::Liveness;
    let e = IproovClient::new(cfg).unwrap().enrol_token(&UserId::generate()).await.unwrap_err();
    assert!(
        matches!(
            &e,
            IproovError::Api { status: 403, code: ApiErrorCode::InvalidAssuranceType, .. }
        ),
        "{e:?}"
    );
    let mut cfg = config_for(fake.base_url());
    cfg.risk_profile = Some("not_configured".into());
    let e = IproovClient::new(cfg).unwrap().enrol_token(&UserId::generate()).await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidRiskAppetite), "{e}");
    let mut cfg = config_for(fake.base_url());
    cfg.risk_profile = Some("low_risk".into());
    let g = IproovClient::new(cfg).unwrap().enrol_token(&UserId::generate()).await.unwrap();
    assert_eq!(g.risk_profile.as_deref(), Some("low_risk"));
}

/// Every documented code, answered by the service at each call, comes back as that typed
/// error with its HTTP status and a staff sentence.
#[tokio::test]
async fn every_documented_error_code_is_a_typed_error() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();
    for code in ApiErrorCode::DOCUMENTED {
        let status = code.http_status();
        // Token call: 429/5xx are retried (all attempts get the fault), others are not.
        fake.set_fault(Call::EnrolToken, FaultKind::Respond(code.clone()), None);
        let before = fake.requests(Call::EnrolToken);
        let e = client.enrol_token(&user).await.unwrap_err();
        match &e {
            IproovError::Api { call, status: s, code: c, .. } => {
                assert_eq!((*call, *s, c), (Call::EnrolToken, status, &code));
            }
            other => panic!("{code}: {other:?}"),
        }
        assert!(e.to_string().contains(code.staff_message()), "{e}");
        let expected_attempts = if status == 429 || status >= 500 { 3 } else { 1 };
        assert_eq!(fake.requests(Call::EnrolToken) - before, expected_attempts, "{code}");
        fake.clear_faults();

        // Validate: never retried; a 5xx leaves the outcome unknown.
        fake.set_fault(Call::Validate, FaultKind::Respond(code.clone()), None);
        let before = fake.requests(Call::Validate);
        let e = client.validate(&user, &"0".repeat(64)).await.unwrap_err();
        assert_eq!(fake.requests(Call::Validate) - before, 1, "{code}");
        if status >= 500 {
            assert!(e.is_outcome_unknown(), "{code}: {e:?}");
        } else {
            assert_eq!(e.code(), Some(&code), "{code}: {e:?}");
        }
        fake.clear_faults();
    }
    // Staff sentences are distinct and non-empty.
    let mut seen = std::collections::HashSet::new();
    for code in ApiErrorCode::DOCUMENTED {
        assert!(seen.insert(code.staff_message()), "{code}");
    }
}

#[tokio::test]
async fn token_calls_retry_429_and_500_then_succeed() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();
    fake.set_fault(Call::EnrolToken, FaultKind::TooManyRequests, Some(2));
    client.enrol_token(&user).await.unwrap();
    assert_eq!(fake.requests(Call::EnrolToken), 3);
    fake.set_fault(Call::EnrolToken, FaultKind::ServerError, Some(1));
    client.enrol_token(&user).await.unwrap();
    assert_eq!(fake.requests(Call::EnrolToken), 5);
    // Connect failure: nothing listens → Unreachable after all attempts.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = IproovClient::new(config_for(format!("http://{dead}/api/v2"))).unwrap();
    let e = client.enrol_token(&user).await.unwrap_err();
    assert!(matches!(e, IproovError::Unreachable { .. }), "{e:?}");
    let e = client.enrol_image(&"0".repeat(64), &face(), ImageSource::Eid).await.unwrap_err();
    assert!(matches!(e, IproovError::Unreachable { .. }), "not sent is not unknown: {e:?}");
}

#[test]
fn insecure_base_url_is_refused() {
    let cfg = config_for("http://192.0.2.1/api/v2".into());
    let e = IproovClient::new(cfg).unwrap_err();
    assert!(e.to_string().contains("not HTTPS"), "{e}");
    let cfg = config_for("https://eu.rp.secure.iproov.me/api/v2".into());
    assert!(IproovClient::new(cfg).is_ok());
}

#[tokio::test]
async fn oversize_or_unknown_images_are_refused_before_sending() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let mut big = face();
    big.resize(2_000_001, 0);
    let e = client.enrol_image(&"0".repeat(64), &big, ImageSource::Eid).await.unwrap_err();
    assert!(matches!(e, IproovError::Invalid { .. }), "{e:?}");
    let e = client.enrol_image(&"0".repeat(64), b"GIF89a....", ImageSource::Eid).await.unwrap_err();
    assert!(matches!(e, IproovError::Invalid { .. }), "{e:?}");
    assert_eq!(fake.requests(Call::EnrolImage), 0);
}

#[test]
fn headless_enrol_and_validate_commands_write_records() {
    use enrol_kiosk::iproov::cli::{EnrolArgs, ValidateArgs, run_enrol, run_validate};
    let fake = FakeIproov::spawn_thread(any_port(), FakeOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    let db = dir.path().join("records.db");
    std::fs::write(
        &cfg,
        format!(
            "[iproov]\nbase_url = \"{}\"\napi_key = \"{FAKE_API_KEY}\"\nsecret = \"{FAKE_SECRET}\"\n\
             [records]\npath = \"{}\"\n",
            fake.base_url(),
            db.display()
        ),
    )
    .unwrap();
    let user = UserId::generate();
    let code = run_enrol(EnrolArgs {
        image: FACE.into(),
        source: ImageSource::Eid,
        user_id: Some(user.to_string()),
        json: true,
        files: FileArgs { config: Some(cfg.clone()), db: None },
    });
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let store = Store::open(&db).unwrap();
    let rec = store.get(user.as_str()).unwrap().unwrap();
    assert_eq!(rec.status, EnrolmentStatus::ReadyForScan);
    // No document stood behind this image: the record says who vouched for it.
    assert_eq!(rec.enrol_policy.as_deref(), Some("operator_cli"));
    assert_eq!(rec.authenticity, None);
    let token = rec.verify_token.clone().unwrap();
    fake.complete_scan(&token, ScanOutcome::Failed { reason: Some("too_dark".into()) }).unwrap();
    let validate = |json| {
        run_validate(ValidateArgs {
            user_id: user.to_string(),
            token: token.clone(),
            json,
            files: FileArgs { config: Some(cfg.clone()), db: None },
        })
    };
    // A failed scan is a completed sequence: exit 0.
    assert_eq!(validate(true), std::process::ExitCode::SUCCESS);
    let rec = store.get(user.as_str()).unwrap().unwrap();
    assert_eq!((rec.status, rec.passed), (EnrolmentStatus::Failed, Some(false)));
    assert_eq!(rec.reason.as_deref(), Some("too_dark"));
    // Second validate: refused from the record, non-zero, no request.
    assert_eq!(validate(false), std::process::ExitCode::FAILURE);
    assert_eq!(fake.requests(Call::Validate), 1);
    // A bad user_id is refused before anything.
    let code = run_enrol(EnrolArgs {
        image: FACE.into(),
        source: ImageSource::Eid,
        user_id: Some("has space".into()),
        json: false,
        files: FileArgs { config: Some(cfg), db: None },
    });
    assert_eq!(code, std::process::ExitCode::FAILURE);
}

#[tokio::test]
async fn invalidate_ends_a_verify_token_claim() {
    let fake = FakeIproov::start(any_port()).await.unwrap();
    let client = client_for(&fake);
    let user = UserId::generate();
    let t = client.enrol_token(&user).await.unwrap();
    client.enrol_image(&t.token, &face(), ImageSource::Eid).await.unwrap();
    let vt = client.verify_token(&user).await.unwrap();
    assert!(client.invalidate(&vt.token, "customer left").await.unwrap());
    assert!(fake.complete_scan(&vt.token, ScanOutcome::Passed).is_err());
    let e = client.invalidate(&"1".repeat(64), "x").await.unwrap_err();
    assert_eq!(e.code(), Some(&ApiErrorCode::InvalidToken), "{e}");
}

const FAKE_CHILD_ENV: &str = "EK_FAKE_IPROOV_CHILD_LISTEN";

/// `fake-iproov --listen ADDR` as its own process (this test binary re-run as the child),
/// and the client speaking to it over loopback, the scan completed through the control
/// endpoint.
#[test]
fn fake_iproov_command_serves_another_process_over_loopback() {
    use enrol_kiosk::iproov::cli::{FakeIproovArgs, run_fake_iproov};
    if let Ok(listen) = std::env::var(FAKE_CHILD_ENV) {
        let code = run_fake_iproov(FakeIproovArgs {
            listen: listen.parse().unwrap(),
            token_ttl_secs: 120,
        });
        assert_eq!(code, std::process::ExitCode::SUCCESS);
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fake_iproov_command_serves_another_process_over_loopback",
            "--test-threads=1",
        ])
        .env(FAKE_CHILD_ENV, &listen)
        .env_remove("IPROOV_API_KEY")
        .env_remove("IPROOV_SECRET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed however this test ends (the child would otherwise serve forever).
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let guard = KillOnDrop(child);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let result = rt.block_on(async {
        let client = IproovClient::new(config_for(format!("http://{listen}/api/v2"))).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while client.availability().await.is_err() {
            assert!(std::time::Instant::now() < deadline, "fake never came up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let user = UserId::generate();
        let t = client.enrol_token(&user).await.unwrap();
        client.enrol_image(&t.token, &face(), ImageSource::Selfie).await.unwrap();
        let vt = client.verify_token(&user).await.unwrap();
        let scan = client.scan_url(&vt.token);
        assert_eq!(scan, format!("http://{listen}/scan/{}", vt.token));
        let page = reqwest::get(&scan).await.unwrap().text().await.unwrap();
        assert!(page.contains("Simulate pass"));
        let r = reqwest::Client::new()
            .post(format!("http://{listen}/control/scan/{}", vt.token))
            .json(&serde_json::json!({"outcome": "failed", "reason": "sunglasses"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        client.validate(&user, &vt.token).await
    });
    drop(guard);
    let v = result.unwrap();
    assert!(!v.passed);
    assert_eq!(v.reason.as_deref(), Some("sunglasses"));
}
