//! The elementary files of the eMRTD (ICAO 9303 Part 10 §3.9 and Tables 29–31): file
//! identifiers, short file identifiers, names and the LDS1 data-group tags.

/// An elementary file of the eMRTD application (or, for EF.CardAccess and
/// EF.CardSecurity, of the master file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ef {
    Com,
    /// Data group 1..=16 (other numbers name no file: no tag, no SFI).
    Dg(u8),
    Sod,
    CardAccess,
    CardSecurity,
}

/// LDS1 tags of DG1..DG16 (9303 Part 10 Table 31).
const DG_TAGS: [u8; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];

impl Ef {
    /// A data group, if `n` is 1..=16.
    pub fn dg(n: u8) -> Option<Ef> {
        (1..=16).contains(&n).then_some(Ef::Dg(n))
    }

    /// The file identifier: EF.COM 011E, DGn 01nn, EF.SOD 011D (all in the eMRTD
    /// application); EF.CardAccess 011C and EF.CardSecurity 011D (in the master file).
    pub fn fid(&self) -> u16 {
        match self {
            Ef::Com => 0x011E,
            Ef::Dg(n) => 0x0100 | u16::from(*n),
            Ef::Sod => 0x011D,
            Ef::CardAccess => 0x011C,
            Ef::CardSecurity => 0x011D,
        }
    }

    /// The short file identifier (READ BINARY with P1 = 0x80 | SFI).
    pub fn sfi(&self) -> Option<u8> {
        match self {
            Ef::Com => Some(0x1E),
            Ef::Dg(n) if (1..=16).contains(n) => Some(*n),
            Ef::Dg(_) => None,
            Ef::Sod => Some(0x1D),
            Ef::CardAccess => Some(0x1C),
            Ef::CardSecurity => Some(0x1D),
        }
    }

    /// "EF.COM", "EF.DG2", "EF.SOD", "EF.CardAccess", "EF.CardSecurity".
    pub fn name(&self) -> String {
        match self {
            Ef::Com => "EF.COM".to_string(),
            Ef::Dg(n) => format!("EF.DG{n}"),
            Ef::Sod => "EF.SOD".to_string(),
            Ef::CardAccess => "EF.CardAccess".to_string(),
            Ef::CardSecurity => "EF.CardSecurity".to_string(),
        }
    }

    /// The outer tag of the file's content: 0x60 (EF.COM), 0x61… (DGs), 0x77 (EF.SOD).
    /// EF.CardAccess and EF.CardSecurity are plain ASN.1 (SET / SEQUENCE): `None`.
    pub fn tag(&self) -> Option<u32> {
        match self {
            Ef::Com => Some(0x60),
            Ef::Dg(n) => DG_TAGS.get(usize::from(*n).checked_sub(1)?).map(|t| u32::from(*t)),
            Ef::Sod => Some(0x77),
            Ef::CardAccess | Ef::CardSecurity => None,
        }
    }

    /// Parses a name as [`Ef::name`] writes it, case-insensitively; the "EF." prefix and a
    /// ".bin" suffix are optional ("EF.DG2", "dg2", "EF.SOD.bin").
    pub fn from_name(name: &str) -> Option<Ef> {
        let lower = name.trim().to_ascii_lowercase();
        let lower = lower.strip_suffix(".bin").unwrap_or(&lower);
        let base = lower.strip_prefix("ef.").unwrap_or(lower);
        match base {
            "com" => Some(Ef::Com),
            "sod" => Some(Ef::Sod),
            "cardaccess" => Some(Ef::CardAccess),
            "cardsecurity" => Some(Ef::CardSecurity),
            _ => {
                let digits = base.strip_prefix("dg")?;
                if digits.is_empty() || digits.len() > 2 || digits.starts_with('0') {
                    return None;
                }
                Ef::dg(digits.parse().ok()?)
            }
        }
    }

    /// The file whose content starts with `tag` (0x60, 0x61…0x70 as in Table 31, 0x77).
    pub fn from_tag(tag: u32) -> Option<Ef> {
        match tag {
            0x60 => Some(Ef::Com),
            0x77 => Some(Ef::Sod),
            _ => {
                let i = DG_TAGS.iter().position(|t| u32::from(*t) == tag)?;
                Ef::dg(u8::try_from(i + 1).ok()?)
            }
        }
    }

    /// True for files of the master file (EF.CardAccess, EF.CardSecurity), selected
    /// before the eMRTD application.
    pub fn in_master_file(&self) -> bool {
        matches!(self, Ef::CardAccess | Ef::CardSecurity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_per_part_10() {
        assert_eq!(Ef::Com.fid(), 0x011E);
        assert_eq!(Ef::Dg(2).fid(), 0x0102);
        assert_eq!(Ef::Dg(15).fid(), 0x010F);
        assert_eq!(Ef::Sod.fid(), 0x011D);
        assert_eq!(Ef::CardAccess.fid(), 0x011C);
        assert_eq!(Ef::CardSecurity.fid(), 0x011D);
        assert_eq!(Ef::Com.sfi(), Some(0x1E));
        assert_eq!(Ef::Sod.sfi(), Some(0x1D));
        assert_eq!(Ef::Dg(14).sfi(), Some(14));
        assert_eq!(Ef::Dg(17).sfi(), None);
        assert_eq!(Ef::Dg(2).tag(), Some(0x75));
        assert_eq!(Ef::Dg(4).tag(), Some(0x76));
        assert_eq!(Ef::Dg(16).tag(), Some(0x70));
        assert_eq!(Ef::Dg(0).tag(), None);
        assert!(Ef::CardAccess.in_master_file() && !Ef::Sod.in_master_file());
    }

    #[test]
    fn names_and_tags_round_trip() {
        let mut all = vec![Ef::Com, Ef::Sod, Ef::CardAccess, Ef::CardSecurity];
        all.extend((1..=16).map(Ef::Dg));
        for ef in all {
            assert_eq!(Ef::from_name(&ef.name()), Some(ef));
            assert_eq!(Ef::from_name(&format!("{}.bin", ef.name())), Some(ef));
            if let Some(tag) = ef.tag() {
                assert_eq!(Ef::from_tag(tag), Some(ef));
            }
        }
        assert_eq!(Ef::from_name("dg2"), Some(Ef::Dg(2)));
        assert_eq!(Ef::from_name("EF.DG17"), None);
        assert_eq!(Ef::from_name("EF.DG02"), None);
        assert_eq!(Ef::from_name("EF.DG"), None);
        assert_eq!(Ef::from_tag(0x71), None);
    }
}
