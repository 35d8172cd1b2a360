//! Status words (ISO/IEC 7816-4 §5.6) as an enum whose variants carry their data.

use std::fmt;

/// A response status word. Variants that encode a number (61xx, 6Cxx, 63Cx) carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000: normal processing.
    Ok,
    /// 61xx: `xx` more bytes are available with GET RESPONSE (00 means 256 or more).
    BytesAvailable(u8),
    /// 6282: end of file reached before Le bytes were read.
    EndOfFile,
    /// 6300: verification failed (some chips answer a wrong BAC cryptogram so).
    VerificationFailed,
    /// 63Cx: verification failed, `x` tries left.
    TriesLeft(u8),
    /// 6700: wrong length.
    WrongLength,
    /// 6882: secure messaging not supported.
    SmNotSupported,
    /// 6982: security status not satisfied.
    SecurityNotSatisfied,
    /// 6983: authentication method blocked.
    AuthBlocked,
    /// 6985: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// 6987: expected secure-messaging data objects missing.
    SmObjectsMissing,
    /// 6988: secure-messaging data objects incorrect.
    SmObjectsIncorrect,
    /// 6A80: incorrect data field.
    IncorrectData,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A86: incorrect P1/P2.
    IncorrectP1P2,
    /// 6B00: wrong parameters (offset outside the EF).
    WrongOffset,
    /// 6Cxx: wrong Le; `xx` is the exact length to ask for (00 means 256).
    ExactLength(u8),
    /// 6D00: instruction not supported.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// Anything else.
    Other(u16),
}

impl StatusWord {
    /// Decodes the two trailing bytes of a response.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self::from_u16(u16::from_be_bytes([sw1, sw2]))
    }

    /// Decodes a status word given as a number.
    pub fn from_u16(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Ok,
            (0x61, n) => Self::BytesAvailable(n),
            (0x62, 0x82) => Self::EndOfFile,
            (0x63, 0x00) => Self::VerificationFailed,
            (0x63, n) if n & 0xF0 == 0xC0 => Self::TriesLeft(n & 0x0F),
            (0x67, 0x00) => Self::WrongLength,
            (0x68, 0x82) => Self::SmNotSupported,
            (0x69, 0x82) => Self::SecurityNotSatisfied,
            (0x69, 0x83) => Self::AuthBlocked,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x87) => Self::SmObjectsMissing,
            (0x69, 0x88) => Self::SmObjectsIncorrect,
            (0x6A, 0x80) => Self::IncorrectData,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x86) => Self::IncorrectP1P2,
            (0x6B, 0x00) => Self::WrongOffset,
            (0x6C, n) => Self::ExactLength(n),
            (0x6D, 0x00) => Self::InsNotSupported,
            (0x6E, 0x00) => Self::ClaNotSupported,
            _ => Self::Other(sw),
        }
    }

    /// The status word as a number.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::Ok => 0x9000,
            Self::BytesAvailable(n) => 0x6100 | u16::from(n),
            Self::EndOfFile => 0x6282,
            Self::VerificationFailed => 0x6300,
            Self::TriesLeft(n) => 0x63C0 | u16::from(n & 0x0F),
            Self::WrongLength => 0x6700,
            Self::SmNotSupported => 0x6882,
            Self::SecurityNotSatisfied => 0x6982,
            Self::AuthBlocked => 0x6983,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::SmObjectsMissing => 0x6987,
            Self::SmObjectsIncorrect => 0x6988,
            Self::IncorrectData => 0x6A80,
            Self::FileNotFound => 0x6A82,
            Self::IncorrectP1P2 => 0x6A86,
            Self::WrongOffset => 0x6B00,
            Self::ExactLength(n) => 0x6C00 | u16::from(n),
            Self::InsNotSupported => 0x6D00,
            Self::ClaNotSupported => 0x6E00,
            Self::Other(sw) => sw,
        }
    }

    /// The two bytes SW1 SW2.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    /// True for 9000.
    pub fn is_ok(self) -> bool {
        self == Self::Ok
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.to_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips() {
        for sw in 0u16..=0xFFFF {
            assert_eq!(StatusWord::from_u16(sw).to_u16(), sw, "{sw:04X}");
        }
    }

    #[test]
    fn data_carrying_variants() {
        assert_eq!(StatusWord::from_u16(0x6110), StatusWord::BytesAvailable(0x10));
        assert_eq!(StatusWord::from_u16(0x6CDF), StatusWord::ExactLength(0xDF));
        assert_eq!(StatusWord::from_u16(0x63C2), StatusWord::TriesLeft(2));
        assert_eq!(StatusWord::from_u16(0x6300), StatusWord::VerificationFailed);
        assert_eq!(StatusWord::from_u16(0x6988), StatusWord::SmObjectsIncorrect);
    }
}
