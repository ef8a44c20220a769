//! A measurement session, from the visitor's choice to the last canary: the list and the
//! controls loaded ([`load_list`], [`load_controls`]), the runner started with a sink that
//! shows verdicts in batches ([`verdict_sink`]), then ajar's own canaries
//! ([`check_canaries`]). The top component (`app.rs`) calls [`start`] and keeps the handle.

use crate::automation;
use crate::canaries;
use crate::load::LoadError;
use crate::net::fetch_ok;
use crate::params::Params;
use crate::probe::timer;
use crate::runner::{self, Run};
use crate::state::{Action, AppState, Row};
use ajar_core::config::PlanConfig;
use ajar_core::list::{List, ListError, Target};
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use ajar_core::verdict::Finding;
use std::cell::RefCell;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// The most often verdicts are shown while a run goes (they come in batches).
const SHOW_EVERY_MS: u32 = 200;

/// What the visitor chose on the start page.
#[derive(Debug, Clone, PartialEq)]
pub enum ListChoice {
    /// A bundled list id, or a URL.
    Named(String),
    /// Text pasted or uploaded by the visitor.
    Custom(String),
    /// A campaign's list, by campaign id.
    Campaign(String),
}

/// Starts a run of the visitor's `choice` (only `category`'s targets, if one is given): the
/// page shows it loading, then running; the run's handle goes into `run` once it starts. A
/// list that cannot be loaded or is left empty is shown as the failure.
pub fn start(
    choice: ListChoice,
    category: Option<String>,
    params: Rc<Params>,
    dispatcher: UseReducerDispatcher<AppState>,
    run: Rc<RefCell<Option<Rc<Run>>>>,
) {
    dispatcher.dispatch(Action::Loading);
    automation::publish_loading();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(handle) = load_and_run(choice, category, &params, dispatcher).await {
            *run.borrow_mut() = Some(handle);
        }
    });
}

/// The list and the controls, then the runner: its handle, or `None` if the list failed.
async fn load_and_run(
    choice: ListChoice,
    category: Option<String>,
    params: &Params,
    dispatcher: UseReducerDispatcher<AppState>,
) -> Option<Rc<Run>> {
    let campaign = match &choice {
        ListChoice::Campaign(id) => Some(id.clone()),
        _ => None,
    };
    let (id, list) = match load_list(&choice, &params.collector_base()).await {
        Ok(l) => l,
        Err(e) => {
            automation::publish_error(&e.to_string());
            dispatcher.dispatch(Action::Failed(e));
            return None;
        }
    };
    let list = list.filter_categories(&category.into_iter().collect::<Vec<_>>());
    if list.targets.is_empty() {
        dispatcher.dispatch(Action::Failed(LoadError::ListLines(ListError::Empty)));
        return None;
    }
    let controls = load_controls(params, campaign.as_deref()).await;
    let rows =
        list.targets.iter().map(|t| Row { url: t.url.clone(), category: t.category.clone(), finding: None }).collect();
    automation::publish_running(list.targets.len());
    let canaries_url = params.canaries_url(campaign.as_deref());
    let campaign_id = campaign.clone();
    dispatcher.dispatch(Action::Started { campaign, list_id: id.clone(), rows, now_ms: timer::now_ms() });
    let sink = verdict_sink(dispatcher.clone(), canaries_url, params.config.clone());
    let outside = params.outside_url().map(|url| runner::OutsideSource { url, campaign: campaign_id.clone() });
    Some(runner::start(list, id, controls, params.config.clone(), outside, sink))
}

/// What the runner tells the page. Verdicts reach the page in batches, one render every
/// `SHOW_EVERY_MS` at most: rendered one by one, a 1,000-site list kept the page's only
/// thread busy, and the probes' own work waited behind it. A batch after a quiet spell (the
/// run's first verdicts among them) is shown at once; later ones wait out the rest of the
/// interval. When the list is done, the canaries follow ([`check_canaries`]).
fn verdict_sink(
    d: UseReducerDispatcher<AppState>,
    canaries_url: Option<String>,
    plan_config: PlanConfig,
) -> Rc<dyn Fn(runner::Event)> {
    let shown_later: Rc<RefCell<Vec<(usize, Finding)>>> = Rc::default();
    // When verdicts were last shown (`timer::now_ms`); none yet: long ago.
    let last_shown = Rc::new(std::cell::Cell::new(f64::NEG_INFINITY));
    // Shows what waits, if anything does.
    let show = {
        let (later, d, last_shown) = (shown_later.clone(), d.clone(), last_shown.clone());
        Rc::new(move || {
            let found = std::mem::take(&mut *later.borrow_mut());
            if !found.is_empty() {
                last_shown.set(timer::now_ms());
                d.dispatch(Action::Found(found));
            }
        })
    };
    Rc::new(move |e| match e {
        runner::Event::Found(found) => {
            let waiting = !shown_later.borrow().is_empty();
            shown_later.borrow_mut().extend(found);
            if waiting {
                return;
            }
            let since = timer::now_ms() - last_shown.get();
            if since >= f64::from(SHOW_EVERY_MS) {
                return show();
            }
            let show = show.clone();
            // In 0..SHOW_EVERY_MS (the branch above takes the rest): the cast keeps it.
            let wait = (f64::from(SHOW_EVERY_MS) - since).max(0.0) as u32;
            wasm_bindgen_futures::spawn_local(async move {
                timer::sleep(wait).await;
                show();
            });
        }
        runner::Event::Finished { entries, patterns, stopped, max_in_flight } => {
            // The entries hold every verdict: nothing is left to show after them.
            shown_later.borrow_mut().clear();
            automation::publish_done(&entries, &patterns, stopped, max_in_flight);
            let done = (entries.clone(), patterns.clone(), max_in_flight);
            check_canaries(d.clone(), canaries_url.clone(), plan_config.clone(), stopped, done);
            d.dispatch(Action::Finished { entries, patterns })
        }
    })
}

