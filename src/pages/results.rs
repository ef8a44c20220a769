//! Progress while running, then the summary, patterns, every site with its
//! verdict and evidence, and what to do now.

use crate::i18n::{Lang, K};
use crate::probe::timer;
use crate::state::{AppState, Phase, Row};
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use ajar_core::verdict::Verdict;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: AppState,
    pub on_stop: Callback<MouseEvent>,
}

/// Symbol + word: meaning never rests on colour alone.
pub fn badge(lang: Lang, v: Verdict) -> Html {
    let mark = match v {
        Verdict::Ok => "✓",
        Verdict::Down | Verdict::Inconclusive => "?",
        _ => "✕",
    };
    html! { <span class={classes!("verdict", v.as_str())}><span aria-hidden="true">{ mark }{ " " }</span>{ lang.verdict(v) }</span> }
}

/// What a visitor recognises: the host name, with the path when it is not just "/".
pub fn site_name(url: &str) -> String {
    let Ok(u) = ajar_core::url::TargetUrl::parse(url) else { return url.to_string() };
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    if path.len() > 1 {
        format!("{}{}", u.host, path)
    } else {
        u.host
    }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    lang: Lang,
    row: Row,
}

/// One site's row: a component of its own, so that a verdict coming in re-renders its row
/// and not the whole list (a 1,000-site list re-rendered per verdict kept the page busy).
#[function_component(ResultRow)]
fn result_row(props: &RowProps) -> Html {
    let (lang, r) = (props.lang, &props.row);
    html! {
        <tr data-url={r.url.clone()} data-verdict={r.finding.as_ref().map(|f| f.verdict.as_str())}>
            <td class="url" data-label={lang.t(K::Site)} title={r.url.clone()}>{ site_name(&r.url) }</td>
            <td data-label={lang.t(K::Category)}>{ lang.category(&r.category) }</td>
            <td data-label={lang.t(K::VerdictCol)}>{ r.finding.as_ref().map_or_else(|| html! { <span class="pending">{ "…" }</span> }, |f| badge(lang, f.verdict)) }</td>
            // No finding yet: the cells stay empty.
            <td data-label={lang.t(K::Confidence)}>{ r.finding.as_ref().map(|f| lang.confidence(f.confidence)).unwrap_or_default() }</td>
            <td class="clues" data-label={lang.t(K::Evidence)}>{ r.finding.as_ref().map(|f| f.clues.iter().map(|c| lang.clue(c)).collect::<Vec<_>>().join("; ")).unwrap_or_default() }</td>
        </tr>
    }
}

fn pattern(lang: Lang, p: &Pattern) -> String {
    match p {
        Pattern::AddressRangeBlocked { prefix, targets, .. } => {
            lang.t(K::PatternRange).replace("{n}", &lang.sites(targets.len())).replace("{p}", prefix)
        }
        Pattern::DnsRemoval { targets } => lang.t(K::PatternDns).replace("{n}", &lang.sites(targets.len())),
        Pattern::Throttling { targets, .. } => lang.t(K::PatternThrottle).replace("{n}", &lang.sites(targets.len())),
    }
}

/// Offers `text` as a file download.
fn download(name: &str, mime: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Some(a) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn csv_of(entries: &[ResultEntry]) -> String {
    let q = ajar_core::csv::quote;
    let mut out = String::from("url,category,verdict,confidence,evidence\n");
    for e in entries {
        // Serialising clues (plain data) cannot fail.
        let clues = serde_json::to_string(&e.clues).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            q(&e.url),
            q(&e.category),
            e.verdict.as_str(),
            e.confidence,
            q(&clues)
        ));
    }
    out
}

