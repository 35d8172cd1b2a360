//! Fault matrix: each of the four calls × each injected fault (delay past the timeout, 429,
//! 500, connection dropped, response lost after the state changed). Afterwards: exactly one
//! record, never a second image upload or validate, and the record's status true to what
//! the kiosk knows.

// Test helpers outside #[test] fns: a panic there is a failed test, not a crashed kiosk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use enrol_kiosk::iproov::fake::{
    FAKE_API_KEY, FAKE_SECRET, FakeHandle, FakeIproov, FaultKind, ScanOutcome,
};
use enrol_kiosk::iproov::journey::{self, JourneyError};
use enrol_kiosk::iproov::{Call, ImageSource, IproovClient, IproovConfig, Secret, UserId};
use enrol_kiosk::records::{DocumentFacts, EnrolmentStatus, Store};

const FACE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg");

fn faults() -> Vec<(&'static str, FaultKind)> {
    vec![
        ("delay", FaultKind::Delay(Duration::from_millis(1600))),
        ("429", FaultKind::TooManyRequests),
        ("500", FaultKind::ServerError),
        ("dropped", FaultKind::DropConnection),
        ("lost", FaultKind::LoseResponse),
    ]
}

struct Case {
    fake: FakeHandle,
    client: IproovClient,
    store: Store,
    user: UserId,
    _dir: tempfile::TempDir,
}

