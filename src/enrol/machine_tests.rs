//! Unit tests of the enrolment state machine: every transition, stale results, wiping.

use super::*;
use crate::enrol::personal::{ChipResult, is_expired};
use crate::face::EncodePolicy;
use crate::iproov::journey::{EnrolStarted, ValidateOutcome};
use crate::reader::passport::{ReadOptions, read_passport};
use crate::records::EnrolmentStatus;
use crate::sim::{Chip, Profile};
use zeroize::Zeroizing;

pub(super) fn demo_mrz() -> String {
    Profile::demo().unwrap().mrz_text().to_owned()
}

pub(super) fn demo_chip_result() -> Box<ChipResult> {
    let profile = Profile::demo().unwrap();
    let key = AccessKey::from_mrz_text(profile.mrz_text()).unwrap();
    let chip = Chip::new(&profile, profile.behaviour().clone());
    let read = read_passport(chip, &key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    let trust = crate::trust::TrustStore::demo().unwrap();
    Box::new(ChipResult::from_read(read, &EncodePolicy::default(), &trust, "2026-01-01"))
}

pub(super) fn mrz(text: &str) -> Input {
    Input::Submit(DocumentInput::Mrz(Zeroizing::new(text.to_owned())))
}

/// Drives a workflow to Review; returns the read job.
pub(super) fn to_review(w: &mut Workflow) -> u64 {
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("effects {fx:?}") };
    let job = *job;
    w.apply(Input::CardPresent { job });
    w.apply(Input::ReadDone { job, result: Ok(demo_chip_result()) });
    assert_eq!(w.stage(), &Stage::Review);
    job
}

pub(super) fn started(user_id: &str) -> EnrolStarted {
    EnrolStarted {
        user_id: user_id.into(),
        enrol_token: Some("e".repeat(64)),
        verify_token: "v".repeat(64),
        scan_url: "http://127.0.0.1:1/scan/x".into(),
    }
}

#[test]
fn wrong_check_digit_stays_on_document_with_a_plain_reason() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let mut bad = demo_mrz();
    // Change the document number's first character: its check digit no longer matches.
    let line2 = bad.len() - 44;
    let c = bad.as_bytes()[line2];
    bad.replace_range(line2..line2 + 1, if c == b'E' { "F" } else { "E" });
    let fx = w.apply(mrz(&bad));
    assert!(fx.is_empty());
    match w.stage() {
        Stage::Document { error: Some(e) } => assert!(e.contains("check digit"), "{e}"),
        s => panic!("stage {s:?}"),
    }
    assert!(!w.holds_personal_data());
}

#[test]
fn a_can_starts_a_read_and_a_malformed_one_is_refused_in_words() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    w.apply(Input::Submit(DocumentInput::Can(Zeroizing::new("12345".into()))));
    assert!(matches!(w.stage(), Stage::Document { error: Some(e) } if e.contains("6 digits")));
    assert!(!w.holds_personal_data());
    let fx = w.apply(Input::Submit(DocumentInput::Can(Zeroizing::new(" 123456 ".into()))));
    assert!(
        matches!(fx.as_slice(), [Effect::ReadPassport { key: Password::Can(_), .. }]),
        "{fx:?}"
    );
    assert_eq!(w.stage(), &Stage::PlacePassport);
    assert!(w.holds_personal_data(), "the CAN is held until the customer is finished");
}

#[test]
fn a_refused_can_and_a_bac_only_chip_are_told_apart() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(Input::Submit(DocumentInput::Can(Zeroizing::new("123456".into()))));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let denied = ReadFailure {
        card_gone: false,
        access_denied: true,
        needs_mrz: false,
        cancelled: false,
        unreadable: false,
        detail: "x".into(),
    };
    w.apply(Input::ReadDone { job: *job, result: Err(denied) });
    assert!(matches!(w.stage(), Stage::Problem { title, .. } if title.contains("CAN")));
    w.apply(Input::Choose(Way::ReenterDocument));
    let fx = w.apply(Input::Submit(DocumentInput::Can(Zeroizing::new("123456".into()))));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let bac_only = ReadFailure {
        card_gone: false,
        access_denied: true,
        needs_mrz: true,
        cancelled: false,
        unreadable: false,
        detail: "x".into(),
    };
    w.apply(Input::ReadDone { job: *job, result: Err(bac_only) });
    match w.stage() {
        Stage::Problem { detail, ways, .. } => {
            assert!(detail.contains("MRZ"), "{detail}");
            assert_eq!(ways.first(), Some(&Way::ReenterDocument));
        }
        s => panic!("stage {s:?}"),
    }
}

