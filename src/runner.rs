//! Drives the core's plan with the browser adapters: `concurrency` workers pull
//! tasks, run them, record observations; verdicts stream out as events as they settle.
//! No UI here: the app and the embed both drive runs through this.

use crate::net::fetch_ok;
use crate::probe::{self, timer};
use ajar_core::config::PlanConfig;
use ajar_core::json::Json;
use ajar_core::list::List;
use ajar_core::observation::{Observation, OutsideQuery, OutsideView, OUTSIDE_BATCH};
use ajar_core::patterns::{self, Measured, Pattern};
use ajar_core::plan::{Plan, Step};
use ajar_core::report::{ProbeSummary, ResultEntry};
use ajar_core::verdict::Finding;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// Where a run's outside view comes from: the collector's `/v1/control` (or a lab's), and
/// the campaign whose list puts the targets in its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideSource {
    pub url: String,
    pub campaign: Option<String>,
}

/// A failed outside-view batch is asked again once after this pause.
const OUTSIDE_RETRY_MS: u32 = 1_000;
/// Outside-view batches asked at once (each of `OUTSIDE_BATCH` targets).
const OUTSIDE_PARALLEL: usize = 6;
/// A worker the plan holds back looks again after this long.
const WAIT_MS: u32 = 20;

/// What a run tells its owner, as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Verdicts that became final: (index in the list, finding), each target once; sent
    /// only when there are some.
    Found(Vec<(usize, Finding)>),
    /// All done (or stopped): every target's entry, ready for a report, and the patterns.
    Finished { entries: Vec<ResultEntry>, patterns: Vec<Pattern>, stopped: bool, max_in_flight: usize },
}

pub struct Run {
    plan: RefCell<Plan>,
    /// (target index, its finding), each target once, in the order they came.
    findings: RefCell<Vec<(usize, Finding)>>,
    stop: Cell<bool>,
    workers: Cell<usize>,
    /// The outside view has been asked for and has not arrived (or failed) yet.
    outside_pending: Cell<bool>,
    /// Most probes ever in flight at once (the plan caps it; reported for benchmarks).
    max_in_flight: Cell<usize>,
    start: f64,
    sink: Rc<dyn Fn(Event)>,
}

/// Starts a run; returns a handle whose `stop()` ends it early.
pub fn start(
    list: List,
    list_id: String,
    controls: List,
    config: PlanConfig,
    outside: Option<OutsideSource>,
    sink: Rc<dyn Fn(Event)>,
) -> Rc<Run> {
    // From an https page a browser refuses plain http:// and ws:// (mixed content).
    let page_secure = web_sys::window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:");
    let config = PlanConfig { page_secure, ..config };
    let plan = Plan::new(config, controls.targets, list.targets);
    // As many workers as the pace may ever allow; the plan says when each may start a probe.
    let workers = plan.most_in_flight();
    let run = Rc::new(Run {
        plan: RefCell::new(plan),
        findings: RefCell::new(Vec::new()),
        stop: Cell::new(false),
        workers: Cell::new(workers),
        max_in_flight: Cell::new(0),
        outside_pending: Cell::new(false),
        start: timer::now_ms(),
        sink,
    });
    // Probes start at once; verdicts wait for the outside view, asked for meanwhile.
    if let Some(source) = outside {
        run.plan.borrow_mut().set_hold(true);
        run.outside_pending.set(true);
        let r = run.clone();
        wasm_bindgen_futures::spawn_local(async move {
            r.fetch_outside(&source, &list_id).await;
            r.plan.borrow_mut().set_hold(false);
            r.outside_pending.set(false);
            r.publish();
            if r.workers.get() == 0 {
                r.finish();
            }
        });
    }
    for _ in 0..workers {
        let w = run.clone();
        wasm_bindgen_futures::spawn_local(async move { w.work().await });
    }
    run
}

impl Run {
    pub fn stop(&self) {
        self.stop.set(true);
    }

    fn now(&self) -> u64 {
        (timer::now_ms() - self.start).max(0.0) as u64
    }

