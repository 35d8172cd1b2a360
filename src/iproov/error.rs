//! Errors of the iProov REST layer: every documented error code as a variant with a sentence
//! staff can act on, plus transport failures and the "outcome unknown" case.

/// The four calls of the photo-enrol sequence (and the availability probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    EnrolToken,
    EnrolImage,
    VerifyToken,
    Validate,
    Availability,
}

impl Call {
    /// Path under the API base.
    pub fn path(self) -> &'static str {
        match self {
            Call::EnrolToken => "/claim/enrol/token",
            Call::EnrolImage => "/claim/enrol/image",
            Call::VerifyToken => "/claim/verify/token",
            Call::Validate => "/claim/verify/validate",
            Call::Availability => "/availability",
        }
    }
    /// Only the token calls may be repeated blindly.
    pub fn is_retryable(self) -> bool {
        matches!(self, Call::EnrolToken | Call::VerifyToken | Call::Availability)
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Call::EnrolToken => "enrol token",
            Call::EnrolImage => "enrol image",
            Call::VerifyToken => "verify token",
            Call::Validate => "validate",
            Call::Availability => "availability",
        })
    }
}

/// The documented `error` codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiErrorCode {
    InvalidUserId,
    InvalidToken,
    InvalidValidation,
    InvalidRiskAppetite,
    MissingData,
    NoUser,
    InactiveUser,
    InvalidEnrolImage,
    InvalidSource,
    AlreadyEnrolled,
    InvalidKey,
    InvalidAssuranceType,
    TooManyRequests,
    ServerError,
    /// A code the contract does not list (kept verbatim).
    Other(String),
}

impl ApiErrorCode {
    /// Every documented code.
    pub const DOCUMENTED: [ApiErrorCode; 14] = [
        ApiErrorCode::InvalidUserId,
        ApiErrorCode::InvalidToken,
        ApiErrorCode::InvalidValidation,
        ApiErrorCode::InvalidRiskAppetite,
        ApiErrorCode::MissingData,
        ApiErrorCode::NoUser,
        ApiErrorCode::InactiveUser,
        ApiErrorCode::InvalidEnrolImage,
        ApiErrorCode::InvalidSource,
        ApiErrorCode::AlreadyEnrolled,
        ApiErrorCode::InvalidKey,
        ApiErrorCode::InvalidAssuranceType,
        ApiErrorCode::TooManyRequests,
        ApiErrorCode::ServerError,
    ];

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorCode::InvalidUserId => "invalid_user_id",
            ApiErrorCode::InvalidToken => "invalid_token",
            ApiErrorCode::InvalidValidation => "invalid_validation",
            ApiErrorCode::InvalidRiskAppetite => "invalid_risk_appetite",
            ApiErrorCode::MissingData => "missing_data",
            ApiErrorCode::NoUser => "no_user",
            ApiErrorCode::InactiveUser => "inactive_user",
            ApiErrorCode::InvalidEnrolImage => "invalid_enrol_image",
            ApiErrorCode::InvalidSource => "invalid_source",
            ApiErrorCode::AlreadyEnrolled => "already_enrolled",
            ApiErrorCode::InvalidKey => "invalid_key",
            ApiErrorCode::InvalidAssuranceType => "invalid_assurance_type",
            ApiErrorCode::TooManyRequests => "too_many_requests",
            ApiErrorCode::ServerError => "server_error",
            ApiErrorCode::Other(s) => s,
        }
    }

    /// Parses the wire string.
    pub fn parse(s: &str) -> ApiErrorCode {
        Self::DOCUMENTED
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or_else(|| ApiErrorCode::Other(s.to_owned()))
    }

    /// The documented HTTP status of the code.
    pub fn http_status(&self) -> u16 {
        match self {
            ApiErrorCode::InvalidKey => 401,
            ApiErrorCode::InvalidAssuranceType => 403,
            ApiErrorCode::TooManyRequests => 429,
            ApiErrorCode::ServerError => 500,
            _ => 400,
        }
    }

    /// What staff should do, in one sentence.
    pub fn staff_message(&self) -> &'static str {
        match self {
            ApiErrorCode::InvalidUserId => {
                "The enrolment ID was refused by iProov; start a new enrolment (this is a kiosk fault if it repeats)."
            }
            ApiErrorCode::InvalidToken => {
                "The iProov session token has expired or was already used; start this step again."
            }
            ApiErrorCode::InvalidValidation => {
                "The face scan does not belong to this customer's enrolment; start the face scan again."
            }
            ApiErrorCode::InvalidRiskAppetite => {
                "The kiosk's iProov risk profile is not accepted; ask support to correct the configuration."
            }
            ApiErrorCode::MissingData => {
                "iProov says the request was incomplete; try again, and call support if it repeats."
            }
            ApiErrorCode::NoUser => {
                "iProov does not know this customer yet; enrol the passport photo first."
            }
            ApiErrorCode::InactiveUser => {
                "This customer's iProov enrolment is not active; enrol the passport photo again."
            }
            ApiErrorCode::InvalidEnrolImage => {
                "iProov could not use the passport photo; check the photo rules on the review screen, or use another document."
            }
            ApiErrorCode::InvalidSource => {
                "iProov refused the photo's source type; ask support to check the kiosk configuration."
            }
            ApiErrorCode::AlreadyEnrolled => {
                "This customer is already enrolled with iProov; go on to the face scan instead of enrolling again."
            }
            ApiErrorCode::InvalidKey => {
                "The kiosk's iProov credentials or region are wrong; ask support to check the API key, secret and region."
            }
            ApiErrorCode::InvalidAssuranceType => {
                "The chosen assurance type is not enabled for this iProov account; ask support to check the configuration."
            }
            ApiErrorCode::TooManyRequests => {
                "iProov is busy (too many requests); wait a minute and try again."
            }
            ApiErrorCode::ServerError => {
                "iProov had an internal error; wait a moment and try again."
            }
            ApiErrorCode::Other(_) => {
                "iProov refused the request with an unexpected error; call support."
            }
        }
    }
}

