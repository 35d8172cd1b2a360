//! READ BINARY on the simulated chip (ISO/IEC 7816-4 §11.2.3, even and odd INS): Le limits
//! of the behaviour, access rules of the eMRTD application, and the read-past-the-end quirks.

use super::*;

impl Chip {
    /// The largest Le this chip serves now: `max_le`, and with short APDUs only, what still
    /// fits into a 256-byte protected response.
    pub(super) fn le_limit(&self, secured: bool) -> usize {
        let mut limit = self.behaviour.effective_max_le();
        if secured && !self.behaviour.extended() {
            limit = limit.min(short_plaintext_budget(self.behaviour.omit_do99, self.cipher()));
        }
        limit
    }

    pub(super) fn granted_le(&self, cmd: &CommandApdu, secured: bool) -> Result<usize, StatusWord> {
        let le = cmd.le.unwrap_or(SHORT_RESPONSE);
        let limit = self.le_limit(secured);
        let le = if le <= limit {
            le
        } else {
            match self.behaviour.le_overflow {
                LeOverflow::WrongLength => return Err(StatusWord::WrongLength),
                LeOverflow::Truncate => limit,
            }
        };
        // Like a chip's I/O buffer: a whole response (data, SM objects, SW) stays within
        // 65 535 bytes, the most a vpcd frame (and pcsc-lite's extended buffer) carries.
        let cap = if secured {
            plaintext_budget(MAX_RESPONSE - 2, self.behaviour.omit_do99, self.cipher())
        } else {
            MAX_RESPONSE - 2
        };
        Ok(le.min(cap))
    }

    pub(super) fn readable(&self, index: usize, secured: bool) -> Result<(), StatusWord> {
        let ef = self.fs.get(index).ok_or(StatusWord::FileNotFound)?;
        if ef.location.df == Df::Emrtd && !secured {
            return Err(StatusWord::SecurityNotSatisfied);
        }
        Ok(())
    }

    pub(super) fn read_binary(
        &mut self,
        cmd: &CommandApdu,
        secured: bool,
    ) -> Result<ResponseApdu, StatusWord> {
        let (index, offset) = if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return Err(StatusWord::IncorrectP1P2);
            }
            let index = self.by_sfi(cmd.p1 & 0x1F).ok_or(StatusWord::FileNotFound)?;
            (index, u64::from(cmd.p2))
        } else {
            let index = self.ef.ok_or(NO_CURRENT_EF)?;
            (index, u64::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])))
        };
        self.readable(index, secured)?;
        let le = self.granted_le(cmd, secured)?;
        self.ef = Some(index);
        let (data, sw) = self.fs.read(index, offset, le, self.behaviour.eof_6282)?;
        let sw = self.overread(secured, data.len() < le, sw);
        if self.behaviour.overread_sw.is_some_and(|r| StatusWord::from_u16(r) == sw) {
            return Err(sw);
        }
        Ok(ResponseApdu::new(data, sw))
    }

    /// READ BINARY with odd INS (ISO/IEC 7816-4 §7.2.3): offset in DO'54', data in DO'53'.
    pub(super) fn read_binary_odd(
        &mut self,
        cmd: &CommandApdu,
        secured: bool,
    ) -> Result<ResponseApdu, StatusWord> {
        let index = match (cmd.p1, cmd.p2) {
            (0, 0) => self.ef.ok_or(NO_CURRENT_EF)?,
            (0, p2) if p2 & 0xE0 == 0 => self.by_sfi(p2 & 0x1F).ok_or(StatusWord::FileNotFound)?,
            (p1, p2) => self
                .fs
                .by_fid(self.df, u16::from_be_bytes([p1, p2]))
                .ok_or(StatusWord::FileNotFound)?,
        };
        let mut reader = tlv::Reader::new(&cmd.data);
        let offset_do = reader.expect(0x54).map_err(|_| StatusWord::IncorrectData)?;
        reader.finish().map_err(|_| StatusWord::IncorrectData)?;
        if offset_do.value.is_empty() || offset_do.value.len() > 4 {
            return Err(StatusWord::IncorrectData);
        }
        let offset = offset_do.value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        self.readable(index, secured)?;
        let le = self.granted_le(cmd, secured)?;
        self.ef = Some(index);
        // The DO'53' header counts against Le.
        let mut want = le.saturating_sub(2);
        if want > 127 {
            want = le.saturating_sub(3);
        }
        if want > 255 {
            want = le.saturating_sub(4);
        }
        if want == 0 {
            return Err(StatusWord::WrongLength);
        }
        let (data, sw) = self.fs.read(index, offset, want, self.behaviour.eof_6282)?;
        let sw = self.overread(secured, data.len() < want, sw);
        if self.behaviour.overread_sw.is_some_and(|r| StatusWord::from_u16(r) == sw) {
            return Err(sw);
        }
        Ok(ResponseApdu::new(tlv::tlv(0x53, &data), sw))
    }

    /// The EF with this short file identifier: in the current DF, then in the MF — or, on a
    /// chip with `application_selected_at_reset`, in the current DF only.
    pub(super) fn by_sfi(&self, sfi: u8) -> Option<usize> {
        let index = self.fs.by_sfi(self.df, sfi)?;
        let strict = self.behaviour.application_selected_at_reset;
        let here = self.fs.get(index).is_some_and(|f| f.location.df == self.df);
        (here || !strict).then_some(index)
    }

    /// The status of a read that asked past its file's end (`past_end`): with the
    /// `overread_6282_no_mac` quirk under secure messaging, 6282 and a response without MAC.
    pub(super) fn overread(&mut self, secured: bool, past_end: bool, sw: StatusWord) -> StatusWord {
        if let Some(refusal) = self.behaviour.overread_sw.filter(|_| past_end) {
            return StatusWord::from_u16(refusal);
        }
        if secured && past_end && self.behaviour.overread_6282_no_mac {
            self.overread_now = true;
            return StatusWord::EndOfFile;
        }
        sw
    }
}
