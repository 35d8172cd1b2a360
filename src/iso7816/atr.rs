//! What the answer-to-reset and EF.ATR/INFO say about extended length (ISO/IEC 7816-3 §8.2
//! ATR structure; ISO/IEC 7816-4 §8.1.1 historical bytes, §8.1.1.2.7 card capabilities,
//! §8.2.1.1 EF.ATR/INFO with the extended length information DO'7F66'). For a contactless
//! card, PC/SC builds the ATR from the ATS historical bytes (PC/SC Part 3 §3.1.3.2.3).

use super::tlv;

/// What the card says about extended Lc/Le fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedLength {
    /// The card capabilities announce extended Lc and Le fields.
    Supported,
    /// The card capabilities are present and do not announce them.
    NotSupported,
    /// The card capabilities point to EF.ATR/INFO for the extended length information.
    InEfAtrInfo,
    /// The ATR carries no card capabilities: only a try tells.
    Unknown,
}

/// Third software function table byte (ISO/IEC 7816-4 Table 87): b7 extended Lc and Le
/// fields, b6 extended length information in EF.ATR/INFO.
const EXTENDED_LC_LE: u8 = 0x40;
const EXTENDED_INFO_IN_EF_ATR: u8 = 0x20;

/// The historical bytes of an ATR, or `None` when the ATR is malformed or truncated.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = usize::from(t0 & 0x0F);
    let mut y = t0 >> 4;
    let mut i = 2;
    // Interface bytes: TAi, TBi, TCi, TDi as Yi says; TDi gives the next Y (at most 8 rounds).
    for _ in 0..8 {
        let td_present = y & 0x8 != 0;
        i += usize::from((y & 0x7).count_ones() as u8);
        if !td_present {
            break;
        }
        y = *atr.get(i)? >> 4;
        i += 1;
    }
    atr.get(i..i.checked_add(k)?)
}

/// What the ATR's historical bytes say about extended length: the card capabilities DO
/// (compact-TLV tag 7) in historical bytes of category 00 or 80.
pub fn extended_length(atr: &[u8]) -> ExtendedLength {
    let Some(hist) = historical_bytes(atr) else { return ExtendedLength::Unknown };
    let objects = match hist.split_first() {
        Some((0x80, rest)) => rest,
        // Category 00: compact-TLV objects, then a three-byte status indicator.
        Some((0x00, rest)) => rest.get(..rest.len().saturating_sub(3)).unwrap_or_default(),
        _ => return ExtendedLength::Unknown,
    };
    let mut rest = objects;
    while let Some((&head, tail)) = rest.split_first() {
        let (tag, len) = (head >> 4, usize::from(head & 0x0F));
        let Some(value) = tail.get(..len) else { return ExtendedLength::Unknown };
        if tag == 0x7 {
            return match value.get(2) {
                Some(b) if b & EXTENDED_LC_LE != 0 => ExtendedLength::Supported,
                Some(b) if b & EXTENDED_INFO_IN_EF_ATR != 0 => ExtendedLength::InEfAtrInfo,
                _ => ExtendedLength::NotSupported,
            };
        }
        rest = tail.get(len..).unwrap_or_default();
    }
    ExtendedLength::Unknown
}

/// The most bytes a response APDU may carry, from the extended length information DO'7F66'
/// of EF.ATR/INFO (two DO'02': command, then response). `None` when absent or malformed.
pub fn max_response_from_ef_atr(bytes: &[u8]) -> Option<usize> {
    let mut r = tlv::Reader::new(bytes);
    while let Ok(t) = r.read() {
        if t.tag != 0x7F66 {
            continue;
        }
        let mut inner = tlv::Reader::new(t.value);
        let _cmd = inner.expect(0x02).ok()?;
        let resp = inner.expect(0x02).ok()?;
        if resp.value.is_empty() || resp.value.len() > 4 {
            return None;
        }
        return Some(resp.value.iter().fold(0usize, |a, &b| a << 8 | usize::from(b)));
    }
    None
}

/// An ATR for a contactless card as PC/SC builds it (`3B 8n 80 01`, the historical bytes,
/// TCK) carrying the card capabilities DO with the given third byte (for the simulator).
pub fn contactless_atr(third_capabilities_byte: u8) -> Vec<u8> {
    let hist = [0x80, 0x73, 0x00, 0x00, third_capabilities_byte];
    let mut atr = vec![0x3B, 0x80 | hist.len() as u8, 0x80, 0x01];
    atr.extend_from_slice(&hist);
    let tck = atr.iter().skip(1).fold(0u8, |a, b| a ^ b);
    atr.push(tck);
    atr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_card_capabilities_from_contactless_atrs() {
        let ext = contactless_atr(0x80 | EXTENDED_LC_LE);
        assert_eq!(historical_bytes(&ext), Some(&[0x80, 0x73, 0x00, 0x00, 0xC0][..]));
        assert_eq!(extended_length(&ext), ExtendedLength::Supported);
        assert_eq!(extended_length(&contactless_atr(0x80)), ExtendedLength::NotSupported);
        assert_eq!(extended_length(&contactless_atr(0xA0)), ExtendedLength::InEfAtrInfo);
        // The simulator's plain ATR: eight historical bytes of category 00 without DO'7x'.
        let plain = [0x3B, 0x88, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x09];
        assert_eq!(historical_bytes(&plain).map(<[u8]>::len), Some(8));
        assert_eq!(extended_length(&plain), ExtendedLength::Unknown);
        // Truncated or hostile ATRs say nothing.
        for bad in [&[][..], &[0x3B], &[0x3B, 0x8F, 0x80], &[0x3B, 0x81, 0x80, 0x01, 0x80, 0x75]] {
            assert_eq!(extended_length(bad), ExtendedLength::Unknown);
        }
    }

    #[test]
    fn reads_the_extended_length_information_of_ef_atr_info() {
        // 7F66 08 02 02 08 00 02 02 04 00: commands up to 2048 bytes, responses up to 1024.
        let ef = [0x7F, 0x66, 0x08, 0x02, 0x02, 0x08, 0x00, 0x02, 0x02, 0x04, 0x00];
        assert_eq!(max_response_from_ef_atr(&ef), Some(1024));
        let mut with_other = vec![0x43, 0x01, 0x00];
        with_other.extend_from_slice(&ef);
        assert_eq!(max_response_from_ef_atr(&with_other), Some(1024));
        assert_eq!(max_response_from_ef_atr(&[0x7F, 0x66, 0x02, 0x02, 0x00]), None);
        assert_eq!(max_response_from_ef_atr(&[0x7F]), None);
    }
}
