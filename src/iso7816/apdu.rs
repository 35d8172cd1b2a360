//! Command and response APDUs (ISO/IEC 7816-4 §5.1 and §5.2), short and extended length.

use super::StatusWord;
use std::fmt;

/// The largest Le a short APDU can ask for (encoded as `00`).
pub const MAX_SHORT_LE: usize = 256;
/// The largest Le an extended APDU can ask for (encoded as `00 00`).
pub const MAX_EXTENDED_LE: usize = 65_536;
const MAX_SHORT_LC: usize = 255;
const MAX_EXTENDED_LC: usize = 65_535;

/// Why an APDU could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command data of {0} bytes is longer than an extended APDU allows (65 535)")]
    DataTooLong(usize),
    #[error("Le of {0} is out of range (1 to 65 536)")]
    BadLe(usize),
    #[error("a command APDU needs at least 4 bytes, got {0}")]
    TooShort(usize),
    #[error("the APDU's length fields do not match its {0} bytes")]
    Malformed(usize),
    #[error("a response needs at least the 2 status bytes, got {0}")]
    ResponseTooShort(usize),
}

/// A command APDU. `le` is the number of bytes expected (`Some(256)` is short `00`,
/// `Some(65536)` is extended `00 00`); `None` means no Le field.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

impl fmt::Debug for CommandApdu {
    // Command data can hold cryptograms and keys material: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CommandApdu {{ {:02X} {:02X} {:02X} {:02X}, data: {} bytes (REDACTED), le: {:?} }}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl CommandApdu {
    /// A command with no data and no Le.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), le: None }
    }

    /// Sets the command data.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets the expected response length.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// True when the command needs extended length fields.
    pub fn is_extended(&self) -> bool {
        self.data.len() > MAX_SHORT_LC || self.le.is_some_and(|le| le > MAX_SHORT_LE)
    }

    /// Encodes the command, choosing short or extended form as needed.
    pub fn encode(&self) -> Result<Vec<u8>, ApduError> {
        let lc = self.data.len();
        if lc > MAX_EXTENDED_LC {
            return Err(ApduError::DataTooLong(lc));
        }
        if let Some(le) = self.le
            && (le == 0 || le > MAX_EXTENDED_LE)
        {
            return Err(ApduError::BadLe(le));
        }
        let mut out = Vec::with_capacity(4 + 3 + lc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if self.is_extended() {
            out.push(0);
            if lc > 0 {
                out.extend_from_slice(&(lc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.extend_from_slice(&((le % MAX_EXTENDED_LE) as u16).to_be_bytes());
            }
        } else {
            if lc > 0 {
                out.push(lc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push((le % MAX_SHORT_LE) as u8);
            }
        }
        Ok(out)
    }

    /// Decodes a command APDU (the card side of the exchange; used by the simulator).
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        let n = raw.len();
        let (header, body) = match raw.split_first_chunk::<4>() {
            Some((h, b)) => (h, b),
            None => return Err(ApduError::TooShort(n)),
        };
        let mut cmd = Self::new(header[0], header[1], header[2], header[3]);
        match body {
            [] => {}
            [le] => cmd.le = Some(short_le(*le)),
            [0, rest @ ..] if rest.len() >= 2 => {
                let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let tail = &rest[2..];
                if tail.is_empty() {
                    cmd.le = Some(extended_le(len));
                } else if tail.len() == len && len > 0 {
                    cmd.data = tail.to_vec();
                } else if tail.len() == len + 2 && len > 0 {
                    cmd.data = tail[..len].to_vec();
                    cmd.le = Some(extended_le(usize::from(u16::from_be_bytes([
                        tail[len],
                        tail[len + 1],
                    ]))));
                } else {
                    return Err(ApduError::Malformed(n));
                }
            }
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() == lc {
                    cmd.data = rest.to_vec();
                } else if rest.len() == lc + 1 {
                    cmd.data = rest[..lc].to_vec();
                    cmd.le = Some(short_le(rest[lc]));
                } else {
                    return Err(ApduError::Malformed(n));
                }
            }
        }
        Ok(cmd)
    }
}

fn short_le(b: u8) -> usize {
    if b == 0 { MAX_SHORT_LE } else { usize::from(b) }
}

fn extended_le(v: usize) -> usize {
    if v == 0 { MAX_EXTENDED_LE } else { v }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseApdu {{ {} bytes (REDACTED), sw: {} }}", self.data.len(), self.sw)
    }
}

impl ResponseApdu {
    /// A response with data and a status word.
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        Self { data, sw }
    }

    /// A bare status word.
    pub fn status(sw: StatusWord) -> Self {
        Self { data: Vec::new(), sw }
    }

    /// Splits raw response bytes into data and status word.
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        match raw.split_last_chunk::<2>() {
            Some((data, [sw1, sw2])) => {
                Ok(Self { data: data.to_vec(), sw: StatusWord::from_bytes(*sw1, *sw2) })
            }
            None => Err(ApduError::ResponseTooShort(raw.len())),
        }
    }

    /// The raw bytes: data followed by SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_encode_as_iso_cases() {
        let c1 = CommandApdu::new(0x00, 0x84, 0, 0);
        assert_eq!(c1.encode().unwrap(), [0x00, 0x84, 0, 0]);
        let c2 = CommandApdu::new(0x00, 0x84, 0, 0).with_le(8);
        assert_eq!(c2.encode().unwrap(), [0x00, 0x84, 0, 0, 8]);
        let c2_256 = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(256);
        assert_eq!(c2_256.encode().unwrap(), [0x00, 0xB0, 0, 0, 0]);
        let c4 = CommandApdu::new(0x00, 0xA4, 4, 0x0C).with_data([1, 2]).with_le(3);
        assert_eq!(c4.encode().unwrap(), [0x00, 0xA4, 4, 0x0C, 2, 1, 2, 3]);
    }

    #[test]
    fn extended_forms_encode() {
        let c = CommandApdu::new(0x0C, 0xB0, 0, 0).with_le(65_536);
        assert_eq!(c.encode().unwrap(), [0x0C, 0xB0, 0, 0, 0, 0, 0]);
        let c = CommandApdu::new(0x0C, 0xB0, 0, 0).with_data(vec![7; 300]).with_le(1000);
        let enc = c.encode().unwrap();
        assert_eq!(&enc[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(&enc[enc.len() - 2..], &[0x03, 0xE8]);
    }

    #[test]
    fn parse_round_trips() {
        let cases = [
            CommandApdu::new(0, 0x84, 0, 0),
            CommandApdu::new(0, 0x84, 0, 0).with_le(8),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(256),
            CommandApdu::new(0, 0xA4, 4, 0xC).with_data([1, 2, 3]),
            CommandApdu::new(0, 0xA4, 4, 0xC).with_data([1, 2, 3]).with_le(256),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(65_536),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(1000),
            CommandApdu::new(0, 0xB0, 0, 0).with_data(vec![1; 400]),
            CommandApdu::new(0, 0xB0, 0, 0).with_data(vec![1; 3]).with_le(4000),
        ];
        for c in cases {
            assert_eq!(CommandApdu::parse(&c.encode().unwrap()).unwrap(), c);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(CommandApdu::parse(&[0, 1, 2]).is_err());
        assert!(CommandApdu::parse(&[0, 0xA4, 0, 0, 5, 1]).is_err());
        assert!(CommandApdu::new(0, 0, 0, 0).with_le(0).encode().is_err());
        assert!(ResponseApdu::parse(&[0x90]).is_err());
        let r = ResponseApdu::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert!(r.sw.is_ok());
    }
}
