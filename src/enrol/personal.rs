//! The customer's personal data while the workflow needs it: the chip files, the MRZ read
//! from DG1, the upload-ready face and the facts staff review (ICAO 9303 Part 10 DG1/DG2,
//! Part 11 passive authentication via `report`). Zeroized when dropped, wherever that happens
//! (a stale chip result the workflow ignores too); `Debug` redacts.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::sources::{Comparison, OnFilePhoto, PageReadout};
use crate::face::{EncodePolicy, PreparedFace};
use crate::iproov::ImageSource;
use crate::lds::{self, Ef};
use crate::mrz::Mrz;
use crate::reader::passport::PassportRead;
use crate::records::DocumentFacts;
use crate::trust::policy::{self, Decision};
use crate::trust::{Status, TrustStore};

/// What staff see on the Review screen. Names are personal data (zeroized); the rest is
/// zeroized with the [`ChipResult`] that holds it.
#[derive(Clone, Default, Zeroize)]
pub struct ReviewFacts {
    /// "PRIMARY, Secondary" as on the chip.
    pub name: Zeroizing<String>,
    pub nationality: String,
    pub issuing_state: String,
    /// e.g. "Passport (P)".
    pub document_type: String,
    /// Expiry as YYYY-MM-DD.
    pub expiry: String,
    pub expired: bool,
    /// `valid` | `invalid` | `unverified`.
    pub authenticity: String,
    /// The one line staff read, e.g. "Genuine: signed by CSCA DE (csca-germany)".
    pub authenticity_summary: String,
    pub authenticity_reason: String,
    /// e.g. `BAC`.
    pub access: String,
    /// The chip verdict: `genuine` | `not proven` | `failed`.
    pub chip_verdict: String,
    /// The one line staff read about the chip ("Chip genuine: …").
    pub chip_summary: String,
    /// DG11's full name in national characters, readable ("MÜLLER, ERIKA"); empty if absent.
    pub national_name: Zeroizing<String>,
    /// DG11's place of birth; empty if absent.
    pub place_of_birth: Zeroizing<String>,
    /// DG12's issuing authority; empty if absent.
    pub issuing_authority: Zeroizing<String>,
    /// What the enrolment policy makes of the verdict and the expiry (no personal data).
    #[zeroize(skip)]
    pub decision: Decision,
}

impl fmt::Debug for ReviewFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReviewFacts")
            .field("name", &"REDACTED")
            .field("issuing_state", &self.issuing_state)
            .field("document_type", &self.document_type)
            .field("expired", &self.expired)
            .field("authenticity", &self.authenticity)
            .field("chip_verdict", &self.chip_verdict)
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

/// A chip read and what was made of it (on the chip thread, before Review).
pub struct ChipResult {
    pub read: PassportRead,
    pub mrz: Option<Mrz>,
    pub face: Option<PreparedFace>,
    /// Why there is no usable face, in plain words.
    pub face_error: Option<String>,
    pub facts: ReviewFacts,
    /// Time spent interpreting (parsing, passive authentication, face preparation).
    pub interpret: std::time::Duration,
}

impl fmt::Debug for ChipResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipResult")
            .field("files", &self.read.files.keys().collect::<Vec<_>>())
            .field("face", &self.face)
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl Drop for ChipResult {
    fn drop(&mut self) {
        // The chip files (`Zeroizing`), the MRZ and the prepared face zeroize themselves.
        self.facts.zeroize();
    }
}

/// Every field holding personal data is zeroized when a `ChipResult` is dropped.
impl ZeroizeOnDrop for ChipResult {}

