//! The records store: schema and WAL, the steps' state rules, the append-only audit trail,
//! the keyed document-number hash and private database files, recovery of interrupted
//! steps, and a process killed mid-call leaving a consistent database.

// Test helpers outside #[test] fns: a panic there is a failed test, not a crashed kiosk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use enrol_kiosk::records::cli::FileArgs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use enrol_kiosk::iproov::fake::{
    FAKE_API_KEY, FAKE_SECRET, FakeIproov, FakeOptions, FaultKind, ScanOutcome,
};
use enrol_kiosk::iproov::journey;
use enrol_kiosk::iproov::{Call, ImageSource, IproovClient, IproovConfig, Secret, UserId};
use enrol_kiosk::records::{
    DocumentFacts, DocumentKey, EnrolmentStatus, RecordsError, SCHEMA_VERSION, Step, Store,
};
use zeroize::Zeroizing;

const FACE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg");

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nested/records.db")).unwrap();
    (dir, store)
}

fn facts() -> DocumentFacts {
    DocumentFacts {
        issuing_state: Some("UTO".into()),
        document_type: Some("P".into()),
        document_number: Some(Zeroizing::new("L898902C3".into())),
        access_protocol: Some("BAC".into()),
        authenticity: Some("valid".into()),
        chip_verdict: Some("genuine".into()),
        enrol_policy: Some("strict".into()),
    }
}

#[test]
fn schema_is_versioned_and_wal() {
    let (dir, store) = temp_store();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.journal_mode().unwrap(), "wal");
    drop(store);
    // Reopening keeps data and version.
    let path = dir.path().join("nested/records.db");
    let store = Store::open(&path).unwrap();
    store.create_enrolment("u1", &facts(), Some("eid")).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
    drop(store);
    // A database from a newer program is refused, not mangled.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    assert!(matches!(Store::open(&path), Err(RecordsError::SchemaTooNew { .. })));
}

#[test]
fn steps_follow_the_sequence_and_are_audited() {
    let (_d, store) = temp_store();
    let e = store.create_enrolment("u1", &facts(), Some("eid")).unwrap();
    assert_eq!(e.status, EnrolmentStatus::New);
    assert_eq!(e.issuing_state.as_deref(), Some("UTO"));
    assert_eq!(e.chip_verdict.as_deref(), Some("genuine"), "the record keeps the chip verdict");
    assert!(matches!(store.create_enrolment("u1", &facts(), None), Err(RecordsError::Duplicate)));
    // Out of order: refused, record unchanged.
    assert!(matches!(
        store.begin_step("u1", Step::EnrolImage),
        Err(RecordsError::WrongState { .. })
    ));
    assert!(matches!(store.finish_enrol_token("u1", "t"), Err(RecordsError::WrongState { .. })));
    assert!(matches!(store.begin_step("nobody", Step::EnrolToken), Err(RecordsError::NotFound)));
    store.begin_step("u1", Step::EnrolToken).unwrap();
    let e = store.finish_enrol_token("u1", &"a".repeat(64)).unwrap();
    assert_eq!(e.status, EnrolmentStatus::EnrolTokenIssued);
    assert!(e.enrol_token_started.is_some() && e.enrol_token_finished.is_some());
    store.begin_step("u1", Step::EnrolImage).unwrap();
    assert_eq!(store.finish_enrol_image("u1").unwrap().status, EnrolmentStatus::Enrolled);
    store.begin_step("u1", Step::VerifyToken).unwrap();
    store.finish_verify_token("u1", &"b".repeat(64)).unwrap();
    store.begin_step("u1", Step::Validate).unwrap();
    let e = store.finish_validate("u1", false, Some("Please Keep Still")).unwrap();
    assert_eq!(
        (e.status, e.passed, e.reason.as_deref()),
        (EnrolmentStatus::Failed, Some(false), Some("Please Keep Still"))
    );
    // Validated: no second validate from the record.
    assert!(store.begin_step("u1", Step::Validate).is_err());
    // A new scan attempt is allowed (new verify token).
    store.begin_step("u1", Step::VerifyToken).unwrap();
    let e = store.finish_verify_token("u1", &"c".repeat(64)).unwrap();
    assert_eq!((e.status, e.passed), (EnrolmentStatus::ReadyForScan, None));
    let events: Vec<String> =
        store.audit_events(Some("u1")).unwrap().into_iter().map(|a| a.event).collect();
    assert_eq!(
        events,
        [
            "enrolment_created",
            "enrol_token_started",
            "enrol_token_finished",
            "enrol_image_started",
            "enrol_image_finished",
            "verify_token_started",
            "verify_token_finished",
            "validate_started",
            "validate_finished",
            "verify_token_started",
            "verify_token_finished",
        ]
    );
}

