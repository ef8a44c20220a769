//! The plan's own checks, run before any target because they say how targets' answers are
//! read: does this browser report a name that does not resolve ([`RESOLVER_CHECK_HOST`]),
//! and does a content blocker refuse requests ([`BAIT_TARGET`])?

use super::{Plan, ProbeTask};
use crate::observation::{Observation, ProbeKind};
use crate::url::Scheme;

/// A name that exists nowhere (`.invalid` is reserved): asked of the local resolver first, to
/// learn whether this browser reports a name that does not resolve at all. Chromium does, at
/// once; a browser that says nothing for it cannot be taken as "resolves" when it says
/// nothing for a target either.
pub const RESOLVER_CHECK_HOST: &str = "resolver-check.invalid";

/// [`ProbeTask::target`] of the plan's content-blocker check (`PlanConfig::bait_url`): a
/// request to the collector shaped like an advert. A content blocker refuses it before the
/// network; a fast failure is then no proof that the network refused a target.
pub const BAIT_TARGET: usize = usize::MAX - 1;
/// [`ProbeTask::target`] of the resolver check, which is no target.
pub const RESOLVER_CHECK_TARGET: usize = usize::MAX;

/// Where one of the plan's checks stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Check {
    NotStarted,
    Running(u32),
    /// Its answer: for the resolver check, whether the browser reported the name as not
    /// resolving; for the bait, whether it was refused (the fetch failed fast).
    Done(bool),
}

impl Plan {
    /// How many of the plan's own checks (the resolver's signal, the content blocker's bait)
    /// are running.
    pub(super) fn checks_running(&self) -> usize {
        [self.resolver_check, self.bait_check].iter().filter(|c| matches!(c, Check::Running(_))).count()
    }

    /// Only targets with a web side (web and socket targets) ever fetch or ask the local
    /// resolver: without one, neither check runs.
    fn needs_checks(&self) -> bool {
        self.targets.iter().any(|t| !matches!(t.parsed().scheme, Scheme::Stun | Scheme::Turn | Scheme::Turns))
    }

    /// The next check to start, if one is due: the resolver's first, then the bait (when
    /// the configuration has one). None once out of budget.
    pub(super) fn next_check(&mut self, now_ms: u64) -> Option<ProbeTask> {
        if self.out_of_budget || !self.needs_checks() {
            return None;
        }
        if self.resolver_check == Check::NotStarted {
            let url = format!("stun:{RESOLVER_CHECK_HOST}:{}", self.config.resolve_port);
            let timeout_ms = self.timeout(RESOLVER_CHECK_TARGET, ProbeKind::Resolve, now_ms);
            let task = self.check_task(RESOLVER_CHECK_TARGET, ProbeKind::Resolve, url, timeout_ms, now_ms);
            self.resolver_check = Check::Running(task.id);
            return Some(task);
        }
        let url = self.config.bait_url.clone().filter(|_| self.bait_check == Check::NotStarted)?;
        // The configured timeout, not the pace's: nothing has answered yet.
        let timeout_ms = self.config.fetch_timeout_ms;
        let task = self.check_task(BAIT_TARGET, ProbeKind::Fetch, url, timeout_ms, now_ms);
        self.bait_check = Check::Running(task.id);
        Some(task)
    }

    /// A probe of one of the plan's own checks (`target` is no list target), counted by the pace.
    fn check_task(&mut self, target: usize, kind: ProbeKind, url: String, timeout_ms: u32, now_ms: u64) -> ProbeTask {
        let id = self.next_id;
        self.next_id += 1;
        self.pace.started(id, now_ms);
        ProbeTask { id, target, kind, url, timeout_ms }
    }

    /// Takes probe `id`'s answer if it is one of the checks'; false if it is a target's.
    pub(super) fn record_check(&mut self, id: u32, seen: &Observation) -> bool {
        if self.resolver_check == Check::Running(id) {
            self.resolver_check = Check::Done(matches!(seen, Observation::DoesNotResolve { .. }));
            return true;
        }
        if self.bait_check == Check::Running(id) {
            self.bait_check = Check::Done(matches!(seen, Observation::FetchError { .. }));
            return true;
        }
        false
    }
}
