//! The MRZ of a photo page read by OCR (ICAO 9303 Part 3 §4: OCR-B, the MRZ alphabet and
//! its check digits): locate the band, recognise it, apply each field's character rules.