#[test]
fn whole_path_to_a_passed_result_wipes_personal_data() {
    let mut w = Workflow::default();
    let job = to_review(&mut w);
    assert!(w.holds_personal_data());
    // The demo passport chains to the demo CSCA the test trusts.
    let facts = w.personal().unwrap().facts().unwrap();
    assert_eq!(facts.authenticity, "valid", "{}", facts.authenticity_summary);
    assert!(facts.authenticity_summary.starts_with("Genuine"), "{}", facts.authenticity_summary);
    assert!(w.apply(Input::Confirm { consent: false }).is_empty(), "no consent, no enrol");
    assert_eq!(w.stage(), &Stage::Review);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job: ej, user_id, image, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_ne!(*ej, job);
    assert!(image.len() > 100);
    let uid = user_id.as_str().to_owned();
    let ej = *ej;
    let fx = w.apply(Input::Enrolled { job: ej, result: Ok(started(&uid)) });
    assert!(matches!(fx.as_slice(), [Effect::LaunchScan { .. }]));
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
    assert!(!w.holds_personal_data(), "chip data dropped once the photo is enrolled");
    let fx = w.apply(Input::ScanFinished { job: ej });
    let [Effect::Validate { job: vj, verify_token, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(verify_token, &"v".repeat(64));
    let vj = *vj;
    let out = ValidateOutcome {
        user_id: uid.clone(),
        passed: Some(true),
        reason: None,
        status: EnrolmentStatus::Passed,
    };
    w.apply(Input::Validated { job: vj, result: Ok(out) });
    assert_eq!(w.stage(), &Stage::Result { passed: true, reason: None, user_id: uid });
    w.apply(Input::NewCustomer);
    assert_eq!(w.stage(), &Stage::Home);
    assert!(w.user_id().is_none());
}

#[test]
fn results_of_an_abandoned_read_are_ignored() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, cancel, .. }] = fx.as_slice() else { panic!() };
    let (job, cancel) = (*job, cancel.clone());
    w.apply(Input::Progress { job, file: "EF.COM".into(), done: 10, total: 20 });
    assert!(matches!(w.stage(), Stage::Reading { done: 10, total: 20, .. }));
    w.apply(Input::Cancel);
    assert!(cancel.load(Ordering::SeqCst), "the chip thread is told to stop");
    assert!(matches!(w.stage(), Stage::Problem { .. }));
    w.apply(Input::ReadDone { job, result: Ok(demo_chip_result()) });
    assert!(matches!(w.stage(), Stage::Problem { .. }), "late result must not reach Review");
    assert!(w.personal().is_none());
}

#[test]
fn card_removed_offers_place_again_with_a_new_job() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!() };
    let job = *job;
    let gone = ReadFailure {
        card_gone: true,
        access_denied: false,
        needs_mrz: false,
        cancelled: false,
        unreadable: false,
        detail: "card removed".into(),
    };
    w.apply(Input::ReadDone { job, result: Err(gone) });
    match w.stage() {
        Stage::Problem { title, ways, .. } => {
            assert!(title.contains("moved away"));
            assert!(ways.contains(&Way::PlaceAgain));
        }
        s => panic!("{s:?}"),
    }
    assert!(w.apply(Input::Choose(Way::RetryEnrol)).is_empty(), "way not offered");
    let fx = w.apply(Input::Choose(Way::PlaceAgain));
    let [Effect::ReadPassport { job: j2, .. }] = fx.as_slice() else { panic!() };
    assert!(*j2 > job);
    assert_eq!(w.stage(), &Stage::PlacePassport);
}

#[test]
fn access_denied_offers_reentering_the_mrz() {
    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!() };
    let f = ReadFailure {
        card_gone: false,
        access_denied: true,
        needs_mrz: false,
        cancelled: false,
        unreadable: false,
        detail: "x".into(),
    };
    w.apply(Input::ReadDone { job: *job, result: Err(f) });
    w.apply(Input::Choose(Way::ReenterDocument));
    assert_eq!(w.stage(), &Stage::Document { error: None });
    assert!(!w.holds_personal_data());
}

#[test]
fn enrol_failure_retries_with_the_same_user_id() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, user_id, .. }] = fx.as_slice() else { panic!() };
    let (job, uid) = (*job, user_id.clone());
    let f = ServiceFailure { message: "server_error".into(), outcome_unknown: false };
    w.apply(Input::Enrolled { job, result: Err(f) });
    assert!(matches!(w.stage(), Stage::Problem { ways, .. } if ways.contains(&Way::RetryEnrol)));
    assert!(w.holds_personal_data(), "the photo is kept for the retry");
    let fx = w.apply(Input::Choose(Way::RetryEnrol));
    let [Effect::Enrol { user_id: again, .. }] = fx.as_slice() else { panic!() };
    assert_eq!(again, &uid);
}

