//! The photo-enrol sequence with its records: each step is written before and after its
//! API call, so the record always says what is known — and an image upload or validate
//! whose answer was lost is recorded as "outcome unknown", never repeated.
//!
//! A progress hook ([`StepHook`]) hears each step start and finish (or be skipped when an
//! enrolment resumes), so a screen can show where the sequence is.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::{ImageSource, IproovClient, IproovError, UserId};
use crate::records::{DocumentFacts, Enrolment, EnrolmentStatus, RecordsError, Step, Store};

/// Abandoning an enrolment (cancel, customer left) invalidates its tokens with the service.
pub use super::settle::{Abandoned, abandon, recheck_validate};

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
    #[error("enrolment {user_id} was started for another document; it is not resumed for this one")]
    DocumentMismatch { user_id: String },
    #[error("the enrolment was cancelled before its next call; the record is abandoned")]
    Cancelled,
}

impl JourneyError {
    /// True when the service may have acted but the answer was lost.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, JourneyError::Iproov(e) if e.is_outcome_unknown())
    }
}

/// What happened to a step of the sequence, as told to a [`StepHook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// The step's API call is about to be made (its start is recorded).
    Started,
    /// The call answered and the answer is recorded.
    Finished,
    /// Not needed: an earlier attempt with this user_id already did it.
    Skipped,
}

/// Hears the steps of [`enrol_with_progress`] and [`new_verify_token_with_progress`]. It is
/// called on the task running the journey: it must only hand the news on, never block.
pub type StepHook<'a> = &'a mut (dyn FnMut(Step, StepState) + Send);

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
pub(super) async fn step<T, F>(
    store: &Store,
    user_id: &str,
    step: Step,
    call: F,
) -> Result<T, JourneyError>
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
    let never = AtomicBool::new(false);
    enrol_with_progress(client, store, user_id, image, source, document, &mut |_, _| {}, &never)
        .await
}

/// [`enrol`], telling `progress` when each step starts and finishes; on a resumed enrolment
/// (image already registered) the enrol token and image steps are reported as skipped.
/// A record is resumed only for the document it was made for
/// ([`JourneyError::DocumentMismatch`]). `cancel` is checked before each call: once set,
/// no further call is made, the enrolment is [`abandon`]ed and
/// [`JourneyError::Cancelled`] returned.
#[allow(clippy::too_many_arguments)]
pub async fn enrol_with_progress(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    image: &[u8],
    source: ImageSource,
    document: &DocumentFacts,
    progress: StepHook<'_>,
    cancel: &AtomicBool,
) -> Result<EnrolStarted, JourneyError> {
    let uid = user_id.as_str();
    let record = match store.get(uid)? {
        Some(r) => same_document(store, r, document)?,
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
        stop_if_cancelled(client, store, user_id, cancel).await?;
        progress(Step::EnrolToken, StepState::Started);
        let grant = step(store, uid, Step::EnrolToken, client.enrol_token(user_id)).await?;
        store.finish_enrol_token(uid, &grant.token)?;
        progress(Step::EnrolToken, StepState::Finished);
        stop_if_cancelled(client, store, user_id, cancel).await?;
        progress(Step::EnrolImage, StepState::Started);
        step(store, uid, Step::EnrolImage, client.enrol_image(&grant.token, image, source)).await?;
        store.finish_enrol_image(uid)?;
        progress(Step::EnrolImage, StepState::Finished);
        enrol_token = Some(grant.token);
    } else {
        progress(Step::EnrolToken, StepState::Skipped);
        progress(Step::EnrolImage, StepState::Skipped);
    }
    let verify = new_verify_token_with_progress(client, store, user_id, progress, cancel).await?;
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
    let never = AtomicBool::new(false);
    new_verify_token_with_progress(client, store, user_id, &mut |_, _| {}, &never).await
}

