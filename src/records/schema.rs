//! Schema of the records database and its migrations, versioned by `PRAGMA user_version`.

use rusqlite::Connection;

use super::RecordsError;

/// Migrations in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: enrolments, append-only audit, installation salt.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE enrolments (
        user_id               TEXT PRIMARY KEY,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        updated_ms            INTEGER NOT NULL,
        status                TEXT NOT NULL,
        issuing_state         TEXT,
        document_type         TEXT,
        document_number_hash  TEXT,
        access_protocol       TEXT,
        authenticity          TEXT,
        image_source          TEXT,
        enrol_token           TEXT,
        verify_token          TEXT,
        passed                INTEGER,
        reason                TEXT,
        error_code            TEXT,
        error_step            TEXT,
        enrol_token_started   TEXT,
        enrol_token_finished  TEXT,
        image_started         TEXT,
        image_finished        TEXT,
        verify_token_started  TEXT,
        verify_token_finished TEXT,
        validate_started      TEXT,
        validate_finished     TEXT
    );
    CREATE TABLE audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        user_id  TEXT,
        event    TEXT NOT NULL,
        detail   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_user ON audit(user_id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    "#,
    // 2: the enrolment policy that let the document through (passive authentication's
    // verdict is in `authenticity`).
    "ALTER TABLE enrolments ADD COLUMN enrol_policy TEXT;",
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`] in one IMMEDIATE transaction that re-reads the
/// version under the write lock, so two processes opening a new database at once cannot
/// both migrate it.
pub(super) fn migrate(conn: &mut Connection) -> Result<i64, RecordsError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(RecordsError::sql("starting a migration"))?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(RecordsError::sql("reading the schema version"))?;
    if found > SCHEMA_VERSION {
        return Err(RecordsError::SchemaTooNew { found, known: SCHEMA_VERSION });
    }
    if found == SCHEMA_VERSION {
        return Ok(found);
    }
    let start = usize::try_from(found).unwrap_or(0);
    for sql in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql).map_err(RecordsError::sql("applying a migration"))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(RecordsError::sql("recording the schema version"))?;
    tx.commit().map_err(RecordsError::sql("committing a migration"))?;
    Ok(SCHEMA_VERSION)
}
