//! The sans-io plan: which probe to run next, given what has been seen.
//!
//! A driver loops: `next(now)` → run the task (with its timeout) → `record(id,
//! observation, now)`. Controls run first; a target's verdict is released once
//! its own probes and all controls are done, so results appear as they come.

use crate::config::PlanConfig;
use crate::infer::{infer, Evidence, RunContext};
use crate::list::Target;
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::url::Scheme;
use crate::verdict::{Clue, Finding, Verdict};
use std::collections::VecDeque;

/// One probe for an adapter to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTask {
    pub id: u32,
    /// Index into [`Plan::targets`] (controls come first).
    pub target: usize,
    pub kind: ProbeKind,
    /// What to open: the page, the image, the DoH query, the STUN URL.
    pub url: String,
    pub timeout_ms: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Run(ProbeTask),
    /// Probes are in flight; call `next` again after the next `record`.
    Wait,
    Done,
}

#[derive(Debug, Default, Clone)]
struct TargetState {
    pending: VecDeque<ProbeKind>,
    running: u32,
    started: bool,
    finished: bool,
    released: bool,
    evidence: Evidence,
}

pub struct Plan {
    config: PlanConfig,
    targets: Vec<Target>,
    controls: usize,
    states: Vec<TargetState>,
    unstarted: VecDeque<usize>,
    ready: VecDeque<usize>,
    /// Probes in flight: (id, target index, kind); a handful, so a list.
    running: Vec<(u32, usize, ProbeKind)>,
    next_id: u32,
    started_ms: Option<u64>,
    out_of_budget: bool,
    /// Verdicts wait while evidence for all targets (the outside view) is still coming.
    hold: bool,
}

impl Plan {
    /// `controls` are measured first and tell a broken connection from blocking.
    pub fn new(config: PlanConfig, controls: Vec<Target>, targets: Vec<Target>) -> Plan {
        let n_controls = controls.len();
        let all: Vec<Target> = controls.into_iter().chain(targets).collect();
        let states = all.iter().map(|_| TargetState::default()).collect();
        Plan {
            config,
            unstarted: (0..all.len()).collect(),
            targets: all,
            controls: n_controls,
            states,
            ready: VecDeque::new(),
            running: Vec::new(),
            next_id: 0,
            started_ms: None,
            out_of_budget: false,
            hold: false,
        }
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
    pub fn is_control(&self, index: usize) -> bool {
        index < self.controls
    }
    pub fn evidence(&self, index: usize) -> &Evidence {
        &self.states[index].evidence
    }
    pub fn in_flight(&self) -> usize {
        self.running.len()
    }
    /// Holds verdicts back (probes still run) until evidence that concerns every target,
    /// such as the outside view, has arrived.
    pub fn set_hold(&mut self, hold: bool) {
        self.hold = hold;
    }

    /// What a vantage point outside the visitor's network saw of target `url`.
    pub fn set_outside(&mut self, url: &str, view: OutsideView) {
        if let Some(i) = self.targets.iter().position(|t| t.url == url) {
            self.states[i].evidence.outside = Some(view);
        }
    }

    pub fn next(&mut self, now_ms: u64) -> Step {
        let start = *self.started_ms.get_or_insert(now_ms);
        if !self.out_of_budget && now_ms.saturating_sub(start) > self.config.budget_ms {
            self.out_of_budget = true;
            for i in std::mem::take(&mut self.unstarted) {
                self.states[i].finished = true;
            }
            for s in &mut self.states {
                s.pending.clear();
                s.finished |= s.running == 0;
            }
            self.ready.clear();
        }
        if self.running.len() >= self.config.effective_concurrency() as usize {
            return Step::Wait;
        }
        // Finish started targets before starting new ones (controls are queued first).
        let index = match self.ready.pop_front() {
            Some(i) => i,
            None => match self.unstarted.pop_front() {
                Some(i) => {
                    self.states[i].started = true;
                    self.states[i].pending = first_probes(&self.targets[i]);
                    i
                }
                None if self.running.is_empty() => return Step::Done,
                None => return Step::Wait,
            },
        };
        let Some(kind) = self.states[index].pending.pop_front() else {
            self.settle(index);
            return self.next(now_ms);
        };
        if !self.states[index].pending.is_empty() {
            self.ready.push_front(index);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.states[index].running += 1;
        self.running.push((id, index, kind));
        Step::Run(ProbeTask {
            id,
            target: index,
            kind,
            url: self.probe_url(index, kind),
            timeout_ms: self.timeout(kind),
        })
    }

    /// Feeds back what probe `id` saw. Unknown ids are ignored.
    pub fn record(&mut self, id: u32, observation: Observation, _now_ms: u64) {
        let Some(at) = self.running.iter().position(|r| r.0 == id) else {
            return;
        };
        let (_, index, kind) = self.running.swap_remove(at);
        let follow =
            if self.out_of_budget { VecDeque::new() } else { follow_ups(&self.targets[index], kind, &observation) };
        let state = &mut self.states[index];
        state.running -= 1;
        state.evidence.observations.push(observation);
        let had_pending = !state.pending.is_empty();
        state.pending.extend(follow);
        if !state.pending.is_empty() && !had_pending {
            self.ready.push_back(index);
        }
        self.settle(index);
    }

    fn settle(&mut self, index: usize) {
        let s = &mut self.states[index];
        if s.started && s.running == 0 && s.pending.is_empty() {
            s.finished = true;
        }
    }

    fn controls_running(&self) -> bool {
        self.states[..self.controls].iter().any(|s| !s.finished)
    }

    /// The run's context from the controls measured so far.
    pub fn context(&self) -> RunContext {
        let mut ctx = RunContext { controls_total: self.controls as u32, ..RunContext::default() };
        for (t, s) in self.targets[..self.controls].iter().zip(&self.states) {
            let fetched = s.evidence.observations.iter().any(|o| matches!(o, Observation::FetchOk { .. }));
            ctx.controls_ok += u32::from(fetched);
            let bytes = t.image.as_ref().and_then(|i| i.bytes);
            for o in &s.evidence.observations {
                if let (Observation::ImageDecoded { ms, .. }, Some(bytes)) = (o, bytes) {
                    let tp = bytes as f32 / (*ms).max(1) as f32;
                    ctx.control_throughput = Some(ctx.control_throughput.map_or(tp, |c: f32| c.max(tp)));
                }
            }
        }
        ctx
    }

    /// Verdicts that became final since the last call: (index among non-control targets, finding).
    pub fn take_findings(&mut self) -> Vec<(usize, Finding)> {
        if self.hold || self.controls_running() {
            return Vec::new();
        }
        let ctx = self.context();
        let mut out = Vec::new();
        for i in self.controls..self.targets.len() {
            let s = &self.states[i];
            if s.finished && !s.released {
                let finding = if s.started {
                    infer(&self.targets[i], &s.evidence, &ctx)
                } else {
                    Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured])
                };
                out.push((i - self.controls, finding));
                self.states[i].released = true;
            }
        }
        out
    }