#[test]
fn audit_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let store = Store::open(&path).unwrap();
    store.create_enrolment("u1", &facts(), None).unwrap();
    store.audit(Some("u1"), "scan_launched", "").unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let upd = conn.execute("UPDATE audit SET event = 'x'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = conn.execute("DELETE FROM audit", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(store.audit_events(None).unwrap().len(), 2);
}

#[test]
fn document_number_is_stored_only_as_a_keyed_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/records.db");
    let key = || DocumentKey::from_bytes([0x5a; 32]);
    let store = Store::open_keyed(&path, key()).unwrap();
    let e = store.create_enrolment("u1", &facts(), None).unwrap();
    let h = e.document_number_hash.clone().unwrap();
    assert_eq!(h.len(), 64);
    assert_eq!(e.document_hash_kind.as_deref(), Some("hmac-sha256"));
    assert_eq!(h, store.document_number_hash("L898902C3").unwrap());
    assert_ne!(h, store.document_number_hash("L898902C4").unwrap());
    // The same key gives the same hash in another database (the key is the installation's,
    // not the database's); another key another hash.
    let (_d2, other) = temp_store();
    assert_ne!(h, other.document_number_hash("L898902C3").unwrap());
    let again = Store::open_keyed(&dir.path().join("copy.db"), key()).unwrap();
    assert_eq!(h, again.document_number_hash("L898902C3").unwrap());
    // Debug output redacts the number.
    assert!(!format!("{:?}", facts()).contains("L898902C3"));
    drop(store);
    // Someone with a copy of the database tries the number they suspect with everything the
    // database holds as a salt or key: nothing reproduces the stored hash.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut held: Vec<String> = conn
        .prepare("SELECT value FROM meta")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    held.push(String::new());
    for v in &held {
        use hmac::Mac;
        use sha2::Digest;
        let mut sha = sha2::Sha256::new();
        sha.update(b"enrol-kiosk document number v1\0");
        sha.update(v.as_bytes());
        sha.update([0u8]);
        sha.update(b"L898902C3");
        assert_ne!(hex::encode(sha.finalize()), h, "salted SHA-256 with {v:?} from the database");
        for k in [v.as_bytes().to_vec(), hex::decode(v).unwrap_or_default()] {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&k).unwrap();
            mac.update(b"enrol-kiosk document number v2\0L898902C3");
            assert_ne!(hex::encode(mac.finalize().into_bytes()), h, "HMAC keyed by {v:?}");
        }
    }
    // With the key (kept elsewhere), the hash is the documented HMAC.
    {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&[0x5a; 32]).unwrap();
        mac.update(b"enrol-kiosk document number v2\0L898902C3");
        assert_eq!(hex::encode(mac.finalize().into_bytes()), h);
    }
    for entry in std::fs::read_dir(dir.path().join("nested")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"L898902C3"),
            "document number found in a database file"
        );
        assert!(!bytes.windows(32).any(|w| w == [0x5a; 32]), "the key is in a database file");
        assert!(!bytes.windows(64).any(|w| w == "5a".repeat(32).as_bytes()), "the key (hex)");
    }
}

