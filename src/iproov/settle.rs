//! Settling what a fault left open, with the service: an abandoned enrolment's tokens are
//! invalidated (`POST /claim/{token}/invalidate`) and the record says so; a validate answer
//! the database refused is kept in the journal; a validate of unknown outcome is asked again
//! once the lost call can no longer be running; and all of it at a kiosk's start.

use std::time::Duration;

use super::journey::{JourneyError, ValidateOutcome};
use super::{ApiErrorCode, IproovClient, IproovError, UserId, Validation};
use crate::records::followup::{Recheck, VALIDATE_CONSUMED};
use crate::records::{Enrolment, EnrolmentStatus, RecordsError, Recovery, Step, Store};

/// A validate of unknown outcome is asked again only this long after it became unknown
/// (the lost call, its client long timed out, cannot still be on its way).
pub const RECHECK_AFTER: Duration = Duration::from_secs(120);

/// At most this many records are settled with the service per start (the rest next time).
const MAX_PER_START: usize = 50;

/// Waits between the writes of a validate answer before it goes to the journal.
const WRITE_RETRIES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

/// What [`abandon`] / [`invalidate_tokens`] did.
#[derive(Debug)]
pub struct Abandoned {
    /// The record after it was written down.
    pub record: Enrolment,
    /// Every token issued was invalidated with the service (or there was none).
    pub invalidated: bool,
    /// Why the service could not be told (the record says so; retried at the next start).
    pub problem: Option<IproovError>,
}

/// The customer left or staff cancelled: the record becomes `abandoned` (unless it already
/// is) and every token issued for it is invalidated with the service, with `reason` (plain
/// words, no personal data). When the service cannot be told, the record says so and the
/// next start tries again. The record must have no call in flight.
pub async fn abandon(
    client: &IproovClient,
    store: &Store,
    user_id: &str,
    reason: &str,
) -> Result<Abandoned, JourneyError> {
    let record = store.get(user_id)?.ok_or(RecordsError::NotFound)?;
    let record = if record.status == EnrolmentStatus::Abandoned {
        record
    } else {
        store.abandon(user_id, reason)?
    };
    invalidate_tokens(client, store, record, reason).await
}

/// Invalidates the tokens recorded for an abandoned record and writes down the outcome. A
/// token the service no longer knows as usable (`invalid_token`) counts as invalidated.
pub async fn invalidate_tokens(
    client: &IproovClient,
    store: &Store,
    record: Enrolment,
    reason: &str,
) -> Result<Abandoned, JourneyError> {
    let tokens = [("enrol token", &record.enrol_token), ("verify token", &record.verify_token)];
    let mut done = Vec::new();
    let mut problem: Option<IproovError> = None;
    for (what, token) in tokens {
        let Some(token) = token else { continue };
        match client.invalidate(token, reason).await {
            Ok(_) => done.push(what),
            Err(e) if e.code() == Some(&ApiErrorCode::InvalidToken) => done.push(what),
            Err(e) => {
                tracing::warn!(user_id = %record.user_id, error = %e, "a token could not be invalidated");
                problem = Some(e);
            }
        }
    }
    if done.is_empty() && problem.is_none() {
        return Ok(Abandoned { record, invalidated: true, problem: None });
    }
    let result = match &problem {
        None => Ok(done.join(", ")),
        Some(e) => Err(e.record_code()),
    };
    let record = store.record_invalidation(&record.user_id, result.as_deref().map_err(|e| &**e))?;
    Ok(Abandoned { record, invalidated: problem.is_none(), problem })
}

