//! Running the rows: per row the records are asked first (already enrolled, upload of unknown
//! outcome, abandoned before any upload), the image is checked against the API's rules
//! (`face::prepare`) before any call, then enrol token → image upload, no face scan. At most
//! N rows run at once; a 429 slows every row down (the client's shared rate gate). An upload
//! whose answer was lost is never sent again blindly: once its token can no longer be used
//! it is settled with the service (`journey::check_unknown_image`: `already_enrolled` means
//! it was registered; a fresh token means it was not, and the image goes up on that token).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, watch};
use zeroize::Zeroizing;

use super::plan::{Job, read_image};
use super::results::{Outcome, RowResult};
use crate::iproov::journey::{self, JourneyError, step};
use crate::iproov::{ApiErrorCode, ImageSource, IproovClient, IproovError, UserId};
use crate::records::{DocumentFacts, Enrolment, EnrolmentStatus, Step, Store};

/// The `enrol_policy` of a record made by `enrol-batch`: no document was read; the operator
/// who ran the batch vouches for the photos on file.
pub const OPERATOR_BATCH_POLICY: &str = "operator_batch";

/// Rounds of the enrol-token call per row when the service is busy or does not answer (each
/// round is itself the client's retries).
const TOKEN_ROUNDS: u32 = 4;

/// Rounds of settling an upload of unknown outcome (each may end unknown again).
const SETTLE_ROUNDS: u32 = 3;

/// What a batch runs with.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub source: ImageSource,
    /// Rows at once (1..=[`super::MAX_CONCURRENCY`]).
    pub concurrency: usize,
    /// How long after an upload's answer was lost it is settled: the service's token life
    /// (2 minutes), after which the lost request can no longer register the image.
    pub settle_after: Duration,
}

/// Rows run so far with their counters (for the summary).
#[derive(Debug, Default)]
pub struct Counters {
    /// Uploads whose answer was lost, settled with the service.
    pub settled: AtomicU64,
}

/// The runner of one batch.
pub struct Runner<'a> {
    pub client: &'a IproovClient,
    pub store: &'a Store,
    pub settings: Settings,
    /// Becomes true on Ctrl-C / SIGTERM: no new row starts.
    pub stop: watch::Receiver<bool>,
    /// Bounds the CPU work (image checks) to the machine's cores.
    pub cpu: Semaphore,
    pub counters: Counters,
}

/// An upload whose answer was lost, waiting to be settled.
struct Pending {
    job: Job,
    user_id: UserId,
    /// Not before this (ms since the Unix epoch).
    due_ms: i64,
}

enum RowEnd {
    Done(RowResult),
    Uncertain(Pending),
}

