//! Behaviour options of the simulated chip: the ways real eMRTD chips differ (maximum Le,
//! extended length, latency, removal, faults, DO'99', 6282, hostile length headers).
//!
//! Read from the `[behaviour]` table of a profile's `profile.toml` and overridden by CLI
//! flags; every field is optional.

use serde::Deserialize;

/// What the chip does when the (plaintext) Le asks for more than `max_le`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeOverflow {
    /// Answer 6700 (wrong length): the reader must ask for less.
    #[default]
    WrongLength,
    /// Answer at most `max_le` bytes with 9000 (many chips silently truncate).
    Truncate,
}

/// How the simulated chip behaves. `Default` is a well-behaved modern chip.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Largest plaintext Le served (default 65 536 with extended length, 256 without).
    pub max_le: Option<usize>,
    /// Whether extended-length APDUs are accepted (default true).
    pub extended_length: Option<bool>,
    /// What to do when Le exceeds `max_le`.
    pub le_overflow: LeOverflow,
    /// Delay added to every APDU, in milliseconds.
    pub latency_ms: u64,
    /// The card is removed after this many APDUs (once; it comes back afterwards).
    pub remove_after_apdu: Option<u64>,
    /// The response MAC of this APDU (or of the next protected one) is corrupted, once; when
    /// APDU N is EXTERNAL AUTHENTICATE, its M_IC is corrupted (the terminal must deny).
    pub wrong_mac_at_apdu: Option<u64>,
    /// Omit DO'99' (the status word) from protected responses that carry data.
    pub omit_do99: bool,
    /// Answer 6282 (end of file) when a read asks for more bytes than the file has left.
    pub eof_6282: bool,
    /// A protected read asking for more bytes than the file has left is answered 6282 with
    /// the encrypted DO'87' and no DO'99' or DO'8E' (no MAC), as an emulated BAC 3DES
    /// passport does: a reader must not use those bytes and must read header-first. (Related
    /// published behaviours: 6282 on a DG1 read with Le = 256,
    /// github.com/AndyQ/NFCPassportReader/issues/91; header-first reads of 4 bytes,
    /// github.com/gmrtd/gmrtd/issues/6.)
    pub overread_6282_no_mac: bool,
    /// A read asking for more bytes than the file has left is refused with this status word
    /// and no data (e.g. 0x6B00, 0x6700), as some chips do.
    pub overread_sw: Option<u16>,
    /// The status word SELECT of the master file is answered with (e.g. 0x6A86, 0x6982,
    /// 0x6A81, 0x6A87, 0x6D00, as real chips do); the current DF stays as it was.
    pub select_mf_sw: Option<u16>,
    /// The eMRTD application, not the master file, is the current DF after reset, and READ
    /// BINARY by short file identifier finds only files of the current DF (SFIs are DF-local).
    pub application_selected_at_reset: bool,
    /// MSE:Set AT without DO'84' (the domain parameter id) is refused even when EF.CardAccess
    /// lists one PACEInfo (a chip listing several always refuses it).
    pub mse_requires_domain_id: bool,
    /// The file (e.g. "EF.DG2") whose TLV header declares `declare_length` bytes.
    pub evil_file: Option<String>,
    /// The length the evil file's header declares (default 0xFFFF_FFFF: 4 GB).
    pub declare_length: Option<u32>,
    /// The ATR as hex (default a contactless ATR).
    pub atr: Option<String>,
    /// Without `atr`: the ATR's historical bytes carry the card capabilities (ISO/IEC 7816-4
    /// §8.1.1.2.7) announcing extended Lc/Le as `extended_length` says — or, with
    /// `ef_atr_info`, that EF.ATR/INFO tells.
    pub atr_capabilities: bool,
    /// The chip carries EF.ATR/INFO (2F01) with the extended length information DO'7F66'
    /// (the largest command and response, from `extended_length` and `max_le`).
    pub ef_atr_info: bool,
    /// Status word answering a wrong BAC cryptogram (default 6300; real chips also use
    /// 63Cx, 6982 or 6988). In profile.toml write it as hex: `denied_sw = 0x6988`.
    pub denied_sw: Option<u16>,
    /// GENERAL AUTHENTICATE step N of PACE (1 nonce, 2 mapping, 3 key agreement, 4 tokens)
    /// is answered with only the first byte of its response, once: a reader or an attacker
    /// cutting the chip's answer mid-PACE.
    pub truncate_ga: Option<u8>,
    /// The chip holds another Chip Authentication key than the one EF.DG14 lists: a clone
    /// that copied the signed files but not the private key (ICAO 9303 Part 11 §6.2).
    pub ca_clone: bool,
    /// A 3DES chip that refuses MSE:Set KAT (6A86, under secure messaging) and wants MSE:Set
    /// AT + GENERAL AUTHENTICATE for Chip Authentication.
    pub ca_refuse_kat: bool,
    /// Active Authentication signs another challenge than the terminal's (a clone replaying
    /// a recorded answer).
    pub aa_wrong_challenge: bool,
    /// Active Authentication answers ECDSA as a DER ECDSA-Sig-Value instead of plain r ‖ s.
    pub aa_ecdsa_der: bool,
}