async fn case() -> Case {
    let fake = FakeIproov::start("127.0.0.1:0".parse::<SocketAddr>().unwrap()).await.unwrap();
    let client = IproovClient::new(IproovConfig {
        base_url: Some(fake.base_url()),
        api_key: Secret::new(FAKE_API_KEY),
        secret: Secret::new(FAKE_SECRET),
        timeout_secs: 1,
        token_attempts: 3,
        backoff_ms: 5,
        ..IproovConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("records.db")).unwrap();
    Case { fake, client, store, user: UserId::generate(), _dir: dir }
}

async fn enrol(c: &Case) -> Result<journey::EnrolStarted, JourneyError> {
    let image = std::fs::read(FACE).unwrap();
    journey::enrol(
        &c.client,
        &c.store,
        &c.user,
        &image,
        ImageSource::Eid,
        &DocumentFacts::default(),
    )
    .await
}

fn one_record(c: &Case, label: &str) -> enrol_kiosk::records::Enrolment {
    let all = c.store.list().unwrap();
    assert_eq!(all.len(), 1, "{label}: exactly one record");
    assert_eq!(all[0].user_id, c.user.as_str(), "{label}");
    all[0].clone()
}

async fn token_call_faults(call: Call) {
    for (name, kind) in faults() {
        let label = format!("{call} × {name}");
        let c = case().await;
        c.fake.set_fault(call, kind, Some(1));
        let started = enrol(&c).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(c.fake.requests(call), 2, "{label}: retried once");
        assert_eq!(c.fake.requests(Call::EnrolImage), 1, "{label}");
        c.fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
        let out =
            journey::validate(&c.client, &c.store, &c.user, &started.verify_token).await.unwrap();
        assert_eq!(out.passed, Some(true), "{label}");
        let r = one_record(&c, &label);
        assert_eq!(r.status, EnrolmentStatus::Passed, "{label}");
        assert_eq!(r.verify_token.as_deref(), Some(started.verify_token.as_str()));
        assert!(r.validate_finished.is_some() && r.image_finished.is_some(), "{label}");
    }
}

#[tokio::test]
async fn enrol_token_faults_are_retried_and_recorded_once() {
    token_call_faults(Call::EnrolToken).await;
}

#[tokio::test]
async fn verify_token_faults_are_retried_and_recorded_once() {
    token_call_faults(Call::VerifyToken).await;
}

#[tokio::test]
async fn enrol_image_faults_are_never_repeated() {
    for (name, kind) in faults() {
        let label = format!("enrol image × {name}");
        let definite = kind == FaultKind::TooManyRequests;
        let c = case().await;
        c.fake.set_fault(Call::EnrolImage, kind.clone(), Some(1));
        let e = enrol(&c).await.unwrap_err();
        assert_eq!(c.fake.requests(Call::EnrolImage), 1, "{label}: sent once");
        assert_eq!(c.fake.requests(Call::VerifyToken), 0, "{label}");
        let r = one_record(&c, &label);
        assert_eq!(r.passed, None, "{label}");
        assert_eq!(r.verify_token, None, "{label}");
        assert_eq!(r.error_step.as_deref(), Some("enrol_image"), "{label}");
        assert!(r.enrol_token.is_some() && r.image_started.is_some(), "{label}");
        if definite {
            // The service said no: nothing happened there; the record can be resumed.
            assert!(!e.is_outcome_unknown(), "{label}: {e}");
            assert_eq!(r.status, EnrolmentStatus::Error, "{label}");
            assert_eq!(r.error_code.as_deref(), Some("too_many_requests"), "{label}");
            assert!(!c.fake.user(c.user.as_str()).unwrap().active, "{label}");
            let again = enrol(&c).await.unwrap();
            assert_eq!(c.fake.requests(Call::EnrolImage), 2, "{label}: resumed");
            let r = one_record(&c, &label);
            assert_eq!(r.status, EnrolmentStatus::ReadyForScan, "{label}");
            assert_eq!(r.verify_token.as_deref(), Some(again.verify_token.as_str()));
        } else {
            assert!(e.is_outcome_unknown(), "{label}: {e}");
            assert!(e.to_string().contains("outcome is unknown"), "{label}: {e}");
            assert_eq!(r.status, EnrolmentStatus::OutcomeUnknown, "{label}");
            // Asking again for this user_id does not upload blindly.
            let e = enrol(&c).await.unwrap_err();
            assert!(matches!(e, JourneyError::NotAllowed { .. }), "{label}: {e:?}");
            assert_eq!(c.fake.requests(Call::EnrolImage), 1, "{label}: never repeated");
            assert_eq!(one_record(&c, &label).status, EnrolmentStatus::OutcomeUnknown);
        }
    }
}

#[tokio::test]
async fn validate_faults_are_never_repeated() {
    for (name, kind) in faults() {
        let label = format!("validate × {name}");
        let definite = kind == FaultKind::TooManyRequests;
        let c = case().await;
        let started = enrol(&c).await.unwrap();
        c.fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
        c.fake.set_fault(Call::Validate, kind.clone(), Some(1));
        let e = journey::validate(&c.client, &c.store, &c.user, &started.verify_token)
            .await
            .unwrap_err();
        assert_eq!(c.fake.requests(Call::Validate), 1, "{label}: sent once");
        let r = one_record(&c, &label);
        assert_eq!(r.passed, None, "{label}: passed unknown");
        assert_eq!(r.error_step.as_deref(), Some("validate"), "{label}");
        assert!(r.validate_started.is_some(), "{label}");
        if definite {
            assert_eq!(r.status, EnrolmentStatus::Error, "{label}");
            assert!(!e.is_outcome_unknown(), "{label}: {e}");
        } else {
            assert!(e.is_outcome_unknown(), "{label}: {e}");
            assert_eq!(r.status, EnrolmentStatus::OutcomeUnknown, "{label}");
            let e = journey::validate(&c.client, &c.store, &c.user, &started.verify_token)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    JourneyError::NotAllowed { status: EnrolmentStatus::OutcomeUnknown, .. }
                ),
                "{label}: {e:?}"
            );
            assert_eq!(c.fake.requests(Call::Validate), 1, "{label}: never a second validate");
        }
        // The audit trail saw the step start and its end.
        let events: Vec<String> = c
            .store
            .audit_events(Some(c.user.as_str()))
            .unwrap()
            .into_iter()
            .map(|a| a.event)
            .collect();
        assert!(events.contains(&"validate_started".to_owned()), "{label}: {events:?}");
        assert!(
            events.contains(&"validate_failed".to_owned())
                || events.contains(&"validate_outcome_unknown".to_owned()),
            "{label}: {events:?}"
        );
    }
}

