//! The fake service's state machine: users, tokens with a 2-minute life on an injectable
//! clock, one image per enrol token, photo enrolment making the user active, verify tokens
//! only for active users, validate answered once, after the scan was completed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngCore;
use serde_json::{Value, json};

use crate::iproov::ApiErrorCode;

/// Time source of the fake, so token expiry can be tested without waiting.
pub trait Clock: Send + Sync + 'static {
    /// Time since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock {
    ms: AtomicU64,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Arc<ManualClock> {
        Arc::new(ManualClock::default())
    }
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.ms.load(Ordering::SeqCst))
    }
}

/// A refusal with the documented error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ApiErrorCode,
    pub description: String,
}

impl Refusal {
    pub fn new(code: ApiErrorCode, description: impl Into<String>) -> Refusal {
        Refusal { code, description: description.into() }
    }
    /// `{"error", "error_description"}`.
    pub fn body(&self) -> Value {
        json!({ "error": self.code.as_str(), "error_description": self.description })
    }
}

/// Outcome of a face scan, set through the control endpoint or page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    Passed,
    Failed { reason: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enrol,
    Verify,
}

#[derive(Debug, Clone)]
struct TokenEntry {
    kind: Kind,
    user_id: String,
    issued: Duration,
    assurance_type: String,
    risk_profile: Option<String>,
    image_registered: bool,
    scan: Option<ScanOutcome>,
    validated: bool,
    invalidated: bool,
}

/// What the fake knows of one user, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub active: bool,
    pub images: u32,
    /// The last image registered for the user (what a test can check the upload by).
    pub last_image: Option<ImageSeen>,
}

/// An image the fake registered: its type by its bytes, size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSeen {
    pub format: crate::iproov::ImageFormat,
    pub bytes: usize,
    pub sha256: String,
    /// The `source` field sent with it (`eid`, `oid`, `selfie`).
    pub source: String,
}

/// Where validate puts `reason`, and how it sends `frame_available` — both shapes occur.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerShape {
    pub reason_under_result: bool,
    pub frame_available_as_string: bool,
}

/// The whole state of the fake.
pub struct FakeState {
    clock: Arc<dyn Clock>,
    ttl: Duration,
    tokens: HashMap<String, TokenEntry>,
    users: HashMap<String, UserState>,
    pub(crate) shape: AnswerShape,
}

/// Fields of a checked token request.
pub struct TokenFields {
    pub user_id: String,
    pub assurance_type: String,
    pub risk_profile: Option<String>,
}

fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn invalid_token(d: &str) -> Refusal {
    Refusal::new(ApiErrorCode::InvalidToken, d)
}

impl FakeState {
    pub fn new(clock: Arc<dyn Clock>, ttl: Duration) -> FakeState {
        FakeState {
            clock,
            ttl,
            tokens: HashMap::new(),
            users: HashMap::new(),
            shape: AnswerShape::default(),
        }
    }

    fn expired(&self, t: &TokenEntry) -> bool {
        self.clock.now().saturating_sub(t.issued) > self.ttl
    }

    fn issue(&mut self, kind: Kind, f: TokenFields) -> Value {
        let token = new_token();
        let mut body = json!({
            "token": token,
            "user_id": f.user_id,
            "pod": "fake",
            "primary": "fake",
            "fallback": [],
        });
        if let (Some(rp), Some(obj)) = (&f.risk_profile, body.as_object_mut()) {
            obj.insert("risk_profile".into(), json!(rp));
        }
        self.tokens.insert(
            token,
            TokenEntry {
                kind,
                user_id: f.user_id,
                issued: self.clock.now(),
                assurance_type: f.assurance_type,
                risk_profile: f.risk_profile,
                image_registered: false,
                scan: None,
                validated: false,
                invalidated: false,
            },
        );
        body
    }

    /// `/claim/enrol/token` after the request was checked.
    pub fn enrol_token(&mut self, f: TokenFields) -> Result<Value, Refusal> {
        match self.users.get(&f.user_id) {
            Some(u) if u.active => {
                return Err(Refusal::new(
                    ApiErrorCode::AlreadyEnrolled,
                    "this user_id is already enrolled",
                ));
            }
            Some(_) => {}
            None => {
                self.users.insert(
                    f.user_id.clone(),
                    UserState { active: false, images: 0, last_image: None },
                );
            }
        }
        Ok(self.issue(Kind::Enrol, f))
    }

