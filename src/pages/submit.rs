//! Consent to share: exactly what will be sent, shown first; send or don't.

use crate::collector::{self, Sent};
use crate::i18n::{Lang, K};
use crate::probe::timer::wall_ms;
use crate::state::{Action, AppState, Submit};
use ajar_core::patterns::Pattern;
use ajar_core::privacy::{browser_family, coarse_hour};
use ajar_core::report::{Report, ResultEntry, SCHEMA};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub entries: Vec<ResultEntry>,
    pub patterns: Vec<Pattern>,
    pub list_id: String,
    pub campaign: Option<String>,
    pub submit: Submit,
    pub collector: String,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// A fresh random id per report: it makes retries idempotent and links nothing.
fn fresh_id() -> String {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if crypto.and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok()).is_none() {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn build(p: &Props) -> Report {
    let ua = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    Report {
        schema: SCHEMA.into(),
        id: fresh_id(),
        created_hour: coarse_hour(wall_ms()),
        software: concat!("ajar/", env!("CARGO_PKG_VERSION")).into(),
        browser: browser_family(&ua).into(),
        list: p.list_id.clone(),
        campaign: p.campaign.clone(),
        // The collector refuses IP-literal targets (they could be a visitor's own network).
        results: p
            .entries
            .iter()
            .filter(|e| !ajar_core::url::TargetUrl::parse(&e.url).is_ok_and(|u| u.host_is_ip()))
            .cloned()
            .collect(),
        patterns: p.patterns.clone(),
    }
}

#[function_component(SubmitPanel)]
pub fn submit_panel(props: &Props) -> Html {
    let lang = props.lang;
    let report = use_memo((props.entries.clone(), props.list_id.clone()), |_| build(props));
    let preview = serde_json::to_string_pretty(&*report).unwrap_or_default();
    let send = {
        let (report, dispatch, base) = (report.clone(), props.dispatch.clone(), props.collector.clone());
        Callback::from(move |_| {
            let (json, dispatch, base) = (report.to_json(), dispatch.clone(), base.clone());
            dispatch.dispatch(Action::Submit(Submit::Sending));
            wasm_bindgen_futures::spawn_local(async move {
                let sent = collector::send(&base, json).await;
                dispatch.dispatch(Action::Submit(Submit::Done(sent)));
            });
        })
    };
    let decline = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::Submit(Submit::Declined)))
    };
    let status = match &props.submit {
        Submit::NotAsked | Submit::Declined => html! {},
        Submit::Sending => html! { <p role="status">{ lang.t(K::Sending) }</p> },
        Submit::Done(Sent::Stored(id)) => {
            html! { <p role="status" class="sent">{ lang.t(K::SentWithId) }{ " " }<code id="report-id">{ id }</code></p> }
        }
        Submit::Done(Sent::Queued) => {
            html! { <p role="status" class="queued" id="queued">{ lang.t(K::Queued) }</p> }
        }
        Submit::Done(Sent::Refused(why)) => {
            html! { <p role="alert">{ lang.t(K::SendFailed) }{ " " }{ why }</p> }
        }
    };
    let asking = matches!(props.submit, Submit::NotAsked);
    html! {
        <section class="submit" aria-labelledby="submit-title">
            <h2 id="submit-title">{ lang.t(K::SubmitTitle) }</h2>
            <p>{ lang.t(K::SubmitExplain) }</p>
            <p class="sent-summary">{ lang.t(K::SubmitSummary)
                .replace("{n}", &lang.sites(report.results.len()))
                .replace("{b}", &report.browser)
                .replace("{h}", &lang.hour(&report.created_hour)) }</p>
            <details>
                <summary>{ "JSON" }</summary>
                <pre id="report-preview" tabindex="0">{ preview }</pre>
            </details>
            if asking {
                <div class="actions">
                    <button class="primary" id="send" onclick={send}>{ lang.t(K::SubmitSend) }</button>
                    <button id="dont-send" onclick={decline}>{ lang.t(K::SubmitDont) }</button>
                </div>
            }
            { status }
        </section>
    }
}