#[test]
fn database_files_and_folder_are_private() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new/folder/records.db");
    let store = Store::open(&db).unwrap();
    store.create_enrolment("u1", &facts(), None).unwrap();
    store.audit(Some("u1"), "scan_launched", "").unwrap();
    let files = ["", "-wal", "-shm"].map(|s| format!("{}{s}", db.display()));
    for f in &files {
        assert_eq!(mode(Path::new(f)), 0o600, "{f}");
    }
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&dir.path().join("new")), 0o700);
    // A database left readable by an older version is tightened when opened, with its
    // companions, and its own folder too. (Another connection keeps the WAL and shared-memory
    // files from being removed when the store closes.)
    let other = rusqlite::Connection::open(&db).unwrap();
    other.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get::<_, i64>(0)).unwrap();
    drop(store);
    for f in &files {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(db.parent().unwrap(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = Store::open(&db).unwrap();
    store.audit(None, "reopened", "").unwrap();
    for f in &files {
        assert_eq!(mode(Path::new(f)), 0o600, "{f} after reopening");
    }
    drop(other);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
}

#[test]
fn the_installation_key_file_is_made_once_and_kept_out_of_the_database() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    let key = dir.path().join("etc/document-number.key");
    std::fs::write(&cfg, format!("[records]\ndocument_key_file = {:?}\n", key.to_str().unwrap()))
        .unwrap();
    let db = dir.path().join("data/records.db");
    let open = || enrol_kiosk::records::cli::open_store(Some(&db), Some(&cfg)).unwrap();
    let first = open().document_number_hash("L898902C3").unwrap();
    assert_eq!(std::fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
    // Another process (here: another open) of the same installation hashes alike.
    assert_eq!(open().document_number_hash("L898902C3").unwrap(), first);
    // The file's key is the one used, and no database file holds it.
    let hex_key = std::fs::read_to_string(&key).unwrap();
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut bytes).unwrap();
    assert_eq!(DocumentKey::from_bytes(bytes).document_number_hash("L898902C3"), first);
    for entry in std::fs::read_dir(db.parent().unwrap()).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!data.windows(32).any(|w| w == bytes), "the key is in a database file");
    }
}

/// Recovery is guarded by the records' lock, not by the age of a row: while another store
/// (another kiosk process) has the records open, its in-flight rows are left alone however
/// old; once it is gone they are settled.
#[test]
fn recovery_settles_interrupted_steps_only_when_no_one_else_has_the_records() {
    let (dir, store) = temp_store();
    let db = dir.path().join("nested/records.db");
    {
        let mk = |id: &str, steps: &[Step]| {
            store.create_enrolment(id, &DocumentFacts::default(), None).unwrap();
            for (i, s) in steps.iter().enumerate() {
                store.begin_step(id, *s).unwrap();
                if i + 1 < steps.len() {
                    match s {
                        Step::EnrolToken => store.finish_enrol_token(id, "t").map(|_| ()),
                        Step::EnrolImage => store.finish_enrol_image(id).map(|_| ()),
                        Step::VerifyToken => store.finish_verify_token(id, "v").map(|_| ()),
                        Step::Validate => unreachable!(),
                    }
                    .unwrap();
                }
            }
        };
        use Step::*;
        mk("a", &[EnrolToken]);
        mk("b", &[EnrolToken, EnrolImage]);
        mk("c", &[EnrolToken, EnrolImage, VerifyToken]);
        mk("d", &[EnrolToken, EnrolImage, VerifyToken, Validate]);
        mk("e", &[]);
    }
    // Another kiosk starts on the same records while `store` is still in its calls — even
    // long after they began.
    let later = Store::open(&db).unwrap();
    let rec = later.recover_interrupted().unwrap();
    assert!(rec.in_use, "the records are in use");
    assert!(rec.settled.is_empty() && rec.replayed.is_empty());
    for (id, s) in [
        ("a", EnrolmentStatus::EnrolTokenRequested),
        ("b", EnrolmentStatus::ImageUploading),
        ("c", EnrolmentStatus::VerifyTokenRequested),
        ("d", EnrolmentStatus::Validating),
    ] {
        assert_eq!(later.get(id).unwrap().unwrap().status, s, "{id} left alone");
    }
    // Trying did not cost the other store its shared lock: it still sees `later`.
    assert!(store.recover_interrupted().unwrap().in_use);
    // The first process exits: now the rows are settled.
    drop(store);
    let got = later.recover_interrupted().unwrap();
    assert!(!got.in_use);
    let now: Vec<(String, EnrolmentStatus)> =
        got.settled.into_iter().map(|r| (r.user_id, r.now)).collect();
    assert_eq!(
        now,
        [
            ("a".to_owned(), EnrolmentStatus::Abandoned),
            ("b".to_owned(), EnrolmentStatus::OutcomeUnknown),
            ("c".to_owned(), EnrolmentStatus::Enrolled),
            ("d".to_owned(), EnrolmentStatus::OutcomeUnknown),
        ]
    );
    let store = later;
    assert_eq!(store.get("e").unwrap().unwrap().status, EnrolmentStatus::New);
    // The resumable one can go on; the unknown ones cannot be validated or re-uploaded, but
    // the unknown validate is no dead end: a new face scan (verify token) may start.
    store.begin_step("c", Step::VerifyToken).unwrap();
    assert!(store.begin_step("d", Step::Validate).is_err());
    assert!(store.begin_step("b", Step::EnrolImage).is_err());
    assert!(store.recover_interrupted().unwrap().settled.len() == 1);
    store.begin_step("d", Step::VerifyToken).unwrap();
    store.finish_verify_token("d", "v2").unwrap();
    store.begin_step("d", Step::Validate).unwrap();
    assert_eq!(store.finish_validate("d", true, None).unwrap().status, EnrolmentStatus::Passed);
    // The lock file sits beside the database, 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("nested/records.db.lock")).unwrap();
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);
}