#[test]
fn failed_scan_offers_a_new_scan_for_the_same_user() {
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, user_id, .. }] = fx.as_slice() else { panic!() };
    let (job, uid) = (*job, user_id.clone());
    w.apply(Input::Enrolled { job, result: Ok(started(uid.as_str())) });
    let fx = w.apply(Input::ScanFinished { job });
    let [Effect::Validate { job: vj, .. }] = fx.as_slice() else { panic!() };
    let out = ValidateOutcome {
        user_id: uid.as_str().into(),
        passed: Some(false),
        reason: Some("ambiguous_outcome".into()),
        status: EnrolmentStatus::Failed,
    };
    w.apply(Input::Validated { job: *vj, result: Ok(out) });
    assert!(matches!(w.stage(), Stage::Result { passed: false, .. }));
    let fx = w.apply(Input::Choose(Way::NewScan));
    let [Effect::NewVerifyToken { user_id, .. }] = fx.as_slice() else { panic!() };
    assert_eq!(user_id, &uid);
}

#[test]
fn new_customer_mid_review_wipes_and_idle_timeout_returns_home() {
    let mut w = Workflow::default();
    to_review(&mut w);
    w.apply(Input::NewCustomer);
    assert_eq!(w.stage(), &Stage::Home);
    assert!(!w.holds_personal_data());

    let mut w = Workflow::new(Duration::from_millis(0));
    assert!(w.tick(Instant::now()).is_none(), "nothing to time out at Home");
    to_review(&mut w);
    assert!(w.tick(Instant::now() + Duration::from_millis(1)).is_some());
    assert_eq!(w.stage(), &Stage::Home);
    assert!(!w.holds_personal_data());
}

#[test]
fn idle_timeout_waits_while_work_runs() {
    let mut w = Workflow::new(Duration::from_millis(0));
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!() };
    w.apply(Input::CardPresent { job: *job });
    assert!(w.tick(Instant::now() + Duration::from_secs(1)).is_none());
    assert!(matches!(w.stage(), Stage::Reading { .. }));
}

#[test]
fn review_facts_of_the_demo_passport() {
    let r = demo_chip_result();
    assert!(r.facts.document_type.starts_with("Passport"));
    assert_eq!(r.facts.expiry.len(), 10);
    assert_eq!(r.facts.access, "PACE-ECDH-GM-AES-128");
    assert!(r.face.is_some(), "{:?}", r.face_error);
    let dbg = format!("{r:?}");
    assert!(!dbg.contains(r.facts.name.as_str()) || r.facts.name.is_empty());
}

#[test]
fn expiry_flag() {
    assert!(is_expired("250101", "2026-01-01"));
    assert!(!is_expired("260101", "2026-01-01"));
    assert!(!is_expired("300101", "2026-01-01"));
    assert!(is_expired("30AB01", "2026-01-01"), "unreadable dates are flagged");
}

fn checklist(w: &Workflow) -> Checklist {
    match w.stage() {
        Stage::Enrolling { steps } => steps.clone(),
        s => panic!("not enrolling: {s:?}"),
    }
}

#[test]
fn enrol_progress_moves_the_checklist_step_by_step() {
    use crate::iproov::journey::StepState::{Finished, Started};
    use crate::records::Step;
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, source, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let job = *job;
    assert_eq!(source.as_str(), "eid", "the chip photo is an eID source");
    let c = checklist(&w);
    assert!(crate::enrol::progress::STEPS.iter().all(|s| c.mark(*s) == Mark::Waiting));
    assert_eq!(c.words(Step::EnrolImage), "Sending the chip photo (source: eid)");

    w.apply(Input::EnrolProgress { job, step: Step::EnrolToken, state: Started });
    let c = checklist(&w);
    assert_eq!(
        (c.mark(Step::EnrolToken), c.mark(Step::EnrolImage)),
        (Mark::Running, Mark::Waiting)
    );
    w.apply(Input::EnrolProgress { job, step: Step::EnrolToken, state: Finished });
    w.apply(Input::EnrolProgress { job, step: Step::EnrolImage, state: Started });
    let c = checklist(&w);
    assert_eq!(
        (c.mark(Step::EnrolToken), c.mark(Step::EnrolImage), c.mark(Step::VerifyToken)),
        (Mark::Done, Mark::Running, Mark::Waiting)
    );
    w.apply(Input::EnrolProgress { job, step: Step::EnrolImage, state: Finished });
    w.apply(Input::EnrolProgress { job, step: Step::VerifyToken, state: Started });
    assert_eq!(checklist(&w).mark(Step::VerifyToken), Mark::Running);
    let uid = w.user_id().unwrap().as_str().to_owned();
    w.apply(Input::Enrolled { job, result: Ok(started(&uid)) });
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
    // A progress event after the answer changes nothing.
    w.apply(Input::EnrolProgress { job, step: Step::VerifyToken, state: Finished });
    assert!(matches!(w.stage(), Stage::FaceScan { .. }));
}

