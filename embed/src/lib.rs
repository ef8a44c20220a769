//! The embed's measurement, loaded lazily by `www/embed.js` after a reader agreed (or in
//! controls-only mode, which without consent measures the collector alone: a list of
//! controls, like a campaign, is sites someone else chose, and runs only after a yes).
//! Everything is the app's: the plan, the probes, the runner, the report, the offline queue.

use ajar::collector::{self, Sent};
use ajar::load::LoadError;
use ajar::net::fetch_ok;
use ajar::runner::{self, Event};
use ajar_core::config::PlanConfig;
use ajar_core::json::{Json, JsonError};
use ajar_core::list::{List, Target};
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use ajar_core::verdict::Verdict;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// At most this many probes in flight from a partner's page (the outside-view request
/// makes the fourth connection).
const MAX_IN_FLIGHT: u32 = 3;
/// Never more targets than this per page view, whatever the snippet asks.
const MAX_TARGETS: usize = 20;

#[derive(Debug)]
struct Options {
    collector: String,
    campaign: Option<String>,
    controls_only: bool,
    /// The reader said yes (the loader's own question).
    consented: bool,
    /// A CSV/JSON list of ajar's own control hosts (default: the collector itself).
    controls: Option<String>,
    max_probes: usize,
    /// Comma-separated DoH resolvers (JSON API) instead of the defaults.
    doh: Option<String>,
}

impl Options {
    /// The loader's options object (see `www/embed.js`).
    fn parse(text: &str) -> Result<Options, Failure> {
        let v = Json::parse(text).map_err(Failure::Options)?;
        let string = |k: &str| v.get(k).as_str().map(String::from);
        Ok(Options {
            collector: string("collector").ok_or(Failure::NoCollector)?,
            campaign: string("campaign"),
            controls_only: v.get("controls_only").as_bool().unwrap_or(false),
            consented: v.get("consented").as_bool().unwrap_or(false),
            controls: string("controls"),
            max_probes: v.get("max_probes").as_u64().map_or(5, |n| n.min(MAX_TARGETS as u64) as usize),
            doh: string("doh"),
        })
    }
}

/// Why the embed measured nothing: `measure`'s `{"error": …}`.
#[derive(Debug)]
enum Failure {
    Options(JsonError),
    NoCollector,
    /// The controls list or the campaign could not be loaded.
    Load(LoadError),
    NotConsented,
    NoCampaign,
    CampaignStopped,
    /// A campaign that keeps away from some countries, and the reader's cannot be told.
    CountryUnknown,
    CountrySkipped,
    NothingToMeasure,
    /// No secure random numbers: the report cannot get an id, so it is not sent.
    NoReportId(ajar::report_build::RandomError),
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure::Load(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Failure::Options(e) => return e.fmt(f),
            Failure::Load(e) => return e.fmt(f),
            Failure::NoReportId(e) => return e.fmt(f),
            Failure::NoCollector => "options: collector is missing",
            Failure::NotConsented => "nothing but the collector is measured before the reader agrees",
            Failure::NoCampaign => "a campaign is needed unless the mode is controls-only",
            Failure::CampaignStopped => "the campaign is not running",
            Failure::CountryUnknown => "not measured: the reader's country could not be told",
            Failure::CountrySkipped => "not measured in this country",
            Failure::NothingToMeasure => "nothing to measure",
        })
    }
}

async fn list_of(url: &str) -> Result<List, LoadError> {
    let text = fetch_ok(url, None).await?;
    List::parse(&text).map_err(LoadError::List)
}

/// The campaign's targets, or none when the reader's country is one the campaign keeps
/// the embed away from (`embed_skip_countries`).
async fn campaign_targets(base: &str, id: &str) -> Result<Vec<Target>, Failure> {
    let (v, list) = ajar::campaign::load(base, id).await?;
    if v.get("active").as_bool() != Some(true) {
        return Err(Failure::CampaignStopped);
    }
    let skip = v.get("embed_skip_countries").strings();
    if !skip.is_empty() {
        // Fails closed: a reader whose country cannot be told is not measured.
        let me = fetch_ok(&format!("{base}/v1/whoami"), None).await.map_err(|_| Failure::CountryUnknown)?;
        let cc = Json::parse(&me)
            .ok()
            .and_then(|w| w.get("country").as_str().map(String::from))
            .ok_or(Failure::CountryUnknown)?;
        if cc.len() != 2 || cc == "ZZ" || skip.contains(&cc) {
            return Err(Failure::CountrySkipped);
        }
    }
    Ok(list.targets)
}

