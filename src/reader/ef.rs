//! Reading one elementary file: SFI or SELECT, first chunk, length from the TLV header, then
//! the rest in the largest working chunks (B0 up to offset 32 767, odd-INS B1 beyond). When a
//! first chunk fails the way asking past a file's end can make it fail, the reader switches to
//! header-first reading (the TLV header alone, then exactly the bytes it declares) for the rest
//! of the session, as JMRTD and gmrtd read every file.

use super::indefinite::{self, Frame, Framing};
use super::{ChunkPolicy, MAX_EF_SIZE, ReadError, Transport};
use crate::card::CardError;
use crate::iso7816::tlv::{self, parse_header};
use crate::iso7816::{CommandApdu, ResponseApdu, StatusWord};
use crate::sm::SmError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Highest offset a plain READ BINARY (B0) can address.
const MAX_B0_OFFSET: usize = 0x7FFF;
/// Room for the DO'53' header that wraps odd-INS READ BINARY data.
const DO53_OVERHEAD: usize = 4;
/// Bytes a header-first read asks for first: a one-byte tag with a three-byte length
/// (`75 82 xx xx`) — every LDS file is at least this long. Longer headers get their missing
/// bytes in exact follow-up reads.
const HEADER_PROBE: usize = 4;
/// The longest TLV header [`parse_header`] accepts (two-byte tag, `84` and four length bytes).
const MAX_HEADER: usize = 7;

/// The chunk size below which [`apdu_cap`] stops trusting the policy: a chip must deliver
/// on average at least half of this (or of the chunk asked for, if smaller) per READ BINARY.
const FAIR_CHUNK: usize = 64;

/// The most READ BINARY commands (after the first chunk) spent on a file of `total` bytes
/// read in chunks of `chunk`: twice what chunks of `min(chunk, 64)` bytes would need, plus 8
/// for step-downs and re-selects. A chip answering every read with a few bytes is cut off
/// long before it could keep the reader busy for minutes.
pub fn apdu_cap(total: usize, chunk: usize) -> usize {
    let unit = chunk.clamp(1, FAIR_CHUNK);
    total.div_ceil(unit).saturating_mul(2).saturating_add(8)
}

/// How to address an EF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileId {
    /// Name for reports and errors, e.g. "EF.DG2".
    pub name: String,
    /// Short file identifier, when the file has one.
    pub sfi: Option<u8>,
    /// File identifier for SELECT.
    pub fid: u16,
}

/// Receives reading progress: file name, bytes read so far, total bytes of the file.
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

/// The READ BINARY engine over a transport.
pub struct EfReader<T> {
    /// The channel to the chip.
    pub transport: T,
    /// The chunk size policy, learned over the session.
    pub policy: ChunkPolicy,
    cancel: Option<Arc<AtomicBool>>,
    /// Whether short file identifiers are used (turned off when the chip refuses them).
    use_sfi: bool,
    /// Whether first chunks read the TLV header alone (set when a larger first chunk failed).
    header_first: bool,
}

impl<T: Transport> EfReader<T> {
    /// A reader with the given chunk policy.
    pub fn new(transport: T, policy: ChunkPolicy) -> Self {
        Self { transport, policy, cancel: None, use_sfi: true, header_first: false }
    }

    /// Reads every file header-first from the start (for a chip known to need it).
    pub fn header_first(mut self) -> Self {
        self.header_first = true;
        self
    }

    /// True once the reader reads each file header-first with exact lengths (after a first
    /// chunk failed as asking past a file's end can make it fail).
    pub fn is_header_first(&self) -> bool {
        self.header_first
    }

    /// Checks `flag` between APDUs and stops with [`ReadError::Cancelled`] when it is set.
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Bytes one READ BINARY may ask for: the chunk size, less the DO'53' offset overhead of
    /// the odd-instruction form used beyond offset 32 767.
    fn room(&self, odd: bool) -> usize {
        if odd {
            self.policy.size().saturating_sub(DO53_OVERHEAD).max(1)
        } else {
            self.policy.size()
        }
    }

    fn check_cancel(&self) -> Result<(), ReadError> {
        match &self.cancel {
            Some(f) if f.load(Ordering::Relaxed) => Err(ReadError::Cancelled),
            _ => Ok(()),
        }
    }

