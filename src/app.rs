//! The top component: holds the reducer and the page shown, starts runs (through
//! [`session`](crate::session), which loads the list and drives the run) and stops them.

use crate::automation;
use crate::collector;
use crate::i18n::{Lang, K};
use crate::pages::{
    canaries::CanaryPanel, explorer::Explorer, methodology::Methodology, results::Results, start::Start,
    submit::SubmitPanel,
};
use crate::params::Params;
use crate::runner::Run;
use crate::session::{self, ListChoice};
use crate::state::{Action, AppState, Phase};
use std::rc::Rc;
use yew::prelude::*;

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
            session::start(choice, category, params.clone(), state.dispatcher(), run.clone());
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
                    if session::unattended_runs_allowed().await {
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