/// An image upload of unknown outcome is settled by asking the service (an enrol token
/// call), never by uploading blindly: registered → go on to the scan; not registered →
/// upload again. Exactly one image ends up registered either way.
#[tokio::test]
async fn unknown_image_outcome_is_checked_then_resumed() {
    for (name, kind, registered) in [
        ("lost after registering", FaultKind::LoseResponse, true),
        ("dropped before registering", FaultKind::DropConnection, false),
    ] {
        let c = case().await;
        c.fake.set_fault(Call::EnrolImage, kind, Some(1));
        assert!(enrol(&c).await.unwrap_err().is_outcome_unknown(), "{name}");
        // Too early: the lost upload's token could still be in play.
        let e =
            journey::check_unknown_image(&c.client, &c.store, &c.user, Duration::from_secs(120))
                .await
                .unwrap_err();
        assert!(matches!(e, JourneyError::NotAllowed { .. }), "{name}: {e:?}");
        let status = journey::check_unknown_image(&c.client, &c.store, &c.user, Duration::ZERO)
            .await
            .unwrap();
        let expected =
            if registered { EnrolmentStatus::Enrolled } else { EnrolmentStatus::EnrolTokenIssued };
        assert_eq!(status, expected, "{name}");
        let started = enrol(&c).await.unwrap();
        let uploads = if registered { 1 } else { 2 };
        assert_eq!(c.fake.requests(Call::EnrolImage), uploads, "{name}");
        assert_eq!(c.fake.user(c.user.as_str()).unwrap().images, 1, "{name}: one image");
        c.fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
        let out =
            journey::validate(&c.client, &c.store, &c.user, &started.verify_token).await.unwrap();
        assert_eq!(out.passed, Some(true), "{name}");
        assert_eq!(one_record(&c, name).status, EnrolmentStatus::Passed);
    }
}

// ---- what a fault leaves behind ----

async fn enrolled_and_scanned(c: &Case) -> String {
    let started = enrol(c).await.unwrap();
    c.fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
    started.verify_token
}

fn client_for(base: String, attempts: u32) -> IproovClient {
    IproovClient::new(IproovConfig {
        base_url: Some(base),
        api_key: Secret::new(FAKE_API_KEY),
        secret: Secret::new(FAKE_SECRET),
        timeout_secs: 1,
        token_attempts: attempts,
        backoff_ms: 100,
        ..IproovConfig::default()
    })
    .unwrap()
}

/// The service is down (its port closed) when validate is sent: the request provably never
/// left, so it is sent again with back-off and succeeds once the service is up — one
/// validate reaches the service.
#[tokio::test]
async fn validate_never_sent_is_repeated_until_the_service_is_up() {
    let c = case().await;
    let token = enrolled_and_scanned(&c).await;
    let Case { mut fake, store, user, _dir, .. } = c;
    fake.stop_listening();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A fresh client: no kept-alive connection to the stopped listener.
    let client = client_for(fake.base_url(), 6);
    let validate = journey::validate(&client, &store, &user, &token);
    let restart = async {
        tokio::time::sleep(Duration::from_millis(250)).await;
        fake.listen_again().await.unwrap();
    };
    let (out, ()) = tokio::join!(validate, restart);
    let out = out.unwrap();
    assert_eq!(out.passed, Some(true));
    assert_eq!(fake.requests(Call::Validate), 1, "exactly one validate reached the service");
    assert_eq!(store.get(user.as_str()).unwrap().unwrap().status, EnrolmentStatus::Passed);
}

/// The service reads validate and then drops the connection: it may have acted, so even
/// with attempts to spare the call is not sent again — the outcome is unknown.
#[tokio::test]
async fn validate_dropped_after_sending_is_not_repeated() {
    for kind in [FaultKind::DropConnection, FaultKind::LoseResponse, FaultKind::ServerError] {
        let c = case().await;
        let token = enrolled_and_scanned(&c).await;
        let client = client_for(c.fake.base_url(), 6);
        c.fake.set_fault(Call::Validate, kind.clone(), None);
        let e = journey::validate(&client, &c.store, &c.user, &token).await.unwrap_err();
        assert!(e.is_outcome_unknown(), "{kind:?}: {e}");
        assert_eq!(c.fake.requests(Call::Validate), 1, "{kind:?}: one validate call recorded");
    }
}

