//! The link to vsmartcard's vpcd driver in pcscd: the simulator is the TCP client of
//! vpcd's port (127.0.0.1:35963 is reader "Virtual PCD 00 00", 35964 "… 00 01").
//!
//! Framing (vsmartcard vpcd protocol): every message is a 2-byte big-endian length and a
//! payload. A 1-byte payload is a control — 00 power off, 01 power on, 02 reset, 04 get
//! ATR (answered with the ATR); anything longer is a command APDU, answered with the response.
//! Card removal is closing the connection (right after answering APDU N of
//! `remove_after_apdu`); the card comes back when we reconnect ~300 ms later. Through pcscd
//! the reader then sees SCARD_E_NOT_TRANSACTED for its next APDU, SCARD_E_NO_SMARTCARD /
//! removed-card until pcscd polls the card back (≈ 0.7 s after the removal in our runs).

use super::SimError;
use super::behaviour::Behaviour;
use super::chip::Chip;
use super::profile::Profile;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// vpcd's default port for the reader "Virtual PCD 00 00".
pub const DEFAULT_VPCD: &str = "127.0.0.1:35963";
/// How long the card stays away after a simulated removal.
pub const REMOVAL_PAUSE: Duration = Duration::from_millis(1500);
const POLL: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A simulator running on a background thread.
pub struct VpcdHandle {
    stop: Arc<AtomicBool>,
    apdus: Arc<AtomicU64>,
    connected: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), SimError>>>,
}

impl VpcdHandle {
    /// APDUs served so far.
    pub fn apdu_count(&self) -> u64 {
        self.apdus.load(Ordering::SeqCst)
    }

    /// True while connected to vpcd (the card is present).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// Waits until the simulator is connected to vpcd (the card is in), at most `timeout`.
    pub fn wait_connected(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while !self.is_connected() {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// A flag that stops the simulator when set.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops the simulator (the card disappears) and waits for its thread.
    pub fn stop(mut self) -> Result<(), SimError> {
        self.halt()
    }

    fn halt(&mut self) -> Result<(), SimError> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(SimError::ThreadPanicked),
            None => Ok(()),
        }
    }
}

impl Drop for VpcdHandle {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

/// Runs a chip for `profile` on a background thread, connected to vpcd at `addr`.
pub fn spawn(profile: &Profile, behaviour: Behaviour, addr: &str) -> Result<VpcdHandle, SimError> {
    let addr = resolve(addr)?;
    let mut chip = Chip::new(profile, behaviour);
    let stop = Arc::new(AtomicBool::new(false));
    let apdus = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicBool::new(false));
    let link = Link {
        addr,
        stop: Arc::clone(&stop),
        apdus: Arc::clone(&apdus),
        connected: Arc::clone(&connected),
    };
    let thread = std::thread::Builder::new()
        .name("sim-vpcd".into())
        .spawn(move || link.serve(&mut chip))
        .map_err(|source| SimError::Vpcd { addr: addr.to_string(), source })?;
    Ok(VpcdHandle { stop, apdus, connected, thread: Some(thread) })
}

/// Runs `chip` against vpcd at `addr` on this thread until `stop` is set.
pub fn run(chip: &mut Chip, addr: &str, stop: Arc<AtomicBool>) -> Result<(), SimError> {
    let addr = resolve(addr)?;
    let link = Link {
        addr,
        stop,
        apdus: Arc::new(AtomicU64::new(0)),
        connected: Arc::new(AtomicBool::new(false)),
    };
    link.serve(chip)
}

fn resolve(addr: &str) -> Result<SocketAddr, SimError> {
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| SimError::BadAddress { addr: addr.to_owned() })
}

/// Why one connection ended.
enum Ended {
    Stopped,
    Removed,
    Closed,
}

struct Link {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    apdus: Arc<AtomicU64>,
    connected: Arc<AtomicBool>,
}

impl Link {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn serve(&self, chip: &mut Chip) -> Result<(), SimError> {
        let mut backoff = POLL;
        while !self.stopped() {
            let stream = match TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
                Ok(s) => s,
                Err(e) => {
                    tracing::debug!(addr = %self.addr, error = %e, "vpcd not reachable yet");
                    self.pause(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            backoff = POLL;
            chip.reset();
            self.connected.store(true, Ordering::SeqCst);
            tracing::info!(addr = %self.addr, "card inserted into vpcd");
            let ended = self.session(chip, stream);
            self.connected.store(false, Ordering::SeqCst);
            match ended {
                Ok(Ended::Stopped) => break,
                Ok(Ended::Removed) => {
                    tracing::info!("card removed (behaviour remove_after_apdu)");
                    self.pause(REMOVAL_PAUSE);
                }
                Ok(Ended::Closed) => {
                    tracing::info!("vpcd closed the connection");
                    self.pause(backoff);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "vpcd link failed; reconnecting");
                    self.pause(backoff);
                }
            }
        }
        Ok(())
    }

    fn pause(&self, total: Duration) {
        let step = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        while waited < total && !self.stopped() {
            std::thread::sleep(step);
            waited += step;
        }
    }