    /// Asks the outside vantage point about every target's web page, in the collector's
    /// batches (`/v1/control` takes 20 at a time), each retried once after a pause. A batch
    /// that still fails leaves its targets without an outside view, which their verdicts say.
    async fn fetch_outside(&self, source: &OutsideSource, list_id: &str) {
        let url = source.url.as_str();
        // The web controls' pages first, in batches of their own (they are in the
        // deployment's scope, not the list's): the outside view finds their known images,
        // whose rate a throttled target is compared with. The collector itself is not asked
        // about itself.
        let own = url.split('/').take(3).collect::<Vec<_>>().join("/") + "/";
        let (controls, mut wanted): (Vec<String>, Vec<String>) = {
            let plan = self.plan.borrow();
            let controls = plan.control_outside_urls().into_iter().filter(|u| !u.starts_with(&own)).collect();
            (controls, plan.outside_urls().into_iter().flatten().collect())
        };
        // Each URL once (a list may name one twice, or a socket's page beside the page).
        wanted.sort();
        wanted.dedup();
        // The controls' batches first (their images are the rate throttling is judged
        // against), then the list's, a few at a time: one after another, a 1,000-target list
        // waits for 50 answers of the collector in a row before any verdict shows.
        let campaign = source.campaign.as_deref();
        for list in [&controls, &wanted] {
            // `OUTSIDE_PARALLEL` lanes, each taking the next batch as soon as its last one is
            // answered (no lane waits for a slow batch of another).
            // URLs the collector answers `retry` (its subrequests for that request spent) are
            // asked again in a batch of their own, as long as each answer makes progress.
            let queue: RefCell<VecDeque<Vec<String>>> =
                RefCell::new(list.chunks(OUTSIDE_BATCH).map(<[String]>::to_vec).collect());
            let lane = || async {
                loop {
                    let Some(batch) = queue.borrow_mut().pop_front() else { break };
                    let later = self.ask_outside(url, &batch, list_id, campaign).await;
                    // First in line again: the list's order is the order verdicts come in.
                    if !later.is_empty() && later.len() < batch.len() {
                        queue.borrow_mut().push_front(later);
                    }
                }
            };
            futures_util::future::join_all((0..OUTSIDE_PARALLEL).map(|_| lane())).await;
        }
    }

    /// One batch of the outside view, retried once after a pause; its answers into the plan.
    /// Returns the URLs the collector asked to be asked again (`{"retry": true}`).
    async fn ask_outside(&self, url: &str, chunk: &[String], list_id: &str, campaign: Option<&str>) -> Vec<String> {
        let urls = chunk.iter().map(String::as_str).collect();
        let query = OutsideQuery { urls, list: list_id, campaign };
        // Serialising a struct of strings cannot fail.
        let body = serde_json::to_string(&query).unwrap_or_default();
        let mut answer = fetch_ok(url, Some(&body)).await;
        if answer.is_err() && !self.stop.get() {
            timer::sleep(OUTSIDE_RETRY_MS).await;
            answer = fetch_ok(url, Some(&body)).await;
        }
        let Ok(text) = answer else {
            return Vec::new();
        };
        // Entries with an "error" (refused, resolver failure) are not views: skipped.
        let views = Json::parse(&text).unwrap_or(Json::Null);
        let mut plan = self.plan.borrow_mut();
        let mut later = Vec::new();
        for (u, v) in views.members() {
            if v.get("retry").as_bool() == Some(true) {
                later.push(u.clone());
                continue;
            }
            if let Some(view) = OutsideView::from_json(v) {
                plan.set_outside(u, view);
            }
            // The site's known image as found from outside: the browser loads it too.
            if let Some(image) = OutsideView::image_from_json(v) {
                plan.set_outside_image(u, image);
            }
        }
        later
    }

    async fn work(self: Rc<Self>) {
        loop {
            if self.stop.get() {
                break;
            }
            let step = self.plan.borrow_mut().next(self.now());
            match step {
                Step::Run(task) => {
                    self.max_in_flight.set(self.max_in_flight.get().max(self.plan.borrow().in_flight()));
                    let obs = probe::run(&task).await;
                    self.plan.borrow_mut().record(task.id, obs, self.now());
                    self.publish();
                }
                Step::Wait => timer::sleep(WAIT_MS).await,
                Step::Done => break,
            }
        }
        self.workers.set(self.workers.get() - 1);
        if self.workers.get() == 0 && !self.outside_pending.get() {
            self.finish();
        }
    }

