//! The top component: holds the reducer, loads lists, starts and stops runs.

use crate::automation;
use crate::canaries;
use crate::collector;
use crate::i18n::{Lang, K};
use crate::load::LoadError;
use crate::net::fetch_ok;
use crate::pages::{
    canaries::CanaryPanel, explorer::Explorer, methodology::Methodology, results::Results, start::Start,
    submit::SubmitPanel,
};
use crate::params::Params;
use crate::probe::timer;
use crate::runner::{self, Run};
use crate::state::{Action, AppState, Phase, Row};
use ajar_core::config::PlanConfig;
use ajar_core::list::{List, ListError, Target};
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use ajar_core::verdict::Finding;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

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

/// The page shown, from the URL's fragment (`#/explorer`, `#/methodology`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Test,
    Explorer,
    Methodology,
}

fn route_now() -> Route {
    // No window or hash: the test page, the default route.
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    match hash.trim_start_matches('#').trim_start_matches('/') {
        "explorer" => Route::Explorer,
        "methodology" => Route::Methodology,
        _ => Route::Test,
    }
}

fn browser_lang() -> Lang {
    web_sys::window().and_then(|w| w.navigator().language()).and_then(|l| Lang::from_code(&l)).unwrap_or(Lang::En)
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

#[function_component(App)]
pub fn app() -> Html {
    let params = use_memo((), |_| Params::from_location());
    let state =
        use_reducer(|| AppState::new(params.lang.as_deref().and_then(Lang::from_code).unwrap_or_else(browser_lang)));
    let run = use_mut_ref(|| Option::<Rc<Run>>::None);
    let route = use_state(route_now);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || route.set(route_now()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    wasm_bindgen::JsCast::unchecked_ref(listener.as_ref()),
                );
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        wasm_bindgen::JsCast::unchecked_ref(listener.as_ref()),
                    );
                }
            }
        });
    }

    let start = {
        let (state, params, run) = (state.clone(), params.clone(), run.clone());
        Callback::from(move |(choice, category): (ListChoice, Option<String>)| {
            let (dispatcher, params, run) = (state.dispatcher(), params.clone(), run.clone());
            dispatcher.dispatch(Action::Loading);
            automation::publish_loading();
            wasm_bindgen_futures::spawn_local(async move {
                let campaign = match &choice {
                    ListChoice::Campaign(id) => Some(id.clone()),
                    _ => None,
                };
                let (id, list) = match load_list(&choice, &params.collector_base()).await {
                    Ok(l) => l,
                    Err(e) => {
                        automation::publish_error(&e.to_string());
                        return dispatcher.dispatch(Action::Failed(e));
                    }
                };
                let list = list.filter_categories(&category.into_iter().collect::<Vec<_>>());
                if list.targets.is_empty() {
                    return dispatcher.dispatch(Action::Failed(LoadError::ListLines(ListError::Empty)));
                }
                let controls = load_controls(&params, campaign.as_deref()).await;
                let rows = list
                    .targets
                    .iter()
                    .map(|t| Row { url: t.url.clone(), category: t.category.clone(), finding: None })
                    .collect();
                automation::publish_running(list.targets.len());
                let canaries_url = params.canaries_url(campaign.as_deref());
                let campaign_id = campaign.clone();
                dispatcher.dispatch(Action::Started { campaign, list_id: id.clone(), rows, now_ms: timer::now_ms() });
                let d = dispatcher.clone();
                let plan_config = params.config.clone();
                // Verdicts reach the page in batches, one render every `SHOW_EVERY_MS` at
                // most: rendered one by one, a 1,000-site list kept the page's only thread
                // busy, and the probes' own work waited behind it.
                let shown_later: Rc<RefCell<Vec<(usize, Finding)>>> = Rc::default();
                let sink: Rc<dyn Fn(runner::Event)> = Rc::new(move |e| match e {
                    runner::Event::Found(found) => {
                        let first = shown_later.borrow().is_empty();
                        shown_later.borrow_mut().extend(found);
                        if first {
                            let (later, d) = (shown_later.clone(), d.clone());
                            wasm_bindgen_futures::spawn_local(async move {
                                timer::sleep(SHOW_EVERY_MS).await;
                                let found = std::mem::take(&mut *later.borrow_mut());
                                if !found.is_empty() {
                                    d.dispatch(Action::Found(found));
                                }
                            });
                        }
                    }
                    runner::Event::Finished { entries, patterns, stopped, max_in_flight } => {
                        // The entries hold every verdict: nothing is left to show after them.
                        shown_later.borrow_mut().clear();
                        automation::publish_done(&entries, &patterns, stopped, max_in_flight);
                        let done = (entries.clone(), patterns.clone(), max_in_flight);
                        check_canaries(d.clone(), canaries_url.clone(), plan_config.clone(), stopped, done);
                        d.dispatch(Action::Finished { entries, patterns })
                    }
                });
                let outside =
                    params.outside_url().map(|url| runner::OutsideSource { url, campaign: campaign_id.clone() });
                let handle = runner::start(list, id, controls, params.config.clone(), outside, sink);
                *run.borrow_mut() = Some(handle);
            });
        })
    };

    // On first render: deliver queued reports; autorun if asked and this deployment allows
    // unattended runs. A link alone never starts a run: without the setting, the list it
    // names is preselected and the visitor is asked, as always.
    let autorun_refused = use_state(|| false);
    {
        let (params, start, refused) = (params.clone(), start.clone(), autorun_refused.clone());
        use_effect_with((), move |_| {
            let base = params.collector_base();
            wasm_bindgen_futures::spawn_local(async move {
                collector::flush(&base, true).await;
            });
            if params.autorun {
                let choice = match (&params.campaign, &params.list) {
                    (Some(c), _) => ListChoice::Campaign(c.clone()),
                    (None, list) => ListChoice::Named(list.clone().unwrap_or_else(|| "global".into())),
                };
                wasm_bindgen_futures::spawn_local(async move {
                    if unattended_runs_allowed().await {
                        start.emit((choice, params.category.clone()));
                    } else {
                        automation::publish_waiting_for_consent();
                        refused.set(true);
                    }
                });
            }
        });
    }

    let stop = {
        let run = run.clone();
        Callback::from(move |_| {
            if let Some(r) = run.borrow().as_ref() {
                r.stop();
            }
        })
    };
    let set_lang = {
        let d = state.dispatcher();
        Callback::from(move |l: Lang| d.dispatch(Action::SetLang(l)))
    };
    let again = {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::Reset))
    };
    let lang = state.lang;
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Some(root) = doc.document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    }

    let run_campaign = {
        let start = start.clone();
        Callback::from(move |id: String| {
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash("");
            }
            start.emit((ListChoice::Campaign(id), None));
        })
    };
    let test_body = match &state.phase {
        Phase::Start => {
            html! { <Start {lang} on_start={start.clone()} initial_list={params.list.clone()} campaign={params.campaign.clone()} /> }
        }
        Phase::Loading => html! { <p class="status" role="status">{ lang.t(K::Loading) }</p> },
        Phase::Failed(error) => html! {
            <section class="failed" role="alert">
                <h2>{ lang.t(K::ListError) }</h2>
                <pre class="errors">{ lang.load_error(error) }</pre>
                <button onclick={again.clone()}>{ lang.t(K::Again) }</button>
            </section>
        },
        Phase::Running { .. } | Phase::Done { .. } => html! {
            <>
                <Results state={(*state).clone()} on_stop={stop} />
                if let Phase::Done { entries, patterns } = &state.phase {
                    <CanaryPanel {lang} canaries={state.canaries.clone()} />
                    <SubmitPanel {lang} entries={entries.clone()} patterns={patterns.clone()} canaries={state.canaries.clone()} list_id={state.list_id.clone()} campaign={state.campaign.clone()}
                        submit={state.submit.clone()} collector={params.collector_base()} dispatch={state.dispatcher()} />
                    <button class="again" onclick={again}>{ lang.t(K::Again) }</button>
                }
            </>
        },
    };

    let body = match *route {
        Route::Test => test_body,
        Route::Explorer => html! {
            <Explorer {lang} collector={params.collector_base()} campaign={params.campaign.clone()} on_run_campaign={run_campaign} />
        },
        Route::Methodology => html! { <Methodology {lang} /> },
    };
    let nav_link = |r: Route, href: &'static str, key: K| {
        html! { <a href={href} aria-current={(*route == r).then_some("page")}>{ lang.t(key) }</a> }
    };

    html! {
        <>
            <header>
                <h1>{ lang.t(K::Title) }</h1>
                <p class="tagline">{ lang.t(K::Tagline) }</p>
                <nav class="pages">
                    { nav_link(Route::Test, "#/", K::NavTest) }
                    { nav_link(Route::Explorer, "#/explorer", K::NavExplorer) }
                    { nav_link(Route::Methodology, "#/methodology", K::NavMethod) }
                </nav>
                <nav aria-label={lang.t(K::Language)}>
                    { for Lang::ALL.iter().map(|l| {
                        let (l, set_lang) = (*l, set_lang.clone());
                        html! { <button class="lang" aria-pressed={(l == lang).to_string()} lang={l.code()} onclick={move |_| set_lang.emit(l)}>{ l.name() }</button> }
                    }) }
                </nav>
            </header>
            <main>
                if *autorun_refused && matches!(state.phase, Phase::Start) && *route == Route::Test {
                    <p class="queued" role="status">{ lang.t(K::AutorunNeedsConsent) }</p>
                }
                if collector::pending() > 0 && matches!(state.phase, Phase::Start) && *route == Route::Test {
                    <p class="queued" role="status">{ lang.t(K::Queued) }</p>
                }
                { body }
            </main>
        </>
    }
}

/// The deployment's `unattended_runs` setting (see [`deployment_settings`]); false if it
/// cannot be read.
async fn unattended_runs_allowed() -> bool {
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
        let results = canaries::run(&config, &plan, move |r| each.dispatch(Action::Canary(r.clone()))).await;
        let (mut entries, patterns, max_in_flight) = done;
        ajar_core::canary::strengthen(&mut entries, &results);
        automation::publish_done(&entries, &patterns, false, max_in_flight);
        automation::publish_canaries(&results, None);
        d.dispatch(Action::CanariesDone { entries });
    });
}
