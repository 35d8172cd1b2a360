//! Machine readable zone (ICAO 9303 Part 3, 4, 5, 6): TD1/TD2/TD3 parsing, check digits, BAC key seed input.
