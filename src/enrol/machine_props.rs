//! Property test of the enrolment state machine: random staff actions and worker results
//! (late answers with stale job numbers, faults, lost answers, cancel, idle timeout, New
//! customer) never let two customers share a user_id, never enrol anyone but the customer
//! at the desk with that customer's own data, and never validate a verify token twice.
//! Every enrolment left without a validate outcome is abandoned exactly once by the time
//! the desk is at Home; one whose latest verify token got a result (passed or failed) never
//! is.
//!
//! A "customer" is a visit of one document: a document submitted at the desk (after Home,
//! or differing from the one before) starts a new customer. The harness answers the
//! workflow's effects the way the executor would, in any order, including answers to
//! effects the workflow has long abandoned.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use zeroize::Zeroizing;

use super::*;
use crate::enrol::personal::ChipResult;
use crate::face::EncodePolicy;
use crate::iproov::journey::{EnrolStarted, ValidateOutcome};
use crate::reader::passport::{PassportRead, ReadOptions, read_passport};
use crate::records::EnrolmentStatus;
use crate::sim::{Chip, Profile};

/// The documents of the customers who come to the desk.
const DOCUMENTS: [&str; 3] = ["C01X00T47", "D23Y11U58", "E45Z22V69"];

/// One read of the demo passport, interpreted once; each customer's chip is a copy with
/// that customer's document number.
fn base_chip() -> &'static ChipResult {
    static BASE: OnceLock<Box<ChipResult>> = OnceLock::new();
    BASE.get_or_init(|| {
        let profile = Profile::demo().unwrap();
        let key = AccessKey::from_mrz_text(profile.mrz_text()).unwrap();
        let chip = Chip::new(&profile, profile.behaviour().clone());
        let read = read_passport(chip, &key, &ReadOptions::default(), &mut |_, _, _| {}).unwrap();
        let trust = crate::trust::TrustStore::demo().unwrap();
        Box::new(ChipResult::from_read(read, &EncodePolicy::default(), &trust, "2026-01-01"))
    })
}

fn chip_of(customer: usize) -> Box<ChipResult> {
    let base = base_chip();
    let mut mrz = base.mrz.clone();
    if let Some(m) = mrz.as_mut() {
        m.document_number = DOCUMENTS[customer].to_owned();
    }
    Box::new(ChipResult {
        read: PassportRead {
            access: base.read.access.clone(),
            files: BTreeMap::new(),
            apdus: 0,
            bytes_read: 0,
            elapsed: Duration::ZERO,
            chunk_size: 0,
            chip_checks: Vec::new(),
            cam: None,
            cam_later: Vec::new(),
            access_control: base.read.access_control.clone(),
        },
        mrz,
        face: base.face.clone(),
        face_error: None,
        facts: base.facts.clone(),
        interpret: Duration::ZERO,
    })
}

/// Which of the effects issued so far a result answers: the newest of its kind, or any.
#[derive(Debug, Clone)]
enum Pick {
    Latest,
    Any(Index),
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Ok,
    Failed,
    Unknown,
}

#[derive(Debug, Clone)]
enum Act {
    Start,
    Submit(usize),
    CardPresent(Pick),
    /// Read: `Some(true)` the chip data, `Some(false)` the key refused, `None` moved away.
    ReadDone(Pick, Option<bool>),
    Confirm(bool),
    Enrolled(Pick, Answer),
    ScanFinished(Pick),
    /// `Some(passed)` or a failure.
    Validated(Pick, Answer, bool),
    Cancel,
    Choose(Way),
    IdleTimeout,
    NewCustomer,
    /// What staff and the workers would do next at this stage (so that random sequences
    /// get far into enrolments): with this customer, answer, scan outcome and way.
    Flow(usize, Answer, bool, Index),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![3 => Just(Pick::Latest), 1 => any::<Index>().prop_map(Pick::Any)]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![3 => Just(Answer::Ok), 1 => Just(Answer::Failed), 1 => Just(Answer::Unknown)]
}

