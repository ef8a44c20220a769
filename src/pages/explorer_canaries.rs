//! The explorer's canary table: per network, how each SNI trigger and provider canary fared
//! across visitors (`/v1/aggregates/canaries`), and how many of those probes reached the canary.

use crate::i18n::{Lang, K};
use crate::net::fetch_ok;
use crate::pages::canaries::{label, phase_words};
use crate::pages::results::badge;
use ajar_core::canary::{CanaryKind, Phase};
use ajar_core::verdict::Verdict;
use serde::Deserialize;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub collector: String,
    /// The query string of the explorer's filters (`country=…&asn=…&campaign=…`).
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Cell {
    country: String,
    asn: u32,
    kind: CanaryKind,
    name: String,
    verdict: Verdict,
    phase: Option<Phase>,
    reports: u32,
    arrived: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
struct CanaryAggregates {
    cells: Vec<Cell>,
}

#[function_component(ExplorerCanaries)]
pub fn explorer_canaries(props: &Props) -> Html {
    let lang = props.lang;
    let cells = use_state(Vec::<Cell>::new);
    {
        let (cells, url) = (cells.clone(), format!("{}/v1/aggregates/canaries?{}", props.collector, props.query));
        use_effect_with(url.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                // serde, not `ajar_core::json`: a typed aggregates answer, read in the app only (not the embed).
                let got =
                    fetch_ok(&url, None).await.ok().and_then(|t| serde_json::from_str::<CanaryAggregates>(&t).ok());
                // Unreachable or unreadable: no cells, as with no data.
                cells.set(got.unwrap_or_default().cells);
            });
        });
    }
    // Nothing measured (or the collector has no canaries): no section at all.
    if cells.is_empty() {
        return html! {};
    }
    html! {
        <section class="explorer-canaries" aria-labelledby="explorer-canaries-title">
            <h3 id="explorer-canaries-title">{ lang.t(K::ExplorerCanariesTitle) }</h3>
            <div class="table-wrap">
                <table id="canary-aggregates">
                    <thead><tr>
                        <th scope="col">{ lang.t(K::Network) }</th>
                        <th scope="col">{ lang.t(K::CanaryCheck) }</th>
                        <th scope="col">{ lang.t(K::VerdictCol) }</th>
                        <th scope="col">{ lang.t(K::Reports) }</th>
                        <th scope="col">{ lang.t(K::CanaryArrived) }</th>
                    </tr></thead>
                    <tbody>{ for cells.iter().map(|c| html! {
                        <tr data-name={c.name.clone()} data-verdict={c.verdict.as_str()}>
                            <td data-label={lang.t(K::Network)}>{ format!("{} · AS{}", c.country, c.asn) }</td>
                            <td data-label={lang.t(K::CanaryCheck)}>{ label(lang, c.kind, &c.name) }</td>
                            <td data-label={lang.t(K::VerdictCol)}>{ badge(lang, c.verdict) }
                                // No phase: nothing after the verdict.
                                { c.phase.map(|p| format!(" · {}", phase_words(lang, p))).unwrap_or_default() }</td>
                            <td data-label={lang.t(K::Reports)}>{ c.reports }</td>
                            <td data-label={lang.t(K::CanaryArrived)}>{ c.arrived }</td>
                        </tr>
                    }) }</tbody>
                </table>
            </div>
        </section>
    }
}