async fn load_list(choice: &ListChoice, collector: &str) -> Result<(String, List), LoadError> {
    let (id, text) = match choice {
        ListChoice::Campaign(id) => {
            return crate::campaign::load(collector, id).await.map(|(_, l)| ("campaign".into(), l))
        }
        ListChoice::Custom(text) => ("custom".to_string(), text.clone()),
        ListChoice::Named(name) if name.contains("://") => ("custom".to_string(), fetch_ok(name, None).await?),
        ListChoice::Named(id) => {
            let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
            (safe.clone(), fetch_ok(&format!("lists/{safe}.csv"), None).await?)
        }
    };
    List::parse(&text).map(|l| (id, l)).map_err(LoadError::ListLines)
}

async fn load_controls(params: &Params, campaign: Option<&str>) -> List {
    if let Some(url) = &params.controls {
        if let Ok(text) = fetch_ok(url, None).await {
            if let Ok(list) = List::parse(&text) {
                return list;
            }
        }
    }
    // The collector that served this page is always a control, with the deployment's own
    // (read from the page's origin, like every deployment setting).
    let mut targets =
        vec![Target { url: format!("{}/", params.collector_base()), category: "CTRL".into(), image: None }];
    // A campaign's own controls replace the deployment's (sites not blocked where its
    // visitors are).
    let descriptor = match campaign {
        Some(id) => crate::campaign::load(&params.collector_base(), id).await.map(|(d, _)| d).ok(),
        None => None,
    };
    let own = descriptor.as_ref().map(|d| d.get("controls").items()).filter(|c| !c.is_empty());
    let settings = if own.is_some() { ajar_core::json::Json::Null } else { deployment_settings().await };
    let urls = own.unwrap_or_else(|| settings.get("controls").items());
    for url in urls.iter().filter_map(|u| u.as_str()) {
        if ajar_core::url::TargetUrl::parse(url).is_ok() {
            targets.push(Target { url: url.to_string(), category: "CTRL".into(), image: None });
        }
    }
    List { targets }
}

/// The deployment's settings (`/v1/settings`), read from the origin that served this page,
/// never from a collector the link names: a link is anyone's to write, a deployment setting
/// is not. `Null` if they cannot be read.
async fn deployment_settings() -> ajar_core::json::Json {
    let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
        return ajar_core::json::Json::Null;
    };
    match fetch_ok(&format!("{origin}/v1/settings"), None).await {
        Ok(text) => ajar_core::json::Json::parse(&text).unwrap_or(ajar_core::json::Json::Null),
        Err(_) => ajar_core::json::Json::Null,
    }
}

/// The deployment's `unattended_runs` setting (see [`deployment_settings`]); false if it
/// cannot be read.
pub async fn unattended_runs_allowed() -> bool {
    deployment_settings().await.get("unattended_runs").as_bool() == Some(true)
}

/// After the list: ajar's own canaries (skipped, and said so, when not configured or stopped).
/// `done`: the list's entries, patterns and peak concurrency, republished on `window.ajar`
/// once the canaries have spoken to the verdicts (as the page shows them).
fn check_canaries(
    d: UseReducerDispatcher<AppState>,
    url: Option<String>,
    plan: PlanConfig,
    stopped: bool,
    done: (Vec<ResultEntry>, Vec<Pattern>, usize),
) {
    wasm_bindgen_futures::spawn_local(async move {
        let skip = |why: String| {
            automation::publish_canaries(&[], Some(&why));
            d.dispatch(Action::CanariesSkipped(why));
        };
        if stopped {
            return skip(String::new());
        }
        let Some(url) = url else {
            return skip(canaries::CanaryError::NotConfigured.to_string());
        };
        let config = match canaries::load(&url).await {
            Ok(c) => c,
            Err(e) => return skip(e.to_string()),
        };
        d.dispatch(Action::CanariesStarted);
        let each = d.clone();
        let results = match canaries::run(&config, &plan, move |r| each.dispatch(Action::Canary(r.clone()))).await {
            Ok(r) => r,
            // No probe ran (no token could be made): skipped, and said why.
            Err(e) => return skip(e.to_string()),
        };
        let (mut entries, patterns, max_in_flight) = done;
        ajar_core::canary::strengthen(&mut entries, &results);
        automation::publish_done(&entries, &patterns, false, max_in_flight);
        automation::publish_canaries(&results, None);
        d.dispatch(Action::CanariesDone { entries });
    });
}