    fn publish(&self) {
        let found = self.plan.borrow_mut().take_findings();
        if !found.is_empty() {
            self.findings.borrow_mut().extend(found.iter().cloned());
            (self.sink)(Event::Found(found));
        }
    }

    /// All verdicts in: patterns across targets, the report's entries, `window.ajar`.
    fn finish(&self) {
        let mut plan = self.plan.borrow_mut();
        self.findings.borrow_mut().extend(plan.take_findings());
        let findings = self.findings.borrow();
        let offset = (0..plan.targets().len()).filter(|i| plan.is_control(*i)).count();
        let targets = &plan.targets()[offset..];
        let not_measured =
            Finding::new(ajar_core::verdict::Verdict::Inconclusive, 0.0, vec![ajar_core::verdict::Clue::NotMeasured]);
        let mut all: Vec<Finding> = vec![not_measured; targets.len()];
        for (i, f) in findings.iter() {
            if let Some(slot) = all.get_mut(*i) {
                *slot = f.clone();
            }
        }
        let measured: Vec<Measured> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| Measured {
                url: &t.url,
                category: &t.category,
                evidence: plan.evidence(i + offset),
                finding: &all[i],
            })
            .collect();
        let found_patterns = patterns::find(&measured);
        let mut named: Vec<(String, Finding)> =
            targets.iter().map(|t| t.url.clone()).zip(all.iter().cloned()).collect();
        patterns::strengthen(&mut named, &found_patterns);
        let entries: Vec<ResultEntry> = named
            .into_iter()
            .enumerate()
            .map(|(i, (url, f))| {
                let ev = plan.evidence(i + offset);
                let prefixes = ev.prefixes();
                ResultEntry {
                    url,
                    category: targets[i].category.clone(),
                    verdict: f.verdict,
                    confidence: (f.confidence * 100.0).round() / 100.0,
                    clues: f.clues,
                    probes: ev.observations.iter().map(summary).collect(),
                    prefixes,
                }
            })
            .collect();
        drop(findings);
        drop(plan);
        (self.sink)(Event::Finished {
            entries,
            patterns: found_patterns,
            stopped: self.stop.get(),
            max_in_flight: self.max_in_flight.get(),
        });
    }
}

/// What a report keeps of an observation: its kind, outcome and time; never addresses.
fn summary(o: &Observation) -> ProbeSummary {
    use ajar_core::observation::ProbeKind as P;
    let (probe, outcome) = match o {
        Observation::FetchOk { .. } => (P::Fetch, "ok"),
        Observation::FetchError { .. } => (P::Fetch, "error"),
        Observation::FetchTimeout { .. } => (P::Fetch, "timeout"),
        Observation::DohAddresses { .. } => (P::Doh, "addresses"),
        Observation::DohNoSuchName => (P::Doh, "no_such_name"),
        Observation::DohNoAddress => (P::Doh, "no_address"),
        Observation::DohFailed => (P::Doh, "failed"),
        Observation::Resolves { .. } => (P::Resolve, "resolves"),
        Observation::DoesNotResolve { .. } => (P::Resolve, "does_not_resolve"),
        Observation::ImageDecoded { .. } => (P::Image, "decoded"),
        Observation::ImageError { .. } => (P::Image, "error"),
        Observation::ImageTimeout { .. } => (P::Image, "timeout"),
        Observation::SocketOpen { .. } => (P::WebSocket, "open"),
        Observation::SocketFailed { .. } => (P::WebSocket, "failed"),
        Observation::SocketTimeout { .. } => (P::WebSocket, "timeout"),
        Observation::IceReached { .. } => (P::Ice, "reached"),
        Observation::IceFailed { .. } => (P::Ice, "failed"),
        Observation::Unsupported { probe } => (*probe, "unsupported"),
    };
    ProbeSummary { probe, outcome: outcome.into(), ms: o.ms() }
}
