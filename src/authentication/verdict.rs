//! The chip verdict (ICAO 9303 Part 11 §6, §4.4.3.5): whether the chip itself is genuine,
//! from passive authentication, the checks the read ran (PACE-CAM, CA, AA) and the
//! mechanisms the signed data (EF.DG14, EF.DG15, EF.CardSecurity) says the chip offers.

use serde::Serialize;

use super::{Check, Method, Outcome};

/// Whether the chip is the one the issuer made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChipVerdict {
    /// Passive authentication is valid and PACE-CAM, CA or AA passed, none failed.
    #[serde(rename = "genuine")]
    Genuine,
    /// Nothing proves the chip: it offers no mechanism, or only ones this kiosk cannot run,
    /// or passive authentication is not valid (so the keys cannot be trusted).
    #[serde(rename = "not proven")]
    NotProven,
    /// A mechanism failed, or one the signed data offers was not run: a cloned or altered
    /// chip.
    #[serde(rename = "failed")]
    Failed,
}

impl ChipVerdict {
    /// The name report.json and the record use (architecture.md: `genuine` | `not proven` |
    /// `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChipVerdict::Genuine => "genuine",
            ChipVerdict::NotProven => "not proven",
            ChipVerdict::Failed => "failed",
        }
    }

    /// The verdict named by [`ChipVerdict::as_str`].
    pub fn from_name(name: &str) -> Option<ChipVerdict> {
        [ChipVerdict::Genuine, ChipVerdict::NotProven, ChipVerdict::Failed]
            .into_iter()
            .find(|v| v.as_str() == name)
    }

    /// One plain line for staff.
    pub fn staff_line(self) -> &'static str {
        match self {
            ChipVerdict::Genuine => "Chip genuine: the chip proved it is the original",
            ChipVerdict::NotProven => {
                "Chip not proven: this passport's chip cannot prove it is the original"
            }
            ChipVerdict::Failed => "Chip FAILED: the chip failed its authenticity check",
        }
    }
}

/// Whether `m` may go unrun although offered: Active Authentication once Chip
/// Authentication or PACE-CAM decided (passed or failed), Chip Authentication once PACE-CAM
/// decided — the stronger proof of the same chip (ICAO 9303 Part 11 §6.1, §4.4.3.5).
fn excused(m: Method, checks: &[Check]) -> bool {
    let decided =
        |by: Method| checks.iter().any(|c| c.method == by && c.outcome != Outcome::Unsupported);
    match m {
        Method::ActiveAuthentication => {
            decided(Method::ChipAuthentication) || decided(Method::PaceCam)
        }
        Method::ChipAuthentication => decided(Method::PaceCam),
        Method::PaceCam => false,
    }
}

/// The offered mechanisms the read did not run and is not excused from.
fn missing<'a>(checks: &'a [Check], offered: &'a [Method]) -> impl Iterator<Item = Method> + 'a {
    offered
        .iter()
        .copied()
        .filter(|m| !checks.iter().any(|c| c.method == *m) && !excused(*m, checks))
}

/// The verdict. `pa_valid`: passive authentication is `valid`; `checks`: what the read ran;
/// `offered`: the mechanisms the chip's signed data offers (a check must exist for each,
/// except AA once CA or PACE-CAM decided, and CA once PACE-CAM decided).
pub fn verdict(pa_valid: bool, checks: &[Check], offered: &[Method]) -> ChipVerdict {
    let failed = checks.iter().any(|c| c.outcome == Outcome::Failed);
    let skipped = missing(checks, offered).next().is_some();
    if failed || skipped {
        return ChipVerdict::Failed;
    }
    if pa_valid && checks.iter().any(|c| c.outcome == Outcome::Passed) {
        ChipVerdict::Genuine
    } else {
        ChipVerdict::NotProven
    }
}

