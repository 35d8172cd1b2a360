//! A customer who leaves before any validate outcome is abandoned (one
//! [`Effect::Abandon`] with plain-words reason); a customer who got a result is not.

use super::tests::{started, to_review};
use super::*;
use crate::iproov::journey::ValidateOutcome;
use crate::records::EnrolmentStatus;

/// Review → enrolled → face scan; returns the user_id and the scan's job.
fn to_face_scan(w: &mut Workflow) -> (UserId, u64) {
    to_review(w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, user_id, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let (job, uid) = (*job, user_id.clone());
    assert!(w.apply(Input::Enrolled { job, result: Ok(started(uid.as_str())) }).len() == 1);
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
    (uid, job)
}

fn abandoned(fx: &[Effect]) -> Vec<(String, &'static str)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Abandon { user_id, reason } => Some((user_id.as_str().to_owned(), *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn new_customer_at_the_face_scan_abandons_the_enrolment() {
    let mut w = Workflow::default();
    let (uid, _) = to_face_scan(&mut w);
    let fx = w.apply(Input::NewCustomer);
    assert_eq!(w.stage(), &Stage::Home);
    assert_eq!(abandoned(&fx), [(uid.as_str().to_owned(), "new customer")]);
    assert_eq!(fx.len(), 1, "{fx:?}");
    assert!(w.apply(Input::NewCustomer).is_empty(), "abandoned once");
}

#[test]
fn idle_timeout_at_a_problem_abandons_the_enrolment() {
    let later = Instant::now() + Duration::from_secs(3600);
    let mut w = Workflow::new(Duration::from_secs(1));
    let (uid, _) = to_face_scan(&mut w);
    assert!(w.apply(Input::Cancel).is_empty(), "the photo stays enrolled for a new scan");
    assert!(matches!(w.stage(), Stage::Problem { .. }));
    let fx = w.tick(later).expect("a Problem waiting for staff times out");
    assert_eq!(w.stage(), &Stage::Home);
    assert_eq!(abandoned(&fx), [(uid.as_str().to_owned(), "idle timeout")]);
}

#[test]
fn choosing_new_customer_at_a_problem_abandons_the_enrolment() {
    let mut w = Workflow::default();
    let (uid, _) = to_face_scan(&mut w);
    w.apply(Input::Cancel);
    let fx = w.apply(Input::Choose(Way::NewCustomer));
    assert_eq!(abandoned(&fx), [(uid.as_str().to_owned(), "new customer")]);
}

/// Stopping the enrolment calls abandons it too (the executor waits for the running job,
/// which may already have abandoned it).
#[test]
fn cancel_while_enrolling_abandons_once() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { user_id, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let uid = user_id.as_str().to_owned();
    let fx = w.apply(Input::Cancel);
    assert_eq!(abandoned(&fx), [(uid, "customer left")]);
    assert!(abandoned(&w.apply(Input::Choose(Way::NewCustomer))).is_empty());
}

#[test]
fn new_customer_after_a_result_abandons_nothing() {
    for passed in [true, false] {
        let mut w = Workflow::default();
        let (uid, job) = to_face_scan(&mut w);
        let fx = w.apply(Input::ScanFinished { job });
        let [Effect::Validate { job: vj, .. }] = fx.as_slice() else { panic!("{fx:?}") };
        let out = ValidateOutcome {
            user_id: uid.as_str().into(),
            passed: Some(passed),
            reason: None,
            status: if passed { EnrolmentStatus::Passed } else { EnrolmentStatus::Failed },
        };
        w.apply(Input::Validated { job: *vj, result: Ok(out) });
        assert!(matches!(w.stage(), Stage::Result { .. }));
        let fx = w.apply(Input::NewCustomer);
        assert_eq!(w.stage(), &Stage::Home);
        assert!(fx.is_empty(), "a completed enrolment is not abandoned: {fx:?}");
    }
}

/// The next customer's enrolment starts fresh: a result for the previous one does not
/// keep the next one from being abandoned.
#[test]
fn the_next_customer_is_abandoned_after_a_previous_result() {
    let mut w = Workflow::default();
    let (uid, job) = to_face_scan(&mut w);
    let fx = w.apply(Input::ScanFinished { job });
    let [Effect::Validate { job: vj, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let out = ValidateOutcome {
        user_id: uid.as_str().into(),
        passed: Some(true),
        reason: None,
        status: EnrolmentStatus::Passed,
    };
    w.apply(Input::Validated { job: *vj, result: Ok(out) });
    assert!(w.apply(Input::NewCustomer).is_empty());
    let (next, _) = to_face_scan(&mut w);
    let fx = w.apply(Input::NewCustomer);
    assert_eq!(abandoned(&fx), [(next.as_str().to_owned(), "new customer")]);
}

/// A failed result, then a new face scan: the new verify token reopens the enrolment, so a
/// customer who leaves before its result is abandoned (the new token must not stay live).
#[test]
fn leaving_after_a_new_scan_following_a_failed_result_abandons_it() {
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
    assert!(matches!(fx.as_slice(), [Effect::NewVerifyToken { .. }]), "{fx:?}");
    let fx = w.apply(Input::NewCustomer);
    assert_eq!(abandoned(&fx), [(uid.as_str().to_owned(), "new customer")]);
}
