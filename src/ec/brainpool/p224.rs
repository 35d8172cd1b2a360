//! brainpoolP224r1 (RFC 5639 §3.3; ICAO 9303-11 standardized domain parameter 11). The
//! integers are 256-bit wide (whole 64-bit limbs, as RustCrypto's p224 does); encodings 28 bytes.

super::brainpool_curve! {
    curve: BrainpoolP224r1,
    name: "brainpoolP224r1",
    uint: elliptic_curve::bigint::U256,
    bytes: elliptic_curve::consts::U28,
    modulus_hex: "00000000d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
    field_generator: 3,
    order_hex: "00000000d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f",
    scalar_generator: 3,
    a: "68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
    b: "2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
    gx: "0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
    gy: "58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
}