/// Writes a validate answer into the record; when the database refuses (locked, full, I/O),
/// tries again, then appends it to the journal beside the database (replayed at the next
/// start). Only when both fail is the outcome lost — and then it is an error, not a log line.
pub(super) async fn record_validate(
    store: &Store,
    user_id: &str,
    verify_token: &str,
    v: &Validation,
) -> Result<ValidateOutcome, JourneyError> {
    let mut last = match store.finish_validate(user_id, v.passed, v.reason.as_deref()) {
        Ok(after) => return Ok(outcome(user_id, &after)),
        Err(e) => e,
    };
    for wait in WRITE_RETRIES {
        if !matches!(last, RecordsError::Sql { .. }) {
            break;
        }
        tracing::warn!(error = %last, "the validate answer could not be written; trying again");
        tokio::time::sleep(wait).await;
        match store.finish_validate(user_id, v.passed, v.reason.as_deref()) {
            Ok(after) => return Ok(outcome(user_id, &after)),
            Err(e) => last = e,
        }
    }
    match store.journal_validate(user_id, verify_token, v.passed, v.reason.as_deref()) {
        Ok(()) => {
            tracing::error!(%user_id, error = %last, "the records database refused the validate answer; it is kept in the journal and written at the next start");
            Ok(ValidateOutcome {
                user_id: user_id.to_owned(),
                passed: Some(v.passed),
                reason: v.reason.clone(),
                status: if v.passed { EnrolmentStatus::Passed } else { EnrolmentStatus::Failed },
            })
        }
        Err(j) => {
            tracing::error!(%user_id, passed = v.passed, error = %last, journal = %j, "the validate answer could be stored nowhere");
            Err(last.into())
        }
    }
}

fn outcome(user_id: &str, after: &Enrolment) -> ValidateOutcome {
    ValidateOutcome {
        user_id: user_id.to_owned(),
        passed: after.passed,
        reason: after.reason.clone(),
        status: after.status,
    }
}

/// Asks the service again about a validate of unknown outcome — once, and only after
/// `min_wait` since it became unknown. The service answers a validate once per token: an
/// outcome means the lost call never counted (recorded as passed / failed); `invalid_token`
/// means it did and its answer is lost (recorded as `validate_consumed`: a new face scan is
/// the way on). Any other failure leaves the record unknown, to be asked again later.
pub async fn recheck_validate(
    client: &IproovClient,
    store: &Store,
    user_id: &UserId,
    min_wait: Duration,
) -> Result<Enrolment, JourneyError> {
    let uid = user_id.as_str();
    let record = store.get(uid)?.ok_or(RecordsError::NotFound)?;
    let unknown = record.status == EnrolmentStatus::OutcomeUnknown
        && record.error_step.as_deref() == Some(Step::Validate.as_str())
        && record.error_code.as_deref() != Some(VALIDATE_CONSUMED);
    let token = match (&record.verify_token, unknown) {
        (Some(t), true) => t.clone(),
        _ => {
            return Err(JourneyError::NotAllowed {
                user_id: uid.to_owned(),
                status: record.status,
                what: "only a validate of unknown outcome can be asked again",
            });
        }
    };
    if waited(&record) < min_wait {
        return Err(JourneyError::NotAllowed {
            user_id: uid.to_owned(),
            status: record.status,
            what: "the lost validate may still be on its way; ask again after 2 minutes",
        });
    }
    store.audit(Some(uid), "validate_recheck_started", "")?;
    let found = match client.validate(user_id, &token).await {
        Ok(v) => Recheck::Outcome { passed: v.passed, reason: v.reason },
        Err(e) if e.code() == Some(&ApiErrorCode::InvalidToken) => Recheck::Consumed,
        Err(e) => return Err(e.into()),
    };
    Ok(store.settle_unknown_validate(uid, &found)?)
}

fn waited(r: &Enrolment) -> Duration {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Duration::from_millis(u64::try_from(now_ms.saturating_sub(r.updated_ms)).unwrap_or(0))
}

/// What [`at_start`] did.
#[derive(Debug, Clone, Default)]
pub struct StartReport {
    pub recovery: Recovery,
    /// Abandoned records whose tokens the service was told to invalidate.
    pub invalidated: Vec<String>,
    /// Validates of unknown outcome asked again, and the status they have now.
    pub rechecked: Vec<(String, EnrolmentStatus)>,
    /// What could not be done now (tried again at the next start).
    pub deferred: Vec<String>,
}

impl StartReport {
    /// One line per thing done, for staff (user_ids are random: no personal data).
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.recovery.in_use {
            out.push(
                "another enrol-kiosk process has these records open: interrupted enrolments are left to it (settled at the next start)"
                    .to_owned(),
            );
        }
        for r in &self.recovery.replayed {
            out.push(format!(
                "enrolment {}: validate outcome written from the journal ({} -> {})",
                r.user_id, r.was, r.now
            ));
        }
        for r in &self.recovery.settled {
            out.push(format!(
                "enrolment {} was interrupted while {}; it is now {}",
                r.user_id, r.was, r.now
            ));
        }
        for u in &self.invalidated {
            out.push(format!("enrolment {u}: abandoned; its tokens were invalidated"));
        }
        for (u, s) in &self.rechecked {
            out.push(format!("enrolment {u}: validate outcome asked again; it is now {s}"));
        }
        out.extend(self.deferred.iter().cloned());
        out
    }
}