// ---- a process killed in the middle of a call ----

const CHILD_ENV: &str = "EK_RECORDS_KILL_CHILD";

/// Runs inside the child process: enrols (and validates) against the parent's fake, which
/// holds the chosen call for a long time so the parent can kill us in the middle of it.
fn child_main(spec: &str) {
    let mut parts = spec.split('|');
    let (db, base, user, stage) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = kill_test_store(Path::new(db)).unwrap();
        let client = IproovClient::new(IproovConfig {
            base_url: Some(base.to_owned()),
            api_key: Secret::new(FAKE_API_KEY),
            secret: Secret::new(FAKE_SECRET),
            timeout_secs: 120,
            ..IproovConfig::default()
        })
        .unwrap();
        let user = UserId::parse(user).unwrap();
        let image = std::fs::read(FACE).unwrap();
        let started = journey::enrol(&client, &store, &user, &image, ImageSource::Eid, &facts())
            .await
            .unwrap();
        if stage == "validate" {
            let origin = base.trim_end_matches("/api/v2");
            reqwest::Client::new()
                .post(format!("{origin}/control/scan/{}", started.verify_token))
                .json(&serde_json::json!({"outcome": "passed"}))
                .send()
                .await
                .unwrap();
            journey::validate(&client, &store, &user, &started.verify_token).await.unwrap();
        }
    });
}

/// The killed child and the restarted parent are one installation: they share the
/// document-number key (a process-only key would make the resume look like another document).
fn kill_test_store(db: &Path) -> Result<Store, enrol_kiosk::records::RecordsError> {
    Store::open_keyed(db, enrol_kiosk::records::DocumentKey::from_bytes([7; 32]))
}