    /// `/claim/enrol/image` after the request was checked: registers the image once.
    pub fn enrol_image(&mut self, token: &str, seen: ImageSeen) -> Result<Value, Refusal> {
        let t = self.tokens.get(token).ok_or_else(|| invalid_token("unknown token"))?;
        if t.kind != Kind::Enrol {
            return Err(invalid_token("not an enrol token"));
        }
        if t.invalidated {
            return Err(invalid_token("the token was invalidated"));
        }
        if self.expired(t) {
            return Err(invalid_token("the token has expired"));
        }
        if t.image_registered {
            return Err(invalid_token("an image was already registered against this token"));
        }
        let user_id = t.user_id.clone();
        if let Some(t) = self.tokens.get_mut(token) {
            t.image_registered = true;
        }
        let u = self.users.entry(user_id.clone()).or_insert(UserState {
            active: false,
            images: 0,
            last_image: None,
        });
        u.active = true;
        u.images = u.images.saturating_add(1);
        u.last_image = Some(seen);
        Ok(json!({ "token": token, "user_id": user_id, "success": true }))
    }

    /// `/claim/verify/token` after the request was checked.
    pub fn verify_token(&mut self, f: TokenFields) -> Result<Value, Refusal> {
        match self.users.get(&f.user_id) {
            None => Err(Refusal::new(ApiErrorCode::NoUser, "no such user")),
            Some(u) if !u.active => {
                Err(Refusal::new(ApiErrorCode::InactiveUser, "the user has no active enrolment"))
            }
            Some(_) => Ok(self.issue(Kind::Verify, f)),
        }
    }

    /// Completes the face scan of a verify token (the SDK stand-in).
    pub fn complete_scan(&mut self, token: &str, outcome: ScanOutcome) -> Result<(), Refusal> {
        let t = self.tokens.get(token).ok_or_else(|| invalid_token("unknown token"))?;
        if t.kind != Kind::Verify {
            return Err(invalid_token("not a verify token"));
        }
        if t.invalidated {
            return Err(invalid_token("the token was invalidated"));
        }
        if t.scan.is_some() {
            return Err(invalid_token("this token was already used for a scan"));
        }
        if self.expired(t) {
            return Err(invalid_token("the token has expired"));
        }
        if let Some(t) = self.tokens.get_mut(token) {
            t.scan = Some(outcome);
        }
        Ok(())
    }

    /// `/claim/verify/validate` after the request was checked: answers once.
    pub fn validate(&mut self, user_id: &str, token: &str) -> Result<Value, Refusal> {
        let shape = self.shape;
        let t = self.tokens.get_mut(token).ok_or_else(|| invalid_token("unknown token"))?;
        if t.kind != Kind::Verify {
            return Err(invalid_token("not a verify token"));
        }
        if t.user_id != user_id {
            return Err(Refusal::new(
                ApiErrorCode::InvalidValidation,
                "the user_id does not match the token",
            ));
        }
        if t.validated {
            return Err(invalid_token("this token was already validated"));
        }
        if t.invalidated {
            return Err(invalid_token("the token was invalidated"));
        }
        let Some(scan) = t.scan.clone() else {
            return Err(invalid_token("streaming has not finished for this token"));
        };
        t.validated = true;
        let (passed, reason) = match scan {
            ScanOutcome::Passed => (true, None),
            ScanOutcome::Failed { reason } => (false, reason),
        };
        let mut body = json!({
            "passed": passed,
            "token": token,
            "type": "verify",
            "assurance_type": t.assurance_type,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(rp) = &t.risk_profile {
                obj.insert("risk_profile".into(), json!(rp));
            }
            obj.insert(
                "frame_available".into(),
                if shape.frame_available_as_string { json!("false") } else { json!(false) },
            );
            if let Some(r) = reason {
                if shape.reason_under_result {
                    obj.insert("result".into(), json!({ "reason": r }));
                } else {
                    obj.insert("reason".into(), json!(r));
                }
            }
        }
        Ok(body)
    }

    /// `/claim/{token}/invalidate`.
    pub fn invalidate(&mut self, token: &str) -> Result<Value, Refusal> {
        let t = self.tokens.get_mut(token).ok_or_else(|| invalid_token("unknown token"))?;
        let aborted = !t.invalidated && !t.validated;
        t.invalidated = true;
        Ok(json!({ "claim_aborted": aborted, "user_informed": false }))
    }

    /// What the fake knows of a user.
    pub fn user(&self, user_id: &str) -> Option<UserState> {
        self.users.get(user_id).cloned()
    }

    /// Images registered per user.
    pub fn images_per_user(&self) -> HashMap<String, u32> {
        self.users.iter().map(|(k, u)| (k.clone(), u.images)).collect()
    }

    /// True when the token exists and is a verify token not yet scanned.
    pub fn is_scannable(&self, token: &str) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|t| t.kind == Kind::Verify && t.scan.is_none() && !t.invalidated)
    }
}