/// The checks for report.json, with a `Failed` check for each offered mechanism the read
/// did not run (so the report says why the verdict is FAILED).
pub fn with_missing(checks: &[Check], offered: &[Method]) -> Vec<Check> {
    let mut all = checks.to_vec();
    for m in missing(checks, offered) {
        all.push(Check::new(
            m,
            Outcome::Failed,
            "the chip's signed data offers it, but the read did not run it",
        ));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::ChipVerdict::{Failed, Genuine, NotProven};
    use super::*;
    use Method::{ActiveAuthentication as Aa, ChipAuthentication as Ca, PaceCam as Cam};
    use Outcome::{Failed as F, Passed as P, Unsupported as U};

    fn c(m: Method, o: Outcome) -> Check {
        Check::new(m, o, "")
    }

    #[test]
    fn the_verdict_table() {
        #[rustfmt::skip]
        let table: &[(bool, &[Check], &[Method], ChipVerdict)] = &[
            // Nothing offered, nothing run.
            (true, &[], &[], NotProven),
            (false, &[], &[], NotProven),
            // One mechanism passed.
            (true, &[c(Ca, P)], &[Ca], Genuine),
            (true, &[c(Aa, P)], &[Aa], Genuine),
            (true, &[c(Cam, P)], &[], Genuine),
            // Passed, but passive authentication is not valid: the key is not trusted.
            (false, &[c(Ca, P)], &[Ca], NotProven),
            (false, &[c(Cam, P), c(Aa, P)], &[Aa], NotProven),
            // Any failure is FAILED, whatever else passed and whatever PA says.
            (true, &[c(Ca, F)], &[Ca], Failed),
            (true, &[c(Aa, F)], &[Aa], Failed),
            (true, &[c(Cam, F)], &[], Failed),
            (true, &[c(Ca, P), c(Aa, F)], &[Ca, Aa], Failed),
            (true, &[c(Cam, F), c(Ca, P)], &[Ca], Failed),
            (false, &[c(Aa, F)], &[Aa], Failed),
            // Only unsupported mechanisms.
            (true, &[c(Ca, U)], &[Ca], NotProven),
            (true, &[c(Ca, U), c(Aa, U)], &[Ca, Aa], NotProven),
            // One unsupported, another passed.
            (true, &[c(Ca, U), c(Aa, P)], &[Ca, Aa], Genuine),
            // Offered by the signed data but not run.
            (true, &[], &[Ca], Failed),
            (true, &[], &[Aa], Failed),
            (true, &[c(Aa, P)], &[Ca, Aa], Failed),
            // AA need not run once CA or PACE-CAM decided, nor CA once PACE-CAM did.
            (true, &[c(Ca, P)], &[Ca, Aa], Genuine),
            (true, &[c(Ca, F)], &[Ca, Aa], Failed),
            (true, &[c(Cam, P)], &[Aa], Genuine),
            (true, &[c(Ca, U)], &[Ca, Aa], Failed),
            (false, &[], &[Aa], Failed),
            (true, &[c(Cam, P)], &[Cam], Genuine),
            (true, &[c(Cam, P)], &[Cam, Ca], Genuine),
            (true, &[c(Cam, U)], &[Cam, Ca], Failed),
        ];
        for (i, (pa, checks, offered, want)) in table.iter().enumerate() {
            assert_eq!(verdict(*pa, checks, offered), *want, "row {i}");
        }
    }

    #[test]
    fn every_combination_follows_the_rule() {
        let outcomes = [None, Some(P), Some(F), Some(U)];
        for pa in [false, true] {
            for cam in outcomes {
                for ca in outcomes {
                    for aa in outcomes {
                        for offered_bits in 0u8..8 {
                            let checks: Vec<Check> = [(Cam, cam), (Ca, ca), (Aa, aa)]
                                .into_iter()
                                .filter_map(|(m, o)| o.map(|o| c(m, o)))
                                .collect();
                            let offered: Vec<Method> = [Cam, Ca, Aa]
                                .into_iter()
                                .enumerate()
                                .filter(|(i, _)| offered_bits & (1 << i) != 0)
                                .map(|(_, m)| m)
                                .collect();
                            let v = verdict(pa, &checks, &offered);
                            let any_failed = checks.iter().any(|c| c.outcome == F);
                            let decided =
                                |m: Method| checks.iter().any(|c| c.method == m && c.outcome != U);
                            let missing = offered.iter().any(|m| {
                                let ran = checks.iter().any(|c| c.method == *m);
                                let excused = match m {
                                    Aa => decided(Ca) || decided(Cam),
                                    Ca => decided(Cam),
                                    Cam => false,
                                };
                                !ran && !excused
                            });
                            let passed = checks.iter().any(|c| c.outcome == P);
                            let want = if any_failed || missing {
                                Failed
                            } else if pa && passed {
                                Genuine
                            } else {
                                NotProven
                            };
                            assert_eq!(v, want, "{pa} {checks:?} {offered:?}");
                            // The report's checks alone give the same verdict.
                            let listed = with_missing(&checks, &offered);
                            assert_eq!(verdict(pa, &listed, &[]), want);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for v in [Genuine, NotProven, Failed] {
            assert_eq!(ChipVerdict::from_name(v.as_str()), Some(v));
        }
        assert_eq!(ChipVerdict::from_name("Genuine"), None);
        // report.json says what as_str says (the architecture contract's words).
        for v in [Genuine, NotProven, Failed] {
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{}\"", v.as_str()));
        }
        assert_eq!(NotProven.as_str(), "not proven");
    }
}
