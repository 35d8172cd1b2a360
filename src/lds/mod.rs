//! Logical Data Structure (ICAO 9303 Part 10): EF.COM, DG1, DG2, EF.SOD.