impl ChipResult {
    /// Interprets a read: DG1's MRZ, passive authentication, DG2's first face made
    /// upload-ready. `today` is YYYY-MM-DD (for the expiry flag).
    pub fn from_read(
        read: PassportRead,
        policy: &EncodePolicy,
        trust: &TrustStore,
        today: &str,
    ) -> ChipResult {
        let started = std::time::Instant::now();
        let mrz = read.files.get(&Ef::Dg(1).name()).and_then(|b| lds::dg1::parse(b).ok());
        let report = crate::report::build_with(&read, trust);
        let mut pa = report.passive_authentication;
        // EF.DG14 contradicting the access protocol (PACE stripped or forced to BAC) fails
        // the document exactly like a failed passive authentication.
        if let crate::reader::access_control::SecurityInfosCheck::Invalid(why) =
            &read.access_control.security_infos
        {
            pa.status = "invalid".into();
            pa.summary = "FAILED: the chip's access protocol contradicts its signed data".into();
            pa.reason.clone_from(why);
        }
        let (face, face_error) = match read.files.get(&Ef::Dg(2).name()) {
            None => (None, Some("The chip has no face image (DG2 was not read).".to_owned())),
            Some(dg2) => match crate::face::input_image(dg2) {
                Err(e) => (None, Some(format!("The chip's face image is unusable: {e}."))),
                Ok((image, eyes)) => {
                    let image = Zeroizing::new(image);
                    match crate::face::prepare(&image, eyes, policy) {
                        Ok(f) => (Some(f), None),
                        Err(e) => (None, Some(format!("The chip's face image is unusable: {e}."))),
                    }
                }
            },
        };
        let expiry = mrz.as_ref().map(|m| expiry_date(&m.date_of_expiry));
        let chip = &report.chip_authentication;
        let (national_name, place_of_birth, issuing_authority) = extra_details(&read);
        let decision = policy::decide(
            trust.policy(),
            &policy::Facts {
                status: Status::from_name(&pa.status).unwrap_or(Status::Invalid),
                summary: &pa.summary,
                revocation: &pa.revocation,
                trust_store_loaded: !trust.is_empty(),
                chip: chip.verdict,
                expiry: expiry.as_deref(),
                today,
            },
        );
        let facts = match &mrz {
            Some(m) => ReviewFacts {
                name: Zeroizing::new(display_name(m)),
                nationality: m.nationality.clone(),
                issuing_state: m.issuing_state.clone(),
                document_type: document_type(&m.document_code),
                expiry: expiry_date(&m.date_of_expiry),
                expired: is_expired(&m.date_of_expiry, today),
                authenticity: pa.status.clone(),
                authenticity_summary: pa.summary.clone(),
                authenticity_reason: pa.reason.clone(),
                access: read.access.clone(),
                chip_verdict: chip.verdict.as_str().to_owned(),
                chip_summary: chip.summary.clone(),
                national_name,
                place_of_birth,
                issuing_authority,
                decision,
            },
            None => ReviewFacts {
                authenticity: pa.status.clone(),
                authenticity_summary: pa.summary.clone(),
                authenticity_reason: pa.reason.clone(),
                access: read.access.clone(),
                chip_verdict: chip.verdict.as_str().to_owned(),
                chip_summary: chip.summary.clone(),
                decision,
                ..ReviewFacts::default()
            },
        };
        ChipResult { read, mrz, face, face_error, facts, interpret: started.elapsed() }
    }
}

/// DG11's full name in national characters and place of birth, and DG12's issuing
/// authority, readable (empty when absent or unreadable: they are shown, never required).
fn extra_details(read: &PassportRead) -> (Zeroizing<String>, Zeroizing<String>, Zeroizing<String>) {
    let readable =
        |f: Option<Zeroizing<String>>| f.map(|t| lds::text_dg::readable(&t)).unwrap_or_default();
    let dg11 = read.files.get(&Ef::Dg(11).name()).and_then(|b| lds::dg11::parse(b).ok());
    let dg12 = read.files.get(&Ef::Dg(12).name()).and_then(|b| lds::dg12::parse(b).ok());
    let (name, place) = dg11.map(|d| (d.full_name, d.place_of_birth)).unwrap_or_default();
    let authority = dg12.and_then(|d| d.issuing_authority);
    (readable(name), readable(place), readable(authority))
}

pub fn display_name(m: &Mrz) -> String {
    match (m.primary_identifier.trim(), m.secondary_identifier.trim()) {
        (p, "") => p.to_owned(),
        ("", s) => s.to_owned(),
        (p, s) => format!("{p}, {s}"),
    }
}

/// "P" → "Passport (P)", "PD" → "Passport (PD)", "I…"/"A…"/"C…" → "Identity card (..)".
pub fn document_type(code: &str) -> String {
    let code = code.trim_end_matches('<');
    let kind = match code.chars().next() {
        Some('P') => "Passport",
        Some('I' | 'A' | 'C') => "Identity card",
        Some('V') => "Visa",
        _ => "Travel document",
    };
    format!("{kind} ({code})")
}

/// YYMMDD expiry → YYYY-MM-DD (expiry dates are read in this century).
pub fn expiry_date(yymmdd: &str) -> String {
    match (yymmdd.get(0..2), yymmdd.get(2..4), yymmdd.get(4..6)) {
        (Some(y), Some(m), Some(d)) => format!("20{y}-{m}-{d}"),
        _ => yymmdd.to_owned(),
    }
}

/// True when the YYMMDD expiry lies before `today` (YYYY-MM-DD). An unreadable date is
/// flagged as expired: staff must look at the document.
pub fn is_expired(yymmdd: &str, today: &str) -> bool {
    let exp = expiry_date(yymmdd);
    if exp.len() != 10
        || !exp.bytes().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
    {
        return true;
    }
    exp.as_str() < today.get(0..10).unwrap_or("")
}

/// Where the customer's photo came from, with what staff review of it.
pub enum Photo {
    /// The passport chip (`eid`).
    Chip(Box<ChipResult>),
    /// The passport's photo page (`oid`) and how its MRZ compares with what was typed.
    Page { page: Box<PageReadout>, comparison: Comparison },
    /// The bank's trusted photo on file (`selfie`).
    OnFile(Box<OnFilePhoto>),
}

/// The customer's data for one enrolment.
pub struct Personal {
    photo: Photo,
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Personal({}, REDACTED)", self.source().as_str())
    }
}

/// What the records keep as the policy that let a photo-page or on-file photo through: the
/// `[policy] allow_sources` list (no chip, so no passive-authentication policy applies).
pub const POLICY_ALLOW_SOURCES: &str = "allow_sources";