fn done(job: &Job, uid: Option<&str>, o: Outcome, reason: impl Into<String>) -> RowEnd {
    RowEnd::Done(RowResult::new(job.row, uid, o, reason))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Image of the record refused for its own sake: sending it again would not help.
fn image_refused(r: &Enrolment) -> bool {
    r.status == EnrolmentStatus::Error
        && r.error_step.as_deref() == Some(Step::EnrolImage.as_str())
        && matches!(r.error_code.as_deref(), Some("invalid_enrol_image" | "not_accepted"))
}

/// A token-call failure a later round may get past.
fn is_transient(e: &IproovError) -> bool {
    matches!(
        e,
        IproovError::Api { code: ApiErrorCode::TooManyRequests | ApiErrorCode::ServerError, .. }
            | IproovError::NoAnswer { .. }
            | IproovError::Unreachable { .. }
    )
}

impl Runner<'_> {
    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Runs every job, then settles the uploads whose answers were lost; `emit` hears each
    /// row's result as it ends.
    pub async fn run(&self, jobs: Vec<Job>, emit: &mut dyn FnMut(RowResult)) {
        let n = self.settings.concurrency.max(1);
        let mut pending = Vec::new();
        {
            let mut rows =
                futures_util::stream::iter(jobs).map(|j| self.row(j)).buffer_unordered(n);
            while let Some(end) = rows.next().await {
                match end {
                    RowEnd::Done(r) => emit(r),
                    RowEnd::Uncertain(p) => pending.push(p),
                }
            }
        }
        for _ in 0..SETTLE_ROUNDS {
            if pending.is_empty() {
                break;
            }
            pending.sort_by_key(|p| p.due_ms);
            let round = std::mem::take(&mut pending);
            let mut rows =
                futures_util::stream::iter(round).map(|p| self.settle(p)).buffer_unordered(n);
            while let Some(end) = rows.next().await {
                match end {
                    RowEnd::Done(r) => emit(r),
                    RowEnd::Uncertain(p) => pending.push(p),
                }
            }
        }
        for p in pending {
            emit(RowResult::new(
                p.job.row,
                Some(p.user_id.as_str()),
                Outcome::Skipped,
                "the image upload's answer was lost again; run the batch again to settle it",
            ));
        }
    }

    /// One row: records first, then the image check, then the calls.
    async fn row(&self, job: Job) -> RowEnd {
        if self.stopped() {
            let uid = job.user_id.as_ref().map(UserId::as_str);
            return done(
                &job,
                uid,
                Outcome::Skipped,
                "stopped before this row started; run the batch again",
            );
        }
        match self.row_inner(&job).await {
            Ok(end) => end,
            Err(e) => {
                let uid = job.user_id.as_ref().map(UserId::as_str);
                done(&job, uid, Outcome::Failed, format!("the records could not be used: {e}"))
            }
        }
    }

    async fn row_inner(&self, job: &Job) -> Result<RowEnd, crate::records::RecordsError> {
        let key = self.store.batch_image_key(&job.sha256)?;
        let given = job.user_id.as_ref().map(UserId::as_str);
        // The user_id: the one this photo was given before, unless the manifest now names
        // another and the earlier one was never sent the photo.
        let uid = match (self.store.batch_user_for(&key)?, given) {
            (Some(before), Some(g)) if before != g => {
                let sent = self.store.get(&before)?.is_some_and(|r| r.image_started.is_some());
                if sent {
                    return Ok(done(
                        job,
                        given,
                        Outcome::Failed,
                        format!(
                            "this photo was already sent for user_id {before} by an earlier batch; it is not sent again for another user_id"
                        ),
                    ));
                }
                g.to_owned()
            }
            (Some(before), _) => before,
            (None, Some(g)) => g.to_owned(),
            (None, None) => UserId::generate().as_str().to_owned(),
        };
        let user = match UserId::parse(&uid) {
            Ok(u) => u,
            Err(e) => return Ok(done(job, Some(&uid), Outcome::Failed, e)),
        };
        let record = self.store.get(&uid)?;
        if let Some(r) = &record {
            if r.image_finished.is_some() {
                return Ok(done(
                    job,
                    Some(&uid),
                    Outcome::AlreadyDone,
                    "enrolled earlier (records)",
                ));
            }
            if r.status == EnrolmentStatus::OutcomeUnknown
                && r.error_step.as_deref() == Some(Step::EnrolImage.as_str())
            {
                let due_ms = r.updated_ms.saturating_add(settle_ms(self.settings.settle_after));
                return Ok(RowEnd::Uncertain(Pending { job: job.clone(), user_id: user, due_ms }));
            }
            if r.status.is_in_flight() {
                return Ok(done(
                    job,
                    Some(&uid),
                    Outcome::Skipped,
                    "another enrol-kiosk process has this enrolment in flight; run the batch again once it has ended",
                ));
            }
            if image_refused(r) {
                return Ok(done(
                    job,
                    Some(&uid),
                    Outcome::Failed,
                    format!(
                        "iProov refused this image earlier ({}); it is not sent again",
                        r.error_code.as_deref().unwrap_or("refused")
                    ),
                ));
            }
            let resumable = matches!(
                r.status,
                EnrolmentStatus::New | EnrolmentStatus::EnrolTokenIssued | EnrolmentStatus::Error
            ) || (r.status == EnrolmentStatus::Abandoned
                && r.image_started.is_none());
            if !resumable {
                return Ok(done(
                    job,
                    Some(&uid),
                    Outcome::Failed,
                    format!(
                        "the record of this user_id is {}; it is not enrolled from a batch",
                        r.status
                    ),
                ));
            }
        }
        let image = match self.checked_image(job).await {
            Ok(b) => b,
            Err(reason) => {
                // A user_id generated just now was never used: none to report.
                let known = given.is_some() || record.is_some();
                return Ok(done(job, known.then_some(uid.as_str()), Outcome::Failed, reason));
            }
        };
        self.store.batch_remember(&key, &uid)?;
        match &record {
            None => {
                let facts = DocumentFacts {
                    enrol_policy: Some(OPERATOR_BATCH_POLICY.into()),
                    ..DocumentFacts::default()
                };
                self.store.create_enrolment(&uid, &facts, Some(self.settings.source.as_str()))?;
            }
            Some(r) if r.status == EnrolmentStatus::Abandoned => {
                self.store.batch_reopen(&uid)?;
            }
            Some(_) => {}
        }
        Ok(self.token_and_upload(job, &user, &image, None).await)
    }

    /// Reads the image again (it must be the bytes planned) and checks it against the API's
    /// rules, on a blocking thread, at most one per core at once. The upload-ready bytes.
    async fn checked_image(&self, job: &Job) -> Result<Zeroizing<Vec<u8>>, String> {
        let _cpu = self.cpu.acquire().await.map_err(|_| "the batch is ending".to_owned())?;
        let path = job.path.clone();
        let sha = job.sha256;
        let checked = tokio::task::spawn_blocking(move || {
            let bytes = read_image(&path)?;
            if <[u8; 32]>::from(Sha256::digest(bytes.as_slice())) != sha {
                return Err(
                    "the image file changed while the batch ran; run the batch again".to_owned()
                );
            }
            let face = crate::face::prepare(&bytes, None, &crate::face::EncodePolicy::default())
                .map_err(|e| format!("the image cannot be used: {e}"))?;
            if !face.meets_requirements {
                let why = if face.problems.is_empty() {
                    "the image does not meet iProov's rules".to_owned()
                } else {
                    face.problems.join(" ")
                };
                return Err(why);
            }
            Ok(Zeroizing::new(face.bytes.clone()))
        })
        .await;
        match checked {
            Ok(r) => r,
            Err(_) => Err("the image check stopped unexpectedly".to_owned()),
        }
    }

    /// Enrol token (unless `token` is given: the one a settling check was issued), then the
    /// upload. A lost upload answer makes the row [`RowEnd::Uncertain`].
    async fn token_and_upload(
        &self,
        job: &Job,
        user: &UserId,
        image: &[u8],
        token: Option<String>,
    ) -> RowEnd {
        let uid = user.as_str();
        let reused = token.is_some();
        let token = match token {
            Some(t) => t,
            None => match self.enrol_token(user).await {
                Ok(t) => t,
                Err((o, reason)) => return done(job, Some(uid), o, reason),
            },
        };
        let call = self.client.enrol_image(&token, image, self.settings.source);
        let mut result = step(self.store, uid, Step::EnrolImage, call).await;
        // A token kept from before (a resumed row, or one whose lost upload iProov confirmed
        // unregistered) can have expired meanwhile: refused as invalid, no image went with it,
        // so the row takes a fresh token once.
        if reused
            && matches!(&result, Err(JourneyError::Iproov(e))
                if e.code() == Some(&ApiErrorCode::InvalidToken))
        {
            tracing::info!("a kept enrol token was refused as invalid; taking a fresh one");
            let fresh = match self.enrol_token(user).await {
                Ok(t) => t,
                Err((o, reason)) => return done(job, Some(uid), o, reason),
            };
            let call = self.client.enrol_image(&fresh, image, self.settings.source);
            result = step(self.store, uid, Step::EnrolImage, call).await;
        }
        match result {
            Ok(_) => match self.store.finish_enrol_image(uid) {
                Ok(_) => done(job, Some(uid), Outcome::Enrolled, ""),
                Err(e) => done(
                    job,
                    Some(uid),
                    Outcome::Failed,
                    format!(
                        "iProov registered the image but the records could not be written: {e}"
                    ),
                ),
            },
            Err(e) if e.is_outcome_unknown() => {
                let due_ms = now_ms().saturating_add(settle_ms(self.settings.settle_after));
                RowEnd::Uncertain(Pending { job: job.clone(), user_id: user.clone(), due_ms })
            }
            Err(JourneyError::Iproov(e)) => {
                let o = if is_transient(&e) || e.code() == Some(&ApiErrorCode::InvalidToken) {
                    Outcome::Skipped
                } else {
                    Outcome::Failed
                };
                done(job, Some(uid), o, e.to_string())
            }
            Err(e) => done(job, Some(uid), Outcome::Failed, e.to_string()),
        }
    }

    /// An enrol token, in up to [`TOKEN_ROUNDS`] rounds while the service is busy; else how
    /// the row ends.
    async fn enrol_token(&self, user: &UserId) -> Result<String, (Outcome, String)> {
        let uid = user.as_str();
        let mut round = 0;
        loop {
            round += 1;
            let e = match step(self.store, uid, Step::EnrolToken, self.client.enrol_token(user))
                .await
            {
                Ok(grant) => {
                    return match self.store.finish_enrol_token(uid, &grant.token) {
                        Ok(_) => Ok(grant.token),
                        Err(e) => {
                            Err((Outcome::Failed, format!("the records could not be written: {e}")))
                        }
                    };
                }
                Err(JourneyError::Iproov(e)) => e,
                Err(e) => return Err((Outcome::Failed, e.to_string())),
            };
            if e.code() == Some(&ApiErrorCode::AlreadyEnrolled) {
                return Err((Outcome::Skipped, "iProov already has an enrolment for this user_id that these records do not know; nothing was sent".to_owned()));
            }
            if !is_transient(&e) {
                return Err((Outcome::Failed, e.to_string()));
            }
            if round >= TOKEN_ROUNDS || self.stopped() {
                return Err((Outcome::Skipped, e.to_string()));
            }
            tracing::warn!(error = %e, round, "enrol token: trying this row again");
            tokio::time::sleep(Duration::from_millis(250u64 << round.min(6))).await;
        }
    }

    /// Settles an upload of unknown outcome once its token can no longer be used.
    async fn settle(&self, p: Pending) -> RowEnd {
        let uid = p.user_id.as_str().to_owned();
        let wait_ms = p.due_ms.saturating_sub(now_ms()).saturating_add(50).max(0);
        let mut stop = self.stop.clone();
        if !*stop.borrow() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0))) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        if self.stopped() {
            return done(
                &p.job,
                Some(&uid),
                Outcome::Skipped,
                "the image upload's answer was lost and the batch was stopped before it could be settled; run the batch again",
            );
        }
        let checked = journey::check_unknown_image(
            self.client,
            self.store,
            &p.user_id,
            self.settings.settle_after,
        )
        .await;
        self.counters.settled.fetch_add(1, Ordering::Relaxed);
        match checked {
            Ok(EnrolmentStatus::Enrolled) => done(
                &p.job,
                Some(&uid),
                Outcome::Enrolled,
                "the upload's answer was lost; iProov confirmed the image was registered",
            ),
            Ok(EnrolmentStatus::EnrolTokenIssued) => {
                let token = match self.store.get(&uid) {
                    Ok(Some(r)) => r.enrol_token,
                    _ => None,
                };
                let Some(token) = token else {
                    return done(
                        &p.job,
                        Some(&uid),
                        Outcome::Skipped,
                        "the records lost the new enrol token; run the batch again",
                    );
                };
                match self.checked_image(&p.job).await {
                    Ok(image) => {
                        self.token_and_upload(&p.job, &p.user_id, &image, Some(token)).await
                    }
                    Err(reason) => done(&p.job, Some(&uid), Outcome::Failed, reason),
                }
            }
            Ok(other) => done(
                &p.job,
                Some(&uid),
                Outcome::Failed,
                format!("the upload was settled but the record is {other}"),
            ),
            Err(e) => done(
                &p.job,
                Some(&uid),
                Outcome::Skipped,
                format!(
                    "the upload's answer was lost and it could not be settled now ({e}); run the batch again"
                ),
            ),
        }
    }
}

fn settle_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
