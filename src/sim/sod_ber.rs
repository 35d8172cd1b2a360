//! EF.SOD in BER with indefinite lengths (ISO/IEC 8825-1 §8.1.3.6), as some issuers write it:
//! the outer `77` (US passports), ContentInfo, its `[0]`, SignedData, encapContentInfo and its
//! `[0]` (New Zealand's EF.SOD) become `tag 80 … 00 00`; the eContent, the certificates and
//! the signerInfos keep their DER. Passive authentication is unaffected: the signature covers
//! the signed attributes, and the message digest the eContent's octets.

use super::SimError;
use crate::iso7816::tlv::{self, Reader, TlvError};

/// The definite-length EF.SOD `sod` (`77 … ContentInfo`) re-encoded with indefinite lengths.
pub fn indefinite_sod(sod: &[u8]) -> Result<Vec<u8>, SimError> {
    reencode(sod).map_err(SimError::SodEncoding)
}

fn reencode(sod: &[u8]) -> Result<Vec<u8>, TlvError> {
    let mut top = Reader::new(sod);
    let wrapper = top.expect(0x77)?;
    top.finish()?;
    let mut outer = Reader::nested(&wrapper);
    let content_info = outer.expect(0x30)?;
    outer.finish()?;
    let mut ci = Reader::nested(&content_info);
    let content_type = ci.expect(0x06)?;
    let explicit = ci.expect(0xA0)?;
    ci.finish()?;
    let mut inner = Reader::nested(&explicit);
    let signed_data = inner.expect(0x30)?;
    inner.finish()?;

    // SignedData: version, digestAlgorithms, encapContentInfo (the first SEQUENCE), then
    // certificates [0] and signerInfos, kept as they are.
    let mut sd = Reader::nested(&signed_data);
    let mut body = Vec::new();
    let mut encap_done = false;
    while !sd.is_empty() {
        let t = sd.read()?;
        if t.tag == 0x30 && !encap_done {
            encap_done = true;
            let mut encap = Reader::nested(&t);
            let e_type = encap.expect(0x06)?;
            let mut e_body = tlv::tlv(0x06, e_type.value);
            if let Some(e_content) = encap.find(0xA0)? {
                e_body.extend(indefinite(0xA0, e_content.value));
            }
            body.extend(indefinite(0x30, &e_body));
        } else {
            body.extend(tlv::tlv(t.tag, t.value));
        }
    }
    let mut ci_body = tlv::tlv(0x06, content_type.value);
    ci_body.extend(indefinite(0xA0, &indefinite(0x30, &body)));
    Ok(indefinite(0x77, &indefinite(0x30, &ci_body)))
}

/// `tag 80 body 00 00` for a one-byte constructed tag.
fn indefinite(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend([tag, 0x80]);
    out.extend_from_slice(body);
    out.extend([0x00, 0x00]);
    out
}
