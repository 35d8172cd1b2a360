//! Schema of the records database and its migrations, versioned by `PRAGMA user_version`.

use rusqlite::Connection;

use super::RecordsError;

/// Migrations in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: enrolments, append-only audit, installation salt (removed by 3).
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
    // 3: the document-number hash becomes an HMAC under a key outside the database. The
    // salted SHA-256 hashes of version 1 could be searched from a copy of the database (the
    // salt is in it) and cannot be rekeyed without the numbers: they are removed, their rows
    // marked, and the salt deleted.
    r#"
    ALTER TABLE enrolments ADD COLUMN document_hash_kind TEXT;
    UPDATE enrolments SET document_hash_kind = 'sha256-salted-removed',
        document_number_hash = NULL WHERE document_number_hash IS NOT NULL;
    DELETE FROM meta WHERE key = 'document_hash_salt';
    INSERT INTO audit (at, user_id, event, detail)
        SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'document_hashes_removed',
            'unkeyed document-number hashes removed from ' || COUNT(*) || ' records'
        FROM enrolments WHERE document_hash_kind = 'sha256-salted-removed' HAVING COUNT(*) > 0;
    "#,
    // 4: the chip verdict (`genuine` | `not proven` | `failed`: PACE-CAM, Chip and Active
    // Authentication), beside passive authentication's `authenticity`.
    "ALTER TABLE enrolments ADD COLUMN chip_verdict TEXT;",
    // 5: bulk enrolment (`enrol-batch`): which user_id each photo of a manifest was given,
    // by a keyed hash of the photo's bytes (HMAC under the document-number key: no photo,
    // nothing searchable), so a re-run finds the enrolment again and never sends it twice.
    r#"
    CREATE TABLE batch_images (
        image_key  TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX batch_images_user ON batch_images(user_id);
    "#,
];

/// `document_hash_kind` of a hash made by this version: HMAC-SHA-256 under the
/// installation's document-number key (`records::key`).
pub const DOCUMENT_HASH_KIND: &str = "hmac-sha256";

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`] in one IMMEDIATE transaction that re-reads the
/// version under the write lock, so two processes opening a new database at once cannot
/// both migrate it.
pub(super) fn migrate(conn: &mut Connection) -> Result<i64, RecordsError> {
    // Deleted content is overwritten, not left in free pages where a copy of the file would
    // still hold it (the unkeyed hashes and salt removed by migration 3, wiped records).
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(RecordsError::sql("turning on secure delete"))?;
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
    if found < 3 {
        // Rewrite the file and empty the WAL so no page of the old hashes survives.
        conn.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(RecordsError::sql("compacting after removing the unkeyed hashes"))?;
    }
    Ok(SCHEMA_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unkeyed hashes and salt of version 1 leave no trace in the files: a copy of the
    /// database (or its WAL) taken after the migration cannot be searched for them.
    #[test]
    fn removed_hashes_leave_no_bytes_in_the_database_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let salt = "5a17c0ffee5a17c0ffee5a17c0ffee5a";
        let hash = "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO meta VALUES ('document_hash_salt', '{salt}');
                 INSERT INTO enrolments (user_id, created_at, updated_at, updated_ms, status,
                     document_number_hash) VALUES ('old', 't', 't', 0, 'passed', '{hash}');"
            ))
            .unwrap();
        }
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        for f in ["r.db", "r.db-wal"] {
            let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
            for secret in [salt, hash] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{f} still holds {secret}"
                );
            }
        }
    }

    #[test]
    fn unkeyed_hashes_of_version_1_are_removed_and_marked() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO meta VALUES ('document_hash_salt', '00112233445566778899aabbccddeeff');
             INSERT INTO enrolments (user_id, created_at, updated_at, updated_ms, status,
                 document_number_hash) VALUES ('old', 't', 't', 0, 'passed', 'abcd'),
                 ('none', 't', 't', 0, 'new', NULL);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let rows: Vec<(String, Option<String>, Option<String>)> = conn
            .prepare(
                "SELECT user_id, document_number_hash, document_hash_kind FROM enrolments \
                 ORDER BY user_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                ("none".to_owned(), None, None),
                ("old".to_owned(), None, Some("sha256-salted-removed".to_owned())),
            ]
        );
        let salts: i64 = conn.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get(0)).unwrap();
        assert_eq!(salts, 0, "the salt is gone");
        let detail: String = conn
            .query_row(
                "SELECT detail FROM audit WHERE event = 'document_hashes_removed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(detail, "unkeyed document-number hashes removed from 1 records");
    }

    #[test]
    fn version_3_gains_the_chip_verdict_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO enrolments (user_id, created_at, updated_at, updated_ms, status,
                 authenticity, enrol_policy) VALUES ('old', 't', 't', 0, 'passed', 'valid', 'strict');",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let row: (String, Option<String>) = conn
            .query_row("SELECT authenticity, chip_verdict FROM enrolments", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, ("valid".to_owned(), None), "older records have no chip verdict");
        conn.execute("UPDATE enrolments SET chip_verdict = 'failed'", []).unwrap();
    }
}
