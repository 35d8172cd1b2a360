//! The enrolment policy: which passive-authentication verdicts (ICAO 9303 Part 11 §5.1),
//! chip verdicts (§6) and document dates let a chip photo be enrolled as an eID image, from
//! the `[policy]` table of the configuration. One pure decision; strict unless the operator
//! says otherwise. A chip whose authenticity check FAILED is never enrolled.
//!
//! ```toml
//! [policy]
//! allow_unverified = false      # pilots only: enrol documents that could not be verified
//! stale_crl = "refuse"          # or "allow": a CRL past its nextUpdate
//! require_genuine_chip = false  # true: only chips that prove they are the original
//! allow_sources = ["eid", "oid", "selfie"]  # photo sources staff may enrol from
//! ```
//!
//! `allow_sources` defaults to all three: the photo page (`oid`) is offered only where a
//! scanner or camera is set up (`[capture]`) and the photo on file (`selfie`) only where the
//! bank's photo source is (`[selfie]`), so the equipment already decides; a bank that wants
//! the chip only writes `allow_sources = ["eid"]`.

use serde::{Deserialize, Serialize};

use super::Status;
use crate::authentication::ChipVerdict;
use crate::iproov::ImageSource;

/// What to do when the CSCA's CRL is past its nextUpdate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StaleCrl {
    #[default]
    Refuse,
    Allow,
}

/// The enrolment policy (strict by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Enrol documents whose passive authentication is `unverified` (no trust store, no
    /// CSCA for the issuer). For pilots; every enrolment it lets through says so.
    pub allow_unverified: bool,
    pub stale_crl: StaleCrl,
    /// Enrol only chips whose verdict is `genuine` (PACE-CAM, CA or AA passed). A `failed`
    /// chip is refused whatever this says.
    pub require_genuine_chip: bool,
    /// The iProov photo sources staff may enrol from (default: all three).
    pub allow_sources: AllowedSources,
}

/// Which photo sources the policy allows, from a list of `"eid"`, `"oid"`, `"selfie"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "Vec<ImageSource>", into = "Vec<ImageSource>")]
pub struct AllowedSources {
    pub eid: bool,
    pub oid: bool,
    pub selfie: bool,
}

impl Default for AllowedSources {
    fn default() -> Self {
        AllowedSources { eid: true, oid: true, selfie: true }
    }
}

impl AllowedSources {
    pub fn allows(&self, source: ImageSource) -> bool {
        match source {
            ImageSource::Eid => self.eid,
            ImageSource::Oid => self.oid,
            ImageSource::Selfie => self.selfie,
        }
    }
}

impl TryFrom<Vec<ImageSource>> for AllowedSources {
    type Error = String;

    fn try_from(list: Vec<ImageSource>) -> Result<Self, String> {
        if list.is_empty() {
            return Err("allow_sources lists no source: nothing could be enrolled".into());
        }
        let has = |s| list.contains(&s);
        Ok(AllowedSources {
            eid: has(ImageSource::Eid),
            oid: has(ImageSource::Oid),
            selfie: has(ImageSource::Selfie),
        })
    }
}

impl From<AllowedSources> for Vec<ImageSource> {
    fn from(a: AllowedSources) -> Self {
        [ImageSource::Eid, ImageSource::Oid, ImageSource::Selfie]
            .into_iter()
            .filter(|s| a.allows(*s))
            .collect()
    }
}

/// Whether the document signer's revocation was checked against a current CRL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Revocation {
    /// No CRL of the CSCA in the trust store.
    #[default]
    NotChecked,
    /// Checked against a CRL within its validity.
    Current,
    /// Checked against a CRL whose nextUpdate (YYYY-MM-DD, or none) has passed.
    Stale { next_update: Option<String> },
}

/// Why a document is not enrolled: a title and one paragraph, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub title: String,
    pub detail: String,
}