/// What `measure` resolves to (as JSON), and the loader puts in `window.ajarEmbed.result`.
#[derive(Serialize)]
#[serde(untagged)]
enum Summary {
    Failed {
        error: String,
    },
    /// `sent` is absent when there was nothing to send.
    Done {
        results: usize,
        sent: Option<Sent>,
        verdicts: Vec<Measured>,
    },
}

#[derive(Serialize)]
struct Measured {
    url: String,
    verdict: Verdict,
}

/// Runs the embed's measurement; resolves to a JSON summary. Never throws.
#[wasm_bindgen]
pub async fn measure(options: String) -> String {
    let summary = run(&options).await.unwrap_or_else(|e| Summary::Failed { error: e.to_string() });
    // Serialising plain data cannot fail.
    serde_json::to_string(&summary).unwrap_or_default()
}

async fn run(options: &str) -> Result<Summary, Failure> {
    let o = Options::parse(options)?;
    let base = o.collector.trim_end_matches('/').to_string();
    collector::flush(&base, true).await;
    if !o.consented && (o.controls.is_some() || !o.controls_only) {
        return Err(Failure::NotConsented);
    }
    let controls = match &o.controls {
        Some(url) => list_of(url).await?,
        None => List { targets: vec![Target { url: format!("{base}/"), category: "CTRL".into(), image: None }] },
    };
    let (targets, list_id) = match (&o.campaign, o.controls_only) {
        (_, true) => (controls.targets.clone(), "controls"),
        (Some(id), false) => (campaign_targets(&base, id).await?, "campaign"),
        (None, false) => return Err(Failure::NoCampaign),
    };
    let targets: Vec<Target> = targets.into_iter().take(o.max_probes.clamp(1, MAX_TARGETS)).collect();
    if targets.is_empty() {
        return Err(Failure::NothingToMeasure);
    }
    let mut config = PlanConfig { concurrency: MAX_IN_FLIGHT, max_concurrency: MAX_IN_FLIGHT, ..PlanConfig::default() };
    if let Some(doh) = &o.doh {
        config.set_doh_resolvers(doh);
    }
    config.bait_url = Some(ajar_core::config::bait_url(&base));
    let (done, finished) = finished_signal();
    let sink: Rc<dyn Fn(Event)> = Rc::new(move |e| {
        if let Event::Finished { entries, patterns, .. } = e {
            done(entries, patterns);
        }
    });
    let outside = (!o.controls_only)
        .then(|| runner::OutsideSource { url: format!("{base}/v1/control"), campaign: o.campaign.clone() });
    let _run = runner::start(List { targets }, list_id.into(), controls, config, outside, sink);
    let (entries, patterns) = finished.await;
    let campaign = if o.controls_only { None } else { o.campaign.clone() };
    let mut report =
        ajar::report_build::build(&entries, &patterns, &[], list_id, campaign).map_err(Failure::NoReportId)?;
    // The collector refuses embed reports from a campaign's embed_skip_countries by this name.
    report.software = concat!("ajar-embed/", env!("CARGO_PKG_VERSION")).into();
    let results = report.results.len();
    let sent = match results {
        0 => None,
        _ => Some(collector::send(&base, report.to_json()).await),
    };
    let verdicts = entries.into_iter().map(|e| Measured { url: e.url, verdict: e.verdict }).collect();
    Ok(Summary::Done { results, sent, verdicts })
}

type Finished = (Vec<ResultEntry>, Vec<Pattern>);

/// A callback that completes a future once.
fn finished_signal() -> (impl Fn(Vec<ResultEntry>, Vec<Pattern>), impl std::future::Future<Output = Finished>) {
    let slot: Rc<RefCell<Option<Finished>>> = Rc::new(RefCell::new(None));
    let mut resolve: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
    let (s, r) = (slot.clone(), resolve);
    let done = move |entries, patterns| {
        *s.borrow_mut() = Some((entries, patterns));
        if let Some(r) = &r {
            let _ = r.call0(&JsValue::NULL);
        }
    };
    let wait = async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        // The promise resolves only after `done` filled the slot; empty otherwise, never seen.
        slot.borrow_mut().take().unwrap_or_default()
    };
    (done, wait)
}

/// Talc instead of Rust's default dlmalloc: 2.8 kB less gzip for partners' readers, and as
/// fast here (a 5,000-target list parsed in the same time; see docs/embed.md).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
