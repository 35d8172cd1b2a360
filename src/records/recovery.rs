//! Recovery after a crash: once no other process has the records open (the lock file beside
//! the database, held exclusively), validate outcomes saved in the journal are replayed into
//! their records, and records whose API call was in flight when their process died are
//! settled to what is known — resumable, outcome unknown, or abandoned.

use rusqlite::{OptionalExtension, Transaction, params};

use super::RecordsError;
use super::journal::{self, JournalEntry, token_hash};
use super::model::{EnrolmentStatus, RecoveredRow, Step};
use super::store::{Store, audit, now_ms};
use super::time::now_rfc3339;

/// What [`Store::recover_interrupted`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Another store (another kiosk process, or a command) has the records open: nothing was
    /// settled, since its calls may still be running. The next start settles them.
    pub in_use: bool,
    /// Validate outcomes replayed from the journal (`was` → passed / failed).
    pub replayed: Vec<RecoveredRow>,
    /// Records whose call was interrupted.
    pub settled: Vec<RecoveredRow>,
    /// Journal lines that could not be read or matched no record waiting for them.
    pub journal_skipped: usize,
}

impl Store {
    /// Replays the validate journal and settles records whose API call was in flight — only
    /// when this store is the records' only user (no wall-clock guess: a call of a live
    /// process is never settled). Image upload or validate → `outcome_unknown`; enrol token
    /// → `abandoned`; verify token → back to `enrolled` (ask again: resumable).
    ///
    /// Call it before this process makes any API call (at start).
    pub fn recover_interrupted(&self) -> Result<Recovery, RecordsError> {
        let Some(_alone) = self.use_lock.try_exclusive()? else {
            return Ok(Recovery { in_use: true, ..Recovery::default() });
        };
        let journal_path = self.journal_path();
        let journal::Contents { entries, bad, whole } = journal::read(&journal_path)?;
        let mut out = Recovery { journal_skipped: bad, ..Recovery::default() };
        {
            let mut conn = self.lock()?;
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(RecordsError::sql("starting recovery"))?;
            for e in &entries {
                match replay(&tx, e)? {
                    Some(row) => out.replayed.push(row),
                    None => out.journal_skipped += 1,
                }
            }
            out.settled = settle_in_flight(&tx)?;
            tx.commit().map_err(RecordsError::sql("committing recovery"))?;
        }
        if whole && (!entries.is_empty() || bad > 0) {
            journal::clear(&journal_path)?;
        } else if !whole {
            tracing::error!("the validate journal is larger than its cap; replayed in part, kept");
        }
        Ok(out)
    }
}

/// Writes one journalled validate outcome into its record, when the record is still waiting
/// for it (validating, or validate outcome unknown) for the same verify token.
fn replay(tx: &Transaction<'_>, e: &JournalEntry) -> Result<Option<RecoveredRow>, RecordsError> {
    let found: Option<(String, Option<String>, Option<String>)> = tx
        .query_row(
            "SELECT status, error_step, verify_token FROM enrolments WHERE user_id = ?1",
            params![e.user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(RecordsError::sql("reading an enrolment for the journal"))?;
    let Some((status, error_step, token)) = found else {
        audit(tx, None, "journal_entry_skipped", "no record for this user_id")?;
        return Ok(None);
    };
    let was = EnrolmentStatus::parse(&status)?;
    let waiting = was == EnrolmentStatus::Validating
        || (was == EnrolmentStatus::OutcomeUnknown
            && error_step.as_deref() == Some(Step::Validate.as_str()));
    let same_token = token.as_deref().map(token_hash).as_deref() == Some(e.token_sha256.as_str());
    if !waiting || !same_token {
        let why = if same_token { "the record is not waiting for it" } else { "another token" };
        audit(tx, Some(&e.user_id), "journal_entry_skipped", &format!("{was}: {why}"))?;
        return Ok(None);
    }
    let now = if e.passed { EnrolmentStatus::Passed } else { EnrolmentStatus::Failed };
    tx.execute(
        "UPDATE enrolments SET status = ?2, passed = ?3, reason = ?4, validate_finished = ?5, \
         error_step = NULL, error_code = NULL, updated_at = ?6, updated_ms = ?7 \
         WHERE user_id = ?1",
        params![
            e.user_id,
            now.as_str(),
            i32::from(e.passed),
            e.reason,
            e.at,
            now_rfc3339(),
            now_ms()
        ],
    )
    .map_err(RecordsError::sql("replaying a validate outcome"))?;
    audit(tx, Some(&e.user_id), "validate_outcome_replayed", &format!("{was} -> {now}"))?;
    Ok(Some(RecoveredRow { user_id: e.user_id.clone(), was, now }))
}

fn settle_in_flight(tx: &Transaction<'_>) -> Result<Vec<RecoveredRow>, RecordsError> {
    let stale: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT user_id, status FROM enrolments WHERE status IN \
                 ('enrol_token_requested','image_uploading','verify_token_requested','validating') \
                 ORDER BY created_at, rowid",
            )
            .map_err(RecordsError::sql("finding interrupted enrolments"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(RecordsError::sql("finding interrupted enrolments"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(RecordsError::sql("finding interrupted enrolments"))?
    };
    let mut out = Vec::new();
    for (user_id, status) in stale {
        let was = EnrolmentStatus::parse(&status)?;
        let (now, step, reason) = match was {
            EnrolmentStatus::EnrolTokenRequested => (
                EnrolmentStatus::Abandoned,
                Step::EnrolToken,
                "interrupted while asking for an enrol token; nothing was enrolled: start a new enrolment",
            ),
            EnrolmentStatus::ImageUploading => (
                EnrolmentStatus::OutcomeUnknown,
                Step::EnrolImage,
                "interrupted while uploading the image; it may or may not have been registered: check before enrolling this customer again",
            ),
            EnrolmentStatus::VerifyTokenRequested => (
                EnrolmentStatus::Enrolled,
                Step::VerifyToken,
                "interrupted while asking for a verify token; the customer is enrolled: start the face scan again",
            ),
            _ => (
                EnrolmentStatus::OutcomeUnknown,
                Step::Validate,
                "interrupted while validating; the result is unknown: it is asked again later (`enrol-kiosk records --recheck`), or run a new face scan",
            ),
        };
        tx.execute(
            "UPDATE enrolments SET status = ?2, reason = ?3, updated_at = ?4, updated_ms = ?5, \
             error_step = ?6, error_code = 'interrupted' WHERE user_id = ?1",
            params![user_id, now.as_str(), reason, now_rfc3339(), now_ms(), step.as_str()],
        )
        .map_err(RecordsError::sql("settling an interrupted enrolment"))?;
        audit(tx, Some(&user_id), "recovered_after_interruption", &format!("{was} -> {now}"))?;
        out.push(RecoveredRow { user_id, was, now });
    }
    Ok(out)
}
