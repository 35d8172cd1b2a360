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
