//! The photo-enrol sequence with its records: each step is written before and after its
//! API call, so the record always says what is known — and an image upload or validate
//! whose answer was lost is recorded as "outcome unknown", never repeated.

use serde::Serialize;

use super::{ImageSource, IproovClient, IproovError, UserId};
use crate::records::{DocumentFacts, Enrolment, EnrolmentStatus, RecordsError, Step, Store};

/// Why a journey stopped.
#[derive(Debug, thiserror::Error)]
pub enum JourneyError {
    #[error("{0}")]
    Iproov(#[from] IproovError),
    #[error("records: {0}")]
    Records(#[from] RecordsError),
    #[error("enrolment {user_id} is {status}: {what}")]
    NotAllowed { user_id: String, status: EnrolmentStatus, what: &'static str },
    #[error("the token given is not the verify token recorded for this user_id; validate refused")]
    TokenMismatch,
}

impl JourneyError {
    /// True when the service may have acted but the answer was lost.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, JourneyError::Iproov(e) if e.is_outcome_unknown())
    }
}

/// What `enrol` hands on to the face scan.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolStarted {
    pub user_id: String,
    pub enrol_token: Option<String>,
    pub verify_token: String,
    pub scan_url: String,
}

/// What `validate` found.
#[derive(Debug, Clone, Serialize)]
pub struct ValidateOutcome {
    pub user_id: String,
    pub passed: Option<bool>,
    pub reason: Option<String>,
    pub status: EnrolmentStatus,
}

/// Runs one step: record it as started, call, record the answer. Errors from the call are
/// recorded (as failed, or as outcome unknown) before they are returned.
async fn step<T, F>(store: &Store, user_id: &str, step: Step, call: F) -> Result<T, JourneyError>
where
    F: std::future::Future<Output = Result<T, IproovError>>,
{
    store.begin_step(user_id, step)?;
    match call.await {
        Ok(v) => Ok(v),
        Err(e) => {
            if e.is_outcome_unknown() {
                store.step_outcome_unknown(user_id, step, &e.to_string())?;
            } else {
                store.step_failed(user_id, step, &e.record_code(), &e.to_string())?;
            }
            Err(e.into())
        }
    }
}

/// enrol token → enrol image → verify token. Stores the user_id before the first call. When
/// the record already exists (same user_id), resumes where it can: after a registered image
/// only a new verify token is requested.
pub async fn enrol(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    image: &[u8],
    source: ImageSource,
    document: &DocumentFacts,
) -> Result<EnrolStarted, JourneyError> {
    let uid = user_id.as_str();
    let record = match store.get(uid)? {
        Some(r) => r,
        None => store.create_enrolment(uid, document, Some(source.as_str()))?,
    };
    let mut enrol_token = record.enrol_token.clone();
    if record.image_finished.is_none() {
        if !matches!(
            record.status,
            EnrolmentStatus::New | EnrolmentStatus::EnrolTokenIssued | EnrolmentStatus::Error
        ) {
            return Err(not_allowed(
                &record,
                "it cannot be enrolled again from here; start a new enrolment",
            ));
        }
        let grant = step(store, uid, Step::EnrolToken, client.enrol_token(user_id)).await?;
        store.finish_enrol_token(uid, &grant.token)?;
        step(store, uid, Step::EnrolImage, client.enrol_image(&grant.token, image, source)).await?;
        store.finish_enrol_image(uid)?;
        enrol_token = Some(grant.token);
    }
    let verify = new_verify_token(client, store, user_id).await?;
    Ok(EnrolStarted {
        user_id: uid.to_owned(),
        enrol_token,
        verify_token: verify.clone(),
        scan_url: client.scan_url(&verify),
    })
}

/// A (new) verify token for an enrolled user; the record becomes `ready_for_scan`.
pub async fn new_verify_token(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
) -> Result<String, JourneyError> {
    let grant =
        step(store, user_id.as_str(), Step::VerifyToken, client.verify_token(user_id)).await?;
    store.finish_verify_token(user_id.as_str(), &grant.token)?;
    Ok(grant.token)
}

/// Validates the scan of the recorded verify token — once. The record is checked first:
/// a token already validated, or whose validate answer was lost, is never sent again.
pub async fn validate(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    verify_token: &str,
) -> Result<ValidateOutcome, JourneyError> {
    let uid = user_id.as_str();
    let record = store.get(uid)?.ok_or(RecordsError::NotFound)?;
    if record.verify_token.as_deref() != Some(verify_token) {
        return Err(JourneyError::TokenMismatch);
    }
    let may = record.status == EnrolmentStatus::ReadyForScan
        || (record.status == EnrolmentStatus::Error
            && record.error_step.as_deref() == Some(Step::Validate.as_str()));
    if !may {
        return Err(not_allowed(
            &record,
            "this verify token was already validated or its result is unknown; validate is never repeated — run a new face scan",
        ));
    }
    let v = step(store, uid, Step::Validate, client.validate(user_id, verify_token)).await?;
    let after = store.finish_validate(uid, v.passed, v.reason.as_deref())?;
    Ok(ValidateOutcome {
        user_id: uid.to_owned(),
        passed: after.passed,
        reason: after.reason,
        status: after.status,
    })
}

fn not_allowed(r: &Enrolment, what: &'static str) -> JourneyError {
    JourneyError::NotAllowed { user_id: r.user_id.clone(), status: r.status, what }
}