impl std::fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an iProov call did not give a usable answer.
#[derive(Debug, thiserror::Error)]
pub enum IproovError {
    /// The service answered with a documented error body.
    #[error("iProov {call} refused ({status} {code}): {}", code.staff_message())]
    Api {
        call: Call,
        status: u16,
        code: ApiErrorCode,
        /// The service's `error_description` (never shown as the staff sentence).
        description: String,
    },
    /// The image upload or validate may have reached the service but no answer came back.
    #[error(
        "iProov {call}: no answer came back ({cause}); the outcome is unknown. Do not repeat it: check the record, and start a new face scan or enrolment"
    )]
    OutcomeUnknown { call: Call, cause: String },
    /// The request surely did not reach the service (connect failure), after all attempts.
    #[error(
        "iProov {call}: the service cannot be reached ({cause}); check the network and try again"
    )]
    Unreachable { call: Call, cause: String },
    /// Token call timed out or the connection broke, after all attempts.
    #[error("iProov {call}: no answer in time after {attempts} attempt(s) ({cause}); try again")]
    NoAnswer { call: Call, attempts: u32, cause: String },
    /// Status and body outside the contract.
    #[error("iProov {call}: unexpected answer (HTTP {status}): {detail}; call support")]
    Unexpected { call: Call, status: u16, detail: String },
    /// The upload answered 200 with `success: false`.
    #[error(
        "iProov {call}: the service did not accept the photo (success=false); use another photo or document"
    )]
    NotAccepted { call: Call },
    /// Refused locally before any call.
    #[error("iProov {call}: {detail}")]
    Invalid { call: Call, detail: String },
    #[error(transparent)]
    Config(#[from] super::ConfigError),
}

impl IproovError {
    /// The documented code, if the service sent one.
    pub fn code(&self) -> Option<&ApiErrorCode> {
        match self {
            IproovError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
    /// True when the service may have acted but the answer is unknown.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, IproovError::OutcomeUnknown { .. })
    }
    /// Short code for records (`error_code`).
    pub fn record_code(&self) -> String {
        match self {
            IproovError::Api { code, .. } => code.as_str().to_owned(),
            IproovError::OutcomeUnknown { .. } => "outcome_unknown".into(),
            IproovError::Unreachable { .. } => "unreachable".into(),
            IproovError::NoAnswer { .. } => "no_answer".into(),
            IproovError::Unexpected { .. } => "unexpected_response".into(),
            IproovError::NotAccepted { .. } => "not_accepted".into(),
            IproovError::Invalid { .. } => "invalid_request".into(),
            IproovError::Config(_) => "configuration".into(),
        }
    }
}
