//! Face image: JPEG / JPEG 2000 decode, the API image rules, JPEG/PNG encode.