    fn timeout(&self, kind: ProbeKind) -> u32 {
        let c = &self.config;
        match kind {
            ProbeKind::Fetch => c.fetch_timeout_ms,
            ProbeKind::Doh => c.doh_timeout_ms,
            ProbeKind::Resolve => c.resolve_timeout_ms,
            ProbeKind::Image => c.image_timeout_ms,
            ProbeKind::WebSocket => c.socket_timeout_ms,
            ProbeKind::Ice => c.ice_timeout_ms,
        }
    }

    fn probe_url(&self, index: usize, kind: ProbeKind) -> String {
        let target = &self.targets[index];
        let parsed = target.parsed();
        match kind {
            ProbeKind::Fetch => web_url_of(&target.url, parsed.scheme),
            ProbeKind::Image => target.image.as_ref().map(|i| i.url.clone()).unwrap_or_default(),
            ProbeKind::WebSocket | ProbeKind::Ice => target.url.clone(),
            ProbeKind::Doh => {
                // Spread lookups over the resolvers so no single one sees the whole list.
                let resolvers = &self.config.doh_resolvers;
                let resolver = resolvers.get(index % resolvers.len().max(1)).cloned().unwrap_or_default();
                let sep = if resolver.contains('?') { '&' } else { '?' };
                format!("{resolver}{sep}name={}&type=A", parsed.host)
            }
            ProbeKind::Resolve => {
                let host = if parsed.host.contains(':') { format!("[{}]", parsed.host) } else { parsed.host };
                format!("stun:{host}:{}", self.config.resolve_port)
            }
        }
    }
}

/// The web page behind a WebSocket URL (`wss://h/p` → `https://h/`); other URLs unchanged.
fn web_url_of(url: &str, scheme: Scheme) -> String {
    let swap = |from: &str, to: &str| format!("{to}{}", &url[from.len()..]);
    match scheme {
        Scheme::Ws => swap("ws", "http"),
        Scheme::Wss => swap("wss", "https"),
        _ => url.to_string(),
    }
}

fn first_probes(target: &Target) -> VecDeque<ProbeKind> {
    match target.parsed().scheme {
        Scheme::Http | Scheme::Https => VecDeque::from([ProbeKind::Fetch]),
        Scheme::Ws | Scheme::Wss => VecDeque::from([ProbeKind::WebSocket]),
        Scheme::Stun | Scheme::Turn | Scheme::Turns => VecDeque::from([ProbeKind::Ice]),
    }
}

/// Which probes the evidence so far calls for.
fn follow_ups(target: &Target, kind: ProbeKind, seen: &Observation) -> VecDeque<ProbeKind> {
    use Observation::*;
    let mut next = VecDeque::new();
    match (kind, seen) {
        (ProbeKind::Fetch, FetchOk { .. }) if target.image.is_some() => next.push_back(ProbeKind::Image),
        (ProbeKind::Fetch, FetchError { .. }) => next.extend([ProbeKind::Doh, ProbeKind::Resolve]),
        (ProbeKind::Fetch, FetchTimeout { .. }) => next.push_back(ProbeKind::Doh),
        (ProbeKind::WebSocket, SocketFailed { .. } | SocketTimeout { .. }) => next.push_back(ProbeKind::Fetch),
        (ProbeKind::Ice, IceFailed { .. }) => next.push_back(ProbeKind::Doh),
        _ => {}
    }
    next
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
