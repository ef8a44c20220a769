//! Consent to share: exactly what will be sent, shown first; send or don't.

use crate::collector::{self, Sent};
use crate::i18n::{Lang, K};
use crate::report_build;
use crate::state::{Action, AppState, Canaries, Submit};
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub entries: Vec<ResultEntry>,
    pub patterns: Vec<Pattern>,
    pub canaries: Canaries,
    pub list_id: String,
    pub campaign: Option<String>,
    pub submit: Submit,
    pub collector: String,
    pub dispatch: UseReducerDispatcher<AppState>,
}

#[function_component(SubmitPanel)]
pub fn submit_panel(props: &Props) -> Html {
    let lang = props.lang;
    let built = use_memo((props.entries.clone(), props.list_id.clone(), props.canaries.clone()), |_| {
        report_build::build(
            &props.entries,
            &props.patterns,
            props.canaries.results(),
            &props.list_id,
            props.campaign.clone(),
        )
        .map(std::rc::Rc::new)
    });
    // No secure random numbers: no id, so nothing can be sent (the verdicts above still stand).
    let report = match &*built {
        Ok(r) => r.clone(),
        Err(_) => {
            return html! {
                <section class="submit" aria-labelledby="submit-title">
                    <h2 id="submit-title">{ lang.t(K::SubmitTitle) }</h2>
                    <p role="alert" id="no-report-id">{ lang.t(K::NoReportId) }</p>
                </section>
            }
        }
    };
    // Serialising a report (plain data) cannot fail.
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
    let waiting = matches!(props.canaries, Canaries::Checking(_) | Canaries::Idle);
    html! {
        <section class="submit" aria-labelledby="submit-title">
            <h2 id="submit-title">{ lang.t(K::SubmitTitle) }</h2>
            <p>{ lang.t(K::SubmitExplain) }</p>
            <p class="sent-summary">{ lang.t(K::SubmitSummary)
                .replace("{n}", &lang.sites(report.results.len()))
                .replace("{b}", &report.browser)
                .replace("{h}", &lang.hour(&report.created_hour)) }</p>
            if !report.canaries.is_empty() {
                <p class="sent-summary">{ lang.t(K::SubmitCanaries).replace("{c}", &report.canaries.len().to_string()) }</p>
            }
            <details>
                <summary>{ "JSON" }</summary>
                <pre id="report-preview" tabindex="0">{ preview }</pre>
            </details>
            if asking && waiting {
                <p role="status" id="wait-canaries">{ lang.t(K::SubmitWaitCanaries) }</p>
            }
            if asking && !waiting {
                <div class="actions">
                    <button class="primary" id="send" onclick={send}>{ lang.t(K::SubmitSend) }</button>
                    <button id="dont-send" onclick={decline}>{ lang.t(K::SubmitDont) }</button>
                </div>
            }
            { status }
        </section>
    }
}
