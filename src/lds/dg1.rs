//! DG1 (ICAO 9303 Part 10 §4.7.1): the MRZ, `61 { 5F1F <MRZ lines concatenated> }`.

use super::LdsError;
use crate::iso7816::tlv::{self, Reader};
use crate::mrz::Mrz;
use zeroize::Zeroizing;

const FILE: &str = "EF.DG1";

/// Parses DG1 into a check-digit-verified [`Mrz`].
pub fn parse(bytes: &[u8]) -> Result<Mrz, LdsError> {
    let err = LdsError::tlv(FILE);
    let mut outer = Reader::new(bytes);
    let dg1 = outer.expect(0x61).map_err(&err)?;
    outer.finish().map_err(&err)?;
    let mut r = Reader::nested(&dg1);
    let data = r.expect(0x5F1F).map_err(&err)?;
    r.finish().map_err(&err)?;
    let text = Zeroizing::new(
        std::str::from_utf8(data.value)
            .map_err(|_| LdsError::invalid(FILE, "MRZ data object is not ASCII"))?
            .to_string(),
    );
    Mrz::from_concatenated(&text).map_err(|source| LdsError::Mrz { file: FILE, source })
}

/// Encodes DG1 from the MRZ's canonical lines.
pub fn encode(mrz: &Mrz) -> Vec<u8> {
    let text = Zeroizing::new(mrz.lines().concat());
    let inner = Zeroizing::new(tlv::tlv(0x5F1F, text.as_bytes()));
    tlv::tlv(0x61, &inner)
}
