//! The sans-io plan: which probe to run next, given what has been seen.
//!
//! A driver loops: `next(now)` → run the task (with its timeout) → `record(id,
//! observation, now)`. Controls run first; a target's verdict is released once
//! its own probes and all controls are done (and verdicts are not held for the
//! outside view), so results appear as they come.
//!
//! - `task`: what the plan hands a driver ([`ProbeTask`], [`Step`]);
//! - `next`: choosing what runs next ([`Plan::next`]);
//! - `record`: taking an answer back ([`Plan::record`]);
//! - `probes`: each target's first probe, its follow-ups, their URLs and timeouts;
//! - `sockets`: WebSocket probes one at a time, with the time a browser may hold them back;
//! - `checks`: the plan's own checks (the resolver's signal, the content blocker's bait);
//! - `outside`: what the outside view is asked and what it tells;
//! - `findings`: the run's context and the verdicts released ([`Plan::take_findings`]);
//! - `target_state`: what the plan keeps per target.

mod checks;
mod findings;
mod next;
mod outside;
mod probes;
mod record;
mod sockets;
mod target_state;
mod task;

pub use checks::{BAIT_TARGET, RESOLVER_CHECK_HOST, RESOLVER_CHECK_TARGET};
pub use task::{ProbeTask, Step};

use crate::config::PlanConfig;
use crate::infer::Evidence;
use crate::list::Target;
use crate::observation::ProbeKind;
use crate::pace::Pace;
use checks::Check;
use sockets::Sockets;
use std::collections::VecDeque;
use target_state::TargetState;
use task::Pending;

pub struct Plan {
    config: PlanConfig,
    targets: Vec<Target>,
    controls: usize,
    states: Vec<TargetState>,
    unstarted: VecDeque<usize>,
    ready: VecDeque<usize>,
    /// Targets to be asked once more at the end, and with which probe (see [`Plan::record`]):
    /// a fetch that hung, a fast failure after a hang, a WebSocket that timed out.
    deferred: VecDeque<(usize, ProbeKind)>,
    /// Targets whose known image came slowly enough to call them throttled: loaded once more
    /// at the very end, alone (the list's other images may have shared the link with it).
    deferred_images: VecDeque<usize>,
    /// Probes in flight: (id, target index, probe); a handful, so a list.
    running: Vec<(u32, usize, Pending)>,
    next_id: u32,
    started_ms: Option<u64>,
    out_of_budget: bool,
    /// Verdicts wait while evidence for all targets (the outside view) is still coming.
    hold: bool,
    /// The check of the browser's resolver signal (see [`RESOLVER_CHECK_HOST`]).
    resolver_check: Check,
    /// The check for a content blocker (see [`BAIT_TARGET`]): `Done(true)` if it refused the bait.
    bait_check: Check,
    /// Timeouts and probes in flight, learned from the run's answers.
    pace: Pace,
    /// WebSocket probes: one at a time (see `sockets.rs`).
    sockets: Sockets,
}

impl Plan {
    /// `controls` are measured first and tell a broken connection from blocking.
    pub fn new(config: PlanConfig, controls: Vec<Target>, targets: Vec<Target>) -> Plan {
        let n_controls = controls.len();
        let all: Vec<Target> = controls.into_iter().chain(targets).collect();
        let states = all.iter().map(|t| TargetState::for_target(t, config.page_secure)).collect();
        let pace =
            Pace::new(config.effective_concurrency(), config.effective_max_concurrency(), config.adaptive_timeouts);
        Plan {
            config,
            unstarted: (0..all.len()).collect(),
            targets: all,
            controls: n_controls,
            states,
            ready: VecDeque::new(),
            deferred: VecDeque::new(),
            deferred_images: VecDeque::new(),
            running: Vec::new(),
            next_id: 0,
            started_ms: None,
            out_of_budget: false,
            hold: false,
            resolver_check: Check::NotStarted,
            bait_check: Check::NotStarted,
            pace,
            sockets: Sockets::default(),
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
    /// The most probes this plan may ever have in flight at once (see `Pace::most_in_flight`):
    /// as many workers as a driver needs.
    pub fn most_in_flight(&self) -> usize {
        self.pace.most_in_flight()
    }
    pub fn in_flight(&self) -> usize {
        self.running.len() + self.checks_running()
    }

    /// Holds verdicts back (probes still run) until evidence that concerns every target,
    /// such as the outside view, has arrived.
    pub fn set_hold(&mut self, hold: bool) {
        self.hold = hold;
    }
}

#[cfg(test)]
#[path = "../plan_tests.rs"]
mod tests;
