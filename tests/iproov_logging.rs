//! A whole enrolment (client, fake, records, headless commands) with logging at TRACE, the
//! most verbose level, including the `log` records of the HTTP stack: neither the api_key,
//! the secret, the image bytes nor the document number appear in the logs or the database.

// Test helpers outside #[test] fns: a panic there is a failed test, not a crashed kiosk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use enrol_kiosk::records::cli::FileArgs;
use std::io::Write;
use std::sync::{Arc, Mutex};

use enrol_kiosk::iproov::cli::{EnrolArgs, ValidateArgs, run_enrol, run_validate};
use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions, ScanOutcome};
use enrol_kiosk::iproov::journey;
use enrol_kiosk::iproov::{ImageSource, IproovClient, IproovConfig, Secret, UserId};
use enrol_kiosk::records::{DocumentFacts, Store};
use zeroize::Zeroizing;

const FACE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg");
const DOC_NUMBER: &str = "L898902C3";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn random_alnum(n: usize) -> String {
    use rand::Rng;
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut r = rand::thread_rng();
    (0..n).map(|_| char::from(A[r.gen_range(0..A.len())])).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn verbose_logs_and_database_hold_no_secrets_image_or_document_number() {
    let buf = Buf::default();
    let writer = buf.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let api_key = random_alnum(40);
    let secret = random_alnum(40);
    let image = std::fs::read(FACE).unwrap();
    let fake = FakeIproov::spawn_thread(
        "127.0.0.1:0".parse().unwrap(),
        FakeOptions { api_key: api_key.clone(), secret: secret.clone(), ..FakeOptions::default() },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("records.db");
    let config = IproovConfig {
        base_url: Some(fake.base_url()),
        api_key: Secret::new(api_key.clone()),
        secret: Secret::new(secret.clone()),
        ..IproovConfig::default()
    };
    tracing::info!(?config, "configuration in use");

    // 1. The journey with document facts.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = IproovClient::new(config).unwrap();
    tracing::debug!(?client, "client built");
    let store = Store::open(&db).unwrap();
    let user = UserId::generate();
    let facts = DocumentFacts {
        issuing_state: Some("UTO".into()),
        document_type: Some("P".into()),
        document_number: Some(Zeroizing::new(DOC_NUMBER.into())),
        access_protocol: Some("BAC".into()),
        authenticity: Some("valid".into()),
        chip_verdict: Some("not proven".into()),
        enrol_policy: Some("strict".into()),
    };
    tracing::debug!(?facts, "document facts");
    let started = rt
        .block_on(journey::enrol(&client, &store, &user, &image, ImageSource::Eid, &facts))
        .unwrap();
    fake.complete_scan(&started.verify_token, ScanOutcome::Passed).unwrap();
    let out =
        rt.block_on(journey::validate(&client, &store, &user, &started.verify_token)).unwrap();
    assert_eq!(out.passed, Some(true));

    // 2. The headless commands, credentials from a config file.
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[iproov]\nbase_url = \"{}\"\napi_key = \"{api_key}\"\nsecret = \"{secret}\"\n",
            fake.base_url()
        ),
    )
    .unwrap();
    let user2 = UserId::generate();
    let code = run_enrol(EnrolArgs {
        image: FACE.into(),
        source: ImageSource::Eid,
        user_id: Some(user2.to_string()),
        json: true,
        files: FileArgs { config: Some(cfg.clone()), db: Some(db.clone()) },
    });
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let token2 = store.get(user2.as_str()).unwrap().unwrap().verify_token.unwrap();
    fake.complete_scan(&token2, ScanOutcome::Failed { reason: None }).unwrap();
    let code = run_validate(ValidateArgs {
        user_id: user2.to_string(),
        token: token2,
        json: false,
        files: FileArgs { config: Some(cfg), db: Some(db.clone()) },
    });
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    drop(store);
    drop(fake);

    let logs = buf.0.lock().unwrap().clone();
    if let Ok(p) = std::env::var("EK_DUMP_LOG") {
        std::fs::write(p, &logs).unwrap();
    }
    let text = String::from_utf8_lossy(&logs);
    // Logging was really on, at every layer.
    assert!(text.contains("calling iProov"), "{text}");
    assert!(text.contains("fake iProov request"), "{text}");
    assert!(text.contains("TRACE") || text.contains("DEBUG"));
    assert!(text.contains("REDACTED"), "the Debug of the config was logged, redacted");

    // The image in any form a log line could carry it.
    let mid = image.len() / 2;
    let window = &image[mid..mid + 24];
    let image_forms: Vec<Vec<u8>> = vec![
        window.to_vec(),
        hex::encode(window).into_bytes(),
        hex::encode_upper(window).into_bytes(),
        format!("{:?}", &image[..6]).trim_end_matches(']').as_bytes().to_vec(),
    ];
    for (what, hay) in [("logs", logs.clone())].into_iter().chain(
        std::fs::read_dir(dir.path()).unwrap().filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name.starts_with("records.db")).then(|| {
                let leaked: &'static str = Box::leak(name.into_boxed_str());
                (leaked, std::fs::read(&p).unwrap())
            })
        }),
    ) {
        assert!(!contains(&hay, api_key.as_bytes()), "api_key in {what}");
        assert!(!contains(&hay, secret.as_bytes()), "secret in {what}");
        assert!(!contains(&hay, DOC_NUMBER.as_bytes()), "document number in {what}");
        for f in &image_forms {
            assert!(!contains(&hay, f), "image bytes in {what}");
        }
    }
    // The database does hold what it must: the user_ids and the outcome.
    let store = Store::open(&db).unwrap();
    assert_eq!(store.list().unwrap().len(), 2);
}