/// Blocked / reachable / other per category, as bars.
fn by_category(lang: Lang, rows: &[Row]) -> Html {
    let mut cats: std::collections::BTreeMap<&str, (usize, usize, usize)> = Default::default();
    for r in rows {
        let e = cats.entry(r.category.as_str()).or_default();
        match r.finding.as_ref().map(|f| f.verdict) {
            Some(Verdict::Ok) => e.0 += 1,
            Some(v) if v.is_blocked() => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    html! {
        <ul class="bars by-category">
            { for cats.iter().map(|(c, (ok, blocked, other))| {
                let total = (ok + blocked + other).max(1);
                html! {
                    <li>
                        <span class="bar-label">{ lang.category(c) }</span>
                        <span class="stack" role="img" aria-label={format!("{c}: {ok} {}, {blocked} ✕, {other} ?", lang.verdict(Verdict::Ok))}>
                            <span class="seg ok" style={format!("width:{}%", 100 * ok / total)}></span>
                            <span class="seg blocked" style={format!("width:{}%", 100 * blocked / total)}></span>
                            <span class="seg other" style={format!("width:{}%", 100 * other / total)}></span>
                        </span>
                        <span class="bar-count">{ format!("✓{ok}/{}", ok + blocked + other) }</span>
                    </li>
                }
            }) }
        </ul>
    }
}

#[function_component(Results)]
pub fn results(props: &Props) -> Html {
    let s = &props.state;
    let lang = s.lang;
    let total = s.rows.len();
    let header = match &s.phase {
        Phase::Running { started_ms } => {
            let elapsed = (timer::now_ms() - started_ms) / 1000.0;
            let left = if s.finished > 0 { elapsed * (total - s.finished) as f64 / s.finished as f64 } else { 0.0 };
            html! {
                <section class="progress" aria-live="polite">
                    <h2>{ lang.t(K::Running) }</h2>
                    <progress max={total.to_string()} value={s.finished.to_string()} aria-label={lang.t(K::Progress)}></progress>
                    <p><span id="done-count">{ s.finished }</span>{ " / " }{ total }{ " " }{ lang.t(K::Progress) }
                        // An estimate from the first few sites would mislead: wait for a fifth.
                        if s.finished * 5 >= total && s.finished < total { { " · " }{ lang.t(K::TimeLeft).replace("{n}", &format!("{left:.0}")) } }</p>
                    <button onclick={props.on_stop.clone()}>{ lang.t(K::Stop) }</button>
                </section>
            }
        }
        Phase::Done { patterns, entries } => {
            let json_entries = entries.clone();
            let csv_entries = entries.clone();
            let save_json = Callback::from(move |_| {
                download(
                    "ajar-results.json",
                    "application/json",
                    // Serialising plain data cannot fail.
                    &serde_json::to_string_pretty(&json_entries).unwrap_or_default(),
                )
            });
            let save_csv = Callback::from(move |_| download("ajar-results.csv", "text/csv", &csv_of(&csv_entries)));
            let mut counts: Vec<(Verdict, usize)> = Verdict::ALL
                .iter()
                .map(|v| (*v, s.rows.iter().filter(|r| r.finding.as_ref().map(|f| f.verdict) == Some(*v)).count()))
                .filter(|(_, n)| *n > 0)
                .collect();
            counts.sort_by_key(|c| std::cmp::Reverse(c.1));
            html! {
                <section class="summary" id="summary">
                    <h2>{ lang.t(K::ResultsTitle) }</h2>
                    <ul class="bars">
                        { for counts.iter().map(|(v, n)| html! {
                            <li><span class="bar-label">{ badge(lang, *v) }</span>
                                <span class="bar" style={format!("width:{}%", 100 * n / total.max(1))}></span>
                                <span class="bar-count">{ *n }</span></li>
                        }) }
                    </ul>
                    if !patterns.is_empty() {
                        <h3>{ lang.t(K::PatternsTitle) }</h3>
                        <ul class="patterns">{ for patterns.iter().map(|p| html! { <li>{ pattern(lang, p) }</li> }) }</ul>
                    }
                    <h3>{ lang.t(K::ByCategory) }</h3>
                    { by_category(lang, &s.rows) }
                    if s.rows.iter().any(|r| r.finding.as_ref().is_some_and(|f| f.verdict.is_blocked())) {
                        <h3>{ lang.t(K::WhatNowTitle) }</h3>
                        <p>{ lang.t(K::WhatNow) }</p>
                    }
                    <div class="actions">
                        <button id="download-json" onclick={save_json}>{ lang.t(K::DownloadJson) }</button>
                        <button id="download-csv" onclick={save_csv}>{ lang.t(K::DownloadCsv) }</button>
                    </div>
                </section>
            }
        }
        _ => html! {},
    };
    html! {
        <>
            { header }
            <div class="table-wrap">
                <table id="results">
                    <thead><tr>
                        <th scope="col">{ lang.t(K::Site) }</th>
                        <th scope="col">{ lang.t(K::Category) }</th>
                        <th scope="col">{ lang.t(K::VerdictCol) }</th>
                        <th scope="col">{ lang.t(K::Confidence) }</th>
                        <th scope="col">{ lang.t(K::Evidence) }</th>
                    </tr></thead>
                    <tbody>{ for s.rows.iter().map(|r| html! { <ResultRow lang={lang} row={r.clone()} /> }) }</tbody>
                </table>
            </div>
        </>
    }
}
