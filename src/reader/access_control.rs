//! Which access protocol a read used and whether the chip's signed data agrees with it
//! (ICAO 9303 Part 11 §4.2, §9.2): a chip whose EF.DG14 (hashed in EF.SOD) lists a PACE this
//! kiosk runs must not have been read with BAC, and every PACEInfo of EF.CardAccess (which
//! is not signed) must also be in EF.DG14. A mismatch means someone stripped or rewrote
//! EF.CardAccess, or forced BAC: the read is `invalid`.

use crate::access::pace::PaceParams;
use crate::lds::{card_access, dg14};

/// How access control went, for the report and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessControl {
    /// EF.CardAccess listed at least one PACEInfo (supported here or not).
    pub pace_offered: bool,
    /// Why BAC was used although EF.CardAccess offered PACE (`None` when PACE was used or
    /// not offered): the chip refused MSE:Set AT, no offered variant is supported, or BAC
    /// was asked for.
    pub bac_reason: Option<String>,
    /// EF.CardAccess and EF.DG14 compared.
    pub security_infos: SecurityInfosCheck,
}

impl AccessControl {
    /// "PACE offered, BAC used" when that happened, for report.json and staff.
    pub fn note(&self) -> Option<String> {
        self.bac_reason.as_ref().map(|why| format!("PACE offered, BAC used: {why}"))
    }
}

/// The outcome of comparing EF.CardAccess, EF.DG14 and the protocol used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityInfosCheck {
    /// EF.DG14 was read and agrees with EF.CardAccess and the protocol used.
    Consistent,
    /// Nothing to compare: the chip has no EF.DG14 (why, in plain words).
    NotChecked(String),
    /// EF.DG14 contradicts EF.CardAccess or the protocol used: the document fails.
    Invalid(String),
}

impl SecurityInfosCheck {
    /// `consistent`, `not checked` or `invalid`.
    pub fn status(&self) -> &'static str {
        match self {
            Self::Consistent => "consistent",
            Self::NotChecked(_) => "not checked",
            Self::Invalid(_) => "invalid",
        }
    }

    /// Why, in plain words (empty when consistent).
    pub fn reason(&self) -> &str {
        match self {
            Self::Consistent => "",
            Self::NotChecked(why) | Self::Invalid(why) => why,
        }
    }

    /// True when the document must be treated as failed.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Self::Invalid(_))
    }
}

/// Compares the raw EF.CardAccess and EF.DG14 (each `None` when the chip has none) with the
/// protocol used (`used_pace`). Broken or contradicting files are [`SecurityInfosCheck::Invalid`].
pub fn check(
    card_access: Option<&[u8]>,
    dg14: Option<&[u8]>,
    used_pace: bool,
) -> SecurityInfosCheck {
    let Some(dg14) = dg14 else {
        return SecurityInfosCheck::NotChecked("the chip has no EF.DG14".into());
    };
    let dg14 = match dg14::parse(dg14) {
        Ok(infos) => infos,
        Err(e) => return SecurityInfosCheck::Invalid(format!("EF.DG14 is malformed ({e})")),
    };
    if let Some(bytes) = card_access {
        let ca = match card_access::parse(bytes) {
            Ok(ca) => ca,
            Err(e) => {
                return SecurityInfosCheck::Invalid(format!(
                    "EF.CardAccess is malformed ({e}), so it cannot be matched with EF.DG14"
                ));
            }
        };
        if let Some(missing) = ca.pace_infos().find(|p| !dg14.pace_infos().any(|d| d == *p)) {
            return SecurityInfosCheck::Invalid(format!(
                "EF.CardAccess offers {} (parameter {}) that the signed EF.DG14 does not list",
                missing.protocol.name(),
                missing.parameter_id.map_or("explicit".into(), |id| id.to_string())
            ));
        }
    }
    if !used_pace && let Some(p) = dg14.pace_infos().find_map(PaceParams::from_info) {
        return SecurityInfosCheck::Invalid(format!(
            "the signed EF.DG14 says the chip supports {}, but it was read with BAC",
            p.name()
        ));
    }
    SecurityInfosCheck::Consistent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::pace::Curve;
    use crate::lds::card_access::{CardAccess, PaceCipher};

    fn ca(id: Curve) -> Vec<u8> {
        CardAccess::encode_pace(&[PaceParams::ecdh_gm(id, PaceCipher::Aes128).info()])
    }

    fn dg14(ids: &[Curve]) -> Vec<u8> {
        let infos: Vec<_> =
            ids.iter().map(|c| PaceParams::ecdh_gm(*c, PaceCipher::Aes128).info()).collect();
        dg14::encode_pace(&infos)
    }

    #[test]
    fn agreeing_files_are_consistent() {
        let (a, b) = (Curve::BrainpoolP256r1, Curve::NistP256);
        assert_eq!(check(Some(&ca(a)), Some(&dg14(&[a])), true), SecurityInfosCheck::Consistent);
        assert_eq!(check(Some(&ca(a)), Some(&dg14(&[b, a])), true), SecurityInfosCheck::Consistent);
        // A BAC-only chip: no CardAccess, DG14 without PACE (e.g. Chip Authentication only).
        let no_pace = dg14::encode_pace(&[]);
        assert_eq!(check(None, Some(&no_pace), false), SecurityInfosCheck::Consistent);
        assert!(matches!(check(None, None, false), SecurityInfosCheck::NotChecked(_)));
        assert!(matches!(check(Some(&ca(a)), None, false), SecurityInfosCheck::NotChecked(_)));
    }

    #[test]
    fn bac_on_a_chip_whose_dg14_lists_pace_is_invalid() {
        let a = Curve::BrainpoolP256r1;
        // EF.CardAccess stripped (absent) or PACE refused: BAC was used.
        for card_access in [None, Some(ca(a))] {
            let got = check(card_access.as_deref(), Some(&dg14(&[a])), false);
            assert!(got.is_invalid(), "{got:?}");
            assert!(got.reason().contains("read with BAC"), "{got:?}");
        }
    }

    #[test]
    fn a_card_access_pace_missing_from_dg14_is_invalid() {
        let (a, b) = (Curve::BrainpoolP256r1, Curve::NistP256);
        let got = check(Some(&ca(b)), Some(&dg14(&[a])), true);
        assert!(got.is_invalid() && got.reason().contains("does not list"), "{got:?}");
        let got = check(Some(&[0x31, 0x05, 0x30]), Some(&dg14(&[a])), true);
        assert!(got.is_invalid() && got.reason().contains("EF.CardAccess is malformed"), "{got:?}");
        let got = check(Some(&ca(a)), Some(&[0x6E, 0x01]), true);
        assert!(got.is_invalid() && got.reason().contains("EF.DG14 is malformed"), "{got:?}");
    }
}