#[test]
fn stale_enrol_progress_is_ignored() {
    use crate::iproov::journey::StepState::{Finished, Started};
    use crate::records::Step;
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job: old, .. }] = fx.as_slice() else { panic!() };
    let old = *old;
    let f = ServiceFailure { message: "server_error".into(), outcome_unknown: false };
    w.apply(Input::Enrolled { job: old, result: Err(f) });
    let fx = w.apply(Input::Choose(Way::RetryEnrol));
    let [Effect::Enrol { job: new, .. }] = fx.as_slice() else { panic!() };
    assert_ne!(*new, old);
    // The first attempt's late events must not tick the retry's checklist.
    w.apply(Input::EnrolProgress { job: old, step: Step::EnrolToken, state: Started });
    w.apply(Input::EnrolProgress { job: old, step: Step::EnrolToken, state: Finished });
    assert_eq!(checklist(&w).mark(Step::EnrolToken), Mark::Waiting);
    w.apply(Input::EnrolProgress { job: *new, step: Step::EnrolToken, state: Started });
    assert_eq!(checklist(&w).mark(Step::EnrolToken), Mark::Running);
}

#[test]
fn resumed_enrolment_and_new_scan_show_earlier_steps_as_done() {
    use crate::iproov::journey::StepState::{Skipped, Started};
    use crate::records::Step;
    let mut w = Workflow::default();
    to_review(&mut w);
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { job, .. }] = fx.as_slice() else { panic!() };
    let job = *job;
    // The journey found the image already registered (a retry after a lost verify token).
    w.apply(Input::EnrolProgress { job, step: Step::EnrolToken, state: Skipped });
    w.apply(Input::EnrolProgress { job, step: Step::EnrolImage, state: Skipped });
    w.apply(Input::EnrolProgress { job, step: Step::VerifyToken, state: Started });
    let c = checklist(&w);
    assert!(c.mark(Step::EnrolToken).is_done() && c.mark(Step::EnrolImage).is_done());
    assert_eq!(
        c.accessible(Step::EnrolToken),
        "Asking iProov for an enrolment token: done earlier"
    );
    assert_eq!(c.mark(Step::VerifyToken), Mark::Running);

    // A new scan after a failed one: only the verify token is asked for.
    let uid = w.user_id().unwrap().as_str().to_owned();
    w.apply(Input::Enrolled { job, result: Ok(started(&uid)) });
    w.apply(Input::Cancel);
    let fx = w.apply(Input::Choose(Way::NewScan));
    assert!(matches!(fx.as_slice(), [Effect::NewVerifyToken { .. }]));
    let c = checklist(&w);
    assert_eq!(
        (c.mark(Step::EnrolToken), c.mark(Step::EnrolImage), c.mark(Step::VerifyToken)),
        (Mark::DoneEarlier, Mark::DoneEarlier, Mark::Waiting)
    );
}

#[test]
fn a_passport_failing_passive_authentication_is_never_enrolled() {
    let profile = Profile::demo().unwrap();
    let key = AccessKey::from_mrz_text(profile.mrz_text()).unwrap();
    let chip = Chip::new(&profile, profile.behaviour().clone());
    let mut read = read_passport(chip, &key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
    // One byte of the photo changed after issue: DG2 no longer matches its hash in EF.SOD.
    let dg2 = read.files.get_mut("EF.DG2").unwrap();
    let at = dg2.len() - 100;
    dg2[at] ^= 0x01;
    let trust = crate::trust::TrustStore::demo().unwrap();
    let tampered =
        Box::new(ChipResult::from_read(read, &EncodePolicy::default(), &trust, "2026-01-01"));
    assert_eq!(tampered.facts.authenticity, "invalid", "{}", tampered.facts.authenticity_summary);

    let mut w = Workflow::default();
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job, .. }] = fx.as_slice() else { panic!("effects {fx:?}") };
    let job = *job;
    w.apply(Input::ReadDone { job, result: Ok(tampered) });
    assert_eq!(w.stage(), &Stage::Review);
    let fx = w.apply(Input::Confirm { consent: true });
    assert!(fx.is_empty(), "no enrolment: {fx:?}");
    match w.stage() {
        Stage::Problem { title, ways, .. } => {
            assert!(title.contains("authenticity"), "{title}");
            assert_eq!(ways, &[Way::NewCustomer]);
        }
        s => panic!("stage {s:?}"),
    }
}
