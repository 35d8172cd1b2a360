//! Bulk enrolment's memory: which user_id each photo of a manifest was given (by a keyed
//! hash of the photo's bytes), and taking up again an enrolment that was abandoned before
//! any image was sent, so a re-run finishes it under the same user_id.

use rusqlite::{OptionalExtension, params};

use super::store::{Store, audit, current, now_ms};
use super::time::now_rfc3339;
use super::{Enrolment, EnrolmentStatus, RecordsError};

/// Domain label of an image key (keeps it apart from document-number hashes under the key).
const IMAGE_LABEL: &str = "enrol-batch image sha256:";

impl Store {
    /// The key a photo is remembered by: HMAC-SHA-256 under this installation's key of the
    /// photo's SHA-256 (`image_sha256`). Without the key a copy of the database cannot be
    /// matched to photos.
    pub fn batch_image_key(&self, image_sha256: &[u8; 32]) -> Result<String, RecordsError> {
        self.document_number_hash(&format!("{IMAGE_LABEL}{}", hex::encode(image_sha256)))
    }

    /// The user_id a photo was given by an earlier batch.
    pub fn batch_user_for(&self, image_key: &str) -> Result<Option<String>, RecordsError> {
        self.lock()?
            .query_row(
                "SELECT user_id FROM batch_images WHERE image_key = ?1",
                params![image_key],
                |r| r.get(0),
            )
            .optional()
            .map_err(RecordsError::sql("reading a batch image"))
    }

    /// Remembers that the photo goes to `user_id` (replacing an earlier choice: call only
    /// when that earlier user_id was never sent the photo).
    pub fn batch_remember(&self, image_key: &str, user_id: &str) -> Result<(), RecordsError> {
        self.lock()?
            .execute(
                "INSERT INTO batch_images (image_key, user_id, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(image_key) DO UPDATE SET user_id = excluded.user_id",
                params![image_key, user_id, now_rfc3339()],
            )
            .map_err(RecordsError::sql("remembering a batch image"))?;
        Ok(())
    }

    /// An enrolment abandoned before its image upload ever started (interrupted while asking
    /// for an enrol token, or stopped) becomes `new` again: nothing was sent for it, so the
    /// same user_id can be enrolled. Any other record is refused.
    pub fn batch_reopen(&self, user_id: &str) -> Result<Enrolment, RecordsError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(RecordsError::sql("starting a transaction"))?;
        let before = current(&tx, user_id)?;
        if before.status != EnrolmentStatus::Abandoned || before.image_started.is_some() {
            return Err(RecordsError::WrongState {
                status: before.status.to_string(),
                step: "enrolment",
                action: "reopened",
            });
        }
        tx.execute(
            "UPDATE enrolments SET status = 'new', enrol_token = NULL, error_code = NULL, \
             error_step = NULL, reason = NULL, updated_at = ?2, updated_ms = ?3 \
             WHERE user_id = ?1",
            params![user_id, now_rfc3339(), now_ms()],
        )
        .map_err(RecordsError::sql("reopening an enrolment"))?;
        audit(&tx, Some(user_id), "enrolment_reopened", "abandoned -> new (batch re-run)")?;
        let after = current(&tx, user_id)?;
        tx.commit().map_err(RecordsError::sql("committing a reopened enrolment"))?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{DocumentFacts, DocumentKey, Step};
    use sha2::{Digest, Sha256};

    fn digest(b: &[u8]) -> [u8; 32] {
        Sha256::digest(b).into()
    }

    fn store(dir: &tempfile::TempDir) -> Store {
        Store::open_keyed(&dir.path().join("r.db"), DocumentKey::from_bytes([7; 32])).unwrap()
    }

    #[test]
    fn a_photo_is_found_again_by_its_keyed_hash_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir);
        let k = s.batch_image_key(&digest(b"photo bytes")).unwrap();
        assert_eq!(k.len(), 64);
        assert_ne!(k, hex::encode(digest(b"photo bytes")), "keyed, not a plain hash");
        assert_eq!(s.batch_user_for(&k).unwrap(), None);
        s.batch_remember(&k, "u1").unwrap();
        assert_eq!(s.batch_user_for(&k).unwrap().as_deref(), Some("u1"));
        s.batch_remember(&k, "u2").unwrap();
        assert_eq!(s.batch_user_for(&k).unwrap().as_deref(), Some("u2"));
        let other =
            Store::open_keyed(&dir.path().join("o.db"), DocumentKey::from_bytes([8; 32])).unwrap();
        assert_ne!(
            other.batch_image_key(&digest(b"photo bytes")).unwrap(),
            k,
            "another key, another hash"
        );
    }

    #[test]
    fn only_an_enrolment_abandoned_before_its_upload_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir);
        let facts = DocumentFacts::default();
        s.create_enrolment("early", &facts, Some("selfie")).unwrap();
        s.begin_step("early", Step::EnrolToken).unwrap();
        s.finish_enrol_token("early", "t1").unwrap();
        s.abandon("early", "stopped").unwrap();
        let r = s.batch_reopen("early").unwrap();
        assert_eq!(r.status, EnrolmentStatus::New);
        assert_eq!(r.enrol_token, None);

        s.create_enrolment("late", &facts, Some("selfie")).unwrap();
        s.begin_step("late", Step::EnrolToken).unwrap();
        s.finish_enrol_token("late", "t2").unwrap();
        s.begin_step("late", Step::EnrolImage).unwrap();
        s.step_failed("late", Step::EnrolImage, "invalid_token", "expired").unwrap();
        s.abandon("late", "stopped").unwrap();
        assert!(s.batch_reopen("late").is_err(), "its image may have been sent");
        s.create_enrolment("fresh", &facts, None).unwrap();
        assert!(s.batch_reopen("fresh").is_err(), "not abandoned");
    }
}