/// The ATR served by default: a PC/SC contactless-card ATR (PC/SC Part 3 §3.1.3.2.3,
/// ISO 14443-4 type B without historical bytes beyond the ISO part).
pub const DEFAULT_ATR: [u8; 13] =
    [0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09];

impl Behaviour {
    /// True when extended-length APDUs are served.
    pub fn extended(&self) -> bool {
        self.extended_length.unwrap_or(true)
    }

    /// The largest plaintext Le served.
    pub fn effective_max_le(&self) -> usize {
        let limit = if self.extended() { 65_536 } else { 256 };
        self.max_le.map_or(limit, |m| m.clamp(1, limit))
    }

    /// The ATR bytes (`atr` when it is valid hex of 2 to 33 bytes, else [`DEFAULT_ATR`]).
    pub fn atr_bytes(&self) -> Vec<u8> {
        self.atr
            .as_deref()
            .and_then(|h| hex::decode(h.replace([' ', ':'], "")).ok())
            .filter(|a| (2..=33).contains(&a.len()))
            .unwrap_or_else(|| {
                if !self.atr_capabilities {
                    return DEFAULT_ATR.to_vec();
                }
                let third = match (self.ef_atr_info, self.extended()) {
                    (true, _) => 0xA0,
                    (false, true) => 0xC0,
                    (false, false) => 0x80,
                };
                crate::iso7816::atr::contactless_atr(third)
            })
    }

    /// EF.ATR/INFO's content when `ef_atr_info` is set: DO'7F66' with the largest command
    /// and response APDU sizes (ISO/IEC 7816-4 §8.2.1.1; a response adds SM overhead and SW).
    pub fn ef_atr_info_bytes(&self) -> Option<Vec<u8>> {
        if !self.ef_atr_info {
            return None;
        }
        let (cmd, resp) = if self.extended() {
            (65_544u32, self.effective_max_le() as u32 + 64)
        } else {
            (261, 258)
        };
        let mut value = crate::iso7816::tlv::tlv(0x02, &cmd.to_be_bytes()[1..]);
        value.extend(crate::iso7816::tlv::tlv(0x02, &resp.to_be_bytes()[1..]));
        Some(crate::iso7816::tlv::tlv(0x7F66, &value))
    }

