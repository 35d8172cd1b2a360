//! The nouns of the records layer: enrolment status, the four API steps, the document facts
//! kept (never the document number itself), and the exported row and audit event shapes.

use serde::Serialize;
use zeroize::Zeroizing;

use super::RecordsError;

/// Where an enrolment stands. Stored as the lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// user_id stored, no call made yet.
    New,
    EnrolTokenRequested,
    EnrolTokenIssued,
    ImageUploading,
    /// The image was registered: the user is enrolled and active.
    Enrolled,
    VerifyTokenRequested,
    /// A verify token was issued: the face scan can run.
    ReadyForScan,
    Validating,
    /// Validated: the scan passed.
    Passed,
    /// Validated: the scan failed (`reason` says why when the service said).
    Failed,
    /// A call was answered with an error; nothing changed on the service.
    Error,
    /// An image upload or validate got no answer: the service may or may not have acted.
    OutcomeUnknown,
    /// Interrupted before anything irreversible; start a new enrolment.
    Abandoned,
}

impl EnrolmentStatus {
    const ALL: [EnrolmentStatus; 13] = [
        Self::New,
        Self::EnrolTokenRequested,
        Self::EnrolTokenIssued,
        Self::ImageUploading,
        Self::Enrolled,
        Self::VerifyTokenRequested,
        Self::ReadyForScan,
        Self::Validating,
        Self::Passed,
        Self::Failed,
        Self::Error,
        Self::OutcomeUnknown,
        Self::Abandoned,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::EnrolTokenRequested => "enrol_token_requested",
            Self::EnrolTokenIssued => "enrol_token_issued",
            Self::ImageUploading => "image_uploading",
            Self::Enrolled => "enrolled",
            Self::VerifyTokenRequested => "verify_token_requested",
            Self::ReadyForScan => "ready_for_scan",
            Self::Validating => "validating",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Error => "error",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::Abandoned => "abandoned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, RecordsError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| RecordsError::UnknownStatus(s.to_owned()))
    }

    /// True while an API call of this record is in flight (or was, when the process died).
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            Self::EnrolTokenRequested
                | Self::ImageUploading
                | Self::VerifyTokenRequested
                | Self::Validating
        )
    }
}

impl std::fmt::Display for EnrolmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four API calls of the photo-enrol sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    EnrolToken,
    EnrolImage,
    VerifyToken,
    Validate,
}

impl Step {
    /// Name used in records and audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::EnrolToken => "enrol_token",
            Step::EnrolImage => "enrol_image",
            Step::VerifyToken => "verify_token",
            Step::Validate => "validate",
        }
    }

    pub(super) fn columns(self) -> (&'static str, &'static str) {
        match self {
            Step::EnrolToken => ("enrol_token_started", "enrol_token_finished"),
            Step::EnrolImage => ("image_started", "image_finished"),
            Step::VerifyToken => ("verify_token_started", "verify_token_finished"),
            Step::Validate => ("validate_started", "validate_finished"),
        }
    }

    pub(super) fn in_flight(self) -> EnrolmentStatus {
        match self {
            Step::EnrolToken => EnrolmentStatus::EnrolTokenRequested,
            Step::EnrolImage => EnrolmentStatus::ImageUploading,
            Step::VerifyToken => EnrolmentStatus::VerifyTokenRequested,
            Step::Validate => EnrolmentStatus::Validating,
        }
    }

    /// Parses a stored step name.
    pub fn parse(s: &str) -> Option<Step> {
        [Step::EnrolToken, Step::EnrolImage, Step::VerifyToken, Step::Validate]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// What the kiosk knows about the document, minus anything that identifies the person.
/// The document number is only kept as a keyed hash (HMAC, key outside the database).
#[derive(Clone, Default)]
pub struct DocumentFacts {
    pub issuing_state: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<Zeroizing<String>>,
    /// e.g. `BAC`, `PACE-ECDH-GM-AES-128`.
    pub access_protocol: Option<String>,
    /// Passive authentication: `valid` | `invalid` | `unverified`.
    pub authenticity: Option<String>,
    /// The chip verdict: `genuine` | `not proven` | `failed` (never enrolled).
    pub chip_verdict: Option<String>,
    /// The enrolment policy that let the document through: `strict` | `allow_unverified` |
    /// `allow_stale_crl`; `operator_cli` for an image enrolled with `enrol-kiosk enrol`
    /// (no document read, no policy decided).
    pub enrol_policy: Option<String>,
}

impl std::fmt::Debug for DocumentFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentFacts")
            .field("issuing_state", &self.issuing_state)
            .field("document_type", &self.document_type)
            .field("document_number", &self.document_number.as_ref().map(|_| "REDACTED"))
            .field("access_protocol", &self.access_protocol)
            .field("authenticity", &self.authenticity)
            .field("chip_verdict", &self.chip_verdict)
            .field("enrol_policy", &self.enrol_policy)
            .finish()
    }
}

/// One enrolment row, as exported by `enrol-kiosk records --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    pub user_id: String,
    pub status: EnrolmentStatus,
    /// true / false once validated, null while unknown.
    pub passed: Option<bool>,
    pub reason: Option<String>,
    pub error_code: Option<String>,
    pub error_step: Option<String>,
    pub enrol_token: Option<String>,
    pub verify_token: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub issuing_state: Option<String>,
    pub document_type: Option<String>,
    pub document_number_hash: Option<String>,
    /// How `document_number_hash` was made: `hmac-sha256` (keyed), or
    /// `sha256-salted-removed` for a record whose unkeyed hash of an older version was
    /// removed; null when the document number was not known.
    pub document_hash_kind: Option<String>,
    pub access_protocol: Option<String>,
    pub authenticity: Option<String>,
    pub image_source: Option<String>,
    pub enrol_token_started: Option<String>,
    pub enrol_token_finished: Option<String>,
    pub image_started: Option<String>,
    pub image_finished: Option<String>,
    pub verify_token_started: Option<String>,
    pub verify_token_finished: Option<String>,
    pub validate_started: Option<String>,
    pub validate_finished: Option<String>,
    /// Last change, milliseconds since the Unix epoch.
    pub updated_ms: i64,
    /// The enrolment policy that let the document through (see [`DocumentFacts`]).
    pub enrol_policy: Option<String>,
    /// The chip verdict (see [`DocumentFacts`]); null for records made before it existed.
    pub chip_verdict: Option<String>,
}

/// One audit event.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub user_id: Option<String>,
    pub event: String,
    pub detail: String,
}

/// A record that [`super::Store::recover_interrupted`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredRow {
    pub user_id: String,
    pub was: EnrolmentStatus,
    pub now: EnrolmentStatus,
}
