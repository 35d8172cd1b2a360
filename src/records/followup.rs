//! What a fault leaves to do later, and how it is written down: abandoned records whose
//! tokens the service must be told to invalidate, and validates of unknown outcome to be
//! asked again once that is safe.

use rusqlite::params;

use super::RecordsError;
use super::model::{Enrolment, EnrolmentStatus, Step};
use super::store::{Store, audit, current, is_unknown_validate, now_ms};
use super::time::now_rfc3339;

/// Audit event: the service was told to invalidate the record's tokens.
pub const TOKENS_INVALIDATED: &str = "tokens_invalidated";
/// Audit event: telling the service failed (tried again at the next start).
pub const INVALIDATE_FAILED: &str = "invalidate_failed";
/// `error_code` of a validate whose answer is lost for good (the service had used the token).
pub const VALIDATE_CONSUMED: &str = "validate_consumed";

/// What asking again about a validate of unknown outcome found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// The service answered with the scan's outcome: the lost call never counted.
    Outcome { passed: bool, reason: Option<String> },
    /// The service had already used the token: the lost call did count, its answer is lost.
    Consumed,
}

impl Store {
    /// Abandoned records holding a token that the service has not yet been told to
    /// invalidate.
    pub fn awaiting_invalidation(&self) -> Result<Vec<Enrolment>, RecordsError> {
        let mut out = Vec::new();
        for e in self.list()? {
            if e.status != EnrolmentStatus::Abandoned
                || (e.enrol_token.is_none() && e.verify_token.is_none())
            {
                continue;
            }
            let told =
                self.audit_events(Some(&e.user_id))?.iter().any(|a| a.event == TOKENS_INVALIDATED);
            if !told {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Records whose validate outcome is unknown and may still be learnt by asking again.
    pub fn awaiting_validate_recheck(&self) -> Result<Vec<Enrolment>, RecordsError> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|e| {
                is_unknown_validate(e) && e.error_code.as_deref() != Some(VALIDATE_CONSUMED)
            })
            .collect())
    }

    /// Writes down that the service was told to invalidate the record's tokens (`Ok`, with
    /// what was invalidated) or that telling it failed (`Err`, why).
    pub fn record_invalidation(
        &self,
        user_id: &str,
        result: Result<&str, &str>,
    ) -> Result<Enrolment, RecordsError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(RecordsError::sql("starting a transaction"))?;
        let before = current(&tx, user_id)?;
        let (event, detail, note) = match result {
            Ok(what) => (TOKENS_INVALIDATED, what, "the service was told to invalidate its tokens"),
            Err(why) => (
                INVALIDATE_FAILED,
                why,
                "telling the service to invalidate its tokens failed; tried again at the next start",
            ),
        };
        let reason = match before.reason.as_deref() {
            Some(r) if !r.is_empty() => format!("{r}; {note}"),
            _ => note.to_owned(),
        };
        tx.execute(
            "UPDATE enrolments SET reason = ?2, updated_at = ?3, updated_ms = ?4 WHERE user_id = ?1",
            params![user_id, reason, now_rfc3339(), now_ms()],
        )
        .map_err(RecordsError::sql("recording an invalidation"))?;
        audit(&tx, Some(user_id), event, detail)?;
        let after = current(&tx, user_id)?;
        tx.commit().map_err(RecordsError::sql("committing an invalidation"))?;
        Ok(after)
    }

    /// Settles a validate of unknown outcome after the service was asked again: its
    /// outcome → `passed` / `failed`; token already used → stays `outcome_unknown` with
    /// `error_code = validate_consumed` (a new face scan is the way on).
    pub fn settle_unknown_validate(
        &self,
        user_id: &str,
        found: &Recheck,
    ) -> Result<Enrolment, RecordsError> {
        self.update(user_id, Step::Validate, "rechecked", |e| {
            if !is_unknown_validate(e) {
                return Err(RecordsError::WrongState {
                    status: e.status.to_string(),
                    step: Step::Validate.as_str(),
                    action: "rechecked",
                });
            }
            let (_, finished) = Step::Validate.columns();
            Ok(match found {
                Recheck::Outcome { passed, reason } => (
                    if *passed { EnrolmentStatus::Passed } else { EnrolmentStatus::Failed },
                    format!(
                        "{finished} = ?2, passed = {}, reason = ?5, error_step = NULL, \
                         error_code = NULL",
                        i32::from(*passed)
                    ),
                    vec![reason.clone()],
                ),
                Recheck::Consumed => (
                    EnrolmentStatus::OutcomeUnknown,
                    format!(
                        "error_code = '{VALIDATE_CONSUMED}', reason = 'the service had already \
                         validated this scan and its answer is lost: run a new face scan'"
                    ),
                    Vec::new(),
                ),
            })
        })
    }
}
