//! The enrolment store: one row per customer, written before and after every API step, and
//! an append-only audit trail written in the same transaction as each change.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::RecordsError;
use super::key::DocumentKey;
use super::lock::UseLock;
use super::model::{AuditEvent, DocumentFacts, Enrolment, EnrolmentStatus, Step};
use super::schema;
use super::time::now_rfc3339;

/// The records database. Cheap to share: the connection sits behind a mutex. While open it
/// holds the records' lock file shared ([`Store::recover_interrupted`] needs it alone).
pub struct Store {
    conn: Mutex<Connection>,
    key: DocumentKey,
    path: PathBuf,
    pub(super) use_lock: UseLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

const SELECT_COLUMNS: &str = "user_id, status, passed, reason, error_code, error_step, \
    enrol_token, verify_token, created_at, updated_at, issuing_state, document_type, \
    document_number_hash, access_protocol, authenticity, image_source, enrol_token_started, \
    enrol_token_finished, image_started, image_finished, verify_token_started, \
    verify_token_finished, validate_started, validate_finished, updated_ms, enrol_policy, \
    document_hash_kind, chip_verdict";

pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn row_to_enrolment(r: &Row<'_>) -> rusqlite::Result<(Enrolment, String)> {
    let status: String = r.get(1)?;
    let passed: Option<i64> = r.get(2)?;
    Ok((
        Enrolment {
            user_id: r.get(0)?,
            status: EnrolmentStatus::New,
            passed: passed.map(|p| p != 0),
            reason: r.get(3)?,
            error_code: r.get(4)?,
            error_step: r.get(5)?,
            enrol_token: r.get(6)?,
            verify_token: r.get(7)?,
            created_at: r.get(8)?,
            updated_at: r.get(9)?,
            issuing_state: r.get(10)?,
            document_type: r.get(11)?,
            document_number_hash: r.get(12)?,
            access_protocol: r.get(13)?,
            authenticity: r.get(14)?,
            image_source: r.get(15)?,
            enrol_token_started: r.get(16)?,
            enrol_token_finished: r.get(17)?,
            image_started: r.get(18)?,
            image_finished: r.get(19)?,
            verify_token_started: r.get(20)?,
            verify_token_finished: r.get(21)?,
            validate_started: r.get(22)?,
            validate_finished: r.get(23)?,
            updated_ms: r.get(24)?,
            enrol_policy: r.get(25)?,
            document_hash_kind: r.get(26)?,
            chip_verdict: r.get(27)?,
        },
        status,
    ))
}

fn finish_row((mut e, status): (Enrolment, String)) -> Result<Enrolment, RecordsError> {
    e.status = EnrolmentStatus::parse(&status)?;
    Ok(e)
}

pub(super) fn audit(
    tx: &Transaction<'_>,
    user_id: Option<&str>,
    event: &str,
    detail: &str,
) -> Result<(), RecordsError> {
    tx.execute(
        "INSERT INTO audit (at, user_id, event, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now_rfc3339(), user_id, event, detail],
    )
    .map_err(RecordsError::sql("appending an audit event"))?;
    Ok(())
}

pub(super) fn current(tx: &Transaction<'_>, user_id: &str) -> Result<Enrolment, RecordsError> {
    let sql = format!("SELECT {SELECT_COLUMNS} FROM enrolments WHERE user_id = ?1");
    let row = tx
        .query_row(&sql, params![user_id], row_to_enrolment)
        .optional()
        .map_err(RecordsError::sql("reading an enrolment"))?
        .ok_or(RecordsError::NotFound)?;
    finish_row(row)
}

impl Store {
    /// Opens (creating if needed) the database at `path` with a document-number key made for
    /// this process only: for the demo and tests, whose hashes need not outlive the process.
    /// The kiosk opens its database with [`Store::open_keyed`] and the installation's key.
    pub fn open(path: &Path) -> Result<Store, RecordsError> {
        Store::open_keyed(path, DocumentKey::generate())
    }

