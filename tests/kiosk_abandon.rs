//! A customer who leaves after the photo was enrolled but before any validate outcome is
//! abandoned with the service: through the workflow, its executor and the in-process fake
//! iProov, the record becomes `abandoned` and the verify token is invalidated. A customer
//! who got a result is left as they are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use enrol_kiosk::enrol::{DocumentInput, Executor, Input, Stage, Workflow};
use enrol_kiosk::records::EnrolmentStatus;
use zeroize::Zeroizing;

fn apply(w: &mut Workflow, exec: &mut Executor, input: Input) {
    for e in w.apply(input) {
        exec.run(e);
    }
}

/// Runs the demo enrolment up to the face scan; returns the user_id and the verify token.
fn to_face_scan(
    w: &mut Workflow,
    exec: &mut Executor,
    inputs: &std::sync::mpsc::Receiver<Input>,
    mrz: String,
) -> (String, String) {
    apply(w, exec, Input::Start);
    apply(w, exec, Input::Submit(DocumentInput::Mrz(Zeroizing::new(mrz))));
    while !matches!(w.stage(), Stage::FaceScan { .. }) {
        let input = inputs.recv_timeout(Duration::from_secs(60)).expect("the workflow stalled");
        apply(w, exec, input);
        match w.stage() {
            Stage::Review => apply(w, exec, Input::Confirm { consent: true }),
            Stage::Problem { title, detail, .. } => panic!("{title}: {detail}"),
            _ => {}
        }
    }
    let user_id = w.user_id().unwrap().as_str().to_owned();
    (user_id, exec.scan_token().unwrap().to_owned())
}

fn status_within(exec: &Executor, user_id: &str, want: EnrolmentStatus) -> EnrolmentStatus {
    let store = exec.services().store.clone();
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let status = store.get(user_id).unwrap().unwrap().status;
        if status == want || Instant::now() > end {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn new_customer_at_the_face_scan_abandons_and_invalidates_the_verify_token() {
    let dir = tempfile::tempdir().unwrap();
    let (mut exec, inputs, mrz) = common::demo_desk(dir.path());
    let mut w = Workflow::default();
    let (user_id, verify_token) = to_face_scan(&mut w, &mut exec, &inputs, mrz);
    assert_eq!(
        exec.services().store.get(&user_id).unwrap().unwrap().status,
        EnrolmentStatus::ReadyForScan
    );

    apply(&mut w, &mut exec, Input::NewCustomer);
    assert_eq!(w.stage(), &Stage::Home);
    assert_eq!(
        status_within(&exec, &user_id, EnrolmentStatus::Abandoned),
        EnrolmentStatus::Abandoned
    );
    let rec = exec.services().store.get(&user_id).unwrap().unwrap();
    assert!(rec.reason.as_deref().unwrap().starts_with("new customer"), "{:?}", rec.reason);
    let fake = exec.fake().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while !fake.invalidations().iter().any(|i| i.token == verify_token) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    let inv = fake.invalidations();
    let verify: Vec<_> = inv.iter().filter(|i| i.token == verify_token).collect();
    assert_eq!(verify.len(), 1, "the verify token is invalidated once: {inv:?}");
    assert_eq!(verify[0].reason, "new customer");
}

#[test]
fn new_customer_after_a_result_leaves_the_record_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let (mut exec, inputs, mrz) = common::demo_desk(dir.path());
    let mut w = Workflow::default();
    let (user_id, _) = to_face_scan(&mut w, &mut exec, &inputs, mrz);
    assert!(exec.simulate_scan(true));
    while !matches!(w.stage(), Stage::Result { .. }) {
        let input = inputs.recv_timeout(Duration::from_secs(60)).expect("the workflow stalled");
        apply(&mut w, &mut exec, input);
    }
    apply(&mut w, &mut exec, Input::NewCustomer);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status_within(&exec, &user_id, EnrolmentStatus::Passed), EnrolmentStatus::Passed);
    assert!(exec.fake().unwrap().invalidations().is_empty());
}

