//! Which probes a target gets and how each is asked: its first probe, the follow-ups its
//! evidence calls for, and each probe's URL and timeout.

use super::{Pending, Plan};
use crate::list::ImageSpec;
use crate::observation::{Observation, ProbeKind};
use crate::url::Scheme;
use std::collections::VecDeque;

impl Plan {
    /// The known image of target `index`: the list's, else the one learned from outside.
    pub(super) fn image(&self, index: usize) -> Option<&ImageSpec> {
        self.targets[index].image.as_ref().or(self.states[index].evidence.learned_image.as_ref())
    }

    /// The page this target's fetch probe opens.
    pub(super) fn fetch_url(&self, index: usize) -> Option<String> {
        self.states[index].fetch_url.clone()
    }

    /// How long probe `kind` of target `index` may take, started at `now_ms`.
    pub(super) fn timeout(&self, index: usize, kind: ProbeKind, now_ms: u64) -> u32 {
        let c = &self.config;
        match kind {
            // A list site's first look at its page may give up sooner: a hang only calls for
            // a second look (`record.rs`), and that one decides.
            ProbeKind::Fetch if self.first_look_at_page(index) => self.pace.first_look_timeout(c.fetch_timeout_ms),
            ProbeKind::Fetch => self.pace.timeout(c.fetch_timeout_ms),
            ProbeKind::Doh => c.doh_timeout_ms,
            ProbeKind::Resolve => c.resolve_timeout_ms,
            ProbeKind::Image => c.image_timeout_ms,
            // Not paced: a socket's time is the browser's as much as the network's. Sockets
            // run one at a time, each with what is left of any delay the browser may have set
            // after the failures before it (`sockets.rs`).
            ProbeKind::WebSocket => c.socket_timeout_ms.saturating_add(self.sockets.allowance_ms(now_ms)),
            ProbeKind::Ice => c.ice_timeout_ms,
        }
    }

    /// Target `index` is a list site whose page has not been looked at yet.
    fn first_look_at_page(&self, index: usize) -> bool {
        index >= self.controls
            && self.states.get(index).is_some_and(|s| {
                !s.evidence.observations.iter().any(|o| {
                    matches!(
                        o,
                        Observation::FetchOk { .. } | Observation::FetchError { .. } | Observation::FetchTimeout { .. }
                    )
                })
            })
    }

    pub(super) fn resolver_count(&self) -> usize {
        self.config.doh_resolvers.len().max(1)
    }

    /// The first resolver a target's lookups go to: spread over the resolvers so that no
    /// single one sees the whole list.
    fn first_doh(&self, index: usize) -> Pending {
        Pending::Doh { resolver: index % self.resolver_count(), aaaa: false }
    }

    pub(super) fn probe_url(&self, index: usize, probe: Pending) -> String {
        let target = &self.targets[index];
        let parsed = target.parsed();
        let open = self.states[index].open_url.clone().unwrap_or_else(|| target.url.clone());
        match probe {
            Pending::Probe(ProbeKind::Fetch) => self.fetch_url(index).unwrap_or(open),
            // Queued only for a target with a known image (`follow_ups`, `set_outside_image`):
            // the empty URL is never asked.
            Pending::Probe(ProbeKind::Image) => self.image(index).map(|i| i.url.clone()).unwrap_or_default(),
            Pending::Probe(ProbeKind::WebSocket | ProbeKind::Ice) => open,
            Pending::Probe(ProbeKind::Doh) => self.probe_url(index, self.first_doh(index)),
            Pending::Doh { resolver, aaaa } => {
                // In range whenever a resolver is configured (`PlanConfig::set_doh_resolvers`
                // never leaves none); with none, the query is a bare `?name=…`, whose answer
                // is no DoH JSON: a failed lookup.
                let resolver = self.config.doh_resolvers.get(resolver).cloned().unwrap_or_default();
                let kind = if aaaa { "AAAA" } else { "A" };
                crate::url::with_query(&resolver, &[("name", &parsed.host), ("type", kind)])
            }
            Pending::Probe(ProbeKind::Resolve) => {
                let host = if parsed.host.contains(':') { format!("[{}]", parsed.host) } else { parsed.host };
                format!("stun:{host}:{}", self.config.resolve_port)
            }
        }
    }

    pub(super) fn first_probes(&self, index: usize) -> VecDeque<Pending> {
        let state = &self.states[index];
        match self.targets[index].parsed().scheme {
            // Nothing equivalent to open: what outside DNS says is all there is to learn.
            _ if state.open_url.is_none() => VecDeque::from([self.first_doh(index)]),
            Scheme::Http | Scheme::Https => VecDeque::from([Pending::Probe(ProbeKind::Fetch)]),
            Scheme::Ws | Scheme::Wss => VecDeque::from([Pending::Probe(ProbeKind::WebSocket)]),
            Scheme::Stun | Scheme::Turn | Scheme::Turns => VecDeque::from([Pending::Probe(ProbeKind::Ice)]),
        }
    }

    /// Which probes the evidence so far calls for.
    pub(super) fn follow_ups(&self, index: usize, probe: Pending, seen: &Observation) -> VecDeque<Pending> {
        use Observation::*;
        let target = &self.targets[index];
        let state = &self.states[index];
        let mut next = VecDeque::new();
        match (probe, seen) {
            (Pending::Probe(ProbeKind::Fetch), FetchOk { .. })
                if self.image(index).is_some() && matches!(target.parsed().scheme, Scheme::Http | Scheme::Https) =>
            {
                next.push_back(Pending::Probe(ProbeKind::Image))
            }
            (Pending::Probe(ProbeKind::Fetch), FetchError { .. }) => {
                next.extend([self.first_doh(index), Pending::Probe(ProbeKind::Resolve)])
            }
            // Outside DNS once, after the first hang (the second look asks nothing more).
            (Pending::Probe(ProbeKind::Fetch), FetchTimeout { .. })
                if !state.evidence.observations.iter().any(|o| matches!(o, FetchTimeout { .. })) =>
            {
                next.push_back(self.first_doh(index))
            }
            (Pending::Probe(ProbeKind::WebSocket), SocketFailed { .. } | SocketTimeout { .. }) => {
                next.push_back(Pending::Probe(ProbeKind::Fetch))
            }
            (Pending::Probe(ProbeKind::Ice), IceFailed { .. }) => next.push_back(self.first_doh(index)),
            // The name exists without IPv4 addresses: it may have IPv6 ones.
            (Pending::Doh { resolver, aaaa: false }, DohNoAddress) => {
                next.push_back(Pending::Doh { resolver, aaaa: true })
            }
            // One resolver's "no such name" or failure is checked with another, once.
            (Pending::Doh { resolver, .. }, DohNoSuchName | DohFailed)
                if self.resolver_count() > 1 && !state.asked_second_resolver =>
            {
                next.push_back(Pending::Doh { resolver: (resolver + 1) % self.resolver_count(), aaaa: false })
            }
            _ => {}
        }
        next
    }
}