impl Personal {
    pub fn new(chip: Box<ChipResult>) -> Personal {
        Personal { photo: Photo::Chip(chip) }
    }

    /// A photo page whose MRZ was compared with what staff typed.
    pub fn from_page(page: Box<PageReadout>, comparison: Comparison) -> Personal {
        Personal { photo: Photo::Page { page, comparison } }
    }

    /// A trusted photo on file.
    pub fn on_file(photo: Box<OnFilePhoto>) -> Personal {
        Personal { photo: Photo::OnFile(photo) }
    }

    pub fn photo(&self) -> &Photo {
        &self.photo
    }

    /// The iProov `source` of this photo.
    pub fn source(&self) -> ImageSource {
        match &self.photo {
            Photo::Chip(_) => ImageSource::Eid,
            Photo::Page { .. } => ImageSource::Oid,
            Photo::OnFile(_) => ImageSource::Selfie,
        }
    }

    /// The chip read, on the chip path.
    pub fn chip(&self) -> Option<&ChipResult> {
        match &self.photo {
            Photo::Chip(c) => Some(c),
            _ => None,
        }
    }

    /// The chip's review facts, on the chip path.
    pub fn facts(&self) -> Option<&ReviewFacts> {
        self.chip().map(|c| &c.facts)
    }

    /// The upload-ready face, whatever its source.
    pub fn face(&self) -> Option<&PreparedFace> {
        match &self.photo {
            Photo::Chip(c) => c.face.as_ref(),
            Photo::Page { page, .. } => Some(&page.face),
            Photo::OnFile(p) => Some(&p.face),
        }
    }

    /// The upload image, when the face meets the API's image rules.
    pub fn upload_image(&self) -> Option<Zeroizing<Vec<u8>>> {
        let f = self.face()?;
        f.meets_requirements.then(|| Zeroizing::new(f.bytes.clone()))
    }

    /// What the records keep of the document (no name; the number is hashed there).
    pub fn document_facts(&self) -> DocumentFacts {
        match &self.photo {
            Photo::Chip(chip) => {
                let mrz = chip.mrz.as_ref();
                DocumentFacts {
                    issuing_state: mrz.map(|m| m.issuing_state.clone()),
                    document_type: mrz.map(|m| m.document_code.clone()),
                    document_number: mrz.map(|m| Zeroizing::new(m.document_number.clone())),
                    access_protocol: Some(chip.read.access.clone()),
                    authenticity: Some(chip.facts.authenticity.clone()),
                    chip_verdict: Some(chip.facts.chip_verdict.clone()),
                    enrol_policy: Some(chip.facts.decision.recorded().to_owned()),
                }
            }
            Photo::Page { page, .. } => {
                let mrz = page.mrz.parsed.as_ref();
                DocumentFacts {
                    issuing_state: mrz.map(|m| m.issuing_state.clone()),
                    document_type: mrz.map(|m| m.document_code.clone()),
                    document_number: mrz.map(|m| Zeroizing::new(m.document_number.clone())),
                    enrol_policy: Some(POLICY_ALLOW_SOURCES.to_owned()),
                    ..DocumentFacts::default()
                }
            }
            Photo::OnFile(_) => DocumentFacts {
                enrol_policy: Some(POLICY_ALLOW_SOURCES.to_owned()),
                ..DocumentFacts::default()
            },
        }
    }
}

/// The chip result, page readout or photo on file it holds zeroizes itself when dropped.
impl ZeroizeOnDrop for Personal {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only for types that say they zeroize on drop.
    fn zeroized_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn chip_data_and_face_types_zeroize_on_drop() {
        zeroized_on_drop::<ChipResult>();
        zeroized_on_drop::<Personal>();
        zeroized_on_drop::<PreparedFace>();
        zeroized_on_drop::<Mrz>();
        zeroized_on_drop::<crate::face::Decoded>();
        zeroized_on_drop::<Zeroizing<Vec<u8>>>();
    }

    #[test]
    fn a_prepared_face_wipes_its_bytes_and_pixels() {
        let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, 200]));
        let png = crate::face::encode::encode_png(&img).unwrap();
        let eyes = crate::face::EyeCentres::from(((5, 10), (30, 10)));
        let mut f = crate::face::prepare(&png, Some(eyes), &EncodePolicy::default()).unwrap();
        assert!(f.bytes.iter().any(|&b| b != 0) && f.display.iter().any(|&b| b != 0));
        f.zeroize();
        assert!(f.bytes.iter().all(|&b| b == 0) && f.display.iter().all(|&b| b == 0));
        assert_eq!(f.eyes, None);
    }

    #[test]
    fn review_facts_are_wiped() {
        let mut facts = ReviewFacts {
            name: Zeroizing::new("SPECIMEN, JORDAN".into()),
            nationality: "UTO".into(),
            expiry: "2032-09-01".into(),
            ..ReviewFacts::default()
        };
        facts.zeroize();
        assert!(facts.name.is_empty() && facts.nationality.is_empty() && facts.expiry.is_empty());
    }
}