#[test]
fn killed_between_steps_leaves_a_consistent_database() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_main(&spec);
        return;
    }
    let fake =
        FakeIproov::spawn_thread("127.0.0.1:0".parse().unwrap(), FakeOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenarios = [
        (
            Call::EnrolToken,
            "enrol",
            EnrolmentStatus::EnrolTokenRequested,
            EnrolmentStatus::Abandoned,
        ),
        (
            Call::EnrolImage,
            "enrol",
            EnrolmentStatus::ImageUploading,
            EnrolmentStatus::OutcomeUnknown,
        ),
        (
            Call::VerifyToken,
            "enrol",
            EnrolmentStatus::VerifyTokenRequested,
            EnrolmentStatus::Enrolled,
        ),
        (Call::Validate, "validate", EnrolmentStatus::Validating, EnrolmentStatus::OutcomeUnknown),
    ];
    for (i, (call, stage, in_flight, settled)) in scenarios.into_iter().enumerate() {
        let db = dir.path().join(format!("kill-{i}.db"));
        let user = UserId::generate();
        fake.clear_faults();
        fake.set_fault(call, FaultKind::Delay(Duration::from_secs(300)), Some(1));
        let spec = format!("{}|{}|{}|{stage}", db.display(), fake.base_url(), user);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "killed_between_steps_leaves_a_consistent_database",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CHILD_ENV, spec)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the child is inside the call, then kill it (SIGKILL: no clean-up).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = kill_test_store(&db)
                .ok()
                .and_then(|s| s.get(user.as_str()).ok().flatten())
                .map(|r| r.status);
            if status == Some(in_flight) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    std::io::Read::read_to_string(&mut e, &mut err).unwrap();
                }
                panic!("{call}: child ended early: {err}");
            }
            assert!(Instant::now() < deadline, "{call}: child never reached {in_flight}");
            std::thread::sleep(Duration::from_millis(30));
        }
        // A second process starting now must not settle the live one's call.
        {
            let other = kill_test_store(&db).unwrap();
            let rec = other.recover_interrupted().unwrap();
            assert!(rec.in_use && rec.settled.is_empty(), "{call}: {rec:?}");
            assert_eq!(other.get(user.as_str()).unwrap().unwrap().status, in_flight, "{call}");
        }
        child.kill().unwrap();
        child.wait().unwrap();

        // Restart: the database is intact and the record is settled truthfully.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok", "{call}");
        drop(conn);
        let store = kill_test_store(&db).unwrap();
        assert_eq!(store.list().unwrap().len(), 1, "{call}: one record");
        assert_eq!(store.get(user.as_str()).unwrap().unwrap().status, in_flight);
        let rec = store.recover_interrupted().unwrap().settled;
        assert_eq!(rec.len(), 1, "{call}");
        assert_eq!((rec[0].was, rec[0].now), (in_flight, settled), "{call}");
        let r = store.get(user.as_str()).unwrap().unwrap();
        assert_eq!(r.passed, None, "{call}");
        assert!(r.reason.is_some(), "{call}: staff are told what happened");
        let last = store.audit_events(Some(user.as_str())).unwrap();
        assert_eq!(last.last().unwrap().event, "recovered_after_interruption");
        // The resumable case resumes: a new verify token for the enrolled customer.
        if settled == EnrolmentStatus::Enrolled {
            fake.clear_faults();
            let client = IproovClient::new(IproovConfig {
                base_url: Some(fake.base_url()),
                api_key: Secret::new(FAKE_API_KEY),
                secret: Secret::new(FAKE_SECRET),
                ..IproovConfig::default()
            })
            .unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let image = std::fs::read(FACE).unwrap();
            let started = rt
                .block_on(journey::enrol(
                    &client,
                    &store,
                    &user,
                    &image,
                    ImageSource::Eid,
                    &facts(),
                ))
                .unwrap();
            fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
            let out = rt
                .block_on(journey::validate(&client, &store, &user, &started.verify_token))
                .unwrap();
            assert_eq!(out.passed, Some(true));
            assert_eq!(store.list().unwrap().len(), 1);
        }
    }
}

