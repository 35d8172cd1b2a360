//! Chip access control (ICAO 9303 Part 11 §4.3 BAC, §4.4 PACE).
