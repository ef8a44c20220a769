//! Choosing what runs next ([`Plan::next`]): the budget, the pace's limit on probes in
//! flight, the plan's checks, then started targets before new ones, and last the second
//! looks at hangs and slow images (a hang's second look goes at once while the link is
//! unhurried). WebSocket probes run one at a time (`sockets.rs`).

use super::{Pending, Plan, ProbeTask, Step};
use crate::observation::ProbeKind;

impl Plan {
    pub fn next(&mut self, now_ms: u64) -> Step {
        let start = *self.started_ms.get_or_insert(now_ms);
        if !self.out_of_budget && now_ms.saturating_sub(start) > self.config.budget_ms {
            self.out_of_budget = true;
            for i in std::mem::take(&mut self.unstarted) {
                self.states[i].finished = true;
            }
            for s in &mut self.states {
                s.pending.clear();
                s.confirm_due = false;
                s.finished |= s.running == 0;
            }
            self.ready.clear();
            self.deferred.clear();
            self.deferred_images.clear();
            self.sockets.waiting.clear();
        }
        // A loop, not recursion: a long list of sockets may be set aside one after another.
        loop {
            if self.in_flight() >= self.pace.allowed(now_ms) {
                return Step::Wait;
            }
            if let Some(task) = self.next_check(now_ms) {
                return Step::Run(task);
            }
            // On an unhurried link a hang is no busy link's doing: its second look goes now,
            // beside the rest of the list, instead of after it (a list with many blackholed
            // sites would end with a queue of them, a timeout each).
            if self.ready.is_empty()
                && !self.unstarted.is_empty()
                && matches!(self.deferred.front(), Some((_, ProbeKind::Fetch)))
                && self.pace.unhurried()
            {
                if let Some((i, kind)) = self.deferred.pop_front() {
                    self.states[i].confirm_due = false;
                    self.states[i].pending.push_back(Pending::Probe(kind));
                    self.ready.push_back(i);
                }
            }
            // A socket waiting its turn goes as soon as none is opening; then started targets
            // before new ones (controls are queued first).
            let waiting = if self.socket_opening() { None } else { self.sockets.waiting.pop_front() };
            let index = match waiting.or_else(|| self.ready.pop_front()) {
                Some(i) => i,
                None => match self.unstarted.pop_front() {
                    Some(i) => {
                        let first = self.first_probes(i);
                        self.states[i].started = true;
                        self.states[i].pending = first;
                        i
                    }
                    // Every target has had its first look: the hung ones (and sockets that timed
                    // out) are asked again, now that the link is not busy with the rest of the list.
                    None if !self.deferred.is_empty() => {
                        // Not empty (the guard): the default is never taken.
                        let (i, kind) = self.deferred.pop_front().unwrap_or((0, ProbeKind::Fetch));
                        self.states[i].confirm_due = false;
                        self.states[i].pending.push_back(Pending::Probe(kind));
                        i
                    }
                    // Last, each slow image once more, with nothing else on the link.
                    None if !self.deferred_images.is_empty() && self.in_flight() == 0 => {
                        // Not empty (the guard): the default is never taken.
                        let i = self.deferred_images.pop_front().unwrap_or_default();
                        self.states[i].confirm_due = false;
                        self.states[i].pending.push_back(Pending::Probe(ProbeKind::Image));
                        i
                    }
                    None if !self.deferred_images.is_empty() => return Step::Wait,
                    // While verdicts are held for the outside view, it may still add probes (the
                    // known image it finds on a site whose page has answered): not done yet.
                    None if self.running.is_empty() && !self.hold && self.checks_running() == 0 => return Step::Done,
                    None => return Step::Wait,
                },
            };
            // One socket at a time: the others wait their turn outside the browser, where the
            // wait costs them none of their timeout.
            if self.socket_opening()
                && self.states[index].pending.front() == Some(&Pending::Probe(ProbeKind::WebSocket))
            {
                if !self.sockets.waiting.contains(&index) {
                    self.sockets.waiting.push_back(index);
                }
                continue;
            }
            let Some(probe) = self.states[index].pending.pop_front() else {
                self.settle(index);
                continue;
            };
            let kind = probe.kind();
            if !self.states[index].pending.is_empty() {
                self.ready.push_front(index);
            }
            let id = self.next_id;
            self.next_id += 1;
            self.states[index].running += 1;
            self.running.push((id, index, probe));
            self.pace.started(id, now_ms);
            return Step::Run(ProbeTask {
                id,
                target: index,
                kind,
                url: self.probe_url(index, probe),
                timeout_ms: self.timeout(index, kind, now_ms),
            });
        }
    }
}
