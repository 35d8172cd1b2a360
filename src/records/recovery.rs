//! Recovery after a crash: records whose API call was in flight when the process died are
//! settled to what is known — resumable, outcome unknown, or abandoned.

use std::time::Duration;

use rusqlite::params;

use super::RecordsError;
use super::model::{EnrolmentStatus, RecoveredRow, Step};
use super::store::{Store, audit, now_ms};
use super::time::now_rfc3339;

impl Store {
    /// Settles records whose API call was in flight for longer than `older_than` — the
    /// process that made it is gone. Image upload or validate → `outcome_unknown`; enrol
    /// token → `abandoned`; verify token → back to `enrolled` (ask again: resumable).
    pub fn recover_interrupted(
        &self,
        older_than: Duration,
    ) -> Result<Vec<RecoveredRow>, RecordsError> {
        let cutoff =
            now_ms().saturating_sub(i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX));
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(RecordsError::sql("starting recovery"))?;
        let stale: Vec<(String, String)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT user_id, status FROM enrolments WHERE status IN \
                     ('enrol_token_requested','image_uploading','verify_token_requested','validating') \
                     AND updated_ms <= ?1",
                )
                .map_err(RecordsError::sql("finding interrupted enrolments"))?;
            let rows = stmt
                .query_map(params![cutoff], |r| Ok((r.get(0)?, r.get(1)?)))
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
                    "interrupted while validating; the result is unknown: do not validate again, run a new face scan",
                ),
            };
            tx.execute(
                "UPDATE enrolments SET status = ?2, reason = ?3, updated_at = ?4, updated_ms = ?5, \
                 error_step = ?6, error_code = 'interrupted' WHERE user_id = ?1",
                params![user_id, now.as_str(), reason, now_rfc3339(), now_ms(), step.as_str()],
            )
            .map_err(RecordsError::sql("settling an interrupted enrolment"))?;
            audit(&tx, Some(&user_id), "recovered_after_interruption", &format!("{was} -> {now}"))?;
            out.push(RecoveredRow { user_id, was, now });
        }
        tx.commit().map_err(RecordsError::sql("committing recovery"))?;
        Ok(out)
    }
}
