//! The explorer: what many visitors measured, per site, country, network and day, from the
//! collector's aggregates; a campaign's page when reached by its link. At the top the charts
//! (`explorer_charts`): the overview of the whole window, then the chosen site's blocked share
//! hour by hour in each network; below them every published cell of the chosen window.

use crate::i18n::{Lang, K};
use crate::net::fetch_ok;
use crate::pages::explorer_canaries::ExplorerCanaries;
use crate::pages::explorer_charts::{legend, Overview, SeriesChart, VerdictPatterns};
use ajar_core::aggregate::Aggregates;
use ajar_core::campaign::Summary as Campaign;
use ajar_core::explore::{hour_bucket, overview, series, span};
use ajar_core::json::Json;
use ajar_core::verdict::Verdict;
use std::collections::BTreeMap;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub collector: String,
    pub campaign: Option<String>,
    pub on_run_campaign: Callback<String>,
}

/// What the explorer shows: filters of `/v1/aggregates`.
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    country: String,
    asn: String,
    url: String,
    window: String,
}

impl Default for Filter {
    fn default() -> Self {
        Filter { country: String::new(), asn: String::new(), url: String::new(), window: "all".into() }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

fn verdict_word(lang: Lang, v: &str) -> String {
    Verdict::parse(v).map(|v| lang.verdict(v).to_string()).unwrap_or_else(|| v.to_string())
}

/// The aggregates at `url`.
async fn get(url: String) -> Load<Aggregates> {
    match fetch_ok(&url, None).await {
        // serde, not `ajar_core::json`: a large typed answer the collector writes from the same
        // types (cells, rules, waves), read in the app only, never in the embed.
        Ok(t) => serde_json::from_str(&t).map_or_else(|e| Load::Failed(e.to_string()), Load::Ready),
        Err(e) => Load::Failed(e.to_string()),
    }
}

/// Whether any cell comes from a network reserved for documentation (RFC 5398): the lab's
/// generated demo data (`ajar-lab demo-reports`), never real measurements.
fn has_demo_data(agg: &Aggregates) -> bool {
    agg.cells.iter().any(|c| (64496..=64511).contains(&c.asn))
}

#[function_component(Explorer)]
pub fn explorer(props: &Props) -> Html {
    let lang = props.lang;
    let data = use_state(|| Load::<Aggregates>::Loading);
    let whole = use_state(|| Load::<Aggregates>::Loading);
    let hourly = use_state(|| Load::<Aggregates>::Loading);
    let site = use_state(|| Option::<String>::None);
    let network = use_state(String::new);
    let campaign = use_state(|| Option::<Campaign>::None);
    let filter = use_state(Filter::default);
    let (country_ref, asn_ref, site_ref, window_ref) = (use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref());
    {
        let (data, campaign, base, id, f) =
            (data.clone(), campaign.clone(), props.collector.clone(), props.campaign.clone(), (*filter).clone());
        let (whole, hourly) = (whole.clone(), hourly.clone());
        use_effect_with((props.campaign.clone(), (*filter).clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut q = String::new();
                if let Some(id) = &id {
                    q.push_str(&format!("&campaign={id}"));
                    if let Ok(t) = fetch_ok(&format!("{base}/v1/campaigns/{id}"), None).await {
                        campaign.set(Json::parse(&t).ok().and_then(|v| Campaign::from_json(&v)));
                    }
                }
                let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
                for (key, value) in [("country", &f.country), ("asn", &f.asn), ("url", &f.url)] {
                    if !value.is_empty() {
                        q.push_str(&format!("&{key}={}", enc(value)));
                    }
                }
                // The whole window feeds the overview, and the table too when it is the one chosen
                // (each read of every result counts against the collector's read limit).
                let all = get(format!("{base}/v1/aggregates?window=all{q}")).await;
                if f.window == "all" {
                    data.set(all.clone());
                } else {
                    data.set(get(format!("{base}/v1/aggregates?window={}{q}", f.window)).await);
                }
                whole.set(all);
                // The time series: hours of the last 14 days.
                let since = hour_bucket((js_sys::Date::now() / 3_600_000.0) as i64 - 14 * 24);
                hourly.set(get(format!("{base}/v1/aggregates?window=hour&since={since}:00:00Z{q}")).await);
            });
        });
    }
    let apply = {
        let (filter, refs) =
            (filter.clone(), (country_ref.clone(), asn_ref.clone(), site_ref.clone(), window_ref.clone()));
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value =
                // A field not rendered is an empty filter.
                |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value().trim().to_string()).unwrap_or_default();
            let window = refs.3.cast::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_else(|| "all".into());
            filter.set(Filter {
                country: value(&refs.0).to_ascii_uppercase(),
                asn: value(&refs.1).trim_start_matches(['A', 'S', 'a', 's']).to_string(),
                url: value(&refs.2),
                window,
            });
        })
    };
    let canary_query = {
        let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
        let mut q = Vec::new();
        for (key, value) in [("country", &filter.country), ("asn", &filter.asn)] {
            if !value.is_empty() {
                q.push(format!("{key}={}", enc(value)));
            }
        }
        if let Some(id) = &props.campaign {
            q.push(format!("campaign={}", enc(id)));
        }
        q.join("&")
    };
    let campaign_html = match (&props.campaign, &*campaign) {
        (Some(id), Some(c)) => {
            let (run, id) = (props.on_run_campaign.clone(), id.clone());
            html! {
                <section class="campaign" aria-labelledby="campaign-title">
                    <h2 id="campaign-title">{ lang.t(K::CampaignTitle) }{ ": " }{ &c.name }</h2>
                    <p>{ &c.description }</p>
                    if c.active {
                        <button class="primary" id="run-campaign" onclick={move |_| run.emit(id.clone())}>{ lang.t(K::RunCampaign) }</button>
                    } else {
                        <p role="status">{ lang.t(K::CampaignInactive) }</p>
                    }
                </section>
            }
        }
        _ => html! {},
    };
    let demo = matches!(&*whole, Load::Ready(a) if has_demo_data(a));
    let charts = match &*whole {
        Load::Ready(all) if !all.cells.is_empty() => {
            let rows = overview(all);
            let picked = (*site)
                .clone()
                .filter(|s| rows.iter().any(|r| &r.url == s))
                .or_else(|| rows.first().map(|r| r.url.clone()));
            let on_pick = {
                let site = site.clone();
                Callback::from(move |u: String| {
                    site.set(Some(u));
                    // Over time is below the overview: bring it into view.
                    if let Some(e) =
                        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("series-title"))
                    {
                        e.scroll_into_view();
                    }
                })
            };
            let over_time = match &*hourly {
                Load::Loading => html! { <p role="status">{ lang.t(K::Loading) }</p> },
                Load::Failed(e) => html! { <p role="alert">{ e }</p> },
                Load::Ready(h) => {
                    let all_series = series(h);
                    let mut nets: Vec<(String, u32)> = all_series.iter().map(|s| (s.country.clone(), s.asn)).collect();
                    nets.sort();
                    nets.dedup();
                    let mut shown: Vec<_> = all_series
                        .iter()
                        .filter(|s| picked.as_ref() == Some(&s.url))
                        .filter(|s| network.is_empty() || *network == format!("{}/{}", s.country, s.asn))
                        .collect();
                    // Networks where the site was blocked first, earliest first.
                    shown.sort_by_key(|s| {
                        (s.first_blocked.is_none(), s.first_blocked.clone(), s.country.clone(), s.asn)
                    });
                    // At least a day on the axis: one hour of data is not one bar as wide as the chart.
                    let axis = span(&all_series).map(|(lo, hi)| (lo.min(hi - 23), hi));
                    let mut used: Vec<Verdict> = vec![Verdict::Ok];
                    for v in shown
                        .iter()
                        .flat_map(|s| s.points.iter().filter_map(|p| p.technique.as_deref().and_then(Verdict::parse)))
                    {
                        if !used.contains(&v) {
                            used.push(v);
                        }
                    }
                    let on_site = {
                        let site = site.clone();
                        Callback::from(move |e: Event| {
                            site.set(Some(e.target_unchecked_into::<HtmlSelectElement>().value()))
                        })
                    };
                    let on_network = {
                        let network = network.clone();
                        Callback::from(move |e: Event| {
                            network.set(e.target_unchecked_into::<HtmlSelectElement>().value())
                        })
                    };
                    html! {
                        <>
                            <div class="series-pick">
                                <label for="series-site">{ lang.t(K::Site) }</label>
                                <select id="series-site" onchange={on_site}>
                                    { for rows.iter().map(|r| html! {
                                        <option value={r.url.clone()} selected={picked.as_ref() == Some(&r.url)}>{ crate::pages::results::site_name(&r.url) }</option>
                                    }) }
                                </select>
                                <label for="series-network">{ lang.t(K::Network) }</label>
                                <select id="series-network" onchange={on_network}>
                                    <option value="" selected={network.is_empty()}>{ lang.t(K::AllNetworks) }</option>
                                    { for nets.iter().map(|(c, a)| {
                                        let v = format!("{c}/{a}");
                                        html! { <option value={v.clone()} selected={*network == v}>{ format!("{c} · AS{a}") }</option> }
                                    }) }
                                </select>
                            </div>
                            if let (Some(sp), false) = (axis, shown.is_empty()) {
                                <div class="series-grid">{ for shown.iter().enumerate().map(|(i, s)| html! {
                                    <SeriesChart {lang} series={(*s).clone()} span={sp} idx={i} />
                                }) }</div>
                                { legend(lang, &used) }
                            } else {
                                <p>{ lang.t(K::NoSeries) }</p>
                            }
                        </>
                    }
                }
            };
            html! {
                <>
                    <VerdictPatterns />
                    <Overview {lang} {rows} picked={picked.clone()} {on_pick} />
                    <section class="over-time" aria-labelledby="series-title">
                        <h3 id="series-title">{ lang.t(K::SeriesTitle) }</h3>
                        <p class="chart-note">{ lang.t(K::SeriesIntro) }</p>
                        { over_time }
                    </section>
                </>
            }
        }
        _ => html! {},
    };
    let body = match &*data {
        Load::Loading => html! { <p role="status">{ lang.t(K::Loading) }</p> },
        Load::Failed(e) => html! { <p role="alert">{ e }</p> },
        Load::Ready(agg) if agg.cells.is_empty() => html! {
            <>
                <p>{ lang.t(K::NoData) }</p>
                <p>{ lang.t(K::Withheld).replace("{n}", &agg.withheld.to_string()) }</p>
            </>
        },
        Load::Ready(agg) => {
            let mut totals: BTreeMap<String, u32> = BTreeMap::new();
            for c in &agg.cells {
                for (v, n) in &c.counts {
                    *totals.entry(v.clone()).or_default() += n;
                }
            }
            let max = totals.values().copied().max().unwrap_or(1).max(1);
            html! {
                <>
                    <h3>{ lang.t(K::CellsTitle) }</h3>
                    <h4>{ lang.t(K::VerdictTotals) }</h4>
                    <ul class="bars" aria-label={lang.t(K::VerdictTotals)}>
                        { for totals.iter().map(|(v, n)| html! {
                            <li><span class="bar-label">{ verdict_word(lang, v) }</span>
                                <span class="bar" style={format!("width:{}%", 100 * n / max)}></span>
                                <span class="bar-count">{ *n }</span></li>
                        }) }
                    </ul>
                    if !agg.waves.is_empty() {
                        <h4>{ lang.t(K::WavesTitle) }</h4>
                        <ul class="patterns">{ for agg.waves.iter().map(|w| html! {
                            <li>{ lang.t(K::WaveText).replace("{n}", &lang.sites(w.targets.len())).replace("{t}", &verdict_word(lang, &w.technique))
                                .replace("{c}", &w.country).replace("{a}", &w.asn.to_string()).replace("{s}", &lang.hour(&w.since)) }</li>
                        }) }</ul>
                    }
                    <div class="table-wrap">
                        <table id="aggregates">
                            <thead><tr>
                                <th scope="col">{ lang.t(K::Site) }</th>
                                <th scope="col">{ lang.t(K::Country) }</th>
                                <th scope="col">{ lang.t(K::Network) }</th>
                                <th scope="col">{ lang.t(K::Window) }</th>
                                <th scope="col">{ lang.t(K::Reports) }</th>
                                <th scope="col">{ lang.t(K::BlockedShare) }</th>
                                <th scope="col">{ lang.t(K::Status) }</th>
                            </tr></thead>
                            <tbody>{ for agg.cells.iter().map(|c| html! {
                                <tr data-url={c.url.clone()} data-confirmed={c.confirmed.to_string()}>
                                    <td class="url" data-label={lang.t(K::Site)} title={c.url.clone()}>{ crate::pages::results::site_name(&c.url) }</td>
                                    <td data-label={lang.t(K::Country)}>{ &c.country }</td>
                                    <td data-label={lang.t(K::Network)}>{ format!("AS{}", c.asn) }</td>
                                    <td data-label={lang.t(K::Window)}>{ &c.bucket }</td>
                                    <td data-label={lang.t(K::Reports)}>{ c.reports }</td>
                                    <td data-label={lang.t(K::BlockedShare)}>{ format!("{:.0}%", c.blocked_share * 100.0) }</td>
                                    <td data-label={lang.t(K::Status)}>{
                                        // Confirmed without a technique: nothing in the brackets.
                                        if c.confirmed { format!("✕ {} ({})", lang.t(K::Confirmed), c.technique.as_deref().map(|t| verdict_word(lang, t)).unwrap_or_default()) }
                                        else if c.anomaly { format!("! {}", lang.t(K::Anomaly)) }
                                        else { format!("✓ {}", lang.t(K::NoFinding)) }
                                    // Not an anomaly or no first hour: nothing shown.
                                    }{ c.first_blocked_hour.as_ref().filter(|_| c.anomaly).map(|h| format!(" · {} {}", lang.t(K::Since), lang.hour(h))).unwrap_or_default() }</td>
                                </tr>
                            }) }</tbody>
                        </table>
                    </div>
                    <p>{ lang.t(K::Withheld).replace("{n}", &agg.withheld.to_string()) }</p>
                </>
            }
        }
    };
    html! {
        <section class="explorer" aria-labelledby="explorer-title">
            { campaign_html }
            <h2 id="explorer-title">{ lang.t(K::ExplorerTitle) }</h2>
            <p>{ lang.t(K::ExplorerIntro) }</p>
            if demo {
                <p class="demo-note" role="note"><strong>{ "⚠ " }</strong>{ lang.t(K::DemoData) }</p>
            }
            <form class="filter" onsubmit={apply}>
                <label for="filter-country">{ lang.t(K::FilterCountry) }</label>
                <input id="filter-country" ref={country_ref} maxlength="2" size="4" value={filter.country.clone()} />
                <label for="filter-asn">{ lang.t(K::Network) }</label>
                <input id="filter-asn" ref={asn_ref} inputmode="numeric" size="8" value={filter.asn.clone()} />
                <label for="filter-url">{ lang.t(K::Site) }</label>
                <input id="filter-url" ref={site_ref} type="url" placeholder="https://" value={filter.url.clone()} />
                <label for="filter-window">{ lang.t(K::Window) }</label>
                <select id="filter-window" ref={window_ref}>
                    { for [("day", K::WindowDay), ("hour", K::WindowHour), ("all", K::WindowAll)].into_iter().map(|(v, k)| html! {
                        <option value={v} selected={filter.window == v}>{ lang.t(k) }</option>
                    }) }
                </select>
                <button type="submit">{ lang.t(K::Apply) }</button>
            </form>
            { charts }
            { body }
            <ExplorerCanaries {lang} collector={props.collector.clone()} query={canary_query} />
        </section>
    }
}