/// At a kiosk's start (before any call of its own): recovery under the records' exclusive
/// lock, then — unless another process has the records open — [`follow_up`].
pub async fn at_start(
    client: &IproovClient,
    store: &Store,
    recheck_after: Duration,
) -> Result<StartReport, RecordsError> {
    let recovery = store.recover_interrupted()?;
    let mut report = StartReport { recovery, ..StartReport::default() };
    if !report.recovery.in_use {
        follow_up(client, store, recheck_after, &mut report).await?;
    }
    Ok(report)
}

/// The tokens of abandoned enrolments are invalidated and validates of unknown outcome older
/// than `recheck_after` are asked again. The service being unreachable defers the rest to
/// the next start.
pub async fn follow_up(
    client: &IproovClient,
    store: &Store,
    recheck_after: Duration,
    report: &mut StartReport,
) -> Result<(), RecordsError> {
    let unreachable = |e: &IproovError| matches!(e, IproovError::Unreachable { .. });
    let reason = "enrolment abandoned (interrupted or cancelled)";
    for r in store.awaiting_invalidation()?.into_iter().take(MAX_PER_START) {
        let user_id = r.user_id.clone();
        match invalidate_tokens(client, store, r, reason).await {
            Ok(a) if a.invalidated => report.invalidated.push(user_id),
            Ok(a) => {
                let why = a.problem.as_ref().map(ToString::to_string).unwrap_or_default();
                report.deferred.push(format!("enrolment {user_id}: invalidating deferred: {why}"));
                if a.problem.as_ref().is_some_and(unreachable) {
                    return Ok(());
                }
            }
            Err(JourneyError::Records(e)) => return Err(e),
            Err(e) => report.deferred.push(format!("enrolment {user_id}: {e}")),
        }
    }
    for r in store.awaiting_validate_recheck()?.into_iter().take(MAX_PER_START) {
        if waited(&r) < recheck_after {
            continue;
        }
        let Ok(user) = UserId::parse(&r.user_id) else { continue };
        match recheck_validate(client, store, &user, recheck_after).await {
            Ok(after) => report.rechecked.push((r.user_id, after.status)),
            Err(JourneyError::Records(e)) => return Err(e),
            Err(e) => {
                report
                    .deferred
                    .push(format!("enrolment {}: validate recheck deferred: {e}", r.user_id));
                if matches!(&e, JourneyError::Iproov(ie) if unreachable(ie)) {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// [`at_start`] for a command without a runtime of its own: runs on a short-lived one, with a
/// separate client (connections do not outlive the runtime); the calls to the service are
/// bounded to `limit` (recovery itself is local and quick).
pub fn at_start_blocking(
    client: &IproovClient,
    store: &Store,
    limit: Duration,
) -> Result<StartReport, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the async runtime: {e}"))?;
    let client = {
        let _guard = rt.enter();
        IproovClient::new(client.config().clone()).map_err(|e| e.to_string())?
    };
    let recovery = store.recover_interrupted().map_err(|e| e.to_string())?;
    let mut report = StartReport { recovery, ..StartReport::default() };
    if report.recovery.in_use {
        return Ok(report);
    }
    let done = rt.block_on(async {
        tokio::time::timeout(limit, follow_up(&client, store, RECHECK_AFTER, &mut report)).await
    });
    match done {
        Ok(r) => r.map_err(|e| e.to_string())?,
        Err(_) => report.deferred.push(
            "settling with the service took too long; the rest is tried at the next start".into(),
        ),
    }
    Ok(report)
}

/// How long `gui` and `run` spend at most settling with the service before they start.
pub const START_LIMIT: Duration = Duration::from_secs(30);

/// `gui` and `run` start here: [`at_start_blocking`], each note printed for staff (and
/// logged). An error means the records cannot be used: the kiosk must not start.
pub fn settle_before_start(client: &IproovClient, store: &Store) -> Result<StartReport, String> {
    let report = at_start_blocking(client, store, START_LIMIT)?;
    for note in report.notes() {
        tracing::info!(%note, "settled at start");
        eprintln!("note: {note}");
    }
    Ok(report)
}