/// [`new_verify_token`], telling `progress` when the verify-token step starts and finishes.
/// `cancel` is checked before the call and after it (a token issued to a customer who has
/// left is not handed on): once set, the enrolment is [`abandon`]ed.
pub async fn new_verify_token_with_progress(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    progress: StepHook<'_>,
    cancel: &AtomicBool,
) -> Result<String, JourneyError> {
    stop_if_cancelled(client, store, user_id, cancel).await?;
    progress(Step::VerifyToken, StepState::Started);
    let grant =
        step(store, user_id.as_str(), Step::VerifyToken, client.verify_token(user_id)).await?;
    store.finish_verify_token(user_id.as_str(), &grant.token)?;
    progress(Step::VerifyToken, StepState::Finished);
    stop_if_cancelled(client, store, user_id, cancel).await?;
    Ok(grant.token)
}

/// The record `r` of this user_id, when it was made for `document` (same issuing state,
/// same document-number hash); resuming it for another document would face-match one
/// person against another's photo.
fn same_document(
    store: &Store,
    r: Enrolment,
    document: &DocumentFacts,
) -> Result<Enrolment, JourneyError> {
    let hash = match &document.document_number {
        Some(n) => Some(store.document_number_hash(n)?),
        None => None,
    };
    if r.document_number_hash != hash || r.issuing_state != document.issuing_state {
        return Err(JourneyError::DocumentMismatch { user_id: r.user_id });
    }
    Ok(r)
}

/// Ends the journey when `cancel` is set: the enrolment is [`abandon`]ed and
/// [`JourneyError::Cancelled`] returned.
async fn stop_if_cancelled(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    cancel: &AtomicBool,
) -> Result<(), JourneyError> {
    if !cancel.load(Ordering::SeqCst) {
        return Ok(());
    }
    if let Err(e) = abandon(client, store, user_id.as_str(), "cancelled before the next call").await
    {
        tracing::warn!(error = %e, "a cancelled enrolment could not be marked abandoned");
    }
    Err(JourneyError::Cancelled)
}

/// Validates the scan of the recorded verify token — once. The record is checked first:
/// a token already validated, or whose validate answer was lost, is never sent again (see
/// [`recheck_validate`] for asking about a lost answer later).
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
    // The answer is written with retries, else kept in the journal: never lost to a write.
    super::settle::record_validate(store, uid, verify_token, &v).await
}

/// Finds out what became of an image upload whose answer was lost, without uploading again:
/// asks for an enrol token for the same user_id — `already_enrolled` means the image was
/// registered (the record becomes `enrolled`, go on to the face scan); a token means it was
/// not (the record becomes `enrol_token_issued`; `enrol` uploads again).
///
/// Only ask once the lost upload's enrol token has expired (`min_wait`, 2 minutes with the
/// real service): a request still in flight could otherwise register the image after the
/// check.
pub async fn check_unknown_image(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    min_wait: std::time::Duration,
) -> Result<EnrolmentStatus, JourneyError> {
    let uid = user_id.as_str();
    let record = store.get(uid)?.ok_or(RecordsError::NotFound)?;
    if record.status != EnrolmentStatus::OutcomeUnknown
        || record.error_step.as_deref() != Some(Step::EnrolImage.as_str())
    {
        return Err(not_allowed(&record, "only an image upload of unknown outcome can be checked"));
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let waited = u64::try_from(now_ms.saturating_sub(record.updated_ms)).unwrap_or(0);
    if u128::from(waited) < min_wait.as_millis() {
        return Err(not_allowed(
            &record,
            "the lost upload's token may still be valid; check again after 2 minutes",
        ));
    }
    let after = match client.enrol_token(user_id).await {
        Ok(grant) => store.settle_unknown_image(uid, false, Some(&grant.token))?,
        Err(e) if e.code() == Some(&super::ApiErrorCode::AlreadyEnrolled) => {
            store.settle_unknown_image(uid, true, None)?
        }
        Err(e) => return Err(e.into()),
    };
    Ok(after.status)
}

fn not_allowed(r: &Enrolment, what: &'static str) -> JourneyError {
    JourneyError::NotAllowed { user_id: r.user_id.clone(), status: r.status, what }
}

#[cfg(test)]
#[path = "journey_tests.rs"]
mod tests;
