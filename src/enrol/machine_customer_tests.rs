//! One customer at a time: every way Home wipes, a held user_id is never carried over to
//! the next document, a failed new face scan offers what can work, staff can stop the
//! enrolment calls, the idle timeout waits for a scan, and an unknown validate outcome
//! has a way forward. Also: the workflow core depends on no driver module.

use super::tests::{demo_chip_result, demo_mrz, mrz, started, to_review};
use super::*;
use crate::iproov::journey::ValidateOutcome;
use crate::records::EnrolmentStatus;

fn failed(unknown: bool) -> ServiceFailure {
    ServiceFailure { message: "429 too_many_requests".into(), outcome_unknown: unknown }
}

/// Review → enrolled → face scan; returns the user_id and the scan's job.
fn to_face_scan(w: &mut Workflow) -> (UserId, u64) {
    to_review(w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, user_id, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let (job, uid) = (*job, user_id.clone());
    w.apply(Input::Enrolled { job, result: Ok(started(uid.as_str())) });
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
    (uid, job)
}

/// The scenario of a shared user_id: failed scan → new scan → its verify token fails.
/// The Problem offers a new scan again or a new customer, never "Try again" (there is no
/// chip data left to enrol), and the next customer gets a user_id of their own.
#[test]
fn a_failed_new_scan_offers_a_new_scan_and_the_next_customer_gets_a_new_user_id() {
    let mut w = Workflow::default();
    let (uid, job) = to_face_scan(&mut w);
    let fx = w.apply(Input::ScanFinished { job });
    let [Effect::Validate { job: vj, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let out = ValidateOutcome {
        user_id: uid.as_str().into(),
        passed: Some(false),
        reason: None,
        status: EnrolmentStatus::Failed,
    };
    w.apply(Input::Validated { job: *vj, result: Ok(out) });
    let fx = w.apply(Input::Choose(Way::NewScan));
    let [Effect::NewVerifyToken { job: tj, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    w.apply(Input::Enrolled { job: *tj, result: Err(failed(false)) });
    match w.stage() {
        Stage::Problem { title, ways, .. } => {
            assert!(title.contains("new face scan"), "{title}");
            assert_eq!(ways, &[Way::NewScan, Way::NewCustomer]);
        }
        s => panic!("stage {s:?}"),
    }
    assert!(w.apply(Input::Choose(Way::RetryEnrol)).is_empty(), "not offered");
    let fx = w.apply(Input::Choose(Way::NewScan));
    assert!(
        matches!(fx.as_slice(), [Effect::NewVerifyToken { user_id, .. }] if *user_id == uid),
        "{fx:?}"
    );
    w.apply(Input::NewCustomer);
    assert_eq!(w.stage(), &Stage::Home);
    assert!(w.user_id().is_none());

    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { user_id, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_ne!(user_id, &uid, "the next customer never inherits a user_id");
}

/// "Try again" after a failed enrolment with no chip data left (a state only a bug can
/// make) wipes and goes Home instead of keeping the user_id for the next customer.
#[test]
fn retry_without_chip_data_goes_home_wiped() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    w.apply(Input::Enrolled { job: *job, result: Err(failed(false)) });
    w.personal = None;
    let fx = w.apply(Input::Choose(Way::RetryEnrol));
    assert!(matches!(fx.as_slice(), [Effect::Abandon { .. }]), "only abandoned: {fx:?}");
    assert_eq!(w.stage(), &Stage::Home);
    assert!(w.user_id().is_none());
}

/// A document offered while a user_id is held is refused and everything wiped; the
/// refusal is said in words and no read starts.
#[test]
fn a_document_submitted_while_a_user_id_is_held_is_refused() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let held = UserId::generate();
    w.user_id = Some(held.clone());
    let fx = w.apply(mrz(&demo_mrz()));
    assert!(
        matches!(fx.as_slice(), [Effect::Abandon { user_id, .. }] if *user_id == held),
        "no read, the held enrolment abandoned: {fx:?}"
    );
    assert!(w.user_id().is_none(), "the held user_id is dropped, never reused");
    assert!(!w.holds_personal_data());
    match w.stage() {
        Stage::Document { error: Some(e) } => assert!(e.contains("wiped"), "{e}"),
        s => panic!("stage {s:?}"),
    }
    // Typed again, the document is read as usual.
    let fx = w.apply(mrz(&demo_mrz()));
    assert!(matches!(fx.as_slice(), [Effect::ReadPassport { .. }]), "{fx:?}");
}

/// Review confirmed while a user_id is held (a bug) enrols nobody under it.
#[test]
fn confirm_never_uses_a_user_id_made_before_this_review() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let held = UserId::generate();
    w.user_id = Some(held.clone());
    let fx = w.apply(Input::Confirm { consent: true });
    assert!(
        matches!(fx.as_slice(), [Effect::Abandon { user_id, .. }] if *user_id == held),
        "no enrolment, the held one abandoned: {fx:?}"
    );
    assert_eq!(w.stage(), &Stage::Home);
    assert!(w.user_id().is_none() && !w.holds_personal_data());
}

/// Staff can stop the enrolment calls: the network job's cancel flag is set, the customer
/// is wiped and late answers are ignored. New customer and the idle timeout set it too.
#[test]
fn cancel_during_enrolling_stops_the_calls_and_wipes() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, user_id, cancel, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let (job, uid, cancel) = (*job, user_id.clone(), cancel.clone());
    assert!(!cancel.load(Ordering::SeqCst));
    w.apply(Input::Cancel);
    assert!(cancel.load(Ordering::SeqCst), "the journey is told to stop");
    match w.stage() {
        Stage::Problem { title, ways, .. } => {
            assert!(title.contains("stopped"), "{title}");
            assert_eq!(ways, &[Way::NewCustomer]);
        }
        s => panic!("stage {s:?}"),
    }
    assert!(w.user_id().is_none() && !w.holds_personal_data());
    assert!(w.apply(Input::Enrolled { job, result: Ok(started(uid.as_str())) }).is_empty());
    assert!(matches!(w.stage(), Stage::Problem { .. }), "a late answer is ignored");

    for leave in [Input::NewCustomer, Input::IdleTimeout] {
        let mut w = Workflow::default();
        let (_, job) = to_face_scan(&mut w);
        w.apply(Input::Cancel);
        let fx = w.apply(Input::Choose(Way::NewScan));
        let [Effect::NewVerifyToken { cancel, .. }] = fx.as_slice() else { panic!("{fx:?}") };
        let cancel = cancel.clone();
        assert_ne!(w.job(), job);
        w.apply(leave);
        assert!(cancel.load(Ordering::SeqCst));
        assert_eq!(w.stage(), &Stage::Home);
    }
}

/// The idle timeout never fires while the customer does the face scan, nor while a call
/// runs; it fires once a Problem waits for staff.
#[test]
fn idle_timeout_waits_for_the_face_scan_and_running_calls() {
    let later = Instant::now() + Duration::from_secs(3600);
    let mut w = Workflow::new(Duration::from_secs(1));
    let (_, job) = to_face_scan(&mut w);
    assert!(w.tick(later).is_none(), "the customer is scanning");
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
    w.apply(Input::ScanFinished { job });
    assert!(w.tick(later).is_none());
    assert_eq!(w.stage(), &Stage::Validating);

    let mut w = Workflow::new(Duration::from_secs(1));
    to_review(&mut w);
    w.apply(Input::Confirm { consent: true });
    assert!(w.tick(later).is_none());
    assert!(matches!(w.stage(), Stage::Enrolling { .. }));
    w.apply(Input::Cancel);
    assert!(w.tick(later).is_some(), "a Problem waiting for staff times out");
    assert_eq!(w.stage(), &Stage::Home);
}

/// Validate's answer lost: the result is unknown, the record is marked for follow-up, the
/// token is never validated again, and a new face scan (or a new customer) goes on.
#[test]
fn an_unknown_validate_outcome_says_so_and_offers_a_new_scan() {
    let mut w = Workflow::default();
    let (uid, job) = to_face_scan(&mut w);
    let fx = w.apply(Input::ScanFinished { job });
    let [Effect::Validate { job: vj, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    w.apply(Input::Validated { job: *vj, result: Err(failed(true)) });
    match w.stage() {
        Stage::Problem { title, detail, ways } => {
            assert!(title.contains("unknown"), "{title}");
            assert!(detail.contains("follow-up"), "{detail}");
            assert_eq!(ways, &[Way::NewScan, Way::NewCustomer]);
        }
        s => panic!("stage {s:?}"),
    }
    assert!(w.apply(Input::ScanFinished { job }).is_empty(), "never validated twice");
    let fx = w.apply(Input::Choose(Way::NewScan));
    assert!(
        matches!(fx.as_slice(), [Effect::NewVerifyToken { user_id, .. }] if *user_id == uid),
        "{fx:?}"
    );
}

/// A read done for a job of an earlier customer never reaches Review for the next one.
#[test]
fn a_late_read_of_the_previous_customer_is_ignored() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let old = *job;
    w.apply(Input::NewCustomer);
    w.apply(Input::Start);
    w.apply(mrz(&demo_mrz()));
    w.apply(Input::ReadDone { job: old, result: Ok(demo_chip_result()) });
    assert_eq!(w.stage(), &Stage::PlacePassport);
}

/// The workflow core (state machine, its inputs and effects, stages, status values,
/// wording, checklist, personal data) imports nothing from the executor, the watchers,
/// the face-scan page or the browser, and its modules import each other one way only:
/// each only from those listed before it.
#[test]
fn the_workflow_core_is_a_leaf() {
    let core: [(&str, &str); 9] = [
        ("progress", include_str!("progress.rs")),
        ("sources", include_str!("sources.rs")),
        ("personal", include_str!("personal.rs")),
        ("status", include_str!("status.rs")),
        ("stage", include_str!("stage.rs")),
        ("signals", include_str!("signals.rs")),
        ("wording", include_str!("wording.rs")),
        ("machine", include_str!("machine.rs")),
        ("machine_photo", include_str!("machine_photo.rs")),
    ];
    for (i, (name, text)) in core.iter().enumerate() {
        let allowed: Vec<&str> = core[..i].iter().map(|(n, _)| *n).collect();
        for used in enrol_modules_used(text) {
            assert!(
                allowed.contains(&used.as_str()),
                "enrol::{name} uses enrol::{used}; the core may only use {allowed:?}"
            );
        }
    }
}

/// The `enrol` modules a file names through `super::` or `crate::enrol::` (test modules'
/// `super::*` aside).
fn enrol_modules_used(text: &str) -> Vec<String> {
    let mut used = Vec::new();
    for prefix in ["super::", "crate::enrol::"] {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|item| item.trim().split("::").next().unwrap_or(""))
                    .collect(),
                None => vec![
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or(""),
                ],
            };
            used.extend(names.into_iter().filter(|n| !n.is_empty()).map(str::to_owned));
        }
    }
    used
}