fn way() -> impl Strategy<Value = Way> {
    prop_oneof![
        Just(Way::PlaceAgain),
        Just(Way::ReenterDocument),
        Just(Way::RetryEnrol),
        Just(Way::NewScan),
        Just(Way::NewCustomer),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        2 => Just(Act::Start),
        2 => (0..DOCUMENTS.len()).prop_map(Act::Submit),
        1 => pick().prop_map(Act::CardPresent),
        3 => (pick(), any::<Option<bool>>()).prop_map(|(p, read)| Act::ReadDone(p, read)),
        3 => any::<bool>().prop_map(Act::Confirm),
        3 => (pick(), answer()).prop_map(|(p, a)| Act::Enrolled(p, a)),
        2 => pick().prop_map(Act::ScanFinished),
        3 => (pick(), answer(), any::<bool>()).prop_map(|(p, a, ok)| Act::Validated(p, a, ok)),
        1 => Just(Act::Cancel),
        4 => way().prop_map(Act::Choose),
        1 => Just(Act::IdleTimeout),
        1 => Just(Act::NewCustomer),
        24 => (0..DOCUMENTS.len(), answer(), any::<bool>(), any::<Index>())
            .prop_map(|(c, a, passed, way)| Act::Flow(c, a, passed, way)),
    ]
}

/// The harness: the workflow, what it asked for, and who each user_id belongs to.
struct Desk {
    w: Workflow,
    /// The customer at the desk (visit number, document), if any.
    customer: Option<(u32, usize)>,
    visits: u32,
    reads: Vec<(u64, (u32, usize))>,
    /// Enrol and new-verify-token effects: job and user_id.
    enrols: Vec<(u64, UserId)>,
    scans: Vec<u64>,
    validates: Vec<(u64, String)>,
    owner: HashMap<String, u32>,
    validated: HashSet<String>,
    /// user_ids whose latest verify token reached a Result (a validate outcome).
    completed: HashSet<String>,
    /// Abandon effects per user_id.
    abandons: HashMap<String, u32>,
    tokens: u64,
    /// The concrete acts applied, with the stage each led to (printed on a failure).
    trace: Vec<String>,
}

fn chosen<T>(list: &[T], p: &Pick) -> Option<usize> {
    match p {
        _ if list.is_empty() => None,
        Pick::Latest => Some(list.len() - 1),
        Pick::Any(i) => Some(i.index(list.len())),
    }
}

impl Desk {
    fn new() -> Desk {
        Desk {
            w: Workflow::new(Duration::from_secs(180)),
            customer: None,
            visits: 0,
            reads: Vec::new(),
            enrols: Vec::new(),
            scans: Vec::new(),
            validates: Vec::new(),
            owner: HashMap::new(),
            validated: HashSet::new(),
            completed: HashSet::new(),
            abandons: HashMap::new(),
            tokens: 0,
            trace: Vec::new(),
        }
    }

    fn failure(unknown: bool) -> ServiceFailure {
        ServiceFailure { message: "the service failed".into(), outcome_unknown: unknown }
    }

