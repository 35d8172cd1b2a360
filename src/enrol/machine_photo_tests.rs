//! Unit tests of the workflow's photo-page (`oid`) and photo-on-file (`selfie`) paths:
//! when the photo page is offered, the MRZ comparison that stops it, the source each
//! enrolment is sent with, and that every path still wipes.

use super::tests::{demo_mrz, mrz, started};
use super::*;
use crate::enrol::sources::{OnFilePhoto, PageReadout, PhotoFailure};
use crate::face::{EncodePolicy, PreparedFace};
use crate::mrz::{Mrz, MrzFormat};
use crate::page::{MrzBand, PageMrz};
use zeroize::Zeroizing;

const BOTH: Offer = Offer { photo_page: true, photo_on_file: true };

fn face() -> PreparedFace {
    let img = image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let png = crate::face::encode::encode_png(&img).unwrap();
    let eyes = crate::face::EyeCentres::from(((20, 60), (110, 60)));
    let mut f = crate::face::prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
    // The workflow only reads the verdict; the rules themselves are tested in `face`.
    f.meets_requirements = true;
    f
}

fn page_of(mrz_text: &str, valid: bool) -> Box<PageReadout> {
    let parsed = if valid { Some(Mrz::parse(mrz_text).unwrap()) } else { None };
    let band = MrzBand {
        format: MrzFormat::Td3,
        first_line_start: (10.0, 900.0),
        first_line_end: (1200.0, 900.0),
        line_pitch: 40.0,
        angle_deg: 0.0,
    };
    let lines = mrz_text.lines().map(str::to_owned).collect();
    let problems = if valid { vec![] } else { vec!["a check digit does not match".into()] };
    let mrz = PageMrz { lines: Zeroizing::new(lines), parsed, problems, band };
    Box::new(PageReadout { mrz, face: face(), expired: false })
}

fn failed_read(unreadable: bool) -> ReadFailure {
    ReadFailure {
        card_gone: !unreadable,
        access_denied: false,
        needs_mrz: false,
        cancelled: false,
        unreadable,
        detail: "test".into(),
    }
}

/// Home → MRZ → a read that fails; returns the Problem's ways.
fn read_fails(w: &mut Workflow, unreadable: bool) -> Vec<Way> {
    if w.stage() == &Stage::Home {
        w.apply(Input::Start);
        w.apply(mrz(&demo_mrz()));
    } else {
        w.apply(Input::Choose(Way::PlaceAgain));
    }
    let job = w.job();
    w.apply(Input::ReadDone { job, result: Err(failed_read(unreadable)) });
    match w.stage() {
        Stage::Problem { ways, .. } => ways.clone(),
        s => panic!("stage {s:?}"),
    }
}

