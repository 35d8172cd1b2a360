//! Simulator profiles: a folder with `profile.toml` (the MRZ and `[behaviour]`) and the EF
//! files named as `enrol-kiosk read` writes them (`EF.COM.bin`, `EF.DG1.bin`, …), and the
//! built-in demo profile (assets/demo-passport, compiled into the binary).

use super::SimError;
use super::behaviour::Behaviour;
use super::fs::{self, FileSystem};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// Largest EF file accepted from a profile folder (real DG2s are well under 200 KB).
pub const MAX_EF_FILE: u64 = 4 << 20;
/// Largest `profile.toml` accepted.
pub const MAX_PROFILE_TOML: u64 = 64 << 10;

/// The built-in demo passport (assets/demo-passport), so the binary works from anywhere.
const DEMO_TOML: &str = include_str!("../../assets/demo-passport/profile.toml");
const DEMO_FILES: [(&str, &[u8]); 4] = [
    ("EF.COM", include_bytes!("../../assets/demo-passport/EF.COM.bin")),
    ("EF.DG1", include_bytes!("../../assets/demo-passport/EF.DG1.bin")),
    ("EF.DG2", include_bytes!("../../assets/demo-passport/EF.DG2.bin")),
    ("EF.SOD", include_bytes!("../../assets/demo-passport/EF.SOD.bin")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    mrz: String,
    #[serde(default)]
    behaviour: Behaviour,
}

/// A passport to simulate: its MRZ (for BAC), its EF files and its default behaviour.
pub struct Profile {
    mrz_text: Zeroizing<String>,
    mrz_information: Zeroizing<String>,
    files: BTreeMap<String, Vec<u8>>,
    behaviour: Behaviour,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("mrz", &"REDACTED")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("behaviour", &self.behaviour)
            .finish()
    }
}

impl Profile {
    /// A profile from its parts. `files` maps EF names ("EF.DG2") to their bytes.
    pub fn from_parts(
        mrz_text: &str,
        files: BTreeMap<String, Vec<u8>>,
        behaviour: Behaviour,
    ) -> Result<Profile, SimError> {
        let key = crate::mrz::AccessKey::from_mrz_text(mrz_text)?;
        if let Some(name) = files.keys().find(|n| fs::locate(n).is_none()) {
            return Err(SimError::UnknownFile { name: name.clone() });
        }
        Ok(Profile {
            mrz_text: Zeroizing::new(mrz_text.trim().to_owned()),
            mrz_information: Zeroizing::new(key.mrz_information().to_owned()),
            files,
            behaviour,
        })
    }

    /// Loads a profile folder: `profile.toml` plus every `EF.<name>.bin` with a known name.
    pub fn load(dir: &Path) -> Result<Profile, SimError> {
        let toml_path = dir.join("profile.toml");
        let text = read_capped(&toml_path, MAX_PROFILE_TOML)?;
        let text = Zeroizing::new(
            String::from_utf8(text)
                .map_err(|_| SimError::ProfileNotUtf8 { path: toml_path.clone() })?,
        );
        let parsed: ProfileToml = toml::from_str(&text)
            .map_err(|source| SimError::ProfileToml { path: toml_path.clone(), source })?;
        let mut files = BTreeMap::new();
        let entries =
            std::fs::read_dir(dir).map_err(|source| SimError::Io { path: dir.into(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| SimError::Io { path: dir.into(), source })?;
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".bin")) else {
                continue;
            };
            if fs::locate(name).is_none() {
                if name.starts_with("EF.") {
                    tracing::warn!(file = name, "profile: ignoring a file with an unknown EF name");
                }
                continue;
            }
            files.insert(name.to_owned(), read_capped(&entry.path(), MAX_EF_FILE)?);
        }
        let mrz = Zeroizing::new(parsed.mrz);
        Profile::from_parts(&mrz, files, parsed.behaviour)
    }

    /// The built-in demo passport: a fictitious specimen-style holder with a synthetic face.
    pub fn demo() -> Result<Profile, SimError> {
        let parsed: ProfileToml = toml::from_str(DEMO_TOML).map_err(|source| {
            SimError::ProfileToml { path: "assets/demo-passport/profile.toml".into(), source }
        })?;
        let files = DEMO_FILES.iter().map(|(n, b)| ((*n).to_owned(), b.to_vec())).collect();
        let mrz = Zeroizing::new(parsed.mrz);
        Profile::from_parts(&mrz, files, parsed.behaviour)
    }

    /// `demo` or a folder path.
    pub fn from_arg(arg: &str) -> Result<Profile, SimError> {
        if arg == "demo" { Profile::demo() } else { Profile::load(Path::new(arg)) }
    }

    /// The full MRZ text (personal data: do not log it).
    pub fn mrz_text(&self) -> &str {
        &self.mrz_text
    }

    /// The BAC "MRZ_information" (document number, birth and expiry dates with check digits).
    pub fn mrz_information(&self) -> &str {
        &self.mrz_information
    }

    /// The behaviour from `profile.toml`.
    pub fn behaviour(&self) -> &Behaviour {
        &self.behaviour
    }

    /// The bytes of one EF by name ("EF.DG2").
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// The EF names this profile holds.
    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The chip file system for these files (`evil`: a file whose header declares a length).
    pub(crate) fn file_system(&self, evil: Option<(&str, u32)>) -> FileSystem {
        let files = self.files.iter().map(|(n, b)| (n.as_str(), b.as_slice()));
        // Names were checked in `from_parts`, so this cannot fail.
        FileSystem::new(files, evil).unwrap_or_default()
    }
}

/// Reads a file, refusing it when it is larger than `cap` (checked before and while reading).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, SimError> {
    let io = |source| SimError::Io { path: path.into(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > cap {
        return Err(SimError::TooLarge { path: path.into(), size, cap });
    }
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(cap + 1).read_to_end(&mut out).map_err(io)?;
    if out.len() as u64 > cap {
        return Err(SimError::TooLarge { path: path.into(), size: out.len() as u64, cap });
    }
    Ok(out)
}
