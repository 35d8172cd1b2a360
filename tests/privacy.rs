//! Privacy in the process and on the wire: the `enrol-kiosk` process cannot dump core and is
//! not dumpable; a configuration error never shows the offending line; a JPEG 2000 chip face
//! is uploaded as the chip's own bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use enrol_kiosk::enrol::{DemoCard, Executor, ScanControl, headless};
use enrol_kiosk::iproov::ImageFormat;
use enrol_kiosk::iproov::fake::{FakeIproov, FakeOptions, ScanOutcome};
use enrol_kiosk::sim::Profile;
use enrol_kiosk::trust::TrustStore;
use sha2::Digest;
use zeroize::Zeroizing;

const KIOSK: &str = env!("CARGO_BIN_EXE_enrol-kiosk");

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// Kills the child when dropped, whatever happened.
struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The soft and hard core-file limits of process `pid`, as /proc shows them.
fn core_limits(pid: u32) -> Option<(String, String)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max core file size"))?;
    let mut f = line.trim_start_matches("Max core file size").split_whitespace();
    Some((f.next()?.to_owned(), f.next()?.to_owned()))
}

/// The real user id of process `pid` (from its status file).
fn uid_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("Uid:")?.split_whitespace().next()?.parse().ok())
}

#[test]
fn the_kiosk_process_cannot_dump_core_and_is_not_dumpable() {
    // A long-running subcommand; any subcommand goes through the same start.
    let mut cmd = Command::new(KIOSK);
    cmd.args(["fake-iproov", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // The kernel hands the /proc files of a non-dumpable process to root. Run by root, the
    // child runs as `nobody`, so that its own files would otherwise be nobody's.
    let me = std::fs::metadata("/proc/self").unwrap().uid();
    if me == 0 {
        cmd.uid(65534).gid(65534);
    }
    let child = Kill(cmd.spawn().unwrap());
    let pid = child.0.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Until the child has started (exec done and `main` past its first lines).
    let listening = || {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains("fake-iproov"))
            && core_limits(pid).is_some_and(|(soft, hard)| soft == "0" && hard == "0")
    };
    while !listening() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let limits = core_limits(pid).unwrap();
    assert_eq!(limits, ("0".to_owned(), "0".to_owned()), "Max core file size, soft and hard");
    eprintln!("/proc/{pid}/limits: Max core file size {} {} bytes", limits.0, limits.1);
    let uid = uid_of(pid).unwrap();
    assert_ne!(uid, 0, "the child runs as an ordinary user");
    let owner = std::fs::metadata(format!("/proc/{pid}/status")).unwrap().uid();
    assert_eq!(owner, 0, "a non-dumpable process's /proc files belong to root (child uid {uid})");
}

#[test]
fn a_configuration_error_never_shows_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    let secret = "Qm7xSECRETvalue0123456789abcdefghijKLMN";
    // The closing quote is missing: the line is not valid TOML.
    std::fs::write(
        &cfg,
        format!("[iproov]\nregion = \"eu\"\napi_key = \"{secret}\nsecret = \"x\"\n"),
    )
    .unwrap();
    for args in [
        vec!["records", "--config", cfg.to_str().unwrap()],
        vec!["run", "--config", cfg.to_str().unwrap(), "--mrz", "x"],
        vec!["validate", "--config", cfg.to_str().unwrap(), "--user-id", "u", "--token", "t"],
    ] {
        let out = Command::new(KIOSK)
            .args(&args)
            .env("ENROL_KIOSK_DB", dir.path().join("r.db"))
            .env("ENROL_KIOSK_DOCUMENT_KEY", dir.path().join("k"))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{args:?}: {text}");
        assert!(!text.contains("SECRET"), "{args:?} shows the secret: {text}");
        assert!(text.contains("line 3"), "{args:?} names the line: {text}");
    }
}

#[test]
fn a_jp2_chip_face_is_uploaded_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::load(&data("profiles/jp2")).unwrap();
    let mrz = profile.mrz_text().to_owned();
    // The image inside the profile's DG2, as the chip gives it.
    let dg2 = std::fs::read(data("profiles/jp2/EF.DG2.bin")).unwrap();
    let (jp2, _) = enrol_kiosk::face::input_image(&dg2).unwrap();
    assert!(jp2.starts_with(b"\0\0\0\x0cjP  "), "the profile's face is a JP2 file");
    let fake = FakeIproov::spawn_thread(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        FakeOptions::default(),
    )
    .unwrap();
    let card = DemoCard::new(profile);
    card.placer().store(true, std::sync::atomic::Ordering::SeqCst);
    let scan = ScanControl::Page { browser: vec![], sdk_dir: None };
    let (mut exec, inputs) =
        Executor::with_services(Box::new(card), common::services(&fake, dir.path()), scan).unwrap();
    exec.set_trust_store(TrustStore::load(&[data("profiles/jp2/csca.der")]).unwrap());
    let out = headless::run(
        &mut exec,
        &inputs,
        Zeroizing::new(mrz),
        |exec| {
            let token = exec.scan_token().unwrap().to_owned();
            fake.complete_scan(&token, ScanOutcome::Passed).unwrap();
            exec.scan_ended();
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(out.passed);
    let seen = fake.user(&out.user_id).unwrap().last_image.unwrap();
    assert_eq!(seen.format, ImageFormat::Jp2);
    assert_eq!(seen.bytes, jp2.len());
    assert_eq!(seen.sha256, hex::encode(sha2::Sha256::digest(&jp2)), "the chip's own bytes");
    // What the same pixels would have cost as PNG (the earlier upload).
    let decoded = enrol_kiosk::face::decode(&jp2).unwrap();
    let png = enrol_kiosk::face::encode::encode_png(&decoded.image).unwrap();
    eprintln!(
        "JP2 chip face {}x{}: uploaded {} bytes as JP2; as PNG it would be {} bytes ({:.1}x)",
        decoded.image.width(),
        decoded.image.height(),
        jp2.len(),
        png.len(),
        png.len() as f64 / jp2.len() as f64
    );
    assert!(png.len() > 2 * jp2.len());
}

#[test]
fn two_megabytes_are_two_million_bytes_everywhere() {
    use enrol_kiosk::face::EncodePolicy;
    assert_eq!(enrol_kiosk::iproov::MAX_IMAGE_BYTES, 2_000_000);
    assert_eq!(EncodePolicy::default().max_bytes, enrol_kiosk::iproov::MAX_IMAGE_BYTES);
}