/// The enrolment calls have all ended (their answer is on its way to the workflow) when
/// staff press New customer: the job's cancel flag came too late for it, so the executor
/// abandons the enrolment itself, after the job.
#[test]
fn new_customer_just_after_the_enrol_calls_ended_abandons_the_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let (mut exec, inputs, mrz) = common::demo_desk(dir.path());
    let mut w = Workflow::default();
    apply(&mut w, &mut exec, Input::Start);
    apply(&mut w, &mut exec, Input::Submit(DocumentInput::Mrz(Zeroizing::new(mrz))));
    let mut user_id = None;
    let verify_token = loop {
        let input = inputs.recv_timeout(Duration::from_secs(60)).expect("the workflow stalled");
        if let Input::Enrolled { result, .. } = &input {
            // Not applied: the answer is still "in the channel".
            break result.as_ref().expect("enrolled").verify_token.clone();
        }
        apply(&mut w, &mut exec, input);
        if w.stage() == &Stage::Review {
            apply(&mut w, &mut exec, Input::Confirm { consent: true });
            user_id = w.user_id().map(|u| u.as_str().to_owned());
        }
        assert!(!matches!(w.stage(), Stage::Problem { .. }));
    };
    let user_id = user_id.expect("an enrolment was started");
    assert!(matches!(w.stage(), Stage::Enrolling { .. }));
    apply(&mut w, &mut exec, Input::NewCustomer);
    assert_eq!(
        status_within(&exec, &user_id, EnrolmentStatus::Abandoned),
        EnrolmentStatus::Abandoned
    );
    let fake = exec.fake().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while !fake.invalidations().iter().any(|i| i.token == verify_token) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    let inv = fake.invalidations();
    assert_eq!(inv.iter().filter(|i| i.token == verify_token).count(), 1, "{inv:?}");
}

/// Staff stop the enrolment while the verify token call is on its way: the journey itself
/// abandons the enrolment after the call; the executor's abandonment, waiting for the job,
/// finds it done and does not invalidate the tokens a second time.
#[test]
fn cancel_during_the_verify_token_call_invalidates_each_token_once() {
    use enrol_kiosk::iproov::Call;
    use enrol_kiosk::iproov::fake::FaultKind;
    let dir = tempfile::tempdir().unwrap();
    let (mut exec, inputs, mrz) = common::demo_desk(dir.path());
    let fake = exec.fake().unwrap();
    fake.set_fault(Call::VerifyToken, FaultKind::Delay(Duration::from_millis(500)), Some(1));
    let mut w = Workflow::default();
    apply(&mut w, &mut exec, Input::Start);
    apply(&mut w, &mut exec, Input::Submit(DocumentInput::Mrz(Zeroizing::new(mrz))));
    let mut user_id = None;
    loop {
        let input = inputs.recv_timeout(Duration::from_secs(60)).expect("the workflow stalled");
        let verify_started = matches!(
            input,
            Input::EnrolProgress {
                step: enrol_kiosk::records::Step::VerifyToken,
                state: enrol_kiosk::iproov::journey::StepState::Started,
                ..
            }
        );
        apply(&mut w, &mut exec, input);
        if w.stage() == &Stage::Review {
            apply(&mut w, &mut exec, Input::Confirm { consent: true });
            user_id = w.user_id().map(|u| u.as_str().to_owned());
        }
        if verify_started {
            break;
        }
        assert!(!matches!(w.stage(), Stage::Problem { .. } | Stage::FaceScan { .. }));
    }
    apply(&mut w, &mut exec, Input::Cancel);
    let user_id = user_id.expect("an enrolment was started");
    assert_eq!(
        status_within(&exec, &user_id, EnrolmentStatus::Abandoned),
        EnrolmentStatus::Abandoned
    );
    // Both abandonments (the journey's, then the executor's) have had time to run.
    std::thread::sleep(Duration::from_millis(1000));
    let rec = exec.services().store.get(&user_id).unwrap().unwrap();
    let inv = exec.fake().unwrap().invalidations();
    for token in [rec.enrol_token.as_ref(), rec.verify_token.as_ref()].into_iter().flatten() {
        assert_eq!(inv.iter().filter(|i| &i.token == token).count(), 1, "{inv:?}");
    }
    assert!(rec.verify_token.is_some(), "the verify token was issued before the stop");
}
