//! Secure-messaging data objects (ICAO 9303 Part 11 §9.8.3–§9.8.4, ISO/IEC 7816-4 §10.2):
//! building and parsing DO'85'/'87' (cryptogram), DO'97' (Le), DO'99' (status) and DO'8E'
//! (MAC), shared by the terminal and chip sides.

use super::{Cipher, SmError, crypto};
use crate::iso7816::tlv::{self, Reader};
use crate::iso7816::{ApduError, MAX_EXTENDED_LE, MAX_SHORT_LE};

/// DO'87': padding-content indicator `01` then the cryptogram (even INS).
pub const TAG_CRYPTOGRAM_PADDED: u32 = 0x87;
/// DO'85': the cryptogram alone, for odd INS whose data is BER-TLV encoded.
pub const TAG_CRYPTOGRAM_ODD: u32 = 0x85;
/// DO'97': the expected length Le of the unprotected command.
pub const TAG_LE: u32 = 0x97;
/// DO'99': the processing status SW1 SW2 of the unprotected response.
pub const TAG_STATUS: u32 = 0x99;
/// DO'8E': the cryptographic checksum (MAC).
pub const TAG_MAC: u32 = 0x8E;

/// Keys and counter value used for one message.
pub struct MessageKeys<'a> {
    pub cipher: Cipher,
    pub k_enc: &'a [u8],
    pub k_mac: &'a [u8],
    pub ssc: &'a [u8],
}

impl MessageKeys<'_> {
    /// Appends the encrypted `plain` as DO'85' (odd INS) or DO'87'.
    pub fn encrypt_into(
        &self,
        odd_ins: bool,
        plain: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SmError> {
        let padded = zeroize::Zeroizing::new(crypto::pad(plain, self.cipher.block_size()));
        let iv = crypto::sm_iv(self.cipher, self.k_enc, self.ssc)?;
        let ct = crypto::cbc_encrypt(self.cipher, self.k_enc, &iv, &padded)?;
        if odd_ins {
            tlv::encode(TAG_CRYPTOGRAM_ODD, &ct, out);
        } else {
            let mut value = Vec::with_capacity(ct.len() + 1);
            value.push(0x01);
            value.extend_from_slice(&ct);
            tlv::encode(TAG_CRYPTOGRAM_PADDED, &value, out);
        }
        Ok(())
    }

    /// Decrypts the value of a DO'85' or DO'87' and removes the padding.
    pub fn decrypt(&self, tag: u32, value: &[u8]) -> Result<Vec<u8>, SmError> {
        let ct = if tag == TAG_CRYPTOGRAM_PADDED {
            match value.split_first() {
                Some((0x01, ct)) => ct,
                Some((pi, _)) => {
                    return Err(SmError::BadObject(format!(
                        "DO'87' padding-content indicator is {pi:02X}, expected 01"
                    )));
                }
                None => return Err(SmError::BadObject("DO'87' is empty".into())),
            }
        } else {
            value
        };
        let iv = crypto::sm_iv(self.cipher, self.k_enc, self.ssc)?;
        let padded =
            zeroize::Zeroizing::new(crypto::cbc_decrypt(self.cipher, self.k_enc, &iv, ct)?);
        Ok(crypto::unpad(&padded, self.cipher.block_size())?.to_vec())
    }

    /// The MAC over SSC ‖ padded header (commands only) ‖ data objects, padded.
    pub fn mac(&self, header: Option<[u8; 4]>, objects: &[u8]) -> Result<[u8; 8], SmError> {
        let bs = self.cipher.block_size();
        let mut input = Vec::with_capacity(self.ssc.len() + 2 * bs + objects.len());
        input.extend_from_slice(self.ssc);
        if let Some(h) = header {
            input.extend_from_slice(&crypto::pad(&h, bs));
        }
        input.extend_from_slice(objects);
        crypto::mac(self.cipher, self.k_mac, &crypto::pad(&input, bs))
    }
}

/// Appends DO'97' for `le`: one byte up to 256 (`00` = 256), two bytes beyond (`0000` = 65 536).
pub fn encode_le(le: usize, out: &mut Vec<u8>) -> Result<(), ApduError> {
    if le == 0 || le > MAX_EXTENDED_LE {
        return Err(ApduError::BadLe(le));
    }
    if le <= MAX_SHORT_LE {
        tlv::encode(TAG_LE, &[(le % MAX_SHORT_LE) as u8], out);
    } else {
        tlv::encode(TAG_LE, &((le % MAX_EXTENDED_LE) as u16).to_be_bytes(), out);
    }
    Ok(())
}

/// Decodes the value of DO'97'.
pub fn decode_le(value: &[u8]) -> Result<usize, SmError> {
    match *value {
        [b] => Ok(if b == 0 { MAX_SHORT_LE } else { usize::from(b) }),
        [a, b] => {
            let v = usize::from(u16::from_be_bytes([a, b]));
            Ok(if v == 0 { MAX_EXTENDED_LE } else { v })
        }
        _ => {
            Err(SmError::BadObject(format!("DO'97' holds {} bytes, expected 1 or 2", value.len())))
        }
    }
}

/// The parts of a protected message body, borrowed from it.
pub struct Protected<'a> {
    /// Tag (0x85 or 0x87) and value of the cryptogram object.
    pub cryptogram: Option<(u32, &'a [u8])>,
    /// The value of DO'97' (command) or DO'99' (response).
    pub middle: Option<&'a [u8]>,
    /// The 8-byte MAC from DO'8E'.
    pub mac: &'a [u8],
    /// The encoded objects before DO'8E' (what the MAC covers).
    pub covered: &'a [u8],
}

/// Parses `[DO'85'|DO'87'] [DO'97'|DO'99'] DO'8E'` in this order, nothing after DO'8E'.
/// `middle_tag` is [`TAG_LE`] for commands and [`TAG_STATUS`] for responses.
pub fn parse<'a>(data: &'a [u8], middle_tag: u32, what: &str) -> Result<Protected<'a>, SmError> {
    let mut r = Reader::new(data);
    let mut cryptogram = None;
    let mut middle = None;
    while !r.is_empty() {
        let start = data.len() - r.remaining().len();
        let obj = r.read()?;
        match obj.tag {
            TAG_CRYPTOGRAM_PADDED | TAG_CRYPTOGRAM_ODD
                if cryptogram.is_none() && middle.is_none() =>
            {
                cryptogram = Some((obj.tag, obj.value));
            }
            t if t == middle_tag && middle.is_none() => middle = Some(obj.value),
            TAG_MAC => {
                if obj.value.len() != 8 {
                    return Err(SmError::BadObject(format!(
                        "DO'8E' in the {what} holds {} bytes, expected 8",
                        obj.value.len()
                    )));
                }
                let covered = data.get(..start).unwrap_or_default();
                r.finish()?;
                return Ok(Protected { cryptogram, middle, mac: obj.value, covered });
            }
            t => {
                return Err(SmError::BadObject(format!(
                    "unexpected, repeated or misplaced data object {t:02X} in the {what}"
                )));
            }
        }
    }
    Err(SmError::MissingMac)
}
