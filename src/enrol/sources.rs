//! The two photo sources beside the chip (iProov photo-enrol `source`): the passport's photo
//! page read by OCR (`oid`, ICAO 9303 Parts 4–5) and the bank's trusted photo on file
//! (`selfie`). What the workflow holds of each, which of them a kiosk offers, and the check
//! that a scanned page belongs to the document staff typed. Pure; no I/O.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::access::Password;
use crate::face::PreparedFace;
use crate::iproov::ImageSource;
use crate::mrz::{AccessKey, Mrz};
use crate::page::PageMrz;
use crate::selfie::CustomerReference;

/// Which photo sources the kiosk offers besides the chip: each needs its equipment or
/// source configured and the enrolment policy's `allow_sources` to list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offer {
    /// "Use the photo page" (`oid`): a page capture is set up.
    pub photo_page: bool,
    /// "Photo on file" (`selfie`): a trusted photo source is set up.
    pub photo_on_file: bool,
}

/// The photo page as processed off the UI thread: the OCR'd MRZ and the portrait prepared
/// for upload. Zeroized when dropped (the MRZ lines, the parsed MRZ and the face zeroize
/// themselves).
pub struct PageReadout {
    pub mrz: PageMrz,
    /// The portrait cropped from the page and made upload-ready.
    pub face: PreparedFace,
    /// The MRZ's expiry date has passed (or could not be read), as of the day it was read.
    pub expired: bool,
}

impl fmt::Debug for PageReadout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageReadout").field("mrz", &self.mrz).field("face", &self.face).finish()
    }
}

/// The MRZ lines (`Zeroizing`), the parsed MRZ and the face zeroize themselves.
impl ZeroizeOnDrop for PageReadout {}

/// A trusted photo on file, fetched by customer reference and made upload-ready.
pub struct OnFilePhoto {
    pub face: PreparedFace,
    /// Where it came from, without personal data ("customer system at https://…").
    pub provenance: String,
}

impl fmt::Debug for OnFilePhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnFilePhoto")
            .field("face", &self.face)
            .field("provenance", &self.provenance)
            .finish()
    }
}

impl ZeroizeOnDrop for OnFilePhoto {}

/// Why a photo page or a photo on file could not be used: plain words for staff (the
/// technical detail goes to the log only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoFailure {
    pub title: String,
    pub detail: String,
}

/// One field of the MRZ as typed and as read from the page. Personal data: shown on the
/// Review screen only, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FieldPair {
    #[zeroize(skip)]
    pub name: &'static str,
    pub typed: String,
    pub read: String,
}

impl FieldPair {
    pub fn matches(&self) -> bool {
        self.typed == self.read
    }
}

/// How the page's MRZ compares with what staff typed.
#[derive(Clone)]
pub enum Comparison {
    /// The three fields of the access key (document number, birth, expiry), typed and read.
    Fields(Vec<FieldPair>),
    /// A CAN was typed: the MRZ holds no CAN, so nothing could be compared.
    CanOnly,
}

impl fmt::Debug for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::Fields(v) => {
                let names: Vec<_> = v.iter().filter(|p| !p.matches()).map(|p| p.name).collect();
                write!(f, "Comparison(differ: {names:?})")
            }
            Comparison::CanOnly => f.write_str("Comparison(CAN only)"),
        }
    }
}

impl Comparison {
    /// True when every compared field is the same (a CAN compares nothing: false).
    pub fn matches(&self) -> bool {
        match self {
            Comparison::Fields(v) => !v.is_empty() && v.iter().all(FieldPair::matches),
            Comparison::CanOnly => false,
        }
    }

    /// The names of the fields that differ ("document number", …).
    pub fn differing(&self) -> Vec<&'static str> {
        match self {
            Comparison::Fields(v) => v.iter().filter(|p| !p.matches()).map(|p| p.name).collect(),
            Comparison::CanOnly => Vec::new(),
        }
    }
}

/// The three fields of an access key's MRZ_information (number ‖ cd ‖ birth ‖ cd ‖ expiry ‖
/// cd), read from its end so that long document numbers parse too. Fillers trimmed.
fn key_fields(key: &AccessKey) -> Option<[String; 3]> {
    let info = key.mrz_information();
    let n = info.len();
    if n < 16 || !info.is_ascii() {
        return None;
    }
    let number = info.get(..n - 15)?.trim_end_matches('<').to_owned();
    let birth = info.get(n - 14..n - 8)?.to_owned();
    let expiry = info.get(n - 7..n - 1)?.to_owned();
    Some([number, birth, expiry])
}