/// The decision for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Passive authentication `valid`, document not expired.
    Allow,
    /// `unverified`, let through by `allow_unverified = true`.
    AllowUnverifiedByPolicy,
    /// `valid` with a stale CRL, let through by `stale_crl = "allow"`.
    AllowStaleCrlByPolicy,
    Refuse(Refusal),
}

impl Default for Decision {
    fn default() -> Self {
        Decision::Refuse(Refusal {
            title: "No passport has been checked".into(),
            detail: "Read a passport first.".into(),
        })
    }
}

impl Decision {
    /// What the records keep of the policy that let an enrolment through: `strict`,
    /// `allow_unverified`, `allow_stale_crl` (`refused` never reaches the records).
    pub fn recorded(&self) -> &'static str {
        match self {
            Decision::Allow => "strict",
            Decision::AllowUnverifiedByPolicy => "allow_unverified",
            Decision::AllowStaleCrlByPolicy => "allow_stale_crl",
            Decision::Refuse(_) => "refused",
        }
    }

    pub fn allows(&self) -> bool {
        !matches!(self, Decision::Refuse(_))
    }
}

/// What the decision looks at.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub status: Status,
    /// The staff line of passive authentication ("Genuine: …", "FAILED: …").
    pub summary: &'a str,
    pub revocation: &'a Revocation,
    /// Whether any CSCA was loaded.
    pub trust_store_loaded: bool,
    /// The chip verdict (PACE-CAM, CA, AA).
    pub chip: ChipVerdict,
    /// DG1's date of expiry as YYYY-MM-DD (`None` when DG1 was not read or not readable).
    pub expiry: Option<&'a str>,
    /// Today, YYYY-MM-DD (or a longer RFC 3339 time).
    pub today: &'a str,
}

/// How to install trust anchors, for staff and operators.
pub const HOW_TO_TRUST: &str = "Install the ICAO master list or a national master list together \
    with the CSCA certificate of the country that signed it, and list them under [trust] csca in \
    the configuration file (or pass them with --csca)";

/// What staff read when the chip verdict is FAILED.
pub const CHIP_FAILED: &str = "This passport's chip failed its authenticity check: it may be a \
    copy. Do not enrol; follow your document-fraud procedure.";

