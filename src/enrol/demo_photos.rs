//! The demo kiosk's photo on file: a built-in photo, held in memory (nothing is written to
//! disk), served under one customer reference like a bank's photo folder would.

use zeroize::Zeroizing;

use crate::selfie::{CustomerReference, SelfieError, SelfiePhoto, SelfieSource};

/// The customer reference the demo's photo on file answers to.
pub const DEMO_REFERENCE: &str = "DEMO-0001";

/// The demo passport's synthetic face (assets/demo-face.jpg, see assets/README.md).
const DEMO_FACE: &[u8] = include_bytes!("../../assets/demo-face.jpg");

/// Photos on file from memory: [`DEMO_REFERENCE`] has the demo face; no other reference has
/// a photo.
pub struct DemoOnFile;

impl SelfieSource for DemoOnFile {
    fn fetch(&self, reference: &str) -> Result<SelfiePhoto, SelfieError> {
        let r = CustomerReference::parse(reference)?;
        if r.as_str() != DEMO_REFERENCE {
            return Err(SelfieError::NotFound);
        }
        Ok(SelfiePhoto { bytes: Zeroizing::new(DEMO_FACE.to_vec()), provenance: self.describe() })
    }

    fn describe(&self) -> String {
        "built-in demo photo (in memory, no customer system)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_demo_reference_has_a_photo() {
        let p = DemoOnFile.fetch(" DEMO-0001 ").unwrap();
        assert!(p.bytes.starts_with(&[0xFF, 0xD8]) && p.provenance.contains("demo"));
        assert!(matches!(DemoOnFile.fetch("DEMO-0002"), Err(SelfieError::NotFound)));
        assert!(matches!(DemoOnFile.fetch("../x"), Err(SelfieError::BadReference)));
    }
}
