//! The browser the kiosk opens its face-scan page in. Chromium (and Chrome) get
//! the page's certificate pin and, unless the operator's command names a profile, a fresh
//! profile folder of their own for each scan; the kiosk closes the browser when the scan ends
//! and removes that folder, so nothing of one customer's scan is left for the next. Folders
//! left by a kiosk that ended without closing its browser are swept at the next start.
//!
//! The page's URL names the scan, so it never goes on the browser's command line (which every
//! local user can read in `/proc`): the browser is handed a start page in a private (0700)
//! folder of the scan's own, a file only this user can read that forwards to the URL.
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

/// The start page's file name in the scan's folder.
const START_PAGE: &str = "start.html";

/// A browser the kiosk started for one scan; closed (and its folder removed) on drop.
pub struct Browser {
    child: Option<Child>,
    /// The scan's private folder: the start page, and Chromium's profile when the kiosk
    /// gives it one.
    folder: Option<PathBuf>,
    /// Whether `folder` is also the browser's profile.
    is_profile: bool,
}

impl Browser {
    /// Starts `cmd` (already [`pinned`]) on `url`, by way of a start page in a fresh private
    /// (0700) folder: the command line shows only that file's name. Chromium without
    /// `--user-data-dir` gets the folder as its profile, holding its config and cache
    /// folders too.
    pub fn launch(cmd: &[String], url: &str) -> std::io::Result<Browser> {
        let Some((program, args)) = cmd.split_first() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no face-scan browser command configured",
            ));
        };
        let folder = new_folder()?;
        let is_profile = is_chromium(cmd) && !names_profile(cmd);
        let spawned = write_start_page(&folder, url).and_then(|start| {
            let mut command = Command::new(program);
            command.args(args);
            if is_profile {
                command
                    .arg(format!("--user-data-dir={}", folder.display()))
                    .args(THROWAWAY_PROFILE_FLAGS);
                // Chromium keeps crash dumps (which may hold camera frames) under the user's
                // config folder whatever the profile: keep them, and any cache, in the folder.
                command
                    .env("XDG_CONFIG_HOME", folder.join("config"))
                    .env("XDG_CACHE_HOME", folder.join("cache"));
            }
            // The browser's chatter (GPU, D-Bus warnings) would drown the kiosk's own log.
            command.arg(start).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            command.spawn()
        });
        match spawned {
            Ok(child) => Ok(Browser { child: Some(child), folder: Some(folder), is_profile }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&folder);
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
        self.folder.as_deref().filter(|_| self.is_profile)
    }

    /// The scan's private folder (start page; the profile when [`Browser::profile`] is set).
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// Stops the browser and removes its folder. Chromium's helper processes end on
    /// their own within a moment of the browser process; the removal waits for them.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(p) = self.folder.take() {
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

/// Where the scans' folders are made: the session's runtime folder (memory only,
/// `XDG_RUNTIME_DIR`) when there is one, else the temporary directory.
fn folders_base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// A new private folder for one scan, named after this process (for [`sweep_stale`]).
fn new_folder() -> std::io::Result<PathBuf> {
    use rand::RngCore;
    use std::os::unix::fs::DirBuilderExt;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let name = format!("{PROFILE_PREFIX}{}-{}", std::process::id(), hex::encode(b));
    let dir = folders_base().join(name);
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Writes the start page (0600) that forwards the browser to `url`; returns its `file:` URL.
/// No referrer goes from a file to the page.
fn write_start_page(folder: &Path, url: &str) -> std::io::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let target = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| std::io::Error::other("the face-scan page URL is not an http(s) URL"))?;
    // A parsed URL is percent-encoded: no quote, angle bracket or space is left in it, and
    // `&` is escaped for the attribute. As a JSON string it is a JavaScript string literal.
    let attr = target.as_str().replace('&', "&amp;");
    let js = serde_json::to_string(target.as_str()).map_err(std::io::Error::other)?;
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={attr}\">\
         <title>Face scan</title></head><body style=\"background:#f8f8f8\">\
         <script>location.replace({js});</script></body></html>"
    );
    let path = folder.join(START_PAGE);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
    f.write_all(html.as_bytes())?;
    let file_url = url::Url::from_file_path(&path)
        .map_err(|()| std::io::Error::other("the start page's path is not absolute"))?;
    Ok(file_url.into())
}

