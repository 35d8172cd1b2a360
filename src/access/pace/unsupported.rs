//! Why a chip's PACE cannot be run here, in staff's words (ICAO 9303 Part 11 §9.2.1
//! PACEInfo, §9.5.1 standardized domain parameters): the curve or group, the mapping and
//! the version the chip offers — never "the chip does not support PACE" for a chip that does.

use super::PaceParams;
use super::group::standard_name;
use crate::lds::card_access::{CardAccess, KeyAgreement, Mapping, PaceInfo, SecurityInfo};

/// id-PACE (0.4.0.127.0.7.2.2.4) in dotted form, with the separator after it.
const ID_PACE_DOTTED: &str = "0.4.0.127.0.7.2.2.4.";

/// When EF.CardAccess offers PACE but no variant this implementation runs: what the chip
/// offers (its first PACEInfo, or an unknown PACE protocol OID), worded for staff. `None` when
/// a PACEInfo is supported or the file offers no PACE at all.
pub fn unsupported_reason(card_access: &CardAccess) -> Option<String> {
    if PaceParams::choose(card_access).is_some() {
        return None;
    }
    if let Some(info) = card_access.pace_infos().next() {
        return Some(describe(info));
    }
    card_access.infos.iter().find_map(|i| match i {
        SecurityInfo::Unknown { oid } if is_pace_protocol_oid(oid) => Some(format!(
            "this passport's chip uses a PACE protocol unknown to this kiosk (object identifier \
             {oid}), so it cannot be opened here"
        )),
        _ => None,
    })
}

/// id-PACE.<kind>.<cipher>: a PACE protocol (PACEDomainParameterInfo OIDs have one arc).
fn is_pace_protocol_oid(oid: &str) -> bool {
    oid.strip_prefix(ID_PACE_DOTTED).is_some_and(|rest| rest.split('.').count() == 2)
}

fn mapping_name(m: Mapping) -> &'static str {
    match m {
        Mapping::Generic => "Generic Mapping",
        Mapping::Integrated => "Integrated Mapping",
        Mapping::ChipAuthentication => "Chip Authentication Mapping",
    }
}

/// "this passport's chip uses PACE on brainpoolP320r1 with Integrated Mapping (…), which …".
fn describe(info: &PaceInfo) -> String {
    let p = info.protocol;
    let on = match info.parameter_id {
        None => "explicit domain parameters (PACEDomainParameterInfo)".to_owned(),
        Some(id) if id >= 32 => {
            format!("explicit domain parameters (PACEDomainParameterInfo, parameterId {id})")
        }
        Some(id) => match standard_name(id) {
            Some(name) => name.to_owned(),
            None => format!("reserved domain parameters {id}"),
        },
    };
    let kind_mismatch = info.parameter_id.is_some_and(|id| {
        let ec = (8..=18).contains(&id);
        let dh = id <= 2;
        (ec && p.key_agreement != KeyAgreement::Ecdh) || (dh && p.key_agreement != KeyAgreement::Dh)
    });
    let why = if info.version != 2 {
        format!("PACE version {}, which ICAO 9303 replaced by version 2", info.version)
    } else if kind_mismatch {
        "a combination the standard does not define".to_owned()
    } else {
        "which this kiosk does not support".to_owned()
    };
    format!(
        "this passport's chip uses PACE on {on} with {} ({}), {why}; it cannot be opened here",
        mapping_name(p.mapping),
        p.name()
    )
}
