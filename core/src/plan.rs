//! The sans-io plan: which probe to run next, given what has been seen.
//!
//! A driver loops: `next(now)` → run the task (with its timeout) → `record(id,
//! observation, now)`. Controls run first; a target's verdict is released once
//! its own probes and all controls are done, so results appear as they come.

use crate::config::PlanConfig;
use crate::infer::{infer, Evidence, RunContext};
use crate::list::{ImageSpec, Target};
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::pace::Pace;
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

/// A probe waiting to run; DoH lookups say which resolver and record type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pending {
    Probe(ProbeKind),
    /// `resolver`: index into the configured resolvers; `aaaa`: IPv6 addresses, after an
    /// A lookup found the name without IPv4 ones.
    Doh {
        resolver: usize,
        aaaa: bool,
    },
}

impl Pending {
    fn kind(self) -> ProbeKind {
        match self {
            Pending::Probe(k) => k,
            Pending::Doh { .. } => ProbeKind::Doh,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct TargetState {
    pending: VecDeque<Pending>,
    running: u32,
    started: bool,
    finished: bool,
    released: bool,
    evidence: Evidence,
    /// What the page opens for this target (its https/wss equivalent on an https page);
    /// `None` when nothing equivalent can be opened.
    open_url: Option<String>,
    /// The page its fetch probe opens (a socket target's web page); `None` for STUN/TURN
    /// targets and when nothing equivalent can be opened. Derived once: the outside view
    /// matches its answers against it for every target.
    fetch_url: Option<String>,
    /// A second outside resolver has been asked (after NXDOMAIN or a failure).
    asked_second_resolver: bool,
    /// Its fetch hung: asked once more when the list's other first probes are done.
    confirm_due: bool,
}

pub struct Plan {
    config: PlanConfig,
    targets: Vec<Target>,
    controls: usize,
    states: Vec<TargetState>,
    unstarted: VecDeque<usize>,
    ready: VecDeque<usize>,
    /// Targets whose fetch hung, to be asked once more at the end (see [`Plan::record`]).
    deferred: VecDeque<usize>,
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
    resolver_check: ResolverCheck,
    /// The check for a content blocker (see [`BAIT_TARGET`]): `Done(true)` if it refused the bait.
    bait_check: ResolverCheck,
    /// Timeouts and probes in flight, learned from the run's answers.
    pace: Pace,
}

/// A name that exists nowhere (`.invalid` is reserved): asked of the local resolver first, to
/// learn whether this browser reports a name that does not resolve at all. Chromium does, at
/// once; a browser that says nothing for it cannot be taken as "resolves" when it says
/// nothing for a target either.
pub const RESOLVER_CHECK_HOST: &str = "resolver-check.invalid";

/// The plan's content-blocker check (`PlanConfig::bait_url`): a request to the collector
/// shaped like an advert. A content blocker refuses it before the network; a fast failure is
/// then no proof that the network refused a target.
pub const BAIT_TARGET: usize = usize::MAX - 1;
/// [`ProbeTask::target`] of the resolver check, which is no target.
pub const RESOLVER_CHECK_TARGET: usize = usize::MAX;

#[derive(Debug, Clone, Copy, PartialEq)]
enum ResolverCheck {
    NotStarted,
    Running(u32),
    /// Whether the browser reported the name as not resolving.
    Done(bool),
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
            resolver_check: ResolverCheck::NotStarted,
            bait_check: ResolverCheck::NotStarted,
            pace,
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
        self.running.len() + self.checks_running()
    }

    /// How many of the plan's own checks (the resolver's signal, the content blocker's bait)
    /// are running.
    fn checks_running(&self) -> usize {
        [self.resolver_check, self.bait_check].iter().filter(|c| matches!(c, ResolverCheck::Running(_))).count()
    }
    /// Holds verdicts back (probes still run) until evidence that concerns every target,
    /// such as the outside view, has arrived.
    pub fn set_hold(&mut self, hold: bool) {
        self.hold = hold;
    }

    /// The web URL to ask an outside vantage point about, per list target (controls
    /// excluded), in list order: what the page itself fetches (an `http://` target's https
    /// equivalent on an https page); `None` for targets with no web page to fetch.
    pub fn outside_urls(&self) -> Vec<Option<String>> {
        (self.controls..self.targets.len()).map(|i| self.fetch_url(i)).collect()
    }

    /// The web controls' pages, for the outside view to learn their known images too (the
    /// rate a throttled target is compared with).
    pub fn control_outside_urls(&self) -> Vec<String> {
        (0..self.controls).filter_map(|i| self.fetch_url(i)).collect()
    }

    /// What a vantage point outside the visitor's network saw of `url` (as given by
    /// [`Plan::outside_urls`] or [`Plan::control_outside_urls`]).
    pub fn set_outside(&mut self, url: &str, view: OutsideView) {
        for s in &mut self.states {
            if s.fetch_url.as_deref() == Some(url) {
                s.evidence.outside = Some(view);
            }
        }
    }

    /// The known image the outside view found on the site of `url`: the browser loads it
    /// too (at once if the page has answered already) to check content and speed. A target
    /// whose list gives an image keeps its own.
    pub fn set_outside_image(&mut self, url: &str, image: ImageSpec) {
        for i in 0..self.states.len() {
            if self.states[i].fetch_url.as_deref() != Some(url) || self.targets[i].image.is_some() {
                continue;
            }
            let s = &mut self.states[i];
            s.evidence.learned_image = Some(image.clone());
            let fetched = s.evidence.observations.iter().any(|o| matches!(o, Observation::FetchOk { .. }));
            let imaged = s.evidence.observations.iter().any(|o| {
                matches!(
                    o,
                    Observation::ImageDecoded { .. }
                        | Observation::ImageError { .. }
                        | Observation::ImageTimeout { .. }
                )
            }) || s.pending.contains(&Pending::Probe(ProbeKind::Image))
                || self.running.iter().any(|r| r.1 == i && r.2 == Pending::Probe(ProbeKind::Image));
            // A socket target's page is fetched only when its socket failed: no image then.
            let web = matches!(self.targets[i].parsed().scheme, Scheme::Http | Scheme::Https);
            if fetched && !imaged && web && !s.released && !self.out_of_budget {
                let was_idle = s.pending.is_empty();
                s.pending.push_back(Pending::Probe(ProbeKind::Image));
                s.finished = false;
                if was_idle && !self.ready.contains(&i) {
                    self.ready.push_back(i);
                }
            }
        }
    }

    /// The known image of target `index`: the list's, else the one learned from outside.
    fn image(&self, index: usize) -> Option<&ImageSpec> {
        self.targets[index].image.as_ref().or(self.states[index].evidence.learned_image.as_ref())
    }

    /// The page this target's fetch probe opens.
    fn fetch_url(&self, index: usize) -> Option<String> {
        self.states[index].fetch_url.clone()
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
                s.confirm_due = false;
                s.finished |= s.running == 0;
            }
            self.ready.clear();
            self.deferred.clear();
            self.deferred_images.clear();
        }
        if self.in_flight() >= self.pace.allowed(now_ms) {
            return Step::Wait;
        }
        let checks_due = !self.out_of_budget && self.needs_resolver_check();
        if checks_due && self.resolver_check == ResolverCheck::NotStarted {
            let url = format!("stun:{RESOLVER_CHECK_HOST}:{}", self.config.resolve_port);
            let timeout_ms = self.timeout(ProbeKind::Resolve);
            let task = self.check_task(RESOLVER_CHECK_TARGET, ProbeKind::Resolve, url, timeout_ms, now_ms);
            self.resolver_check = ResolverCheck::Running(task.id);
            return Step::Run(task);
        }
        if let Some(url) =
            self.config.bait_url.clone().filter(|_| checks_due && self.bait_check == ResolverCheck::NotStarted)
        {
            // The configured timeout, not the pace's: nothing has answered yet.
            let timeout_ms = self.config.fetch_timeout_ms;
            let task = self.check_task(BAIT_TARGET, ProbeKind::Fetch, url, timeout_ms, now_ms);
            self.bait_check = ResolverCheck::Running(task.id);
            return Step::Run(task);
        }
        // Finish started targets before starting new ones (controls are queued first).
        let index = match self.ready.pop_front() {
            Some(i) => i,
            None => match self.unstarted.pop_front() {
                Some(i) => {
                    let first = self.first_probes(i);
                    self.states[i].started = true;
                    self.states[i].pending = first;
                    i
                }
                // Every target has had its first look: the hung ones are asked again, now
                // that the link is not busy with the rest of the list.
                None if !self.deferred.is_empty() => {
                    let i = self.deferred.pop_front().unwrap_or_default();
                    self.states[i].confirm_due = false;
                    self.states[i].pending.push_back(Pending::Probe(ProbeKind::Fetch));
                    i
                }
                // Last, each slow image once more, with nothing else on the link.
                None if !self.deferred_images.is_empty() && self.in_flight() == 0 => {
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
        let Some(probe) = self.states[index].pending.pop_front() else {
            self.settle(index);
            return self.next(now_ms);
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
        Step::Run(ProbeTask {
            id,
            target: index,
            kind,
            url: self.probe_url(index, probe),
            timeout_ms: self.timeout(kind),
        })
    }

    /// A probe of one of the plan's own checks (`target` is no list target), counted by the pace.
    fn check_task(&mut self, target: usize, kind: ProbeKind, url: String, timeout_ms: u32, now_ms: u64) -> ProbeTask {
        let id = self.next_id;
        self.next_id += 1;
        self.pace.started(id, now_ms);
        ProbeTask { id, target, kind, url, timeout_ms }
    }

    /// Feeds back what probe `id` saw. Unknown ids are ignored.
    pub fn record(&mut self, id: u32, observation: Observation, _now_ms: u64) {
        let answered = match observation {
            Observation::FetchOk { ms } => Some(ms),
            _ => None,
        };
        self.pace.finished(id, answered);
        if self.resolver_check == ResolverCheck::Running(id) {
            self.resolver_check = ResolverCheck::Done(matches!(observation, Observation::DoesNotResolve { .. }));
            return;
        }
        if self.bait_check == ResolverCheck::Running(id) {
            self.bait_check = ResolverCheck::Done(matches!(observation, Observation::FetchError { .. }));
            return;
        }
        let Some(at) = self.running.iter().position(|r| r.0 == id) else {
            return;
        };
        let (_, index, probe) = self.running.swap_remove(at);
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
        let again = match observation {
            Observation::FetchTimeout { .. } if first_look => Some(&mut self.deferred),
            Observation::ImageDecoded { .. } if first_look && self.looks_throttled(index, &observation) => {
                Some(&mut self.deferred_images)
            }
            _ => None,
        };
        let state = &mut self.states[index];
        if let Some(queue) = again {
            queue.push_back(index);
            state.confirm_due = true;
        }
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

    fn settle(&mut self, index: usize) {
        let s = &mut self.states[index];
        if s.started && s.running == 0 && s.pending.is_empty() && !s.confirm_due {
            s.finished = true;
        }
    }

    fn controls_running(&self) -> bool {
        self.states[..self.controls].iter().any(|s| !s.finished) || self.checks_running() > 0
    }

    /// Only web targets ever ask the local resolver.
    fn needs_resolver_check(&self) -> bool {
        self.targets.iter().any(|t| !matches!(t.parsed().scheme, Scheme::Stun | Scheme::Turn | Scheme::Turns))
    }

    /// The run's context from the controls measured so far.
    pub fn context(&self) -> RunContext {
        let mut ctx = RunContext {
            // Not asked (no web target, out of budget): nothing to distrust.
            resolver_reports_failures: !matches!(self.resolver_check, ResolverCheck::Done(false)),
            content_blocker: self.bait_check == ResolverCheck::Done(true),
            ..RunContext::default()
        };
        let mut rates: Vec<f32> = Vec::new();
        for (t, s) in self.targets[..self.controls].iter().zip(&self.states) {
            // A STUN control tells about STUN only; the web controls about the connection.
            if matches!(t.parsed().scheme, Scheme::Stun | Scheme::Turn | Scheme::Turns) {
                ctx.ice_controls_total += 1;
                let reached = s.evidence.observations.iter().any(|o| matches!(o, Observation::IceReached { .. }));
                ctx.ice_controls_ok += u32::from(reached);
                continue;
            }
            ctx.controls_total += 1;
            let fetched = s.evidence.observations.iter().any(|o| matches!(o, Observation::FetchOk { .. }));
            ctx.controls_ok += u32::from(fetched);
            let bytes = t.image.as_ref().or(s.evidence.learned_image.as_ref()).and_then(|i| i.bytes);
            let first_byte = s.evidence.observations.iter().find_map(|o| match o {
                Observation::FetchOk { ms } => Some(*ms),
                _ => None,
            });
            // A control's favicon measures its round trip, not a rate: only images that
            // can measure one count.
            let bytes = bytes.filter(|b| *b >= crate::image_header::RATE_BYTES);
            for o in &s.evidence.observations {
                if let (Observation::ImageDecoded { ms, transfer_ms, .. }, Some(bytes)) = (o, bytes) {
                    let transfer =
                        transfer_ms.unwrap_or_else(|| crate::infer::transfer_ms(*ms, first_byte.unwrap_or(0)));
                    rates.push(bytes as f32 / transfer.max(1) as f32);
                }
            }
        }
        // The controls' median rate (on several networks, the fastest is no fair measure).
        rates.sort_by(f32::total_cmp);
        ctx.control_throughput = match rates.len() {
            0 => None,
            n if n % 2 == 1 => rates.get(n / 2).copied(),
            n => Some((rates[n / 2 - 1] + rates[n / 2]) / 2.0),
        };
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
            ProbeKind::Fetch => self.pace.timeout(c.fetch_timeout_ms),
            ProbeKind::Doh => c.doh_timeout_ms,
            ProbeKind::Resolve => c.resolve_timeout_ms,
            ProbeKind::Image => c.image_timeout_ms,
            // Not paced: a browser opens one WebSocket at a time per address (RFC 6455
            // §4.1), so a socket's wait includes the handshakes queued before it.
            ProbeKind::WebSocket => c.socket_timeout_ms,
            ProbeKind::Ice => c.ice_timeout_ms,
        }
    }

    fn resolver_count(&self) -> usize {
        self.config.doh_resolvers.len().max(1)
    }

    /// The first resolver a target's lookups go to: spread over the resolvers so that no
    /// single one sees the whole list.
    fn first_doh(&self, index: usize) -> Pending {
        Pending::Doh { resolver: index % self.resolver_count(), aaaa: false }
    }

    fn probe_url(&self, index: usize, probe: Pending) -> String {
        let target = &self.targets[index];
        let parsed = target.parsed();
        let open = self.states[index].open_url.clone().unwrap_or_else(|| target.url.clone());
        match probe {
            Pending::Probe(ProbeKind::Fetch) => self.fetch_url(index).unwrap_or(open),
            Pending::Probe(ProbeKind::Image) => self.image(index).map(|i| i.url.clone()).unwrap_or_default(),
            Pending::Probe(ProbeKind::WebSocket | ProbeKind::Ice) => open,
            Pending::Probe(ProbeKind::Doh) => self.probe_url(index, self.first_doh(index)),
            Pending::Doh { resolver, aaaa } => {
                let resolver = self.config.doh_resolvers.get(resolver).cloned().unwrap_or_default();
                let sep = if resolver.contains('?') { '&' } else { '?' };
                let kind = if aaaa { "AAAA" } else { "A" };
                format!("{resolver}{sep}name={}&type={kind}", parsed.host)
            }
            Pending::Probe(ProbeKind::Resolve) => {
                let host = if parsed.host.contains(':') { format!("[{}]", parsed.host) } else { parsed.host };
                format!("stun:{host}:{}", self.config.resolve_port)
            }
        }
    }

    fn first_probes(&self, index: usize) -> VecDeque<Pending> {
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
    fn follow_ups(&self, index: usize, probe: Pending, seen: &Observation) -> VecDeque<Pending> {
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

impl TargetState {
    fn for_target(target: &Target, page_secure: bool) -> TargetState {
        let parsed = target.parsed();
        let open_url = if page_secure { parsed.secure_equivalent(&target.url) } else { Some(target.url.clone()) };
        let insecure = matches!(parsed.scheme, Scheme::Http | Scheme::Ws);
        let evidence = Evidence {
            upgraded: page_secure && insecure && open_url.is_some(),
            unmeasurable: open_url.is_none(),
            ..Evidence::default()
        };
        let fetch_url = open_url.as_deref().and_then(|open| match parsed.scheme {
            Scheme::Http | Scheme::Https => Some(open.to_string()),
            Scheme::Ws | Scheme::Wss => Some(web_url_of(open)),
            Scheme::Stun | Scheme::Turn | Scheme::Turns => None,
        });
        TargetState { open_url, fetch_url, evidence, ..TargetState::default() }
    }
}

/// The web page behind a WebSocket URL (`wss://h/p` → `https://h/p`); other URLs unchanged.
fn web_url_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once(':') else {
        return url.to_string();
    };
    match scheme.to_ascii_lowercase().as_str() {
        "wss" => format!("https:{rest}"),
        "ws" => format!("http:{rest}"),
        _ => url.to_string(),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