/// The database refuses the validate write (another connection holds it exclusively): the
/// outcome is not lost — it goes to the journal beside the database (0600, no token, no
/// personal data), and the next start replays it into the record.
#[tokio::test]
async fn validate_outcome_survives_a_locked_database() {
    let c = case().await;
    let token = enrolled_and_scanned(&c).await;
    let db = c.store.path().to_owned();
    c.store.set_busy_timeout(Duration::from_millis(50)).unwrap();
    // Validate is slow; the database gets locked while it is on its way.
    c.fake.set_fault(Call::Validate, FaultKind::Delay(Duration::from_millis(600)), Some(1));
    let blocker = std::thread::spawn({
        let db = db.clone();
        let user = c.user.as_str().to_owned();
        move || {
            let conn = rusqlite::Connection::open(&db).unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let s: String = conn
                    .query_row("SELECT status FROM enrolments WHERE user_id = ?1", [&user], |r| {
                        r.get(0)
                    })
                    .unwrap();
                if s == "validating" {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "never validating");
                std::thread::sleep(Duration::from_millis(10));
            }
            conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
            std::thread::sleep(Duration::from_millis(2500));
            conn.execute_batch("ROLLBACK").unwrap();
        }
    });
    let out = journey::validate(&c.client, &c.store, &c.user, &token).await.unwrap();
    assert_eq!(out.passed, Some(true), "the outcome is known to the caller");
    blocker.join().unwrap();
    assert_eq!(c.fake.requests(Call::Validate), 1);
    let r = c.store.get(c.user.as_str()).unwrap().unwrap();
    assert_eq!(r.status, EnrolmentStatus::Validating, "the database write was refused");

    let journal = c.store.journal_path();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(line["user_id"], c.user.as_str());
    assert_eq!(line["passed"], true);
    assert_eq!(line["token_sha256"], enrol_kiosk::records::token_hash(&token));
    assert!(line["at"].as_str().unwrap().ends_with('Z'));
    assert!(!text.contains(&token), "the token itself is not kept");

    // Next start: the journal is replayed into the record.
    drop(c.store);
    let store = Store::open(&db).unwrap();
    let report = enrol_kiosk::iproov::settle::at_start(&c.client, &store, Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(report.recovery.replayed.len(), 1, "{report:?}");
    assert!(report.recovery.settled.is_empty(), "{report:?}");
    let r = store.get(c.user.as_str()).unwrap().unwrap();
    assert_eq!((r.status, r.passed), (EnrolmentStatus::Passed, Some(true)));
    assert!(r.validate_finished.is_some());
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), "", "replayed once");
    let events: Vec<String> =
        store.audit_events(Some(c.user.as_str())).unwrap().into_iter().map(|a| a.event).collect();
    assert!(events.contains(&"validate_outcome_replayed".to_owned()), "{events:?}");
}

/// Abandoning an enrolment (customer left) invalidates every token issued with the service,
/// which records the request, and the record says so; when the service cannot be told, the
/// record says that and the next start tells it.
#[tokio::test]
async fn abandoned_enrolment_tokens_are_invalidated() {
    let c = case().await;
    let started = enrol(&c).await.unwrap();
    let a = journey::abandon(&c.client, &c.store, c.user.as_str(), "customer left").await.unwrap();
    assert!(a.invalidated && a.problem.is_none(), "{a:?}");
    assert_eq!(a.record.status, EnrolmentStatus::Abandoned);
    assert!(a.record.reason.as_deref().unwrap().contains("invalidate"), "{:?}", a.record.reason);
    let inv = c.fake.invalidations();
    let tokens: Vec<&str> = inv.iter().map(|i| i.token.as_str()).collect();
    assert_eq!(tokens, [started.enrol_token.as_deref().unwrap(), started.verify_token.as_str()]);
    assert!(inv.iter().all(|i| i.reason == "customer left"));
    assert_eq!(c.fake.requests(Call::Invalidate), 2);
    // The verify token can no longer be used for a scan.
    assert!(c.fake.complete_scan(&started.verify_token, ScanOutcome::Passed).is_err());
    assert!(c.store.awaiting_invalidation().unwrap().is_empty());

    // The service is failing: the record says so; the next start tells it.
    let c = case().await;
    enrol(&c).await.unwrap();
    c.fake.set_fault(Call::Invalidate, FaultKind::ServerError, None);
    let a = journey::abandon(&c.client, &c.store, c.user.as_str(), "cancelled").await.unwrap();
    assert!(!a.invalidated && a.problem.is_some(), "{a:?}");
    assert_eq!(a.record.status, EnrolmentStatus::Abandoned);
    assert!(c.fake.invalidations().is_empty());
    assert_eq!(c.store.awaiting_invalidation().unwrap().len(), 1);
    c.fake.clear_faults();
    let report =
        enrol_kiosk::iproov::settle::at_start(&c.client, &c.store, Duration::from_secs(120))
            .await
            .unwrap();
    assert_eq!(report.invalidated, [c.user.as_str().to_owned()], "{report:?}");
    assert_eq!(c.fake.invalidations().len(), 2);
    assert!(c.store.awaiting_invalidation().unwrap().is_empty());
}