/// Decides whether a document may be enrolled as `eid`.
pub fn decide(policy: &Policy, f: &Facts<'_>) -> Decision {
    let refuse =
        |title: &str, detail: String| Decision::Refuse(Refusal { title: title.to_owned(), detail });
    if f.status == Status::Invalid {
        return refuse(
            "This passport failed its authenticity check",
            format!(
                "{}. Do not enrol this customer from this passport; follow the office's \
                 procedure for a suspect document.",
                f.summary
            ),
        );
    }
    if f.chip == ChipVerdict::Failed {
        return refuse("This passport's chip failed its authenticity check", CHIP_FAILED.into());
    }
    if !policy.allow_sources.eid {
        return refuse(
            "This office does not enrol from the passport chip",
            "The enrolment policy ([policy] allow_sources) leaves out the chip (eid).".into(),
        );
    }
    let today = f.today.get(..10).unwrap_or("");
    match f.expiry {
        Some(exp) if is_date(exp) && is_date(today) => {
            if exp < today {
                return refuse(
                    "This passport has expired",
                    format!("It expired on {exp}. An expired document is not enrolled."),
                );
            }
        }
        _ => {
            return refuse(
                "The passport's expiry date could not be read",
                "Without the chip's expiry date the document cannot be enrolled.".into(),
            );
        }
    }
    if policy.require_genuine_chip && f.chip != ChipVerdict::Genuine {
        return refuse(
            "This passport's chip cannot prove it is the original",
            "This office enrols only passports whose chip proves it is the original \
             ([policy] require_genuine_chip). This chip offers no check this kiosk can run, \
             or its data could not be verified."
                .into(),
        );
    }
    if f.status == Status::Unverified {
        if policy.allow_unverified {
            return Decision::AllowUnverifiedByPolicy;
        }
        if !f.trust_store_loaded {
            return refuse(
                "This kiosk cannot check passports yet",
                format!(
                    "No CSCA trust store is configured, so no passport can be verified. {HOW_TO_TRUST}."
                ),
            );
        }
        return refuse(
            "This passport's authenticity could not be checked",
            format!(
                "{}. Only a verified passport is enrolled. If this issuer's passports should be \
                 accepted, add its CSCA or master list under [trust] csca.",
                f.summary
            ),
        );
    }
    if let Revocation::Stale { next_update } = f.revocation {
        if policy.stale_crl == StaleCrl::Allow {
            return Decision::AllowStaleCrlByPolicy;
        }
        let when = next_update.as_deref().map_or("has no next-update date".to_owned(), |d| {
            format!("was due to be replaced on {d}")
        });
        return refuse(
            "The revocation list is out of date",
            format!(
                "The certificate revocation list for this issuer {when}, so a revoked document \
                 signer might not be noticed. Install the current CRL, or set [policy] \
                 stale_crl = \"allow\"."
            ),
        );
    }
    Decision::Allow
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: Status) -> Facts<'static> {
        Facts {
            status,
            summary: "Not verified: no trusted certificate for issuer UT",
            revocation: &Revocation::NotChecked,
            trust_store_loaded: true,
            chip: ChipVerdict::NotProven,
            expiry: Some("2031-04-16"),
            today: "2026-12-04T23:00:00Z",
        }
    }

    #[test]
    fn strict_by_default_only_valid_and_current_documents() {
        let strict = Policy::default();
        assert_eq!(decide(&strict, &facts(Status::Valid)), Decision::Allow);
        for status in [Status::Invalid, Status::Unverified] {
            assert!(!decide(&strict, &facts(status)).allows(), "{status:?}");
        }
        let expired = Facts { expiry: Some("2026-12-03"), ..facts(Status::Valid) };
        match decide(&strict, &expired) {
            Decision::Refuse(r) => assert!(r.title.contains("expired"), "{r:?}"),
            d => panic!("{d:?}"),
        }
        let last_day = Facts { expiry: Some("2026-12-04"), ..facts(Status::Valid) };
        assert_eq!(decide(&strict, &last_day), Decision::Allow, "valid through its last day");
        for bad in [None, Some("20XX-01-01"), Some("")] {
            assert!(!decide(&strict, &Facts { expiry: bad, ..facts(Status::Valid) }).allows());
        }
    }

    #[test]
    fn no_trust_store_says_how_to_install_one() {
        let f = Facts { trust_store_loaded: false, ..facts(Status::Unverified) };
        match decide(&Policy::default(), &f) {
            Decision::Refuse(r) => {
                assert!(r.detail.contains("[trust] csca") && r.detail.contains("--csca"), "{r:?}");
                assert!(r.detail.contains("master list"), "{r:?}");
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn allow_unverified_lets_only_unverified_through_and_says_so() {
        let pilot = Policy { allow_unverified: true, ..Policy::default() };
        let d = decide(&pilot, &facts(Status::Unverified));
        assert_eq!(d, Decision::AllowUnverifiedByPolicy);
        assert_eq!(d.recorded(), "allow_unverified");
        assert!(!decide(&pilot, &facts(Status::Invalid)).allows());
        let expired = Facts { expiry: Some("2020-01-01"), ..facts(Status::Unverified) };
        assert!(!decide(&pilot, &expired).allows(), "the pilot switch does not allow expired");
        assert_eq!(decide(&pilot, &facts(Status::Valid)).recorded(), "strict");
    }

    #[test]
    fn a_stale_crl_is_a_named_outcome_the_policy_decides() {
        let stale = Revocation::Stale { next_update: Some("2026-01-01".into()) };
        let f = Facts { revocation: &stale, ..facts(Status::Valid) };
        match decide(&Policy::default(), &f) {
            Decision::Refuse(r) => assert!(r.detail.contains("2026-01-01"), "{r:?}"),
            d => panic!("{d:?}"),
        }
        let allow = Policy { stale_crl: StaleCrl::Allow, ..Policy::default() };
        assert_eq!(decide(&allow, &f), Decision::AllowStaleCrlByPolicy);
        let current = Facts { revocation: &Revocation::Current, ..facts(Status::Valid) };
        assert_eq!(decide(&Policy::default(), &current), Decision::Allow);
    }

    #[test]
    fn a_failed_chip_is_always_refused() {
        let lenient = Policy {
            allow_unverified: true,
            stale_crl: StaleCrl::Allow,
            require_genuine_chip: false,
            allow_sources: AllowedSources::default(),
        };
        for policy in [Policy::default(), lenient] {
            for status in [Status::Valid, Status::Unverified, Status::Invalid] {
                let f = Facts { chip: ChipVerdict::Failed, ..facts(status) };
                match decide(&policy, &f) {
                    Decision::Refuse(r) if status != Status::Invalid => {
                        assert_eq!(r.detail, CHIP_FAILED);
                        assert!(r.detail.contains("document-fraud procedure"));
                    }
                    Decision::Refuse(_) => {}
                    d => panic!("{status:?}: {d:?}"),
                }
            }
        }
        // Not proven and genuine chips are decided by passive authentication as before.
        for chip in [ChipVerdict::NotProven, ChipVerdict::Genuine] {
            let f = Facts { chip, ..facts(Status::Valid) };
            assert_eq!(decide(&Policy::default(), &f), Decision::Allow);
        }
    }

    #[test]
    fn require_genuine_chip_refuses_chips_that_prove_nothing() {
        let strict = Policy { require_genuine_chip: true, ..Policy::default() };
        let genuine = Facts { chip: ChipVerdict::Genuine, ..facts(Status::Valid) };
        assert_eq!(decide(&strict, &genuine), Decision::Allow);
        match decide(&strict, &facts(Status::Valid)) {
            Decision::Refuse(r) => assert!(r.detail.contains("require_genuine_chip"), "{r:?}"),
            d => panic!("{d:?}"),
        }
        // Even an unverified document let through by the pilot switch.
        let both = Policy { allow_unverified: true, ..strict };
        assert!(!decide(&both, &facts(Status::Unverified)).allows());
    }

    #[test]
    fn the_policy_table_parses_and_refuses_typos() {
        let p: Policy = toml::from_str("allow_unverified = true\nstale_crl = \"allow\"\n").unwrap();
        assert_eq!(
            p,
            Policy { allow_unverified: true, stale_crl: StaleCrl::Allow, ..Policy::default() }
        );
        let p: Policy = toml::from_str("allow_sources = [\"eid\", \"selfie\"]\n").unwrap();
        let a = p.allow_sources;
        assert!(a.eid && !a.oid && a.selfie, "{a:?}");
        assert_eq!(Policy::default().allow_sources, AllowedSources::default());
        assert!(AllowedSources::default().allows(ImageSource::Oid));
        for bad in ["allow_sources = []\n", "allow_sources = [\"photo\"]\n"] {
            assert!(toml::from_str::<Policy>(bad).is_err(), "{bad}");
        }
        let chip_refused = Policy {
            allow_sources: AllowedSources { eid: false, oid: true, selfie: true },
            ..Policy::default()
        };
        assert!(!decide(&chip_refused, &facts(Status::Valid)).allows());
        let p: Policy = toml::from_str("require_genuine_chip = true\n").unwrap();
        assert!(p.require_genuine_chip && !p.allow_unverified);
        assert!(!Policy::default().require_genuine_chip);
        assert_eq!(toml::from_str::<Policy>("").unwrap(), Policy::default());
        assert!(toml::from_str::<Policy>("allow_unverifed = true\n").is_err());
        assert!(toml::from_str::<Policy>("stale_crl = \"maybe\"\n").is_err());
    }
}
