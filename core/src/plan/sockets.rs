//! How WebSocket probes share the browser: one at a time, each given the time the browser may
//! hold it back after earlier failures.
//!
//! What browsers do (read in their sources): Firefox lets one socket per address connect at a
//! time (the rest queue), and after a handshake fails at an (address, path, port) it delays the
//! next socket there: 200–400 ms, ×1.5 for each further failure, up to 60 s, cleared by a
//! success there. Chromium likewise connects one socket per address and port at a time, and
//! delays new sockets by the renderer's pending and failed ones (milliseconds at these counts).
//! A page cannot see addresses, and the sites of a CDN share them, so ajar assumes the worst:
//! every socket may share the last failure's address. Without this, a working socket queued
//! behind blocked ones spent its 8 s waiting in the browser and was called `blocked_protocol`
//! (Firefox, a lab where every socket shares one address: three of ten working ones).

use super::{Pending, Plan};
use crate::observation::{Observation, ProbeKind};
use std::collections::VecDeque;

/// Firefox's first delay after a failed handshake, at most (its base 200 ms + up to 200 ms).
const FIRST_DELAY_MS: f64 = 400.0;
/// Firefox's longest delay.
const MOST_DELAY_MS: f64 = 60_000.0;

#[derive(Debug, Default)]
pub(super) struct Sockets {
    /// Targets whose next probe is a socket, waiting for the one in flight.
    pub(super) waiting: VecDeque<usize>,
    /// Handshakes failed in a row since the last socket opened.
    failed_in_row: u32,
    /// When the last of them failed.
    last_failure_ms: u64,
}

impl Sockets {
    /// How much longer than its own timeout a socket started now may take: what is left of
    /// the longest delay the browser may have set after the failures in a row.
    pub(super) fn allowance_ms(&self, now_ms: u64) -> u32 {
        if self.failed_in_row == 0 {
            return 0;
        }
        let exponent = i32::try_from(self.failed_in_row - 1).unwrap_or(i32::MAX).min(64);
        let delay = (FIRST_DELAY_MS * 1.5f64.powi(exponent)).min(MOST_DELAY_MS) as u64;
        let left = self.last_failure_ms.saturating_add(delay).saturating_sub(now_ms);
        u32::try_from(left).unwrap_or(u32::MAX)
    }

    /// A socket probe answered.
    pub(super) fn answered(&mut self, seen: &Observation, now_ms: u64) {
        match seen {
            Observation::SocketOpen { .. } => self.failed_in_row = 0,
            Observation::SocketFailed { .. } => {
                self.failed_in_row = self.failed_in_row.saturating_add(1);
                self.last_failure_ms = now_ms;
            }
            // Closed by ajar before it connected: Firefox records a first failure for it but
            // does not lengthen a delay already set.
            Observation::SocketTimeout { .. } => {
                self.failed_in_row = self.failed_in_row.max(1);
                self.last_failure_ms = now_ms;
            }
            _ => {}
        }
    }
}

impl Plan {
    /// A socket probe is in flight.
    pub(super) fn socket_opening(&self) -> bool {
        self.running.iter().any(|r| r.2 == Pending::Probe(ProbeKind::WebSocket))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_follows_the_failures_in_a_row_and_a_success_clears_it() {
        let mut s = Sockets::default();
        assert_eq!(s.allowance_ms(0), 0);
        s.answered(&Observation::SocketFailed { ms: 5 }, 1000);
        assert_eq!(s.allowance_ms(1000), 400);
        assert_eq!(s.allowance_ms(1300), 100);
        assert_eq!(s.allowance_ms(2000), 0);
        s.answered(&Observation::SocketFailed { ms: 5 }, 2000);
        assert_eq!(s.allowance_ms(2000), 600);
        for _ in 0..20 {
            s.answered(&Observation::SocketFailed { ms: 5 }, 3000);
        }
        assert_eq!(s.allowance_ms(3000), 60_000, "Firefox's longest delay");
        s.answered(&Observation::SocketOpen { ms: 5 }, 4000);
        assert_eq!(s.allowance_ms(4000), 0);
    }

    #[test]
    fn a_timeout_sets_a_first_delay_but_lengthens_none() {
        let mut s = Sockets::default();
        s.answered(&Observation::SocketTimeout { ms: 8000 }, 8000);
        assert_eq!(s.allowance_ms(8000), 400);
        s.answered(&Observation::SocketTimeout { ms: 8000 }, 16000);
        assert_eq!(s.allowance_ms(16000), 400);
    }
}