    fn session(&self, chip: &mut Chip, mut stream: TcpStream) -> std::io::Result<Ended> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL))?;
        loop {
            let mut len = [0u8; 2];
            if !self.read_full(&stream, &mut len)? {
                return Ok(if self.stopped() { Ended::Stopped } else { Ended::Closed });
            }
            let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if !self.read_full(&stream, &mut payload)? {
                return Ok(if self.stopped() { Ended::Stopped } else { Ended::Closed });
            }
            let answer = match payload.as_slice() {
                [] => None,
                [0x00] | [0x01] | [0x02] => {
                    chip.reset();
                    None
                }
                [0x04] => Some(chip.atr()),
                [other] => {
                    tracing::debug!(control = other, "unknown vpcd control byte");
                    None
                }
                apdu => {
                    let n = chip.begin_apdu();
                    self.apdus.store(n, Ordering::SeqCst);
                    Some(chip.process(apdu))
                }
            };
            if let Some(answer) = answer {
                let n = u16::try_from(answer.len()).map_err(|_| {
                    std::io::Error::new(ErrorKind::InvalidData, "response too long")
                })?;
                let mut frame = Vec::with_capacity(answer.len() + 2);
                frame.extend_from_slice(&n.to_be_bytes());
                frame.extend_from_slice(&answer);
                stream.write_all(&frame)?;
            }
            // Removal after APDU N: leave right after answering it, so that pcscd fails the
            // next transmit (SCARD_E_NOT_TRANSACTED) and then reports the card absent.
            if chip.removal_due(chip.apdu_count() + 1) {
                chip.remove();
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return Ok(Ended::Removed);
            }
        }
    }

    /// Fills `buf`; false when the peer closed (or stop was requested) first.
    fn read_full(&self, mut stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<bool> {
        let mut got = 0;
        while got < buf.len() {
            if self.stopped() {
                return Ok(false);
            }
            let Some(rest) = buf.get_mut(got..) else { return Ok(false) };
            match stream.read(rest) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    got += n;
                    quick_ack(stream);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

/// Re-arms TCP quick-ack (Linux clears it again after each ACK): vpcd sends each APDU in
/// two writes, and a delayed ACK would add ~40 ms per APDU.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::behaviour::DEFAULT_ATR;
    use std::collections::BTreeMap;
    use std::net::TcpListener;

    fn profile() -> Profile {
        let mut files = BTreeMap::new();
        files.insert("EF.COM".to_owned(), vec![0x60, 0x03, 0x5F, 0x01, 0x00]);
        files.insert("EF.DG1".to_owned(), vec![0x61, 0x00]);
        let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14";
        Profile::from_parts(mrz, files, Behaviour::default()).unwrap()
    }

    /// Sends one frame as vpcd does: the length and the payload in two writes.
    fn send(s: &mut TcpStream, payload: &[u8]) {
        s.write_all(&(payload.len() as u16).to_be_bytes()).unwrap();
        s.flush().unwrap();
        s.write_all(payload).unwrap();
    }

    fn recv(s: &mut TcpStream) -> Option<Vec<u8>> {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).ok()?;
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut payload).ok()?;
        Some(payload)
    }

    fn accept(l: &TcpListener) -> TcpStream {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    const SELECT_AID: [u8; 12] =
        [0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

    #[test]
    fn speaks_vpcd_framing_and_removal_drops_then_restores_the_card() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let b = Behaviour { remove_after_apdu: Some(2), ..Behaviour::default() };
        let handle = spawn(&profile(), b, &addr).unwrap();
        let mut s = accept(&listener);
        send(&mut s, &[0x01]); // power on: no answer
        send(&mut s, &[0x04]);
        assert_eq!(recv(&mut s).unwrap(), DEFAULT_ATR);
        send(&mut s, &SELECT_AID);
        assert_eq!(recv(&mut s).unwrap(), [0x90, 0x00]);
        send(&mut s, &[0x00, 0xB0, 0x81, 0x00, 0x00]);
        assert_eq!(recv(&mut s).unwrap(), [0x69, 0x82]);
        assert!(handle.is_connected());
        // The card leaves right after answering APDU 2: the connection is closed.
        assert_eq!(recv(&mut s), None);
        // It comes back (once) with a fresh state.
        let started = std::time::Instant::now();
        let mut s = accept(&listener);
        assert!(started.elapsed() >= Duration::from_millis(200));
        send(&mut s, &[0x04]);
        assert_eq!(recv(&mut s).unwrap(), DEFAULT_ATR);
        send(&mut s, &[0x00, 0x84, 0x00, 0x00, 0x08]);
        let challenge = recv(&mut s).unwrap();
        assert_eq!((challenge.len(), &challenge[8..]), (10, &[0x90, 0x00][..]));
        // Reset: the eMRTD application is no longer selected.
        send(&mut s, &[0x00, 0xB0, 0x81, 0x00, 0x00]);
        assert_eq!(recv(&mut s).unwrap(), [0x6A, 0x82]);
        send(&mut s, &SELECT_AID);
        assert_eq!(recv(&mut s).unwrap(), [0x90, 0x00]);
        send(&mut s, &[0x00, 0xB0, 0x81, 0x00, 0x00]);
        assert_eq!(recv(&mut s).unwrap(), [0x69, 0x82]);
        assert_eq!(handle.apdu_count(), 6);
        handle.stop().unwrap();
        assert_eq!(recv(&mut s), None, "stopping takes the card away");
    }

    #[test]
    fn keeps_trying_until_vpcd_listens() {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let handle = spawn(&profile(), Behaviour::default(), &addr.to_string()).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        assert!(!handle.is_connected());
        let listener = TcpListener::bind(addr).unwrap();
        let mut s = accept(&listener);
        assert!(handle.wait_connected(Duration::from_secs(5)));
        send(&mut s, &SELECT_AID);
        assert_eq!(recv(&mut s).unwrap(), [0x90, 0x00]);
        handle.stop().unwrap();
    }

    #[test]
    fn bad_addresses_are_typed_errors() {
        assert!(matches!(
            spawn(&profile(), Behaviour::default(), "no-port"),
            Err(SimError::BadAddress { .. })
        ));
    }
}