    /// SELECT by file identifier (P2 = 0C: no FCI wanted).
    pub fn select(&mut self, file: &FileId) -> Result<(), ReadError> {
        let cmd = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.fid.to_be_bytes());
        let resp = self.transport.send(&cmd)?;
        match resp.sw {
            StatusWord::Ok => Ok(()),
            StatusWord::FileNotFound => Err(ReadError::NotFound { file: file.name.clone() }),
            sw => Err(ReadError::Status { file: file.name.clone(), offset: 0, sw }),
        }
    }

    /// Reads a whole EF.
    pub fn read(&mut self, file: &FileId, progress: Progress<'_>) -> Result<Vec<u8>, ReadError> {
        let (first, mut selected) = self.read_first(file)?;
        if indefinite::starts_indefinite(&first) {
            return self.read_indefinite(file, first, selected, progress);
        }
        let header = parse_header(&first)
            .map_err(|source| ReadError::BadHeader { file: file.name.clone(), source })?;
        let total = header.total_len();
        if total > MAX_EF_SIZE {
            return Err(ReadError::TooLarge {
                file: file.name.clone(),
                declared: header.value_len,
                cap: MAX_EF_SIZE,
            });
        }
        let mut buf = Vec::with_capacity(total);
        buf.extend_from_slice(first.get(..total).unwrap_or(&first));
        progress(&file.name, buf.len(), total);
        let cap = apdu_cap(total, self.policy.size());
        let mut apdus = 0usize;
        while buf.len() < total {
            self.next_apdu(file, &mut apdus, cap, &mut selected)?;
            let offset = buf.len();
            let room = self.room(offset > MAX_B0_OFFSET);
            let want = room.min(total - offset);
            match self.exchange(&read_binary(offset, want), file, offset)? {
                Step::Data(data) => {
                    let data = self.chunk(data, file, offset, want, room)?;
                    let take = data.len().min(total - offset);
                    buf.extend_from_slice(data.get(..take).unwrap_or(&data));
                    progress(&file.name, buf.len(), total);
                }
                Step::Retry { reselect } => selected &= !reselect,
            }
        }
        Ok(buf)
    }

    /// Reads the rest of a file whose outer element has an indefinite length (`77 80 …`) up
    /// to the end-of-contents octets that close it ([`Framing`]), never past [`MAX_EF_SIZE`]
    /// and within the same APDU cap as a definite file of the length known so far. The fast
    /// path asks for whole chunks (the last one may ask past the end, as a first chunk does);
    /// header-first, or once such a chunk fails as asking past the end can make it fail, each
    /// READ BINARY asks only for bytes the structure proves are there.
    fn read_indefinite(
        &mut self,
        file: &FileId,
        mut buf: Vec<u8>,
        mut selected: bool,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, ReadError> {
        let framing_error = |source| ReadError::Framing { file: file.name.clone(), source };
        let mut framing = Framing::new(MAX_EF_SIZE);
        let mut apdus = 0usize;
        loop {
            let need = match framing.advance(&buf).map_err(framing_error)? {
                Frame::Complete(total) => {
                    buf.truncate(total);
                    progress(&file.name, total, total);
                    return Ok(buf);
                }
                Frame::Need(need) => need,
            };
            progress(&file.name, buf.len(), need);
            let cap = apdu_cap(need, self.policy.size());
            self.next_apdu(file, &mut apdus, cap, &mut selected)?;
            let offset = buf.len();
            let room = self.room(offset > MAX_B0_OFFSET);
            let want = if self.header_first { room.min(need - offset) } else { room };
            match self.exchange(&read_binary(offset, want), file, offset) {
                Ok(Step::Data(data)) => {
                    let data = self.chunk(data, file, offset, want, room)?;
                    // At most one chunk past the cap: the framing refuses the file then.
                    buf.extend(data.into_iter().take(want));
                }
                Ok(Step::Retry { reselect }) => selected &= !reselect,
                Err(e) if !self.header_first && overread_suspect_at_any_offset(&e) => {
                    tracing::info!(file = %file.name, offset, error = %e,
                        "chunk past an indefinite-length end refused; reading exact lengths");
                    self.header_first = true;
                    if matches!(e, ReadError::Sm(_)) {
                        self.transport.recover()?;
                        selected = false;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Before each READ BINARY of a file: stop if cancelled, count the APDU against `cap`,
    /// and select the file again when a recovery deselected it.
    fn next_apdu(
        &mut self,
        file: &FileId,
        apdus: &mut usize,
        cap: usize,
        selected: &mut bool,
    ) -> Result<(), ReadError> {
        self.check_cancel()?;
        *apdus += 1;
        if *apdus > cap {
            return Err(ReadError::TooManyApdus { file: file.name.clone(), cap });
        }
        if !*selected {
            self.select(file)?;
            *selected = true;
        }
        Ok(())
    }

    /// A chunk's data from a READ BINARY at `offset` that asked for `want` of at most `room`
    /// bytes: taken out of its DO'53' past the B0 offset range, refused when empty. Only a full
    /// chunk proves the session's response size; a file's short tail does not.
    fn chunk(
        &mut self,
        data: Vec<u8>,
        file: &FileId,
        offset: usize,
        want: usize,
        room: usize,
    ) -> Result<Vec<u8>, ReadError> {
        let data = if offset > MAX_B0_OFFSET { unwrap_do53(&data, file)? } else { data };
        if data.is_empty() {
            return Err(ReadError::ShortFile { file: file.name.clone(), offset });
        }
        if want == room && data.len() >= want {
            self.policy.confirmed = true;
        }
        Ok(data)
    }

    /// The first chunk. Fast path: as large a chunk as the session allows. When that fails as
    /// a read past the file's end can make it fail ([`overread_suspect`]), the session is
    /// authenticated again if the error ended secure messaging, and this and every later file
    /// is read header-first. Nothing of the failed answer is used.
    fn read_first(&mut self, file: &FileId) -> Result<(Vec<u8>, bool), ReadError> {
        if self.header_first {
            return self.read_header(file);
        }
        match self.read_first_chunk(file) {
            Err(e) if overread_suspect(&e) => {
                tracing::info!(file = %file.name, error = %e,
                    "first chunk refused; reading header-first with exact lengths from now on");
                self.header_first = true;
                self.policy.restart();
                if matches!(e, ReadError::Sm(_)) {
                    self.transport.recover()?;
                }
                self.read_header(file)
            }
            other => other,
        }
    }

    /// Reads the file's TLV header alone: [`HEADER_PROBE`] bytes, then exactly the bytes a
    /// longer header still lacks. Returns the header bytes (the file is selected).
    fn read_header(&mut self, file: &FileId) -> Result<(Vec<u8>, bool), ReadError> {
        let mut head = self.read_at_start(file, HEADER_PROBE)?;
        while let Some(needed) = header_len(&head).filter(|&n| n > head.len()) {
            self.check_cancel()?;
            let offset = head.len();
            let cmd = CommandApdu::new(0x00, 0xB0, 0, offset as u8).with_le(needed - offset);
            match self.exchange_exact(&cmd, file, offset)? {
                data if data.is_empty() => {
                    return Err(ReadError::ShortFile { file: file.name.clone(), offset });
                }
                data => head.extend(data.into_iter().take(needed - offset)),
            }
        }
        // Complete, or an error `read` reports.
        Ok((head, true))
    }

    /// READ BINARY of exactly `le` bytes at offset 0: by SFI when possible, else SELECT then B0.
    fn read_at_start(&mut self, file: &FileId, le: usize) -> Result<Vec<u8>, ReadError> {
        self.check_cancel()?;
        let cmd = match file.sfi {
            Some(sfi) if self.use_sfi => {
                CommandApdu::new(0x00, 0xB0, 0x80 | (sfi & 0x1F), 0).with_le(le)
            }
            _ => {
                self.select(file)?;
                CommandApdu::new(0x00, 0xB0, 0, 0).with_le(le)
            }
        };
        match self.exchange_exact(&cmd, file, 0) {
            Err(ReadError::Status { sw, .. }) if cmd.p1 & 0x80 != 0 && refuses_sfi(sw) => {
                tracing::debug!(file = %file.name, %sw, "chip refuses SFI reads; using SELECT");
                self.use_sfi = false;
                self.read_at_start(file, le)
            }
            Ok(data) if data.is_empty() => {
                Err(ReadError::ShortFile { file: file.name.clone(), offset: 0 })
            }
            other => other,
        }
    }

    /// One READ BINARY of an exact length: its data, or the error (no step-down: nothing is
    /// asked past the file's end any more).
    fn exchange_exact(
        &mut self,
        cmd: &CommandApdu,
        file: &FileId,
        offset: usize,
    ) -> Result<Vec<u8>, ReadError> {
        let resp = self.transport.send(cmd)?;
        match resp.sw {
            StatusWord::Ok => Ok(resp.data),
            StatusWord::EndOfFile if !resp.data.is_empty() => Ok(resp.data),
            StatusWord::FileNotFound => Err(ReadError::NotFound { file: file.name.clone() }),
            StatusWord::SecurityNotSatisfied | StatusWord::ConditionsNotSatisfied => {
                Err(ReadError::Denied { file: file.name.clone(), sw: resp.sw })
            }
            sw => Err(ReadError::Status { file: file.name.clone(), offset, sw }),
        }
    }

    /// The fast first chunk: by SFI when possible (no SELECT needed), else SELECT then B0.
    fn read_first_chunk(&mut self, file: &FileId) -> Result<(Vec<u8>, bool), ReadError> {
        let mut selected = false;
        loop {
            self.check_cancel()?;
            let le = self.policy.size();
            let cmd = match file.sfi {
                Some(sfi) if self.use_sfi && !selected => {
                    CommandApdu::new(0x00, 0xB0, 0x80 | (sfi & 0x1F), 0).with_le(le)
                }
                _ => {
                    if !selected {
                        self.select(file)?;
                        selected = true;
                    }
                    CommandApdu::new(0x00, 0xB0, 0, 0).with_le(le)
                }
            };
            let by_sfi = cmd.p1 & 0x80 != 0;
            match self.exchange(&cmd, file, 0) {
                Ok(Step::Data(data)) if !data.is_empty() => {
                    if data.len() >= le {
                        self.policy.confirmed = true;
                    }
                    // An SFI read selects the file implicitly.
                    return Ok((data, true));
                }
                Ok(Step::Data(_)) => {
                    return Err(ReadError::ShortFile { file: file.name.clone(), offset: 0 });
                }
                Ok(Step::Retry { reselect }) => selected &= !reselect,
                Err(ReadError::Status { sw, .. }) if by_sfi && refuses_sfi(sw) => {
                    tracing::debug!(file = %file.name, %sw, "chip refuses SFI reads; using SELECT");
                    self.use_sfi = false;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends one READ BINARY and sorts the outcome: data, retry with a smaller chunk, or error.
    fn exchange(
        &mut self,
        cmd: &CommandApdu,
        file: &FileId,
        offset: usize,
    ) -> Result<Step, ReadError> {
        let resp: ResponseApdu = match self.transport.send(cmd) {
            Ok(r) => r,
            Err(e) if self.may_step_down(&e) => {
                tracing::debug!(file = %file.name, chunk = self.policy.size(), error = %e,
                    "chunk refused; recovering and stepping down");
                if !self.policy.step_down() {
                    return Err(e);
                }
                self.transport.recover()?;
                return Ok(Step::Retry { reselect: true });
            }
            Err(e) => return Err(e),
        };
        let name = || file.name.clone();
        match resp.sw {
            StatusWord::Ok => Ok(Step::Data(resp.data)),
            StatusWord::EndOfFile if !resp.data.is_empty() => Ok(Step::Data(resp.data)),
            StatusWord::ExactLength(n) => {
                let exact = if n == 0 { 256 } else { usize::from(n) };
                if self.policy.limit_to(exact) {
                    Ok(Step::Retry { reselect: false })
                } else {
                    Err(ReadError::Status { file: name(), offset, sw: resp.sw })
                }
            }
            StatusWord::WrongLength
            | StatusWord::EndOfFile
            | StatusWord::SmObjectsMissing
            | StatusWord::SmObjectsIncorrect
                if self.policy.step_down() =>
            {
                Ok(Step::Retry { reselect: false })
            }
            StatusWord::FileNotFound => Err(ReadError::NotFound { file: name() }),
            StatusWord::SecurityNotSatisfied | StatusWord::ConditionsNotSatisfied => {
                Err(ReadError::Denied { file: name(), sw: resp.sw })
            }
            sw => Err(ReadError::Status { file: name(), offset, sw }),
        }
    }

    /// Errors that a too-large chunk can cause: the chip ending secure messaging over it with
    /// a plain status word, or a reader refusing an extended APDU. A card that left the field
    /// is never one, and neither is a response that fails its MAC: that is an attack or a
    /// fault, and ends the read.
    fn may_step_down(&self, e: &ReadError) -> bool {
        if self.policy.confirmed || e.is_card_gone() {
            return false;
        }
        match e {
            ReadError::Sm(SmError::Card(c)) | ReadError::Card(c) => {
                matches!(c, CardError::Pcsc(_) | CardError::Unresponsive)
            }
            ReadError::Sm(SmError::Unprotected(_)) => true,
            _ => false,
        }
    }
}

/// The length of the BER-TLV header `prefix` starts (tag of at most two bytes, definite
/// length of at most five), when the prefix shows it; `None` leaves the error to
/// [`parse_header`].
fn header_len(prefix: &[u8]) -> Option<usize> {
    let first = *prefix.first()?;
    let tag_len = if first & 0x1F == 0x1F { 2 } else { 1 };
    let len = match *prefix.get(tag_len)? {
        l @ 0x81..=0x84 => tag_len + 1 + usize::from(l & 0x7F),
        _ => tag_len + 1,
    };
    (len <= MAX_HEADER).then_some(len)
}

/// Status words of a chip that does not take READ BINARY by short file identifier.
fn refuses_sfi(sw: StatusWord) -> bool {
    matches!(
        sw,
        StatusWord::IncorrectP1P2 | StatusWord::InsNotSupported | StatusWord::Other(0x6981)
    )
}

/// Failures of a first chunk that asking past the file's end (or a longer Le than the chip
/// takes) can cause, once stepping down found no size that works: 6282 or a secure-messaging
/// answer without MAC or authenticated status, a plain status word ending secure messaging,
/// 6700, 6Cxx, 6B00, 6987/6988. A MAC that does not verify is not one: that is an attack or
/// a fault and ends the read.
fn overread_suspect(e: &ReadError) -> bool {
    match e {
        ReadError::Sm(sm) => {
            matches!(sm, SmError::MissingMac | SmError::MissingStatus | SmError::Unprotected(_))
        }
        ReadError::Status { offset: 0, sw, .. } => matches!(
            sw,
            StatusWord::EndOfFile
                | StatusWord::WrongLength
                | StatusWord::ExactLength(_)
                | StatusWord::WrongOffset
                | StatusWord::SmObjectsMissing
                | StatusWord::SmObjectsIncorrect
        ),
        ReadError::ShortFile { offset: 0, .. } => true,
        _ => false,
    }
}

/// [`overread_suspect`] for a chunk after the first of an indefinite-length file, whose end
/// the fast path cannot know: the same failures at any offset.
fn overread_suspect_at_any_offset(e: &ReadError) -> bool {
    match e {
        ReadError::Status { file, sw, .. } => {
            overread_suspect(&ReadError::Status { file: file.clone(), offset: 0, sw: *sw })
        }
        ReadError::ShortFile { .. } => false,
        other => overread_suspect(other),
    }
}

enum Step {
    Data(Vec<u8>),
    Retry { reselect: bool },
}

/// READ BINARY of `want` bytes at `offset` of the current EF: B0 with the offset in P1-P2, or
/// past B0's 15-bit range the odd INS.
fn read_binary(offset: usize, want: usize) -> CommandApdu {
    if offset > MAX_B0_OFFSET {
        odd_read(offset, want)
    } else {
        CommandApdu::new(0x00, 0xB0, (offset >> 8) as u8, offset as u8).with_le(want)
    }
}

/// READ BINARY with odd INS (B1): the offset in DO'54', the current EF (P1-P2 = 0000).
fn odd_read(offset: usize, want: usize) -> CommandApdu {
    let bytes = (offset as u32).to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    let do54 = tlv::tlv(0x54, bytes.get(skip..).unwrap_or(&bytes));
    let le = want + DO53_OVERHEAD;
    CommandApdu::new(0x00, 0xB1, 0, 0).with_data(do54).with_le(le)
}

/// The data inside the DO'53' of an odd-INS READ BINARY response.
fn unwrap_do53(data: &[u8], file: &FileId) -> Result<Vec<u8>, ReadError> {
    let mut r = tlv::Reader::new(data);
    match r.read() {
        Ok(t) if t.tag == 0x53 => Ok(t.value.to_vec()),
        _ => Err(ReadError::BadOddResponse { file: file.name.clone() }),
    }
}