    /// Opens (creating if needed) the database at `path`, in WAL mode, and migrates it. The
    /// database and its `-wal`/`-shm` files are made (or tightened to) 0600, a new folder
    /// 0700 (`records::files`). `key` makes the document-number hashes; it is never stored.
    pub fn open_keyed(path: &Path, key: DocumentKey) -> Result<Store, RecordsError> {
        super::files::prepare(path)?;
        let use_lock = UseLock::acquire(path)?;
        let mut conn = Connection::open(path)
            .map_err(|source| RecordsError::Open { path: path.display().to_string(), source })?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(RecordsError::sql("setting the busy timeout"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(RecordsError::sql("switching to WAL"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(RecordsError::sql("setting synchronous=FULL"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(RecordsError::sql("enabling foreign keys"))?;
        schema::migrate(&mut conn)?;
        // The WAL and shared-memory files exist now. SQLite makes them with the database
        // file's mode; ones left by an older version are tightened here.
        super::files::tighten_files(path)?;
        Ok(Store { conn: Mutex::new(conn), key, path: path.to_owned(), use_lock })
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a write waits for another connection's write lock before it fails (5 s
    /// unless changed).
    pub fn set_busy_timeout(&self, wait: Duration) -> Result<(), RecordsError> {
        self.lock()?.busy_timeout(wait).map_err(RecordsError::sql("setting the busy timeout"))
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, RecordsError> {
        self.lock()?
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(RecordsError::sql("reading the schema version"))
    }

    /// The journal mode (`wal` once opened).
    pub fn journal_mode(&self) -> Result<String, RecordsError> {
        self.lock()?
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(RecordsError::sql("reading the journal mode"))
    }

    pub(super) fn lock(&self) -> Result<MutexGuard<'_, Connection>, RecordsError> {
        self.conn.lock().map_err(|_| RecordsError::Poisoned)
    }

    /// The document-number hash of `document_number` under this installation's key:
    /// HMAC-SHA-256, hex (`records::key`). The one place the hash of the current document is
    /// made, for storing it and for comparing it with a stored one. Lets an auditor with the
    /// key check "was this document enrolled here?" without the database holding the number;
    /// without the key, a copy of the database gives nothing to try numbers against.
    pub fn document_number_hash(&self, document_number: &str) -> Result<String, RecordsError> {
        Ok(self.key.document_number_hash(document_number))
    }

    /// Stores a new enrolment in state `new`, before the first API call.
    pub fn create_enrolment(
        &self,
        user_id: &str,
        facts: &DocumentFacts,
        image_source: Option<&str>,
    ) -> Result<Enrolment, RecordsError> {
        let hash = match &facts.document_number {
            Some(n) => Some(self.document_number_hash(n)?),
            None => None,
        };
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(RecordsError::sql("starting a transaction"))?;
        let now = now_rfc3339();
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO enrolments (user_id, created_at, updated_at, updated_ms, \
                 status, issuing_state, document_type, document_number_hash, document_hash_kind, \
                 access_protocol, authenticity, image_source, enrol_policy, chip_verdict) \
                 VALUES (?1, ?2, ?2, ?3, 'new', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    user_id,
                    now,
                    now_ms(),
                    facts.issuing_state,
                    facts.document_type,
                    hash,
                    hash.as_ref().map(|_| schema::DOCUMENT_HASH_KIND),
                    facts.access_protocol,
                    facts.authenticity,
                    image_source,
                    facts.enrol_policy,
                    facts.chip_verdict
                ],
            )
            .map_err(RecordsError::sql("inserting an enrolment"))?;
        if inserted == 0 {
            return Err(RecordsError::Duplicate);
        }
        audit(&tx, Some(user_id), "enrolment_created", "")?;
        let e = current(&tx, user_id)?;
        tx.commit().map_err(RecordsError::sql("committing a new enrolment"))?;
        Ok(e)
    }

    /// Marks `step` as in flight, after checking the record allows it. Call right before the
    /// API call; after it, call one of the `finish_*`, [`Store::step_failed`] or
    /// [`Store::step_outcome_unknown`].
    pub fn begin_step(&self, user_id: &str, step: Step) -> Result<Enrolment, RecordsError> {
        self.update(user_id, step, "started", |e| {
            use EnrolmentStatus as S;
            let allowed = match step {
                Step::EnrolToken => {
                    matches!(e.status, S::New | S::EnrolTokenIssued | S::Error)
                        && e.image_finished.is_none()
                }
                Step::EnrolImage => e.status == S::EnrolTokenIssued,
                // After a validate of unknown outcome a new face scan is the way on: the
                // old token is never validated again.
                Step::VerifyToken => {
                    (matches!(e.status, S::Enrolled | S::ReadyForScan | S::Failed | S::Error)
                        || is_unknown_validate(e))
                        && e.image_finished.is_some()
                }
                Step::Validate => {
                    e.status == S::ReadyForScan
                        || (e.status == S::Error && e.error_step.as_deref() == Some("validate"))
                }
            };
            if !allowed {
                return Err(RecordsError::WrongState {
                    status: e.status.to_string(),
                    step: step.as_str(),
                    action: "started",
                });
            }
            let (started, _) = step.columns();
            Ok((
                step.in_flight(),
                format!(
                    "{started} = ?2, error_code = NULL, error_step = NULL{}",
                    if step == Step::Validate { ", passed = NULL, reason = NULL" } else { "" }
                ),
                Vec::new(),
            ))
        })
    }

    /// The enrol token call answered with a token.
    pub fn finish_enrol_token(
        &self,
        user_id: &str,
        token: &str,
    ) -> Result<Enrolment, RecordsError> {
        self.finish(
            user_id,
            Step::EnrolToken,
            EnrolmentStatus::EnrolTokenIssued,
            "enrol_token = ?5",
            Some(token),
        )
    }

    /// The image was registered: the user is enrolled.
    pub fn finish_enrol_image(&self, user_id: &str) -> Result<Enrolment, RecordsError> {
        self.finish(user_id, Step::EnrolImage, EnrolmentStatus::Enrolled, "reason = NULL", None)
    }

    /// The verify token call answered with a token; the scan can run.
    pub fn finish_verify_token(
        &self,
        user_id: &str,
        token: &str,
    ) -> Result<Enrolment, RecordsError> {
        self.finish(
            user_id,
            Step::VerifyToken,
            EnrolmentStatus::ReadyForScan,
            "verify_token = ?5, passed = NULL, reason = NULL",
            Some(token),
        )
    }

    /// Validate answered: the outcome of the scan.
    pub fn finish_validate(
        &self,
        user_id: &str,
        passed: bool,
        reason: Option<&str>,
    ) -> Result<Enrolment, RecordsError> {
        let status = if passed { EnrolmentStatus::Passed } else { EnrolmentStatus::Failed };
        self.update(user_id, Step::Validate, "finished", |e| {
            expect_in_flight(e, Step::Validate)?;
            let (_, finished) = Step::Validate.columns();
            Ok((
                status,
                format!("{finished} = ?2, passed = {}, reason = ?5", i32::from(passed)),
                vec![reason.map(str::to_owned)],
            ))
        })
    }

    /// The call was answered with an error: nothing changed on the service. The step's
    /// `*_finished` timestamp stays empty (it marks success).
    pub fn step_failed(
        &self,
        user_id: &str,
        step: Step,
        code: &str,
        message: &str,
    ) -> Result<Enrolment, RecordsError> {
        self.update(user_id, step, "failed", |e| {
            expect_in_flight(e, step)?;
            // `*_finished` stays empty: it means "this step succeeded"; the audit event
            // carries the time of the failure.
            Ok((
                EnrolmentStatus::Error,
                format!("error_step = '{}', error_code = ?5, reason = ?6", step.as_str()),
                vec![Some(code.to_owned()), Some(message.to_owned())],
            ))
        })
    }

    /// The call got no usable answer after the request may have reached the service: the
    /// outcome is unknown and must be checked before anything is repeated.
    pub fn step_outcome_unknown(
        &self,
        user_id: &str,
        step: Step,
        message: &str,
    ) -> Result<Enrolment, RecordsError> {
        self.update(user_id, step, "outcome_unknown", |e| {
            expect_in_flight(e, step)?;
            Ok((
                EnrolmentStatus::OutcomeUnknown,
                format!(
                    "error_step = '{}', error_code = 'outcome_unknown', reason = ?5",
                    step.as_str()
                ),
                vec![Some(message.to_owned())],
            ))
        })
    }

    fn finish(
        &self,
        user_id: &str,
        step: Step,
        status: EnrolmentStatus,
        extra: &str,
        value: Option<&str>,
    ) -> Result<Enrolment, RecordsError> {
        self.update(user_id, step, "finished", |e| {
            expect_in_flight(e, step)?;
            let (_, finished) = step.columns();
            Ok((
                status,
                format!("{finished} = ?2, {extra}"),
                value.map(|v| vec![Some(v.to_owned())]).unwrap_or_default(),
            ))
        })
    }

    /// Reads the row, lets `decide` choose the new status and the columns to set (`?2` is
    /// now; `?5`, `?6`, … the returned values), writes both and an audit event in one
    /// transaction.
    pub(super) fn update<F>(
        &self,
        user_id: &str,
        step: Step,
        what: &str,
        decide: F,
    ) -> Result<Enrolment, RecordsError>
    where
        F: FnOnce(
            &Enrolment,
        ) -> Result<(EnrolmentStatus, String, Vec<Option<String>>), RecordsError>,
    {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(RecordsError::sql("starting a transaction"))?;
        let before = current(&tx, user_id)?;
        let (status, set, values) = decide(&before)?;
        let sql = format!(
            "UPDATE enrolments SET status = ?1, updated_at = ?2, updated_ms = ?3, {set} \
             WHERE user_id = ?4"
        );
        let mut bind: Vec<Value> = vec![
            Value::Text(status.as_str().to_owned()),
            Value::Text(now_rfc3339()),
            Value::Integer(now_ms()),
            Value::Text(user_id.to_owned()),
        ];
        bind.extend(values.into_iter().map(|v| v.map_or(Value::Null, Value::Text)));
        tx.execute(&sql, rusqlite::params_from_iter(bind))
            .map_err(RecordsError::sql("updating an enrolment"))?;
        audit(
            &tx,
            Some(user_id),
            &format!("{}_{what}", step.as_str()),
            &format!("{} -> {}", before.status, status),
        )?;
        let after = current(&tx, user_id)?;
        tx.commit().map_err(RecordsError::sql("committing an enrolment change"))?;
        Ok(after)
    }

    /// One enrolment.
    pub fn get(&self, user_id: &str) -> Result<Option<Enrolment>, RecordsError> {
        let conn = self.lock()?;
        let sql = format!("SELECT {SELECT_COLUMNS} FROM enrolments WHERE user_id = ?1");
        conn.query_row(&sql, params![user_id], row_to_enrolment)
            .optional()
            .map_err(RecordsError::sql("reading an enrolment"))?
            .map(finish_row)
            .transpose()
    }

    /// All enrolments, oldest first.
    pub fn list(&self) -> Result<Vec<Enrolment>, RecordsError> {
        let conn = self.lock()?;
        let sql = format!("SELECT {SELECT_COLUMNS} FROM enrolments ORDER BY created_at, rowid");
        let mut stmt = conn.prepare(&sql).map_err(RecordsError::sql("listing enrolments"))?;
        let rows = stmt
            .query_map([], row_to_enrolment)
            .map_err(RecordsError::sql("listing enrolments"))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(finish_row(r.map_err(RecordsError::sql("listing enrolments"))?)?);
        }
        Ok(out)
    }

    /// Audit events, oldest first; of one user_id when given.
    pub fn audit_events(&self, user_id: Option<&str>) -> Result<Vec<AuditEvent>, RecordsError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(
                "SELECT id, at, user_id, event, detail FROM audit \
                 WHERE ?1 IS NULL OR user_id = ?1 ORDER BY id",
            )
            .map_err(RecordsError::sql("reading audit events"))?;
        let rows = stmt
            .query_map(params![user_id], |r| {
                Ok(AuditEvent {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    user_id: r.get(2)?,
                    event: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .map_err(RecordsError::sql("reading audit events"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(RecordsError::sql("reading audit events"))
    }

    /// Settles an image upload whose outcome was unknown, after the service was asked (an
    /// enrol token call: `already_enrolled` means the image was registered). Registered →
    /// `enrolled`; not registered → `enrol_token_issued` with the new token, ready to upload.
    pub fn settle_unknown_image(
        &self,
        user_id: &str,
        registered: bool,
        new_enrol_token: Option<&str>,
    ) -> Result<Enrolment, RecordsError> {
        self.update(user_id, Step::EnrolImage, "outcome_checked", |e| {
            if e.status != EnrolmentStatus::OutcomeUnknown
                || e.error_step.as_deref() != Some(Step::EnrolImage.as_str())
            {
                return Err(RecordsError::WrongState {
                    status: e.status.to_string(),
                    step: Step::EnrolImage.as_str(),
                    action: "settled",
                });
            }
            if registered {
                Ok((
                    EnrolmentStatus::Enrolled,
                    "image_finished = ?2, error_step = NULL, error_code = NULL, \
                     reason = 'the service confirmed the image was registered'"
                        .to_owned(),
                    Vec::new(),
                ))
            } else {
                Ok((
                    EnrolmentStatus::EnrolTokenIssued,
                    "enrol_token = ?5, enrol_token_finished = ?2, error_step = NULL, \
                     error_code = NULL, reason = 'the image was not registered; upload again'"
                        .to_owned(),
                    vec![new_enrol_token.map(str::to_owned)],
                ))
            }
        })
    }

    /// The customer left or staff cancelled. A record that is not finished and has no call
    /// in flight becomes `abandoned`; passed, failed, unknown or in-flight records are
    /// refused (they already say what is known).
    pub fn abandon(&self, user_id: &str, reason: &str) -> Result<Enrolment, RecordsError> {
        use EnrolmentStatus as S;
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(RecordsError::sql("starting a transaction"))?;
        let before = current(&tx, user_id)?;
        let allowed = matches!(
            before.status,
            S::New | S::EnrolTokenIssued | S::Enrolled | S::ReadyForScan | S::Error
        );
        if !allowed {
            return Err(RecordsError::WrongState {
                status: before.status.to_string(),
                step: "enrolment",
                action: "abandoned",
            });
        }
        tx.execute(
            "UPDATE enrolments SET status = 'abandoned', reason = ?2, updated_at = ?3, \
             updated_ms = ?4 WHERE user_id = ?1",
            params![user_id, reason, now_rfc3339(), now_ms()],
        )
        .map_err(RecordsError::sql("abandoning an enrolment"))?;
        audit(
            &tx,
            Some(user_id),
            "enrolment_abandoned",
            &format!("{} -> abandoned", before.status),
        )?;
        let after = current(&tx, user_id)?;
        tx.commit().map_err(RecordsError::sql("committing an abandonment"))?;
        Ok(after)
    }

    /// Appends a free audit event (e.g. `scan_launched`). `detail` must hold no personal data.
    pub fn audit(
        &self,
        user_id: Option<&str>,
        event: &str,
        detail: &str,
    ) -> Result<(), RecordsError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(RecordsError::sql("starting a transaction"))?;
        audit(&tx, user_id, event, detail)?;
        tx.commit().map_err(RecordsError::sql("committing an audit event"))
    }
}

/// The record's validate got no answer (or its answer is lost): `outcome_unknown` at the
/// validate step.
pub(super) fn is_unknown_validate(e: &Enrolment) -> bool {
    e.status == EnrolmentStatus::OutcomeUnknown
        && e.error_step.as_deref() == Some(Step::Validate.as_str())
}

fn expect_in_flight(e: &Enrolment, step: Step) -> Result<(), RecordsError> {
    if e.status == step.in_flight() {
        Ok(())
    } else {
        Err(RecordsError::WrongState {
            status: e.status.to_string(),
            step: step.as_str(),
            action: "finished",
        })
    }
}