    /// Applies `other`'s settings on top of these (CLI flags over profile.toml).
    pub fn overridden_by(mut self, other: &Behaviour) -> Behaviour {
        let d = Behaviour::default();
        if other.max_le.is_some() {
            self.max_le = other.max_le;
        }
        if other.extended_length.is_some() {
            self.extended_length = other.extended_length;
        }
        if other.le_overflow != d.le_overflow {
            self.le_overflow = other.le_overflow;
        }
        if other.latency_ms != 0 {
            self.latency_ms = other.latency_ms;
        }
        if other.remove_after_apdu.is_some() {
            self.remove_after_apdu = other.remove_after_apdu;
        }
        if other.wrong_mac_at_apdu.is_some() {
            self.wrong_mac_at_apdu = other.wrong_mac_at_apdu;
        }
        self.omit_do99 |= other.omit_do99;
        self.eof_6282 |= other.eof_6282;
        self.overread_6282_no_mac |= other.overread_6282_no_mac;
        if other.overread_sw.is_some() {
            self.overread_sw = other.overread_sw;
        }
        if other.select_mf_sw.is_some() {
            self.select_mf_sw = other.select_mf_sw;
        }
        self.application_selected_at_reset |= other.application_selected_at_reset;
        self.mse_requires_domain_id |= other.mse_requires_domain_id;
        if other.evil_file.is_some() {
            self.evil_file.clone_from(&other.evil_file);
        }
        if other.declare_length.is_some() {
            self.declare_length = other.declare_length;
        }
        if other.atr.is_some() {
            self.atr.clone_from(&other.atr);
        }
        self.atr_capabilities |= other.atr_capabilities;
        self.ef_atr_info |= other.ef_atr_info;
        if other.denied_sw.is_some() {
            self.denied_sw = other.denied_sw;
        }
        if other.truncate_ga.is_some() {
            self.truncate_ga = other.truncate_ga;
        }
        self.ca_clone |= other.ca_clone;
        self.ca_refuse_kat |= other.ca_refuse_kat;
        self.aa_wrong_challenge |= other.aa_wrong_challenge;
        self.aa_ecdsa_der |= other.aa_ecdsa_der;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_limits() {
        let b = Behaviour::default();
        assert!(b.extended());
        assert_eq!(b.effective_max_le(), 65_536);
        let b = Behaviour { extended_length: Some(false), ..Default::default() };
        assert_eq!(b.effective_max_le(), 256);
        let b =
            Behaviour { extended_length: Some(false), max_le: Some(4000), ..Default::default() };
        assert_eq!(b.effective_max_le(), 256);
        let b = Behaviour { max_le: Some(192), ..Default::default() };
        assert_eq!(b.effective_max_le(), 192);
        assert_eq!(b.atr_bytes(), DEFAULT_ATR);
        let b = Behaviour { atr: Some("3B 80 80 01 01".into()), ..Default::default() };
        assert_eq!(b.atr_bytes(), [0x3B, 0x80, 0x80, 0x01, 0x01]);
    }

    #[test]
    fn parses_from_toml_and_overrides() {
        let b: Behaviour = toml::from_str(
            "max_le = 192\nextended_length = false\nle_overflow = \"truncate\"\neof_6282 = true\nevil_file = \"EF.DG2\"\ndenied_sw = 0x6988",
        )
        .unwrap();
        assert_eq!(b.max_le, Some(192));
        assert_eq!(b.le_overflow, LeOverflow::Truncate);
        assert_eq!(b.denied_sw, Some(0x6988));
        assert!(toml::from_str::<Behaviour>("max_el = 1").is_err());
        let cli = Behaviour { latency_ms: 37, max_le: Some(100), ..Default::default() };
        let merged = b.overridden_by(&cli);
        assert_eq!(merged.max_le, Some(100));
        assert_eq!(merged.latency_ms, 37);
        assert_eq!(merged.extended_length, Some(false));
        assert!(merged.eof_6282);
    }

    #[test]
    fn every_documented_option_parses() {
        let doc = include_str!("mod.rs");
        let sample: String = doc
            .lines()
            .skip_while(|l| l.trim() != "//! [behaviour]")
            .skip(1)
            .take_while(|l| !l.contains("```"))
            .map(|l| l.trim_start_matches("//!").trim_start().to_owned() + "\n")
            .collect();
        let b: Behaviour = toml::from_str(&sample).unwrap();
        assert_eq!(b.max_le, Some(192));
        assert_eq!(b.extended_length, Some(false));
        assert_eq!(b.le_overflow, LeOverflow::Truncate);
        assert_eq!(
            (b.latency_ms, b.remove_after_apdu, b.wrong_mac_at_apdu),
            (37, Some(40), Some(12))
        );
        assert!(b.omit_do99 && b.eof_6282 && b.overread_6282_no_mac);
        assert_eq!(b.select_mf_sw, Some(0x6A86));
        assert_eq!(b.overread_sw, Some(0x6B00));
        assert!(b.application_selected_at_reset);
        assert!(b.atr_capabilities && b.ef_atr_info);
        assert_eq!((b.evil_file.as_deref(), b.declare_length), (Some("EF.DG2"), Some(u32::MAX)));
        assert_eq!(b.atr_bytes(), DEFAULT_ATR);
        assert_eq!(b.denied_sw, Some(0x6988));
        assert_eq!(b.truncate_ga, Some(2));
        assert!(b.ca_clone && b.ca_refuse_kat);
        let flags = Behaviour { ca_clone: true, ..Behaviour::default() };
        assert!(Behaviour::default().overridden_by(&flags).ca_clone);
        assert!(b.aa_wrong_challenge && b.aa_ecdsa_der);
    }
}