    /// The input for one act, or None when it has nothing to answer.
    fn input(&mut self, act: &Act) -> Option<Input> {
        Some(match act {
            Act::Start => Input::Start,
            Act::Submit(c) => {
                let doc = DocumentInput::Fields {
                    number: Zeroizing::new(DOCUMENTS[*c].to_owned()),
                    birth: Zeroizing::new("900101".into()),
                    expiry: Zeroizing::new("310101".into()),
                };
                if matches!(self.w.stage(), Stage::Document { .. })
                    && self.customer.map(|(_, d)| d) != Some(*c)
                {
                    self.visits += 1;
                    self.customer = Some((self.visits, *c));
                }
                Input::Submit(doc)
            }
            Act::CardPresent(p) => {
                let i = chosen(&self.reads, p)?;
                Input::CardPresent { job: self.reads[i].0 }
            }
            Act::ReadDone(p, read) => {
                let (job, (_, doc)) = self.reads[chosen(&self.reads, p)?];
                let result = match read {
                    Some(true) => Ok(chip_of(doc)),
                    other => Err(ReadFailure {
                        card_gone: other.is_none(),
                        access_denied: other.is_some(),
                        needs_mrz: false,
                        cancelled: false,
                        unreadable: false,
                        detail: "read failed".into(),
                    }),
                };
                Input::ReadDone { job, result }
            }
            Act::Confirm(consent) => Input::Confirm { consent: *consent },
            Act::Enrolled(p, a) => {
                let (job, uid) = self.enrols[chosen(&self.enrols, p)?].clone();
                let result = match a {
                    Answer::Ok => {
                        self.tokens += 1;
                        Ok(EnrolStarted {
                            user_id: uid.as_str().to_owned(),
                            enrol_token: None,
                            verify_token: format!("token-{}", self.tokens),
                            scan_url: "http://127.0.0.1:1/scan".into(),
                        })
                    }
                    Answer::Failed => Err(Self::failure(false)),
                    Answer::Unknown => Err(Self::failure(true)),
                };
                Input::Enrolled { job, result }
            }
            Act::ScanFinished(p) => {
                Input::ScanFinished { job: self.scans[chosen(&self.scans, p)?] }
            }
            Act::Validated(p, a, passed) => {
                let (job, uid) = self.validates[chosen(&self.validates, p)?].clone();
                let result = match a {
                    Answer::Ok => Ok(ValidateOutcome {
                        user_id: uid,
                        passed: Some(*passed),
                        reason: None,
                        status: if *passed {
                            EnrolmentStatus::Passed
                        } else {
                            EnrolmentStatus::Failed
                        },
                    }),
                    Answer::Failed => Err(Self::failure(false)),
                    Answer::Unknown => Err(Self::failure(true)),
                };
                Input::Validated { job, result }
            }
            Act::Cancel => Input::Cancel,
            Act::Choose(way) => Input::Choose(*way),
            Act::NewCustomer => Input::NewCustomer,
            Act::IdleTimeout | Act::Flow(..) => return None,
        })
    }

    /// The act that moves the current stage on.
    fn flow(&self, customer: usize, answer: Answer, passed: bool, way: &Index) -> Act {
        match self.w.stage() {
            Stage::Home => Act::Start,
            Stage::Document { .. } => Act::Submit(customer),
            Stage::PlacePassport | Stage::Reading { .. } => Act::ReadDone(Pick::Latest, Some(true)),
            Stage::Review => Act::Confirm(true),
            Stage::Enrolling { .. } => Act::Enrolled(Pick::Latest, answer),
            Stage::FaceScan { .. } => Act::ScanFinished(Pick::Latest),
            Stage::Validating => Act::Validated(Pick::Latest, answer, passed),
            Stage::Result { passed: false, .. } => Act::Choose(Way::NewScan),
            Stage::Result { passed: true, .. } => Act::NewCustomer,
            // Not offered here (no photo sources): never reached.
            Stage::PageCapture { .. }
            | Stage::PageReading
            | Stage::Reference { .. }
            | Stage::Fetching => Act::NewCustomer,
            Stage::Problem { ways, .. } => match ways.as_slice() {
                [] => Act::NewCustomer,
                ways => Act::Choose(ways[way.index(ways.len())]),
            },
        }
    }