#[test]
fn records_command_exports_json_and_a_table() {
    use enrol_kiosk::records::cli::{RecordsArgs, records_report};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let store = Store::open(&db).unwrap();
    store.create_enrolment("done", &facts(), Some("eid")).unwrap();
    store.begin_step("done", Step::EnrolToken).unwrap();
    store.finish_enrol_token("done", &"e".repeat(64)).unwrap();
    store.begin_step("done", Step::EnrolImage).unwrap();
    store.finish_enrol_image("done").unwrap();
    store.begin_step("done", Step::VerifyToken).unwrap();
    store.finish_verify_token("done", &"f".repeat(64)).unwrap();
    store.begin_step("done", Step::Validate).unwrap();
    store.finish_validate("done", true, None).unwrap();
    store.create_enrolment("left", &DocumentFacts::default(), None).unwrap();
    let e = store.abandon("left", "customer left").unwrap();
    assert_eq!(e.status, EnrolmentStatus::Abandoned);
    assert!(store.abandon("done", "x").is_err(), "a passed record stays passed");

    let args = |json, audit| RecordsArgs {
        json,
        audit,
        settle: false,
        files: FileArgs { config: None, db: Some(db.clone()) },
    };
    let out = records_report(&args(true, false)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let done = rows.iter().find(|r| r["user_id"] == "done").unwrap();
    assert_eq!(done["status"], "passed");
    assert_eq!(done["passed"], true);
    assert_eq!(done["enrol_token"], "e".repeat(64));
    assert_eq!(done["verify_token"], "f".repeat(64));
    for k in [
        "reason",
        "created_at",
        "enrol_token_started",
        "enrol_token_finished",
        "image_started",
        "image_finished",
        "verify_token_started",
        "verify_token_finished",
        "validate_started",
        "validate_finished",
    ] {
        assert!(done.get(k).is_some(), "{k}");
    }
    assert!(done["validate_finished"].as_str().unwrap().ends_with('Z'));
    let left = rows.iter().find(|r| r["user_id"] == "left").unwrap();
    assert_eq!(left["status"], "abandoned");
    assert!(left["passed"].is_null());
    assert_eq!(left["reason"], "customer left");
    assert!(!out.contains("L898902C3"));

    let with_audit: serde_json::Value =
        serde_json::from_str(&records_report(&args(true, true)).unwrap()).unwrap();
    assert!(with_audit["audit"].as_array().unwrap().len() >= 10);
    let table = records_report(&args(false, false)).unwrap();
    assert!(table.contains("done") && table.contains("passed") && table.contains("abandoned"));
}

/// `records --settle` does what `gui` and `run` do at start: recovery (here: the record whose
/// enrol token call was interrupted is abandoned) and the abandoned record's known token
/// invalidated with the service.
#[test]
fn records_settle_recovers_and_invalidates() {
    use enrol_kiosk::records::cli::{RecordsArgs, records_report};
    let fake =
        FakeIproov::spawn_thread("127.0.0.1:0".parse().unwrap(), FakeOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let token = "c".repeat(64);
    {
        let store = Store::open(&db).unwrap();
        store.create_enrolment("x", &facts(), Some("eid")).unwrap();
        store.begin_step("x", Step::EnrolToken).unwrap();
        store.finish_enrol_token("x", &token).unwrap();
        // The process dies asking for another enrol token.
        store.begin_step("x", Step::EnrolToken).unwrap();
    }
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[iproov]\nbase_url = \"{}\"\napi_key = \"{FAKE_API_KEY}\"\nsecret = \"{FAKE_SECRET}\"\n",
            fake.base_url()
        ),
    )
    .unwrap();
    let args = RecordsArgs {
        json: true,
        audit: true,
        settle: true,
        files: FileArgs { config: Some(cfg), db: Some(db.clone()) },
    };
    let v: serde_json::Value = serde_json::from_str(&records_report(&args).unwrap()).unwrap();
    let row = &v["enrolments"][0];
    assert_eq!(row["status"], "abandoned", "{v}");
    assert_eq!(fake.requests(Call::Invalidate), 1, "the known token was invalidated");
    let events: Vec<&str> =
        v["audit"].as_array().unwrap().iter().map(|a| a["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"recovered_after_interruption"), "{events:?}");
    assert!(events.contains(&"tokens_invalidated"), "{events:?}");
}

/// `gui` and `run` settle the records before anything else (recovery is not only the headless
/// commands'): a record left in flight by a dead kiosk is settled at their start — here both
/// stop right after, on a trust-store path that cannot be read, before any window or reader.
#[test]
fn gui_and_run_recover_at_start() {
    #[derive(clap::Parser)]
    struct Gui {
        #[command(flatten)]
        args: enrol_kiosk::kiosk::GuiArgs,
    }
    #[derive(clap::Parser)]
    struct Run {
        #[command(flatten)]
        args: enrol_kiosk::enrol::cli::RunArgs,
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[iproov]\nbase_url = \"http://127.0.0.1:9/api/v2\"\napi_key = \"{FAKE_API_KEY}\"\nsecret = \"{FAKE_SECRET}\"\n"
        ),
    )
    .unwrap();
    let missing = dir.path().join("no-such-csca.der");
    for cmd in ["gui", "run"] {
        let db = dir.path().join(format!("{cmd}.db"));
        {
            let store = Store::open(&db).unwrap();
            store.create_enrolment("x", &facts(), Some("eid")).unwrap();
            store.begin_step("x", Step::EnrolToken).unwrap();
        }
        let argv = [
            "enrol-kiosk",
            "--config",
            cfg.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--csca",
            missing.to_str().unwrap(),
            "--mrz",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let code = if cmd == "gui" {
            let a = <Gui as clap::Parser>::parse_from(argv[..7].iter().copied());
            enrol_kiosk::kiosk::run_gui(a.args)
        } else {
            let a = <Run as clap::Parser>::parse_from(argv);
            enrol_kiosk::enrol::cli::run_headless(a.args)
        };
        assert_eq!(code, std::process::ExitCode::FAILURE, "{cmd}: stops on the csca path");
        let r = Store::open(&db).unwrap().get("x").unwrap().unwrap();
        assert_eq!(r.status, EnrolmentStatus::Abandoned, "{cmd}: settled at start");
    }
}
