//! How one canary fetch went, as the adapter measured it: [`Transfer`] (its outcome) and
//! [`PhaseTimes`] (its phases from Resource Timing), with the throughput they give.

use serde::{Deserialize, Serialize};

/// Durations of a canary fetch's phases, from Resource Timing (readable thanks to
/// `Timing-Allow-Origin`). Zero where the phase did not happen (a reused connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseTimes {
    pub dns_ms: u32,
    pub connect_ms: u32,
    pub tls_ms: u32,
    pub ttfb_ms: u32,
    pub transfer_ms: u32,
}

/// How one canary fetch ended, as the adapter saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Transfer {
    /// The body was read to its end.
    Done {
        ms: u32,
        bytes: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timing: Option<PhaseTimes>,
    },
    /// The fetch rejected.
    Failed { ms: u32 },
    /// Our timeout fired first.
    TimedOut { ms: u32 },
    /// The browser lacks fetch/AbortController.
    Unsupported,
}

impl Transfer {
    /// Throughput in kbit/s, over the body's transfer time where Resource Timing gives it.
    pub fn kbps(&self) -> Option<u32> {
        match self {
            Transfer::Done { ms, bytes, timing } => {
                let t = timing.map_or(*ms, |t| t.transfer_ms).max(1);
                Some(((u64::from(*bytes) * 8) / u64::from(t)).min(u64::from(u32::MAX)) as u32)
            }
            _ => None,
        }
    }

    /// How long the body took (the whole fetch where Resource Timing says nothing); 0 unless done.
    pub(super) fn transfer_ms(&self) -> u32 {
        match self {
            Transfer::Done { ms, timing, .. } => timing.map_or(*ms, |t| t.transfer_ms),
            _ => 0,
        }
    }
}
