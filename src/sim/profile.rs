//! Simulator profiles: a folder with `profile.toml` (the MRZ, an optional CAN, `[pace]`,
//! `[aa]` and `[behaviour]`), an optional Active Authentication key `chip-aa.der`, and the EF
//! files named as `enrol-kiosk read` writes them (`EF.COM.bin`, `EF.DG1.bin`, …), and the
//! built-in demo profile (assets/demo-passport, compiled into the binary).

use super::SimError;
use super::aa::ChipAaKey;
use super::behaviour::Behaviour;
use super::fs::{self, FileSystem};
use super::pace_infos::{self, ExtraPaceInfo};
use crate::access::pace::{Group, PaceParams, group};
use crate::lds::card_access::{CardAccess, Mapping, PaceCipher, PaceInfo};
use crate::lds::sod::HashAlgorithm;
use crate::mrz::Can;
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
const DEMO_FILES: [(&str, &[u8]); 5] = [
    ("EF.COM", include_bytes!("../../assets/demo-passport/EF.COM.bin")),
    ("EF.DG1", include_bytes!("../../assets/demo-passport/EF.DG1.bin")),
    ("EF.DG2", include_bytes!("../../assets/demo-passport/EF.DG2.bin")),
    ("EF.DG14", include_bytes!("../../assets/demo-passport/EF.DG14.bin")),
    ("EF.SOD", include_bytes!("../../assets/demo-passport/EF.SOD.bin")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    mrz: String,
    can: Option<String>,
    pace: Option<PaceToml>,
    aa: Option<AaToml>,
    #[serde(default)]
    behaviour: Behaviour,
}

/// `[aa]` of profile.toml: the hash Active Authentication signs with.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AaToml {
    hash: String,
}

/// The file holding the chip's Active Authentication private key (PKCS#8 DER).
pub const CHIP_AA_FILE: &str = "chip-aa.der";
/// Largest `chip-aa.der` accepted (an RSA-4096 PKCS#8 key is about 2.4 KB).
const MAX_AA_KEY_FILE: u64 = 16 << 10;

/// "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512".
pub fn hash_by_name(name: &str) -> Option<HashAlgorithm> {
    Some(match name {
        "SHA-1" => HashAlgorithm::Sha1,
        "SHA-224" => HashAlgorithm::Sha224,
        "SHA-256" => HashAlgorithm::Sha256,
        "SHA-384" => HashAlgorithm::Sha384,
        "SHA-512" => HashAlgorithm::Sha512,
        _ => return None,
    })
}

/// `[pace]` of profile.toml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaceToml {
    parameter_id: u64,
    #[serde(default = "gm")]
    mapping: String,
    cipher: String,
    #[serde(default = "yes")]
    bac: bool,
    /// More PACEInfos for EF.CardAccess (`extra = [{ parameter_id, mapping, cipher, first }]`).
    #[serde(default)]
    extra: Vec<super::pace_infos::ExtraToml>,
}

fn yes() -> bool {
    true
}

fn gm() -> String {
    "gm".into()
}

/// The file of a profile folder holding the chip's static Chip Authentication private key
/// (raw big-endian scalar of the key's field length), for PACE-CAM and Chip Authentication.
pub const CHIP_CA_KEY_FILE: &str = "chip-ca.key";
/// Largest `chip-ca.key` accepted (a P-521 scalar is 66 bytes; DH exponents are larger).
pub const MAX_CHIP_CA_KEY: u64 = 1024;

/// The PACE a simulated chip offers (ICAO 9303 Part 11 §4.4): one protocol (group, mapping,
/// cipher), advertised in EF.CardAccess, and whether the chip accepts BAC as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceSettings {
    pub params: PaceParams,
    /// The chip also accepts BAC (most real chips do).
    pub bac: bool,
}

impl PaceSettings {
    /// Generic Mapping with `parameter_id` and a cipher name (see [`PaceSettings::with_mapping`]).
    pub fn new(parameter_id: u64, cipher: &str, bac: bool) -> Result<PaceSettings, SimError> {
        PaceSettings::with_mapping(parameter_id, "gm", cipher, bac)
    }

