//! Taking a probe's answer back ([`Plan::record`]): into the target's evidence, with the
//! follow-ups it calls for, and a first hang or a first slow image queued to be looked at
//! again at the end of the list.

use super::{Pending, Plan};
use crate::observation::{Observation, ProbeKind};
use std::collections::VecDeque;

impl Plan {
    /// Feeds back what probe `id` saw. Unknown ids are ignored.
    pub fn record(&mut self, id: u32, observation: Observation, now_ms: u64) {
        let at = self.running.iter().position(|r| r.0 == id);
        // Whether the target's page hung before this answer (a check probe has no target).
        let hung = at.and_then(|at| self.running.get(at)).is_some_and(|r| {
            self.states[r.1].evidence.observations.iter().any(|o| matches!(o, Observation::FetchTimeout { .. }))
        });
        // The pace learns the network from ordinary answers. A look after a hang is asked only
        // of sites that hung, so its answer is slow by selection (a slow server answering its
        // second look): counted, a few of them at the end of a list made every later timeout
        // several times longer (dropped lookups then failed before it, read as resets).
        let answered = match observation {
            Observation::FetchOk { ms } if !hung => Some(ms),
            _ => None,
        };
        self.pace.finished(id, answered);
        if self.record_check(id, &observation) {
            return;
        }
        let Some(at) = at else {
            return;
        };
        let (_, index, probe) = self.running.swap_remove(at);
        // The next socket waiting its turn goes at the plan's next step (`next.rs`).
        if probe == Pending::Probe(ProbeKind::WebSocket) {
            self.sockets.answered(&observation, now_ms);
        }
        let follow = if self.out_of_budget { VecDeque::new() } else { self.follow_ups(index, probe, &observation) };
        let first = index % self.resolver_count();
        let second = follow.iter().any(|p| matches!(p, Pending::Doh { resolver, .. } if *resolver != first));
        // A list target's first hang is asked about once more at the end of the list (the
        // pace's timeout is short, and a busy link may have been the cause: `blackhole` needs
        // both to hang), and its first image slow enough to call it throttled is loaded again
        // alone.
        let first_look = index >= self.controls
            && !self.out_of_budget
            && !self.states[index]
                .evidence
                .observations
                .iter()
                .any(|o| std::mem::discriminant(o) == std::mem::discriminant(&observation));
        // A fast failure on the second look at a hang may be the first look's own attempt
        // failing at last: a browser hands a new request to the name lookup or connection
        // already under way for that host (Chromium's host resolver and socket pools join
        // them), and a lookup of dropped queries or a silent TLS handshake fails seconds after
        // the first look gave up. Such a target is looked at a third time, on an attempt of
        // its own, and that look decides (`hung`, above).
        // A WebSocket that timed out is tried once more at the end too, as a hang is. One that
        // failed is not: sockets run one at a time, given any delay the browser may add after
        // failures (`sockets.rs`), so a failure is the handshake's own; and in Firefox each
        // retry of a blocked socket would lengthen the delay for every socket after it.
        let again = match observation {
            Observation::FetchTimeout { .. } if first_look => Some(ProbeKind::Fetch),
            Observation::FetchError { .. } if first_look && hung => Some(ProbeKind::Fetch),
            Observation::SocketTimeout { .. } if first_look => Some(ProbeKind::WebSocket),
            Observation::ImageDecoded { .. } if first_look && self.looks_throttled(index, &observation) => {
                Some(ProbeKind::Image)
            }
            // An image that did not come in time is loaded once more alone too: on a slow
            // link shared with the whole list it may simply have waited its turn.
            Observation::ImageTimeout { .. } if first_look => Some(ProbeKind::Image),
            _ => None,
        };
        match again {
            Some(ProbeKind::Image) => self.deferred_images.push_back(index),
            Some(kind) => self.deferred.push_back((index, kind)),
            None => {}
        }
        let state = &mut self.states[index];
        state.confirm_due |= again.is_some();
        state.asked_second_resolver |= second;
        state.running -= 1;
        state.evidence.observations.push(observation);
        let had_pending = !state.pending.is_empty();
        state.pending.extend(follow);
        if !state.pending.is_empty() && !had_pending {
            self.ready.push_back(index);
        }
        self.settle(index);
    }

    /// Would this image, measured now, make its target `throttled`?
    fn looks_throttled(&self, index: usize, seen: &Observation) -> bool {
        let Observation::ImageDecoded { ms, transfer_ms, .. } = seen else {
            return false;
        };
        let first_byte = self.states[index].evidence.observations.iter().rev().find_map(|o| match o {
            Observation::FetchOk { ms } => Some(*ms),
            _ => None,
        });
        let bytes = self.image(index).and_then(|i| i.bytes).filter(|b| *b >= crate::image_header::RATE_BYTES);
        match (bytes, first_byte, self.context().control_throughput) {
            (Some(bytes), Some(first_byte), Some(control)) => {
                crate::infer::image_throttled(bytes, *ms, *transfer_ms, first_byte, control).is_some()
            }
            _ => false,
        }
    }

    /// Marks target `index` finished once nothing of it is queued, running or due again.
    pub(super) fn settle(&mut self, index: usize) {
        let s = &mut self.states[index];
        if s.started && s.running == 0 && s.pending.is_empty() && !s.confirm_due {
            s.finished = true;
        }
    }
}