/// From a chip Problem offering it: "Use the photo page" → capture → a page arrives → read.
fn through_page(w: &mut Workflow, page: Box<PageReadout>) {
    let fx = w.apply(Input::Choose(Way::UsePhotoPage));
    let [Effect::CapturePage { job, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(w.stage(), &Stage::PageCapture { note: None });
    let job = *job;
    w.apply(Input::CaptureNote { job, note: "about 600 dpi".into() });
    assert_eq!(w.stage(), &Stage::PageCapture { note: Some("about 600 dpi".into()) });
    let bytes = Zeroizing::new(vec![1, 2, 3]);
    let fx = w.apply(Input::PageCaptured { job, result: Ok(bytes) });
    let [Effect::ReadPage { job, page: got }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(got.as_slice(), [1, 2, 3]);
    assert_eq!(w.stage(), &Stage::PageReading);
    assert!(w.is_busy(), "no idle timeout while the page is read");
    let job = *job;
    w.apply(Input::PageRead { job, result: Ok(page) });
}

#[test]
fn an_unreadable_chip_offers_the_photo_page_and_a_moved_one_only_on_the_second_failure() {
    let mut w = Workflow::default().with_offer(BOTH);
    let ways = read_fails(&mut w, true);
    assert_eq!(ways, vec![Way::PlaceAgain, Way::UsePhotoPage, Way::NewCustomer]);

    let mut w = Workflow::default().with_offer(BOTH);
    let ways = read_fails(&mut w, false);
    assert!(!ways.contains(&Way::UsePhotoPage), "placing it again may help: {ways:?}");
    let ways = read_fails(&mut w, false);
    assert!(ways.contains(&Way::UsePhotoPage), "twice: a retry won't fix it: {ways:?}");
}

#[test]
fn the_photo_page_is_never_offered_without_a_page_capture_nor_after_a_refused_key() {
    let mut w = Workflow::default();
    assert!(!read_fails(&mut w, true).contains(&Way::UsePhotoPage));
    assert!(w.apply(Input::Choose(Way::UsePhotoPage)).is_empty(), "not offered: ignored");
    assert!(matches!(w.stage(), Stage::Problem { .. }));

    let mut w = Workflow::default().with_offer(BOTH);
    w.apply(Input::Start);
    w.apply(mrz(&demo_mrz()));
    for _ in 0..2 {
        let job = w.job();
        let denied = ReadFailure { access_denied: true, ..failed_read(false) };
        w.apply(Input::ReadDone { job, result: Err(denied) });
        let Stage::Problem { ways, .. } = w.stage() else { panic!() };
        assert!(!ways.contains(&Way::UsePhotoPage), "a wrong MRZ is typed again: {ways:?}");
        w.apply(Input::Choose(Way::PlaceAgain));
    }
}

#[test]
fn no_chip_on_the_place_passport_screen_stops_the_read_and_captures_the_page() {
    let mut w = Workflow::default().with_offer(BOTH);
    w.apply(Input::Start);
    let fx = w.apply(mrz(&demo_mrz()));
    let [Effect::ReadPassport { job: read, cancel, .. }] = fx.as_slice() else { panic!() };
    let (read, cancel) = (*read, cancel.clone());
    let fx = w.apply(Input::Choose(Way::UsePhotoPage));
    assert!(matches!(fx.as_slice(), [Effect::CapturePage { .. }]), "{fx:?}");
    assert!(cancel.load(Ordering::SeqCst), "the waiting chip read is stopped");
    // A late chip result of the stopped read changes nothing.
    w.apply(Input::ReadDone { job: read, result: Err(failed_read(true)) });
    assert!(matches!(w.stage(), Stage::PageCapture { .. }));
}

#[test]
fn a_matching_page_is_reviewed_and_enrolled_as_oid() {
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    through_page(&mut w, page_of(&demo_mrz(), true));
    assert_eq!(w.stage(), &Stage::Review);
    let p = w.personal().unwrap();
    assert_eq!(p.source(), ImageSource::Oid);
    assert!(p.chip().is_none() && p.facts().is_none(), "no chip claims on a photo page");
    let facts = p.document_facts();
    assert_eq!(facts.enrol_policy.as_deref(), Some("allow_sources"));
    assert_eq!(facts.authenticity, None, "authenticity was not checked");
    assert!(facts.document_number.is_some());
    let fx = w.apply(Input::Confirm { consent: true });
    let [Effect::Enrol { source, job, user_id, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(*source, ImageSource::Oid);
    assert_eq!(w.stage(), &Stage::Enrolling { steps: Checklist::enrol(ImageSource::Oid) });
    let (job, uid) = (*job, user_id.as_str().to_owned());
    w.apply(Input::Enrolled { job, result: Ok(started(&uid)) });
    w.apply(Input::Cancel);
    // A new face scan keeps the enrolment's source.
    let fx = w.apply(Input::Choose(Way::NewScan));
    assert!(matches!(fx.as_slice(), [Effect::NewVerifyToken { .. }]));
    assert_eq!(w.stage(), &Stage::Enrolling { steps: Checklist::new_scan(ImageSource::Oid) });
}

#[test]
fn a_page_of_another_document_stops_with_a_plain_sentence() {
    let other = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                 L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    through_page(&mut w, page_of(other, true));
    let Stage::Problem { title, detail, ways } = w.stage() else { panic!("{:?}", w.stage()) };
    assert!(title.contains("does not match"), "{title}");
    assert!(detail.contains("document number") && !detail.contains("L898902C"), "{detail}");
    assert_eq!(ways, &vec![Way::ScanPageAgain, Way::ReenterDocument, Way::NewCustomer]);
    assert!(w.personal().is_none(), "the page of another document is not kept");
    assert!(w.apply(Input::Confirm { consent: true }).is_empty(), "nothing to enrol");
    // Scanning again starts a new capture for the same typed document.
    let fx = w.apply(Input::Choose(Way::ScanPageAgain));
    assert!(matches!(fx.as_slice(), [Effect::CapturePage { .. }]), "{fx:?}");
}

#[test]
fn a_page_whose_mrz_did_not_verify_stops_and_offers_a_rescan() {
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    through_page(&mut w, page_of(&demo_mrz(), false));
    let Stage::Problem { title, detail, ways } = w.stage() else { panic!("{:?}", w.stage()) };
    assert!(title.contains("MRZ on the photo page"), "{title}");
    assert!(detail.contains("check digit"), "{detail}");
    assert_eq!(ways, &vec![Way::ScanPageAgain, Way::NewCustomer]);
}

#[test]
fn an_expired_page_is_not_enrolled() {
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    let mut page = page_of(&demo_mrz(), true);
    page.expired = true;
    through_page(&mut w, page);
    assert_eq!(w.stage(), &Stage::Review);
    assert!(w.apply(Input::Confirm { consent: true }).is_empty());
    assert!(matches!(w.stage(), Stage::Problem { title, .. } if title.contains("expired")));
    assert!(w.user_id().is_none());
}

#[test]
fn cancelling_the_capture_stops_it_and_ignores_its_late_page() {
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    let fx = w.apply(Input::Choose(Way::UsePhotoPage));
    let [Effect::CapturePage { job, cancel }] = fx.as_slice() else { panic!() };
    let (job, cancel) = (*job, cancel.clone());
    w.apply(Input::Cancel);
    assert!(cancel.load(Ordering::SeqCst));
    let Stage::Problem { ways, .. } = w.stage() else { panic!() };
    assert!(ways.contains(&Way::ScanPageAgain) && ways.contains(&Way::PlaceAgain));
    let fx = w.apply(Input::PageCaptured { job, result: Ok(Zeroizing::new(vec![1])) });
    assert!(fx.is_empty() && matches!(w.stage(), Stage::Problem { .. }));
}

#[test]
fn a_capture_that_failed_offers_a_rescan() {
    let mut w = Workflow::default().with_offer(BOTH);
    read_fails(&mut w, true);
    w.apply(Input::Choose(Way::UsePhotoPage));
    let job = w.job();
    let f = PhotoFailure { title: "Scan refused".into(), detail: "too large".into() };
    w.apply(Input::PageCaptured { job, result: Err(f) });
    assert_eq!(
        w.stage(),
        &Stage::Problem {
            title: "Scan refused".into(),
            detail: "too large".into(),
            ways: vec![Way::ScanPageAgain, Way::NewCustomer],
        }
    );
}

fn on_file() -> Box<OnFilePhoto> {
    Box::new(OnFilePhoto { face: face(), provenance: "folder of photos on file".into() })
}

#[test]
fn photo_on_file_is_offered_only_when_configured() {
    let mut w = Workflow::default();
    assert!(w.apply(Input::StartOnFile).is_empty());
    assert_eq!(w.stage(), &Stage::Home);
    let mut w = Workflow::default().with_offer(BOTH);
    w.apply(Input::StartOnFile);
    assert_eq!(w.stage(), &Stage::Reference { error: None });
}

#[test]
fn a_photo_on_file_is_fetched_reviewed_and_enrolled_as_selfie() {
    let mut w = Workflow::default().with_offer(BOTH);
    w.apply(Input::StartOnFile);
    let fx = w.apply(Input::SubmitReference(Zeroizing::new("../x".into())));
    assert!(fx.is_empty());
    assert!(matches!(w.stage(), Stage::Reference { error: Some(e) } if e.contains("letters")));
    let fx = w.apply(Input::SubmitReference(Zeroizing::new(" CUST-42 ".into())));
    let [Effect::FetchOnFile { job, reference }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(reference.as_str(), "CUST-42");
    assert!(w.is_busy());
    let job = *job;
    w.apply(Input::OnFileFetched { job, result: Ok(on_file()) });
    assert_eq!(w.stage(), &Stage::Review);
    let p = w.personal().unwrap();
    assert_eq!(p.source(), ImageSource::Selfie);
    assert_eq!(p.document_facts().document_number, None);
    let fx = w.apply(Input::Confirm { consent: true });
    assert!(matches!(fx.as_slice(), [Effect::Enrol { source: ImageSource::Selfie, .. }]), "{fx:?}");
    // Leaving wipes the photo and abandons the enrolment as on every path.
    let fx = w.apply(Input::NewCustomer);
    assert!(matches!(fx.as_slice(), [Effect::Abandon { .. }]), "{fx:?}");
    assert!(!w.holds_personal_data() && w.user_id().is_none());
}

#[test]
fn a_missing_photo_on_file_offers_another_reference_and_a_late_one_is_ignored() {
    let mut w = Workflow::default().with_offer(BOTH);
    w.apply(Input::StartOnFile);
    w.apply(Input::SubmitReference(Zeroizing::new("CUST-1".into())));
    let job = w.job();
    let f = PhotoFailure { title: "No photo on file".into(), detail: "none for it".into() };
    w.apply(Input::OnFileFetched { job, result: Err(f) });
    let Stage::Problem { ways, .. } = w.stage() else { panic!() };
    assert_eq!(ways, &vec![Way::ReenterReference, Way::NewCustomer]);
    w.apply(Input::Choose(Way::ReenterReference));
    assert_eq!(w.stage(), &Stage::Reference { error: None });
    // Cancelled while fetching: the photo arriving afterwards is not shown.
    w.apply(Input::SubmitReference(Zeroizing::new("CUST-2".into())));
    let job = w.job();
    w.apply(Input::Cancel);
    w.apply(Input::OnFileFetched { job, result: Ok(on_file()) });
    assert!(matches!(w.stage(), Stage::Problem { .. }));
    assert!(w.personal().is_none());
}