    /// From a standardized `parameter_id` (0–2 DH, 8–18 ECDH; ICAO 9303 Part 11 §9.5.1), a
    /// mapping ("gm", "im" or "cam") and a cipher name ("3DES", "AES-128", "AES-192",
    /// "AES-256").
    pub fn with_mapping(
        parameter_id: u64,
        mapping: &str,
        cipher: &str,
        bac: bool,
    ) -> Result<PaceSettings, SimError> {
        let group = Group::from_parameter_id(parameter_id).ok_or_else(|| {
            let known: Vec<String> = (0..=18)
                .filter_map(|id| Some(format!("{id} {}", group::standard_name(id)?)))
                .collect();
            SimError::Pace(format!(
                "parameter_id {parameter_id} is not a standardized one ({})",
                known.join(", ")
            ))
        })?;
        let mapping = match mapping {
            "gm" => Mapping::Generic,
            "im" => Mapping::Integrated,
            "cam" => Mapping::ChipAuthentication,
            other => {
                return Err(SimError::Pace(format!("mapping {other:?} is not gm, im or cam")));
            }
        };
        let cipher = match cipher {
            "3DES" => PaceCipher::TripleDes,
            "AES-128" => PaceCipher::Aes128,
            "AES-192" => PaceCipher::Aes192,
            "AES-256" => PaceCipher::Aes256,
            other => {
                return Err(SimError::Pace(format!(
                    "cipher {other:?} is not 3DES, AES-128, AES-192 or AES-256"
                )));
            }
        };
        let params = PaceParams::new(group, mapping, cipher).ok_or_else(|| {
            SimError::Pace(format!(
                "{:?} with {cipher:?} on parameter_id {parameter_id} is not a PACE protocol \
                 implemented here (Chip Authentication Mapping is ECDH with AES only)",
                mapping
            ))
        })?;
        Ok(PaceSettings { params, bac })
    }

    /// "gm", "im" or "cam", as profile.toml spells the mapping.
    pub fn mapping_name(&self) -> &'static str {
        match self.params.mapping() {
            Mapping::Generic => "gm",
            Mapping::Integrated => "im",
            Mapping::ChipAuthentication => "cam",
        }
    }
}