/// Removes the scan folders (and so the browser profiles) of kiosk processes that are no
/// longer running: ones left when a kiosk was killed or lost power with a browser open.
/// Folders of running processes, of this process and of other users are kept. Returns how
/// many were removed.
pub fn sweep_stale() -> usize {
    sweep_stale_in(&folders_base())
}

fn sweep_stale_in(base: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(base) else { return 0 };
    let me = rustix::process::geteuid().as_raw();
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(PROFILE_PREFIX) else { continue };
        // `<pid>-<hex>`. A folder of an older version (no pid) is taken as stale.
        let pid = rest.split_once('-').and_then(|(p, _)| p.parse::<u32>().ok());
        let alive = pid
            .is_some_and(|p| p == std::process::id() || Path::new(&format!("/proc/{p}")).exists());
        let mine = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if !alive && mine && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "stale face-scan browser folders removed");
    }
    removed
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

    /// A stand-in browser named `name`: a script that stays up with the kiosk's arguments on
    /// its command line until killed.
    fn fake_browser(dir: &Path, name: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\nwhile :; do sleep 0.05; done\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn the_page_url_is_never_on_the_command_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let id = "5ca1ab1e0ddba11c0ffee0ddf00dcafe";
        let url = format!("https://127.0.0.1:1/scan/{id}?simulate=passed&x=1");
        for (name, profile) in [("chromium", true), ("firefox", false)] {
            let b = Browser::launch(&[fake_browser(dir.path(), name)], &url).unwrap();
            assert_eq!(b.profile().is_some(), profile, "{name}");
            let folder = b.folder().unwrap().to_path_buf();
            let start = folder.join(START_PAGE);
            let mode = std::fs::metadata(&start).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let html = std::fs::read_to_string(&start).unwrap();
            assert!(html.contains(&format!("location.replace(\"{url}\")")), "{html}");
            assert!(html.contains("simulate=passed&amp;x=1"), "{html}");
            // The script's command line: the interpreter, the script, the kiosk's arguments.
            let cmdline = format!("/proc/{}/cmdline", b.pid().unwrap());
            let deadline = Instant::now() + Duration::from_secs(5);
            let args = loop {
                let a = String::from_utf8_lossy(&std::fs::read(&cmdline).unwrap()).into_owned();
                if a.contains(START_PAGE) || Instant::now() > deadline {
                    break a;
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            assert!(args.contains(&format!("file://{}", start.display())), "{args:?}");
            assert!(!args.contains(id) && !args.contains("127.0.0.1"), "{args:?}");
            b.close();
            assert!(!folder.exists(), "{name}: the folder is removed");
        }
    }

    #[test]
    fn only_folders_of_ended_processes_are_swept() {
        let base = tempfile::tempdir().unwrap();
        let mut ended = Command::new("true").spawn().unwrap();
        let dead = ended.id();
        ended.wait().unwrap();
        let names = [
            format!("{PROFILE_PREFIX}{dead}-aa"),
            format!("{PROFILE_PREFIX}0123456789abcdef"),
            format!("{PROFILE_PREFIX}{}-bb", std::process::id()),
            format!("{PROFILE_PREFIX}1-cc"),
            "someone-else".to_owned(),
        ];
        for n in &names {
            std::fs::create_dir(base.path().join(n)).unwrap();
            std::fs::write(base.path().join(n).join("Cookies"), b"x").unwrap();
        }
        assert_eq!(sweep_stale_in(base.path()), 2);
        let left: Vec<bool> = names.iter().map(|n| base.path().join(n).exists()).collect();
        assert_eq!(left, [false, false, true, true, true]);
    }
}
