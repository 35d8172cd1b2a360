//! Tests of the photo-enrol journey against the local fake service.

use super::*;
use crate::iproov::fake::{FAKE_API_KEY, FAKE_SECRET, FakeHandle, FakeIproov};

/// The fake service on loopback, a client for it (quick back-off) and a records store in a
/// temporary folder (kept alive by the returned guard).
async fn with_fake() -> (FakeHandle, IproovClient, tempfile::TempDir, Store) {
    let fake = FakeIproov::start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = IproovClient::new(crate::iproov::IproovConfig {
        base_url: Some(fake.base_url()),
        api_key: crate::iproov::Secret::new(FAKE_API_KEY),
        secret: crate::iproov::Secret::new(FAKE_SECRET),
        backoff_ms: 5,
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).unwrap();
    (fake, client, dir, store)
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn enrol_json_carries_the_documented_fields() {
    let v = serde_json::to_value(EnrolStarted {
        user_id: "u".into(),
        enrol_token: Some("e".into()),
        verify_token: "v".into(),
        scan_url: "http://127.0.0.1:1/scan/v".into(),
    })
    .unwrap();
    for k in ["user_id", "enrol_token", "verify_token", "scan_url"] {
        assert!(v.get(k).is_some(), "{k}");
    }
}

/// The kiosk runs these on a multi-threaded tokio runtime: the futures must be `Send`.
#[test]
fn journey_futures_are_send() {
    let client = IproovClient::new(crate::iproov::IproovConfig {
        base_url: Some("http://127.0.0.1:9/api/v2".into()),
        api_key: crate::iproov::Secret::new("a".repeat(40)),
        secret: crate::iproov::Secret::new("b".repeat(40)),
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).unwrap();
    let user = UserId::generate();
    let facts = DocumentFacts::default();
    let f = enrol(&client, &store, &user, b"", ImageSource::Eid, &facts);
    assert_send(&f);
    let g = validate(&client, &store, &user, "t");
    assert_send(&g);
    let h = new_verify_token(&client, &store, &user);
    assert_send(&h);
    let mut hook = |_: Step, _: StepState| {};
    let no = AtomicBool::new(false);
    let i =
        enrol_with_progress(&client, &store, &user, b"", ImageSource::Eid, &facts, &mut hook, &no);
    assert_send(&i);
}

/// The hook hears each step start and finish in order, and a resumed enrolment (image
/// registered, verify token lost to a failure) reports the first two steps as skipped.
#[tokio::test]
async fn progress_hook_hears_each_step_and_skips_on_resume() {
    use crate::iproov::Call;
    use crate::iproov::fake::FaultKind;
    use StepState::{Finished, Skipped, Started};
    let (fake, client, _dir, store) = with_fake().await;
    let face = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg"
    ))
    .unwrap();
    let user = UserId::generate();
    let facts = DocumentFacts::default();
    let no = AtomicBool::new(false);

    fake.set_fault(
        Call::VerifyToken,
        FaultKind::Respond(crate::iproov::ApiErrorCode::ServerError),
        None,
    );
    let mut seen = Vec::new();
    let mut hook = |s: Step, st: StepState| seen.push((s, st));
    let e = enrol_with_progress(
        &client,
        &store,
        &user,
        &face,
        ImageSource::Eid,
        &facts,
        &mut hook,
        &no,
    )
    .await
    .unwrap_err();
    assert!(!e.is_outcome_unknown(), "{e}");
    assert_eq!(
        seen,
        [
            (Step::EnrolToken, Started),
            (Step::EnrolToken, Finished),
            (Step::EnrolImage, Started),
            (Step::EnrolImage, Finished),
            (Step::VerifyToken, Started),
        ],
        "no 'finished' for the step that failed"
    );

    fake.clear_faults();
    let mut seen = Vec::new();
    let mut hook = |s: Step, st: StepState| seen.push((s, st));
    enrol_with_progress(&client, &store, &user, &face, ImageSource::Eid, &facts, &mut hook, &no)
        .await
        .unwrap();
    assert_eq!(
        seen,
        [
            (Step::EnrolToken, Skipped),
            (Step::EnrolImage, Skipped),
            (Step::VerifyToken, Started),
            (Step::VerifyToken, Finished),
        ]
    );
    assert_eq!(fake.requests(Call::EnrolImage), 1, "the image is not sent again");
}

/// A record is resumed only for the document it was made for: the same user_id offered
/// with another document's facts is refused before any call, with a typed error.
#[tokio::test]
async fn a_record_is_not_resumed_for_another_document() {
    use crate::iproov::Call;
    use crate::iproov::fake::FaultKind;
    use zeroize::Zeroizing;
    let (fake, client, _dir, store) = with_fake().await;
    let face = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg"
    ))
    .unwrap();
    let doc = |number: &str| DocumentFacts {
        issuing_state: Some("UTO".into()),
        document_number: Some(Zeroizing::new(number.into())),
        ..DocumentFacts::default()
    };
    let user = UserId::generate();
    fake.set_fault(
        Call::VerifyToken,
        FaultKind::Respond(crate::iproov::ApiErrorCode::ServerError),
        None,
    );
    enrol(&client, &store, &user, &face, ImageSource::Eid, &doc("L898902C3")).await.unwrap_err();
    let tokens = fake.requests(Call::VerifyToken);
    let e = enrol(&client, &store, &user, &face, ImageSource::Eid, &doc("X12345678"))
        .await
        .unwrap_err();
    assert!(matches!(e, JourneyError::DocumentMismatch { .. }), "{e}");
    assert_eq!(fake.requests(Call::VerifyToken), tokens, "no call for the other document");
    let mut other_state = doc("L898902C3");
    other_state.issuing_state = Some("D".into());
    let e = enrol(&client, &store, &user, &face, ImageSource::Eid, &other_state).await.unwrap_err();
    assert!(matches!(e, JourneyError::DocumentMismatch { .. }), "{e}");
    assert_eq!(fake.requests(Call::VerifyToken), tokens);
    // The same document resumes: only a new verify token is asked for.
    fake.clear_faults();
    enrol(&client, &store, &user, &face, ImageSource::Eid, &doc("L898902C3")).await.unwrap();
    assert_eq!(fake.requests(Call::EnrolImage), 1);
    assert_eq!(fake.requests(Call::VerifyToken), tokens + 1);
}

/// A set cancel flag stops the journey before its next call; the record is abandoned.
#[tokio::test]
async fn a_cancelled_journey_makes_no_further_call() {
    use crate::iproov::Call;
    let (fake, client, _dir, store) = with_fake().await;
    let user = UserId::generate();
    let cancel = AtomicBool::new(false);
    // Cancelled as soon as the enrol token call has answered.
    let mut hook = |s: Step, st: StepState| {
        if (s, st) == (Step::EnrolToken, StepState::Finished) {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let facts = DocumentFacts::default();
    let e = enrol_with_progress(
        &client,
        &store,
        &user,
        b"not sent",
        ImageSource::Eid,
        &facts,
        &mut hook,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, JourneyError::Cancelled), "{e}");
    assert_eq!(fake.requests(Call::EnrolToken), 1);
    assert_eq!(fake.requests(Call::EnrolImage), 0);
    let rec = store.get(user.as_str()).unwrap().unwrap();
    assert_eq!(rec.status, EnrolmentStatus::Abandoned);
}