    /// Applies one act and checks every effect it caused.
    fn step(&mut self, act: &Act) -> Result<(), TestCaseError> {
        if let Act::Flow(c, a, passed, way) = act {
            let next = self.flow(*c, *a, *passed, way);
            return self.step(&next);
        }
        let effects = if let Act::IdleTimeout = act {
            self.w.tick(Instant::now() + Duration::from_secs(3600)).unwrap_or_default()
        } else {
            match self.input(act) {
                Some(input) => self.w.apply(input),
                None => return Ok(()),
            }
        };
        let act = match act {
            Act::Submit(c) => format!("Submit({})", DOCUMENTS[*c]),
            other => format!("{other:?}"),
        };
        self.trace.push(format!("{act} -> {}", self.w.stage().name()));
        if let Stage::Result { user_id, .. } = self.w.stage() {
            self.completed.insert(user_id.clone());
        }
        if self.w.stage() == &Stage::Home {
            self.customer = None;
            if self.w.user_id().is_some() || self.w.holds_personal_data() {
                return Err(TestCaseError::fail(format!(
                    "Home with a customer's user_id or data held\n  after: {}",
                    self.trace.join("\n         ")
                )));
            }
        }
        for e in effects {
            if let Err(e) = self.check(e) {
                return Err(TestCaseError::fail(format!(
                    "{e}\n  after: {}",
                    self.trace.join("\n         ")
                )));
            }
        }
        if self.w.stage() == &Stage::Home
            && let Err(e) = self.all_settled()
        {
            return Err(TestCaseError::fail(format!(
                "{e}\n  after: {}",
                self.trace.join("\n         ")
            )));
        }
        Ok(())
    }

    /// At Home: every enrolment is either complete (a Result, no Abandon) or abandoned once.
    fn all_settled(&self) -> Result<(), String> {
        for uid in self.owner.keys() {
            let got = self.abandons.get(uid).copied().unwrap_or(0);
            let want = u32::from(!self.completed.contains(uid));
            if got != want {
                let what = if want == 0 { "a completed" } else { "an unfinished" };
                return Err(format!("{what} enrolment was abandoned {got} times at Home"));
            }
        }
        Ok(())
    }

    fn check(&mut self, e: Effect) -> Result<(), TestCaseError> {
        match e {
            Effect::ReadPassport { job, .. } => {
                let Some(c) = self.customer else {
                    return Err(TestCaseError::fail("a read without a customer at the desk"));
                };
                self.reads.push((job, c));
            }
            Effect::Enrol { job, user_id, facts, .. } => {
                let Some((visit, doc)) = self.customer else {
                    return Err(TestCaseError::fail("enrol without a customer at the desk"));
                };
                let number = facts.document_number.as_ref().map(|n| n.as_str().to_owned());
                prop_assert_eq!(
                    number.as_deref(),
                    Some(DOCUMENTS[doc]),
                    "enrol with another customer's data"
                );
                let first = *self.owner.entry(user_id.as_str().to_owned()).or_insert(visit);
                prop_assert_eq!(first, visit, "two customers share a user_id");
                self.enrols.push((job, user_id));
            }
            Effect::NewVerifyToken { job, user_id, .. } => {
                let Some((visit, _)) = self.customer else {
                    return Err(TestCaseError::fail("a new scan without a customer at the desk"));
                };
                prop_assert_eq!(
                    self.owner.get(user_id.as_str()).copied(),
                    Some(visit),
                    "a new scan for another customer's user_id"
                );
                // A new verify token reopens the enrolment until its own result.
                self.completed.remove(user_id.as_str());
                self.enrols.push((job, user_id));
            }
            Effect::LaunchScan { job, .. } => self.scans.push(job),
            Effect::CapturePage { .. } | Effect::ReadPage { .. } | Effect::FetchOnFile { .. } => {
                return Err(TestCaseError::fail("a photo-source effect with none offered"));
            }
            Effect::Abandon { user_id, reason } => {
                let uid = user_id.as_str().to_owned();
                prop_assert!(self.owner.contains_key(&uid), "abandon of a user_id never enrolled");
                prop_assert!(!self.completed.contains(&uid), "a completed enrolment abandoned");
                prop_assert!(!reason.is_empty());
                let n = self.abandons.entry(uid).or_insert(0);
                *n += 1;
                prop_assert_eq!(*n, 1, "an enrolment abandoned twice");
            }
            Effect::Validate { job, user_id, verify_token } => {
                prop_assert!(
                    self.validated.insert(verify_token.clone()),
                    "verify token {} validated twice",
                    verify_token
                );
                self.validates.push((job, user_id.as_str().to_owned()));
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn customers_never_share_a_user_id(acts in prop::collection::vec(act(), 1..60)) {
        let mut desk = Desk::new();
        for a in &acts {
            desk.step(a)?;
        }
    }
}