/// A passport to simulate: its MRZ (for BAC and PACE), an optional CAN and PACE, its EF
/// files and its default behaviour.
pub struct Profile {
    /// The chip's static Chip Authentication private key (`chip-ca.key`: raw big-endian
    /// scalar, field length), for PACE-CAM and Chip Authentication.
    pub chip_ca_key: Option<Zeroizing<Vec<u8>>>,
    mrz_text: Zeroizing<String>,
    mrz_information: Zeroizing<String>,
    can: Option<Can>,
    pace: Option<PaceSettings>,
    /// PACEInfos EF.CardAccess lists besides `pace`.
    pace_extra: Vec<ExtraPaceInfo>,
    files: BTreeMap<String, Vec<u8>>,
    behaviour: Behaviour,
    /// The chip's Active Authentication key (`chip-aa.der`).
    pub chip_aa_key: Option<ChipAaKey>,
    /// The hash Active Authentication signs with (`[aa] hash`), if not the default.
    pub aa_hash: Option<HashAlgorithm>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("mrz", &"REDACTED")
            .field("can", &self.can.as_ref().map(|_| "REDACTED"))
            .field("pace", &self.pace)
            .field("chip_ca_key", &self.chip_ca_key.as_ref().map(|_| "REDACTED"))
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("behaviour", &self.behaviour)
            .field("chip_aa_key", &self.chip_aa_key.as_ref().map(|_| "REDACTED"))
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
            chip_ca_key: None,
            mrz_text: Zeroizing::new(mrz_text.trim().to_owned()),
            mrz_information: Zeroizing::new(key.mrz_information().to_owned()),
            can: None,
            pace: None,
            pace_extra: Vec::new(),
            files,
            behaviour,
            chip_aa_key: None,
            aa_hash: None,
        })
    }

    /// Adds PACE (and writes EF.CardAccess with its PACEInfo, replacing any other) and a CAN.
    /// A CAN without PACE is kept but useless (the chip then only does BAC).
    pub fn with_pace(mut self, pace: Option<PaceSettings>, can: Option<Can>) -> Profile {
        if let Some(p) = pace {
            let bytes = CardAccess::encode_pace(&[p.params.info()]);
            self.files.insert("EF.CardAccess".into(), bytes);
        }
        self.pace = pace;
        self.can = can;
        self
    }

    /// Lists more PACEInfos in EF.CardAccess besides the chip's own (rewriting the file).
    pub fn with_pace_extra(mut self, extra: Vec<ExtraPaceInfo>) -> Profile {
        if let Some(p) = &self.pace {
            let bytes = CardAccess::encode_pace(&pace_infos::listed(p, &extra));
            self.files.insert("EF.CardAccess".into(), bytes);
        }
        self.pace_extra = extra;
        self
    }

    /// Every PACEInfo EF.CardAccess lists, in file order (none without PACE).
    pub fn pace_infos(&self) -> Vec<PaceInfo> {
        self.pace.as_ref().map(|p| pace_infos::listed(p, &self.pace_extra)).unwrap_or_default()
    }

    fn from_toml(
        parsed: ProfileToml,
        files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Profile, SimError> {
        let mrz = Zeroizing::new(parsed.mrz);
        let can = parsed.can.map(|c| Can::new(&Zeroizing::new(c))).transpose()?;
        let extra = parsed.pace.iter().flat_map(|p| &p.extra).map(|e| e.parse());
        let extra = extra.collect::<Result<Vec<_>, _>>()?;
        let pace = parsed
            .pace
            .map(|p| PaceSettings::with_mapping(p.parameter_id, &p.mapping, &p.cipher, p.bac))
            .transpose()?;
        let aa_hash = parsed
            .aa
            .map(|a| {
                hash_by_name(&a.hash).ok_or_else(|| {
                    SimError::AaKey(format!(
                        "[aa] hash {:?} is not SHA-1, SHA-224 … SHA-512",
                        a.hash
                    ))
                })
            })
            .transpose()?;
        let mut profile = Profile::from_parts(&mrz, files, parsed.behaviour)?
            .with_pace(pace, can)
            .with_pace_extra(extra);
        profile.aa_hash = aa_hash;
        Ok(profile)
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
        let key_path = dir.join(CHIP_CA_KEY_FILE);
        let chip_ca_key = if key_path.is_file() {
            Some(Zeroizing::new(read_capped(&key_path, MAX_CHIP_CA_KEY)?))
        } else {
            None
        };
        let mut profile = Profile::from_toml(parsed, files)?;
        profile.chip_ca_key = chip_ca_key;
        profile.check_cam_key()?;
        let key_path = dir.join(CHIP_AA_FILE);
        if key_path.exists() {
            let der = Zeroizing::new(read_capped(&key_path, MAX_AA_KEY_FILE)?);
            profile.chip_aa_key = Some(ChipAaKey::from_pkcs8_der(&der)?);
        }
        Ok(profile)
    }

    /// Sets the chip's static Chip Authentication private key (checked for PACE-CAM).
    pub fn with_chip_ca_key(
        mut self,
        key: Option<Zeroizing<Vec<u8>>>,
    ) -> Result<Profile, SimError> {
        self.chip_ca_key = key;
        self.check_cam_key()?;
        Ok(self)
    }

    /// PACE-CAM needs `chip-ca.key`, a scalar of the PACE curve.
    fn check_cam_key(&self) -> Result<(), SimError> {
        let Some(p) = self.pace.filter(|p| p.params.mapping() == Mapping::ChipAuthentication)
        else {
            return Ok(());
        };
        let key = self.chip_ca_key.as_ref().ok_or_else(|| {
            SimError::Pace(format!("mapping \"cam\" needs the chip's key in {CHIP_CA_KEY_FILE}"))
        })?;
        let valid = p.params.group.curve().is_some_and(|c| c.check_scalar(key).is_ok());
        if !valid {
            return Err(SimError::Pace(format!(
                "{CHIP_CA_KEY_FILE} is not a private key of {}",
                p.params.group.name()
            )));
        }
        Ok(())
    }

    /// The built-in demo passport: a fictitious specimen-style holder with a synthetic face.
    pub fn demo() -> Result<Profile, SimError> {
        let parsed: ProfileToml = toml::from_str(DEMO_TOML).map_err(|source| {
            SimError::ProfileToml { path: "assets/demo-passport/profile.toml".into(), source }
        })?;
        let files = DEMO_FILES.iter().map(|(n, b)| ((*n).to_owned(), b.to_vec())).collect();
        Profile::from_toml(parsed, files)
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

    /// The Card Access Number, if the profile has one (personal data: do not log it).
    pub fn can(&self) -> Option<&Can> {
        self.can.as_ref()
    }

    /// The PACE the chip offers, if any.
    pub fn pace(&self) -> Option<&PaceSettings> {
        self.pace.as_ref()
    }

    /// True when the chip accepts BAC (no PACE, or PACE with `bac = true`).
    pub fn bac_allowed(&self) -> bool {
        self.pace.is_none_or(|p| p.bac)
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

#[cfg(test)]
mod tests {
    use super::*;

    const MRZ: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }

    #[test]
    fn loads_a_folder_and_ignores_other_files() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "profile.toml",
            format!("mrz = {MRZ:?}\n[behaviour]\nmax_le = 192\n").as_bytes(),
        );
        write(dir.path(), "EF.COM.bin", &[0x60, 0x00]);
        write(dir.path(), "EF.DG1.bin", &[0x61, 0x00]);
        write(dir.path(), "EF.CardAccess.bin", &[0x31, 0x00]);
        write(dir.path(), "EF.Nonsense.bin", &[1]);
        write(dir.path(), "face.jpg", &[0xFF, 0xD8]);
        write(dir.path(), "report.json", b"{}");
        let p = Profile::load(dir.path()).unwrap();
        assert_eq!(p.file_names().collect::<Vec<_>>(), ["EF.COM", "EF.CardAccess", "EF.DG1"]);
        assert_eq!(p.mrz_information(), "L898902C<369080619406236");
        assert_eq!(p.behaviour().max_le, Some(192));
        assert!(p.mrz_text().starts_with("P<UTOERIKSSON"));
        let debug = format!("{p:?}");
        assert!(!debug.contains("ERIKSSON") && !debug.contains("L898902C"), "{debug}");
    }

    #[test]
    fn bad_folders_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(Profile::load(dir.path()), Err(SimError::Io { .. })));
        write(dir.path(), "profile.toml", b"mrz = ");
        assert!(matches!(Profile::load(dir.path()), Err(SimError::ProfileToml { .. })));
        write(dir.path(), "profile.toml", b"mrz = \"P<UTO\"\n");
        assert!(matches!(Profile::load(dir.path()), Err(SimError::Mrz(_))));
        write(dir.path(), "profile.toml", b"mrz = \"x\"\n[behaviour]\nmax_el = 1\n");
        assert!(matches!(Profile::load(dir.path()), Err(SimError::ProfileToml { .. })));
        write(dir.path(), "profile.toml", &[0xFF, 0xFE]);
        assert!(matches!(Profile::load(dir.path()), Err(SimError::ProfileNotUtf8 { .. })));
        write(dir.path(), "profile.toml", format!("mrz = {MRZ:?}").as_bytes());
        let big = std::fs::File::create(dir.path().join("EF.DG2.bin")).unwrap();
        big.set_len(MAX_EF_FILE + 1).unwrap();
        assert!(matches!(Profile::load(dir.path()), Err(SimError::TooLarge { .. })));
        let mut files = BTreeMap::new();
        files.insert("EF.DG42".to_owned(), vec![]);
        assert!(matches!(
            Profile::from_parts(MRZ, files, Behaviour::default()),
            Err(SimError::UnknownFile { .. })
        ));
    }

    #[test]
    fn pace_settings_take_every_standardized_curve_and_name_them_when_refusing() {
        for id in (0..=2).chain(8..=18) {
            let settings = PaceSettings::new(id, "AES-128", false).unwrap();
            assert_eq!(u64::from(settings.params.group.parameter_id()), id);
        }
        for id in [3, 7, 19] {
            let Err(SimError::Pace(message)) = PaceSettings::new(id, "AES-128", false) else {
                panic!("parameter_id {id} accepted");
            };
            assert!(message.contains(&format!("parameter_id {id} is not")), "{message}");
            assert!(message.contains("9 brainpoolP192r1"), "{message}");
            assert!(message.contains("14 brainpoolP320r1"), "{message}");
            assert!(message.contains("18 NIST P-521"), "{message}");
        }
    }

    #[test]
    fn from_arg_picks_demo_or_a_folder() {
        assert!(Profile::from_arg("demo").is_ok());
        assert!(matches!(Profile::from_arg("/nonexistent/profile"), Err(SimError::Io { .. })));
    }
}