/// A kiosk dies while asking for a new enrol token after an earlier one was issued: the next
/// start (recovery) abandons the record and invalidates the token it knows of.
#[tokio::test]
async fn recovery_invalidates_the_tokens_of_what_it_abandons() {
    let c = case().await;
    c.fake.set_fault(Call::EnrolImage, FaultKind::TooManyRequests, Some(1));
    enrol(&c).await.unwrap_err();
    let first = c.store.get(c.user.as_str()).unwrap().unwrap().enrol_token.unwrap();
    // The process "dies" in the next enrol token call.
    c.store.begin_step(c.user.as_str(), enrol_kiosk::records::Step::EnrolToken).unwrap();
    let db = c.store.path().to_owned();
    drop(c.store);
    let store = Store::open(&db).unwrap();
    let report = enrol_kiosk::iproov::settle::at_start(&c.client, &store, Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(report.recovery.settled.len(), 1, "{report:?}");
    assert_eq!(report.invalidated, [c.user.as_str().to_owned()], "{report:?}");
    let inv = c.fake.invalidations();
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].token, first);
    let r = store.get(c.user.as_str()).unwrap().unwrap();
    assert_eq!(r.status, EnrolmentStatus::Abandoned);
    let events: Vec<String> =
        store.audit_events(Some(c.user.as_str())).unwrap().into_iter().map(|a| a.event).collect();
    assert!(events.contains(&"tokens_invalidated".to_owned()), "{events:?}");
}

/// "Validate outcome unknown" has a way forward: asked again later, the service either
/// gives the outcome (the lost call never counted) or says the token was used (its answer
/// is lost: the record says so and a new face scan can start).
#[tokio::test]
async fn unknown_validate_is_asked_again_later() {
    for (kind, expect) in [
        (FaultKind::DropConnection, EnrolmentStatus::Passed),
        (FaultKind::LoseResponse, EnrolmentStatus::OutcomeUnknown),
    ] {
        let c = case().await;
        let token = enrolled_and_scanned(&c).await;
        c.fake.set_fault(Call::Validate, kind.clone(), Some(1));
        assert!(
            journey::validate(&c.client, &c.store, &c.user, &token)
                .await
                .unwrap_err()
                .is_outcome_unknown()
        );
        // Too early: the lost call could still be on its way.
        let e = journey::recheck_validate(&c.client, &c.store, &c.user, Duration::from_secs(120))
            .await
            .unwrap_err();
        assert!(matches!(e, JourneyError::NotAllowed { .. }), "{kind:?}: {e:?}");
        assert_eq!(c.fake.requests(Call::Validate), 1);
        let r =
            journey::recheck_validate(&c.client, &c.store, &c.user, Duration::ZERO).await.unwrap();
        assert_eq!(r.status, expect, "{kind:?}");
        assert_eq!(c.fake.requests(Call::Validate), 2, "{kind:?}: asked once more");
        if expect == EnrolmentStatus::Passed {
            assert_eq!(r.passed, Some(true));
        } else {
            assert_eq!(r.error_code.as_deref(), Some("validate_consumed"), "{kind:?}");
            assert!(c.store.awaiting_validate_recheck().unwrap().is_empty(), "asked only once");
            // No dead end: a new face scan for the enrolled customer.
            let t2 = journey::new_verify_token(&c.client, &c.store, &c.user).await.unwrap();
            c.fake.complete_scan(&t2, ScanOutcome::Passed).unwrap();
            let out = journey::validate(&c.client, &c.store, &c.user, &t2).await.unwrap();
            assert_eq!(out.status, EnrolmentStatus::Passed);
            assert_eq!(one_record(&c, "after a new scan").status, EnrolmentStatus::Passed);
        }
    }
}
