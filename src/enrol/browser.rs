//! The browser the kiosk opens its face-scan page in (issue 5 §4). Chromium (and Chrome) get
//! the page's certificate pin and, unless the operator's command names a profile, a fresh
//! profile folder of their own for each scan; the kiosk closes the browser when the scan ends
//! and removes that folder, so nothing of one customer's scan is left for the next.
//!
//! Why a profile of its own (found with Chromium 156): a Chromium already running on the
//! same profile (the operator's, or an earlier kiosk run's with another pin) is handed the
//! URL and the new command's `--ignore-certificate-errors-spki-list` is ignored, so the page
//! fails with a certificate error. The pin itself works with or without `--user-data-dir`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Prefix of the per-scan profile folders.
pub const PROFILE_PREFIX: &str = "enrol-kiosk-browser-";

/// Flags the kiosk adds with a profile of its own: a throwaway profile has nothing to set up,
/// sync or update in the background.
const THROWAWAY_PROFILE_FLAGS: &[&str] =
    &["--no-first-run", "--no-default-browser-check", "--disable-sync"];

/// Whether `cmd` starts Chromium or Chrome (by the program's file name).
pub fn is_chromium(cmd: &[String]) -> bool {
    cmd.first().is_some_and(|p| {
        Path::new(p)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("chrom"))
    })
}

/// `cmd` with what it needs to trust a certificate whose key has `spki_pin` (Chromium only:
/// `--ignore-certificate-errors-spki-list`, trusting that key and nothing else).
pub fn pinned(cmd: &[String], spki_pin: &str) -> Vec<String> {
    let mut out = cmd.to_vec();
    if is_chromium(cmd) {
        out.push(format!("--ignore-certificate-errors-spki-list={spki_pin}"));
    }
    out
}

fn names_profile(cmd: &[String]) -> bool {
    cmd.iter().any(|a| a == "--user-data-dir" || a.starts_with("--user-data-dir="))
}

/// A browser the kiosk started for one scan; closed (and its profile removed) on drop.
pub struct Browser {
    child: Option<Child>,
    profile: Option<PathBuf>,
}

impl Browser {
    /// Starts `cmd` (already [`pinned`]) on `url`. Chromium without `--user-data-dir` gets a
    /// fresh private (0700) profile folder, holding its config and cache folders too.
    pub fn launch(cmd: &[String], url: &str) -> std::io::Result<Browser> {
        let Some((program, args)) = cmd.split_first() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no face-scan browser command configured",
            ));
        };
        let profile =
            if is_chromium(cmd) && !names_profile(cmd) { Some(new_profile()?) } else { None };
        let mut command = Command::new(program);
        command.args(args);
        if let Some(p) = &profile {
            command.arg(format!("--user-data-dir={}", p.display())).args(THROWAWAY_PROFILE_FLAGS);
            // Chromium keeps crash dumps (which may hold camera frames) under the user's
            // config folder whatever the profile: keep them, and any cache, in the folder too.
            command.env("XDG_CONFIG_HOME", p.join("config")).env("XDG_CACHE_HOME", p.join("cache"));
        }
        // The browser's chatter (GPU, D-Bus warnings) would drown the kiosk's own log.
        command.arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        match command.spawn() {
            Ok(child) => Ok(Browser { child: Some(child), profile }),
            Err(e) => {
                if let Some(p) = &profile {
                    let _ = std::fs::remove_dir_all(p);
                }
                Err(e)
            }
        }
    }

    /// The process id of the browser (for tests and logs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The profile folder the kiosk made for this browser, if it made one.
    pub fn profile(&self) -> Option<&Path> {
        self.profile.as_deref()
    }

    /// Stops the browser and removes its profile folder. Chromium's helper processes end on
    /// their own within a moment of the browser process; the removal waits for them.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(p) = self.profile.take() {
            // Helpers may still be writing for a moment after the browser process ended.
            let deadline = Instant::now() + Duration::from_secs(3);
            while std::fs::remove_dir_all(&p).is_err() && p.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if p.exists() {
                tracing::warn!(folder = %p.display(), "the face-scan browser's profile is left");
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A new private folder for one browser profile: in the session's runtime folder (memory
/// only, `XDG_RUNTIME_DIR`) when there is one, else in the temporary directory.
fn new_profile() -> std::io::Result<PathBuf> {
    use rand::RngCore;
    use std::os::unix::fs::DirBuilderExt;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("{PROFILE_PREFIX}{}", hex::encode(b)));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_chromium_gets_the_pin() {
        assert_eq!(
            pinned(&v(&["/usr/bin/chromium", "--kiosk"]), "PIN"),
            v(&["/usr/bin/chromium", "--kiosk", "--ignore-certificate-errors-spki-list=PIN"])
        );
        assert_eq!(pinned(&v(&["google-chrome"]), "P").len(), 2);
        assert_eq!(pinned(&v(&["xdg-open"]), "PIN"), v(&["xdg-open"]));
        assert_eq!(pinned(&[], "PIN"), Vec::<String>::new());
    }

    #[test]
    fn an_operators_profile_is_kept() {
        assert!(names_profile(&v(&["chromium", "--user-data-dir=/srv/kiosk"])));
        assert!(names_profile(&v(&["chromium", "--user-data-dir", "/srv/kiosk"])));
        assert!(!names_profile(&v(&["chromium", "--kiosk"])));
    }

    #[test]
    fn a_profile_is_private_and_removed_when_the_browser_closes() {
        use std::os::unix::fs::PermissionsExt;
        // `sleep`, named so that it counts as Chromium, stands in for the browser.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("chromium");
        std::os::unix::fs::symlink("/bin/sleep", &fake).unwrap();
        let cmd = v(&[fake.to_str().unwrap()]);
        // `sleep` refuses the flags and exits at once; the profile is still made and removed.
        let b = Browser::launch(&cmd, "https://127.0.0.1:1/scan/x").unwrap();
        let profile = b.profile().unwrap().to_path_buf();
        assert!(profile.file_name().unwrap().to_string_lossy().starts_with(PROFILE_PREFIX));
        let mode = std::fs::metadata(&profile).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o700));
        b.close();
        assert!(!profile.exists(), "the profile folder is removed");
        assert!(Browser::launch(&[], "https://x").is_err());
    }
}
