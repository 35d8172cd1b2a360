//! Secure messaging (ICAO 9303 Part 11 §9.8): 3DES and AES sessions, wrap/unwrap, SSC.