/// Compares the page's parsed MRZ with what staff typed (`entered`).
pub fn compare(entered: &Password, page: &Mrz) -> Comparison {
    let Password::Mrz(key) = entered else { return Comparison::CanOnly };
    let typed = key_fields(key).unwrap_or_default();
    let read = [
        page.document_number.trim_end_matches('<').to_owned(),
        page.date_of_birth.clone(),
        page.date_of_expiry.clone(),
    ];
    let names = ["document number", "date of birth", "date of expiry"];
    let pairs = names
        .iter()
        .zip(typed)
        .zip(read)
        .map(|((name, typed), read)| FieldPair { name, typed, read })
        .collect();
    Comparison::Fields(pairs)
}

/// The source in words staff understand, for Review.
pub fn source_words(source: ImageSource) -> &'static str {
    match source {
        ImageSource::Eid => "Passport chip (electronic photo)",
        ImageSource::Oid => "Photo page (printed photo) — lower assurance than the chip",
        ImageSource::Selfie => {
            "Photo on file (the bank's trusted photo) — no document checked today"
        }
    }
}

/// The Problem for a page whose MRZ differs from what was typed (no personal data in it).
pub fn mismatch_sentence(c: &Comparison) -> String {
    let differ = c.differing();
    let what = match differ.as_slice() {
        [] => "The MRZ read from the photo page".to_owned(),
        [one] => format!("The {one} read from the photo page"),
        [init @ .., last] => format!("The {} and {last} read from the photo page", init.join(", ")),
    };
    format!(
        "{what} {} not match what was typed for this customer. Scan the page again (flat, \
         the whole page), or type the document again if it was mistyped; if they still \
         differ, this page is not the customer's document: do not enrol.",
        if differ.len() > 1 { "do" } else { "does" }
    )
}

/// A customer reference as typed, checked with the photo source's own rule
/// ([`CustomerReference`]: letters, digits, `-`, `_`; 1–64) and held zeroized.
pub fn check_reference(text: &str) -> Result<Zeroizing<String>, String> {
    if text.trim().is_empty() {
        return Err("Type the customer reference from the bank's customer system.".into());
    }
    match CustomerReference::parse(text) {
        Ok(r) => Ok(Zeroizing::new(r.as_str().to_owned())),
        Err(_) => Err("A customer reference has only letters, digits, '-' and '_' (at most 64 \
                       characters, not starting with '-'). Check what was typed."
            .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICAO_TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                            L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    fn typed(number: &str, birth: &str, expiry: &str) -> Password {
        Password::Mrz(AccessKey::from_parts(number, birth, expiry).unwrap())
    }

    #[test]
    fn the_same_document_matches_field_by_field() {
        let page = Mrz::parse(ICAO_TD3).unwrap();
        let c = compare(&typed("L898902C3", "740812", "120415"), &page);
        assert!(c.matches(), "{c:?}");
        assert!(c.differing().is_empty());
    }

    #[test]
    fn a_different_number_or_date_is_named_without_values() {
        let page = Mrz::parse(ICAO_TD3).unwrap();
        let c = compare(&typed("L898902C4", "740812", "120416"), &page);
        assert!(!c.matches());
        assert_eq!(c.differing(), vec!["document number", "date of expiry"]);
        let s = mismatch_sentence(&c);
        assert!(s.contains("document number and date of expiry") && s.contains("do not"), "{s}");
        assert!(!s.contains("L898902C") && !s.contains("1204"), "no MRZ data: {s}");
    }

    #[test]
    fn a_long_document_number_parses_from_the_key() {
        let key = AccessKey::from_parts("D23145890734", "340712", "950712").unwrap();
        assert_eq!(
            key_fields(&key).unwrap(),
            ["D23145890734".to_owned(), "340712".into(), "950712".into()]
        );
    }

    #[test]
    fn a_can_compares_nothing() {
        let page = Mrz::parse(ICAO_TD3).unwrap();
        let can = Password::Can(crate::mrz::Can::new("123456").unwrap());
        let c = compare(&can, &page);
        assert!(!c.matches() && matches!(c, Comparison::CanOnly));
    }

    #[test]
    fn references_are_a_safe_charset() {
        assert_eq!(check_reference(" CUST-00042 ").unwrap().as_str(), "CUST-00042");
        for bad in ["", "../etc/passwd", "a/b", "a.jpg", "x y", &"a".repeat(65)] {
            assert!(check_reference(bad).is_err(), "{bad:?}");
        }
    }
}
