//! What the plan hands a driver ([`ProbeTask`] inside a [`Step`]) and what it keeps queued
//! per target until then (`Pending`).

use crate::observation::ProbeKind;

/// One probe for an adapter to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTask {
    pub id: u32,
    /// Index into [`super::Plan::targets`] (controls come first), or one of the plan's own
    /// checks ([`super::RESOLVER_CHECK_TARGET`], [`super::BAIT_TARGET`]).
    pub target: usize,
    pub kind: ProbeKind,
    /// What to open: the page, the image, the DoH query, the STUN URL.
    pub url: String,
    pub timeout_ms: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Run(ProbeTask),
    /// Nothing can start now: probes are in flight (call `next` again after the next
    /// `record`), or verdicts are held (`Plan::set_hold`) and the outside view may still add
    /// probes.
    Wait,
    Done,
}

/// A probe waiting to run; DoH lookups say which resolver and record type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pending {
    Probe(ProbeKind),
    /// `resolver`: index into the configured resolvers; `aaaa`: IPv6 addresses, after an
    /// A lookup found the name without IPv4 ones.
    Doh {
        resolver: usize,
        aaaa: bool,
    },
}

impl Pending {
    pub(super) fn kind(self) -> ProbeKind {
        match self {
            Pending::Probe(k) => k,
            Pending::Doh { .. } => ProbeKind::Doh,
        }
    }
}
