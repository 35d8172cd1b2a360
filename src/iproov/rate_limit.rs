//! A rate gate shared by concurrent calls: a 429 `too_many_requests` answer holds back every
//! caller of the gate, not just the refused one, for its `Retry-After` (RFC 9110 §10.2.3:
//! delay-seconds or an HTTP date) or, without one, an exponential back-off with jitter that
//! grows with each 429 in a row and starts over after any other answer.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rand::Rng;
use tokio::time::Instant;

/// The longest pause a `Retry-After` may impose: a larger value (or a date far ahead) is cut
/// to this, so a hostile or broken answer cannot stall a batch for hours.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Reads a `Retry-After` value: delay-seconds (`120`) or an HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), as a pause from `now`, capped at [`MAX_RETRY_AFTER`].
/// A date in the past is no pause; anything else unreadable is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() || v.len() > 64 {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

/// The pause after the `strikes`-th 429 in a row: the service's `Retry-After` when it gave
/// one, else `base · 2^(strikes-1)` capped at `max`, of which the second half is jitter
/// (`jitter` in 0..=1 picks where in it).
pub fn pause_for(
    strikes: u32,
    retry_after: Option<Duration>,
    base: Duration,
    max: Duration,
    jitter: f64,
) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(MAX_RETRY_AFTER);
    }
    let exp = strikes.saturating_sub(1).min(16);
    let d = base.saturating_mul(1u32 << exp).min(max);
    let half = d / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[derive(Debug)]
struct GateState {
    not_before: Option<Instant>,
    strikes: u32,
    total_429: u64,
}

/// Shared by every call of a batch (see [`crate::iproov::IproovClient::with_rate_gate`]).
#[derive(Debug)]
pub struct RateGate {
    state: Mutex<GateState>,
    base: Duration,
    max: Duration,
}

impl RateGate {
    /// A gate whose back-off without `Retry-After` starts at `base` and stops growing at `max`.
    pub fn new(base: Duration, max: Duration) -> RateGate {
        RateGate {
            state: Mutex::new(GateState { not_before: None, strikes: 0, total_429: 0 }),
            base: base.max(Duration::from_millis(1)),
            max: max.max(base),
        }
    }

    /// Waits until the gate is open (returns at once when no 429 is being waited out).
    pub async fn wait_turn(&self) {
        loop {
            let until = match self.state.lock() {
                Ok(s) => s.not_before,
                Err(_) => return,
            };
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// A 429 came back: closes the gate for the pause [`pause_for`] gives (never shortening
    /// a pause already running). Returns the pause.
    pub fn too_many(&self, retry_after: Option<Duration>) -> Duration {
        let Ok(mut s) = self.state.lock() else { return Duration::ZERO };
        s.strikes = s.strikes.saturating_add(1);
        s.total_429 = s.total_429.saturating_add(1);
        let jitter = rand::thread_rng().gen_range(0.0..=1.0);
        let pause = pause_for(s.strikes, retry_after, self.base, self.max, jitter);
        let until = Instant::now() + pause;
        s.not_before = Some(s.not_before.map_or(until, |t| t.max(until)));
        pause
    }

    /// Any answer but a 429: the back-off starts over at the next 429.
    pub fn answered(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.strikes = 0;
        }
    }

    /// How many 429 answers the gate has seen.
    pub fn total_429(&self) -> u64 {
        self.state.lock().map(|s| s.total_429).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_an_http_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        // Hostile values: capped, or not a value at all.
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), Some(MAX_RETRY_AFTER));
        for bad in ["", "-1", "1.5", "soon", "Sun, 06 Nov 1994", &"9".repeat(100)] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn back_off_doubles_per_strike_is_capped_and_jittered() {
        let (b, m) = (Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(pause_for(1, None, b, m, 0.0), Duration::from_millis(50));
        assert_eq!(pause_for(1, None, b, m, 1.0), Duration::from_millis(100));
        assert_eq!(pause_for(3, None, b, m, 1.0), Duration::from_millis(400));
        assert_eq!(pause_for(30, None, b, m, 1.0), m);
        assert_eq!(pause_for(3, Some(Duration::from_secs(9)), b, m, 0.5), Duration::from_secs(9));
    }

    /// One caller's 429 holds back the others: after `too_many`, a second caller's turn comes
    /// only once the Retry-After has passed; a shorter pause never shortens a running one.
    #[tokio::test]
    async fn a_429_holds_back_every_caller() {
        let gate =
            std::sync::Arc::new(RateGate::new(Duration::from_millis(10), Duration::from_secs(1)));
        let t0 = Instant::now();
        gate.wait_turn().await;
        assert!(t0.elapsed() < Duration::from_millis(50), "an open gate does not wait");
        gate.too_many(Some(Duration::from_millis(400)));
        gate.too_many(Some(Duration::from_millis(1)));
        let other = gate.clone();
        let waited = tokio::spawn(async move {
            other.wait_turn().await;
            t0.elapsed()
        })
        .await
        .unwrap();
        assert!(waited >= Duration::from_millis(400), "{waited:?}");
        assert_eq!(gate.total_429(), 2);
    }
}
