//! The PACEInfos (ICAO 9303 Part 11 §9.2.1) a simulated chip's EF.CardAccess lists besides
//! its own PACE (`[pace] extra` of profile.toml, `make-profile --pace-extra`): listed before
//! or after it, run by the chip when they are a PACE implemented here, advertised only when
//! not (e.g. Integrated Mapping on NIST P-224, which a terminal must then pass over). A chip
//! listing several requires DO'84' in MSE:Set AT.

use super::SimError;
use super::profile::PaceSettings;
use crate::access::pace::{Group, PaceParams};
use crate::lds::card_access::{Mapping, PaceCipher, PaceInfo, PaceProtocol};
use serde::Deserialize;

/// One more PACEInfo of EF.CardAccess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraPaceInfo {
    pub info: PaceInfo,
    /// Listed before the chip's own PACEInfo (else after it).
    pub first: bool,
}

/// `[[pace.extra]]` / `extra = [{ … }]` of profile.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtraToml {
    parameter_id: u64,
    #[serde(default = "gm")]
    mapping: String,
    cipher: String,
    #[serde(default)]
    first: bool,
}

fn gm() -> String {
    "gm".into()
}

impl ExtraToml {
    pub(super) fn parse(&self) -> Result<ExtraPaceInfo, SimError> {
        ExtraPaceInfo::new(&self.mapping, self.parameter_id, &self.cipher, self.first)
    }
}

impl ExtraPaceInfo {
    /// A version-2 PACEInfo: a mapping ("gm", "im", "cam"), a standardized parameterId (it
    /// gives DH or ECDH) and a cipher ("3DES", "AES-128", "AES-192", "AES-256"); the
    /// combination must be a PACE OID (CAM is ECDH with AES), not necessarily one run here.
    pub fn new(
        mapping: &str,
        parameter_id: u64,
        cipher: &str,
        first: bool,
    ) -> Result<ExtraPaceInfo, SimError> {
        let bad = |what: String| SimError::Pace(format!("extra PACEInfo: {what}"));
        let group = Group::from_parameter_id(parameter_id)
            .ok_or_else(|| bad(format!("parameter_id {parameter_id} is not a standardized one")))?;
        let mapping = match mapping {
            "gm" => Mapping::Generic,
            "im" => Mapping::Integrated,
            "cam" => Mapping::ChipAuthentication,
            other => return Err(bad(format!("mapping {other:?} is not gm, im or cam"))),
        };
        let cipher = match cipher {
            "3DES" => PaceCipher::TripleDes,
            "AES-128" => PaceCipher::Aes128,
            "AES-192" => PaceCipher::Aes192,
            "AES-256" => PaceCipher::Aes256,
            other => return Err(bad(format!("cipher {other:?} is not 3DES or AES-128/192/256"))),
        };
        let protocol = PaceProtocol { key_agreement: group.key_agreement(), mapping, cipher };
        if PaceProtocol::from_oid(&protocol.oid()) != Some(protocol) {
            return Err(bad(format!("{mapping:?} with {cipher:?} is not a PACE protocol")));
        }
        let info = PaceInfo { protocol, version: 2, parameter_id: Some(parameter_id) };
        Ok(ExtraPaceInfo { info, first })
    }

    /// From `MAPPING:ID:CIPHER` (e.g. `gm:15:AES-128`), as `make-profile --pace-extra` takes it.
    pub fn from_arg(arg: &str, first: bool) -> Result<ExtraPaceInfo, SimError> {
        let parts: Vec<&str> = arg.split(':').collect();
        let [mapping, id, cipher] = parts.as_slice() else {
            return Err(SimError::Pace(format!("--pace-extra {arg:?} is not MAPPING:ID:CIPHER")));
        };
        let id = id
            .parse()
            .map_err(|_| SimError::Pace(format!("--pace-extra {arg:?}: {id:?} is not a number")))?;
        ExtraPaceInfo::new(mapping, id, cipher, first)
    }

    /// The profile.toml line of this entry.
    pub(super) fn toml(&self) -> String {
        let p = self.info.protocol;
        let mapping = match p.mapping {
            Mapping::Generic => "gm",
            Mapping::Integrated => "im",
            Mapping::ChipAuthentication => "cam",
        };
        format!(
            "{{ parameter_id = {}, mapping = {mapping:?}, cipher = {:?}, first = {} }}",
            self.info.parameter_id.unwrap_or_default(),
            crate::access::pace::cipher(p.cipher).name(),
            self.first
        )
    }
}

/// Every PACEInfo EF.CardAccess lists, in file order: the extras marked `first`, the chip's
/// own, the other extras.
pub fn listed(own: &PaceSettings, extra: &[ExtraPaceInfo]) -> Vec<PaceInfo> {
    let pick = |first: bool| extra.iter().filter(move |e| e.first == first).map(|e| e.info.clone());
    pick(true).chain([own.params.info()]).chain(pick(false)).collect()
}

/// The listed PACEInfos the chip runs (the others are advertised only).
pub fn runnable(listed: &[PaceInfo]) -> Vec<PaceParams> {
    listed.iter().filter_map(PaceParams::from_info).collect()
}
