//! The explorer's charts, drawn as SVG by the app (no chart library): the country overview
//! (each site's reports split by verdict) and, per site and network, the blocked share hour by
//! hour with the first blocked hour and the waves marked. Every verdict has a pattern as well
//! as a colour, every mark a line style and words, every chart a title and a table behind it.

use crate::i18n::{Lang, K};
use crate::pages::results::site_name;
use ajar_core::aggregate::WaveKind;
use ajar_core::explore::{hour_bucket, hour_index, Series, SiteRow};
use ajar_core::verdict::Verdict;
use yew::prelude::*;

/// How a verdict is drawn: its fill is a pattern (`url(#av-…)`), so no meaning rests on colour.
enum Shape {
    Solid,
    Diagonal,
    AntiDiagonal,
    Cross,
    Dots,
    Vertical,
    Horizontal,
}

fn look(v: Verdict) -> (&'static str, &'static str, Shape) {
    match v {
        Verdict::Ok => ("#1a7f37", "#1a7f37", Shape::Solid),
        Verdict::Dns => ("#f6d2ce", "#b42318", Shape::Diagonal),
        Verdict::Blackhole => ("#ecc9c4", "#5c150e", Shape::Cross),
        Verdict::Reset => ("#fde2cf", "#c4320a", Shape::Dots),
        Verdict::Tls => ("#e6dcf9", "#6e40c9", Shape::Vertical),
        Verdict::Blockpage => ("#f6d2ce", "#8a1c12", Shape::Horizontal),
        Verdict::Throttled => ("#fbeccb", "#9a6700", Shape::AntiDiagonal),
        Verdict::BlockedProtocol => ("#e6dcf9", "#8250df", Shape::Dots),
        Verdict::Down => ("#8c959f", "#8c959f", Shape::Solid),
        Verdict::Inconclusive => ("#d0d7de", "#d0d7de", Shape::Solid),
    }
}

fn fill(v: Verdict) -> String {
    format!("url(#av-{})", v.as_str())
}

/// The patterns every chart of the page refers to (one hidden SVG: ids are document-wide).
#[function_component(VerdictPatterns)]
pub fn verdict_patterns() -> Html {
    html! {
        <svg class="defs" width="0" height="0" aria-hidden="true" focusable="false">
            <defs>{ for Verdict::ALL.iter().map(|v| {
                let (bg, fg, shape) = look(*v);
                let rotate = match shape {
                    Shape::Diagonal | Shape::Cross => "rotate(45)",
                    Shape::AntiDiagonal => "rotate(-45)",
                    _ => "rotate(0)",
                };
                html! {
                    <pattern id={format!("av-{}", v.as_str())} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform={rotate}>
                        <rect width="6" height="6" fill={bg} />
                        { match shape {
                            Shape::Solid => html! {},
                            Shape::Diagonal | Shape::AntiDiagonal | Shape::Vertical => html! { <rect width="2.5" height="6" fill={fg} /> },
                            Shape::Horizontal => html! { <rect width="6" height="2.5" fill={fg} /> },
                            Shape::Cross => html! { <><rect width="2" height="6" fill={fg} /><rect width="6" height="2" fill={fg} /></> },
                            Shape::Dots => html! { <circle cx="3" cy="3" r="1.6" fill={fg} /> },
                        } }
                    </pattern>
                }
            }) }</defs>
        </svg>
    }
}

fn swatch(v: Verdict) -> Html {
    html! {
        <svg class="swatch" width="16" height="16" aria-hidden="true" focusable="false">
            <rect width="16" height="16" fill={fill(v)} stroke="#57606a" stroke-width="1" />
        </svg>
    }
}

/// The verdicts shown, as a legend.
pub fn legend(lang: Lang, verdicts: &[Verdict]) -> Html {
    html! {
        <ul class="legend" aria-label={lang.t(K::Legend)}>
            { for verdicts.iter().map(|v| html! { <li>{ swatch(*v) }{ lang.verdict(*v) }</li> }) }
        </ul>
    }
}

fn percent(n: u32, of: u32) -> u32 {
    if of == 0 {
        0
    } else {
        ((n as f64 / of as f64) * 100.0).round() as u32
    }
}

/// "DNS 62% · Works 33% · …": the largest shares first, in words.
fn summary(lang: Lang, row: &SiteRow) -> String {
    let mut counts = row.counts.clone();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
        .iter()
        .filter(|(_, n)| percent(*n, row.reports) >= 1)
        .take(3)
        .map(|(v, n)| format!("{} {}%", lang.verdict(*v), percent(*n, row.reports)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "RU AS64496 (does not resolve), …".
fn networks(lang: Lang, nets: &[(String, u32, String)]) -> String {
    nets.iter()
        .map(|(c, a, t)| format!("{c} AS{a} ({})", Verdict::parse(t).map_or(t.as_str(), |v| lang.verdict(v))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Properties, PartialEq)]
pub struct OverviewProps {
    pub lang: Lang,
    pub rows: Vec<SiteRow>,
    pub picked: Option<String>,
    pub on_pick: Callback<String>,
}

/// The country overview: a bar per site, split by verdict, most blocked first.
#[function_component(Overview)]
pub fn overview(props: &OverviewProps) -> Html {
    let lang = props.lang;
    let shown: Vec<Verdict> =
        Verdict::ALL.into_iter().filter(|v| props.rows.iter().any(|r| r.counts.iter().any(|(c, _)| c == v))).collect();
    html! {
        <section class="overview" aria-labelledby="overview-title">
            <h3 id="overview-title">{ lang.t(K::OverviewTitle) }</h3>
            <p class="chart-note">{ lang.t(K::OverviewIntro) }</p>
            <ol class="site-bars">{ for props.rows.iter().map(|row| {
                let (pick, url) = (props.on_pick.clone(), row.url.clone());
                let name = site_name(&row.url);
                let text = summary(lang, row);
                let mut x = 0.0;
                html! {
                    <li data-url={row.url.clone()}>
                        <div class="site-head">
                            <strong class="site-name" title={row.url.clone()}>{ &name }</strong>
                            <span class="site-sum">{ &text }</span>
                            <button class="link" aria-pressed={(props.picked.as_deref() == Some(row.url.as_str())).to_string()}
                                onclick={move |_| pick.emit(url.clone())}>{ lang.t(K::ShowSeries) }</button>
                        </div>
                        <svg class="stackbar" width="100%" height="18" role="img" aria-label={format!("{name}: {text}")}>
                            <title>{ format!("{name}: {text}") }</title>
                            { for row.counts.iter().map(|(v, n)| {
                                let w = *n as f64 / row.reports.max(1) as f64 * 100.0;
                                let seg = html! { <rect class="seg" data-verdict={v.as_str()} data-reports={n.to_string()}
                                    x={format!("{x:.3}%")} width={format!("{w:.3}%")} height="18" fill={fill(*v)} /> };
                                x += w;
                                seg
                            }) }
                        </svg>
                        if !row.confirmed.is_empty() {
                            <p class="confirmed-in">{ "✕ " }{ lang.t(K::ConfirmedIn) }{ " " }{ networks(lang, &row.confirmed) }</p>
                        }
                        if !row.anomalous.is_empty() {
                            <p class="anomaly-in">{ "! " }{ lang.t(K::AnomalyIn) }{ " " }{ networks(lang, &row.anomalous) }</p>
                        }
                    </li>
                }
            }) }</ol>
            { legend(lang, &shown) }
            <details class="chart-table">
                <summary>{ lang.t(K::ChartTable) }</summary>
                <div class="table-wrap">
                    <table id="overview-table">
                        <thead><tr>
                            <th scope="col">{ lang.t(K::Site) }</th>
                            { for shown.iter().map(|v| html! { <th scope="col">{ lang.verdict(*v) }</th> }) }
                            <th scope="col">{ lang.t(K::Reports) }</th>
                            <th scope="col">{ lang.t(K::BlockedShare) }</th>
                        </tr></thead>
                        <tbody>{ for props.rows.iter().map(|row| html! {
                            <tr data-url={row.url.clone()}>
                                <th scope="row">{ site_name(&row.url) }</th>
                                { for shown.iter().map(|v| html! {
                                    <td data-verdict={v.as_str()}>{ row.counts.iter().find(|(c, _)| c == v).map_or(0, |(_, n)| *n) }</td>
                                }) }
                                <td>{ row.reports }</td>
                                <td>{ format!("{}%", percent(row.blocked, row.reports)) }</td>
                            </tr>
                        }) }</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

/// A day on an axis: "Nov 28" or "28.11".
fn day_label(lang: Lang, hour: i64) -> String {
    let b = hour_bucket(hour);
    let (m, d) = (b.get(5..7).unwrap_or("01"), b.get(8..10).unwrap_or("01"));
    lang.day(m.parse().unwrap_or(1), d.parse().unwrap_or(1))
}

/// "Nov 29 01:00": an hour on a chart.
fn hour_label(lang: Lang, hour: i64) -> String {
    format!("{} {:02}:00", day_label(lang, hour), hour.rem_euclid(24))
}

fn wave_words(lang: Lang, kind: WaveKind, technique: &str, prefix: Option<&str>) -> String {
    let t = Verdict::parse(technique).map_or(technique, |v| lang.verdict(v));
    match kind {
        WaveKind::DnsRemoval => lang.t(K::WaveDns).to_string(),
        // An address-range wave always carries its prefix; none shows none.
        WaveKind::AddressRange => lang.t(K::WaveRange).replace("{p}", prefix.unwrap_or_default()),
        WaveKind::Technique => lang.t(K::WaveTechnique).replace("{t}", t),
    }
}

fn kind_name(kind: WaveKind) -> &'static str {
    match kind {
        WaveKind::DnsRemoval => "dns_removal",
        WaveKind::AddressRange => "address_range",
        WaveKind::Technique => "technique",
    }
}

#[derive(Properties, PartialEq)]
pub struct SeriesProps {
    pub lang: Lang,
    pub series: Series,
    /// The shared time axis (first and last hour).
    pub span: (i64, i64),
    /// Unique on the page (for the SVG's title ids).
    pub idx: usize,
}

const W: f64 = 320.0;
const X0: f64 = 36.0;
const X1: f64 = 314.0;
const Y0: f64 = 48.0;
const Y1: f64 = 142.0;

/// One site in one network: the blocked share of each published hour.
#[function_component(SeriesChart)]
pub fn series_chart(props: &SeriesProps) -> Html {
    let (lang, s, (lo, hi)) = (props.lang, &props.series, props.span);
    let n = (hi - lo + 1).max(1) as f64;
    let bw = (X1 - X0) / n;
    let x = |hour: i64| X0 + (hour - lo) as f64 * bw;
    let y = |share: f64| Y1 - share.clamp(0.0, 1.0) * (Y1 - Y0);
    let name = site_name(&s.url);
    let title = lang
        .t(K::SeriesAria)
        .replace("{s}", &name)
        .replace("{c}", &s.country)
        .replace("{a}", &s.asn.to_string())
        .replace("{n}", &s.points.len().to_string());
    let first = s.first_blocked.as_deref().and_then(hour_index);
    let mut marks_text: Vec<(String, &'static str)> = Vec::new();
    if let Some(h) = &s.first_blocked {
        marks_text.push((format!("{}: {}", lang.t(K::FirstBlocked), lang.hour(h)), "first"));
    }
    for m in &s.waves {
        marks_text.push((
            format!(
                "{} {} {}",
                wave_words(lang, m.kind, &m.technique, m.prefix.as_deref()),
                lang.t(K::Since),
                lang.hour(&m.since)
            ),
            "wave",
        ));
    }
    let desc = marks_text.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>().join("; ");
    // Axis ticks: midnights (every few days on long spans), or every 6 hours within a day.
    let ticks: Vec<(i64, String)> = if hi - lo >= 24 {
        let days = (hi - lo) / 24 + 1;
        let step = (days as f64 / 6.0).ceil().max(1.0) as i64;
        (lo..=hi).filter(|h| h.rem_euclid(24) == 0 && (h / 24) % step == 0).map(|h| (h, day_label(lang, h))).collect()
    } else {
        (lo..=hi).filter(|h| h.rem_euclid(6) == 0).map(|h| (h, format!("{:02}:00", h.rem_euclid(24)))).collect()
    };
    // Beside its line, on the side where it fits (Cyrillic at 11 units: about 6.6 a character);
    // too long for either side: from the left edge.
    let label = |at: f64, row: f64, text: String, class: &'static str| {
        let width = text.chars().count() as f64 * 6.6;
        let (anchor, tx) = if at + 3.0 + width <= W {
            ("start", at + 3.0)
        } else if at - 3.0 - width >= 0.0 {
            ("end", at - 3.0)
        } else {
            ("start", 1.0)
        };
        html! { <text class={class} x={format!("{tx:.1}")} y={format!("{row:.0}")} text-anchor={anchor}>{ text }</text> }
    };
    html! {
        <figure class="series" data-url={s.url.clone()} data-country={s.country.clone()} data-asn={s.asn.to_string()}
            // Never blocked: the attribute is empty.
            data-first-blocked={s.first_blocked.clone().unwrap_or_default()}>
            <figcaption><strong>{ &name }</strong>{ format!(" · {} AS{}", s.country, s.asn) }</figcaption>
            <svg viewBox={format!("0 0 {W} 172")} role="img" aria-labelledby={format!("st-{0} sd-{0}", props.idx)}>
                <title id={format!("st-{}", props.idx)}>{ &title }</title>
                <desc id={format!("sd-{}", props.idx)}>{ &desc }</desc>
                { for [(0.0, "0"), (0.5, "50%"), (1.0, "100%")].into_iter().map(|(v, t)| html! {
                    <g class="grid">
                        <line x1={X0.to_string()} x2={X1.to_string()} y1={format!("{:.1}", y(v))} y2={format!("{:.1}", y(v))} stroke="#d0d7de" stroke-width="1" />
                        <text x={(X0 - 4.0).to_string()} y={format!("{:.1}", y(v) + 4.0)} text-anchor="end" class="axis">{ t }</text>
                    </g>
                }) }
                { for ticks.iter().map(|(h, t)| html! {
                    <g class="tick">
                        <line x1={format!("{:.1}", x(*h))} x2={format!("{:.1}", x(*h))} y1={Y1.to_string()} y2={(Y1 + 4.0).to_string()} stroke="#57606a" />
                        <text x={format!("{:.1}", x(*h))} y="158" text-anchor="middle" class="axis">{ t }</text>
                    </g>
                }) }
                <g class="bars">{ for s.points.iter().map(|p| {
                    let technique = p.technique.as_deref().and_then(Verdict::parse);
                    let (top, f) = match technique {
                        Some(v) if p.share > 0.0 => (y(p.share), fill(v)),
                        // A published hour without blocking: a thin line on the axis.
                        _ => (Y1 - 2.0, fill(Verdict::Ok)),
                    };
                    html! {
                        <rect class="sbar" data-bucket={p.bucket.clone()} data-share={format!("{:.3}", p.share)}
                            x={format!("{:.2}", x(p.hour))} y={format!("{top:.2}")} width={format!("{:.2}", (bw - 0.4).max(0.8))}
                            height={format!("{:.2}", (Y1 - top).max(2.0))} fill={f}>
                            <title>{ format!("{}: {}% ({}/{})", lang.hour(&format!("{}:00:00Z", p.bucket)), (p.share * 100.0).round(), p.blocked, p.reports) }</title>
                        </rect>
                    }
                }) }</g>
                if let Some(h) = first {
                    <g class="mark first-blocked" data-hour={hour_bucket(h)}>
                        <line x1={format!("{:.1}", x(h))} x2={format!("{:.1}", x(h))} y1="4" y2={Y1.to_string()} stroke="#1b1f24" stroke-width="2" />
                        { label(x(h), 14.0, format!("▼ {} {}", lang.t(K::FirstBlocked), hour_label(lang, h)), "mark-label") }
                    </g>
                }
                { for s.waves.iter().take(2).enumerate().map(|(i, m)| {
                    let dash = if m.kind == WaveKind::AddressRange { "1.5 2.5" } else { "5 3" };
                    html! {
                        <g class="mark wave" data-kind={kind_name(m.kind)} data-hour={hour_bucket(m.hour)}>
                            <line x1={format!("{:.1}", x(m.hour))} x2={format!("{:.1}", x(m.hour))} y1={(20.0 + 13.0 * i as f64).to_string()} y2={Y1.to_string()}
                                stroke="#0b5cad" stroke-width="2" stroke-dasharray={dash} />
                            { label(x(m.hour), 28.0 + 13.0 * i as f64, wave_words(lang, m.kind, &m.technique, m.prefix.as_deref()), "mark-label wave-label") }
                        </g>
                    }
                }) }
            </svg>
            if !marks_text.is_empty() {
                <ul class="marks">{ for marks_text.iter().map(|(t, class)| html! { <li class={*class}>{ t }</li> }) }</ul>
            }
            <details class="chart-table">
                <summary>{ lang.t(K::ChartTable) }</summary>
                <div class="table-wrap">
                    <table class="series-table">
                        <thead><tr>
                            <th scope="col">{ lang.t(K::HourUtc) }</th>
                            <th scope="col">{ lang.t(K::Reports) }</th>
                            <th scope="col">{ lang.t(K::BlockedShare) }</th>
                            <th scope="col">{ lang.t(K::Status) }</th>
                        </tr></thead>
                        <tbody>{ for s.points.iter().map(|p| html! {
                            <tr data-bucket={p.bucket.clone()}>
                                <th scope="row">{ lang.hour(&format!("{}:00:00Z", p.bucket)) }</th>
                                <td>{ p.reports }</td>
                                <td>{ format!("{:.0}% ({})", p.share * 100.0, p.blocked) }</td>
                                <td>{
                                    // A technique this app does not know is left unnamed.
                                    if p.confirmed { format!("✕ {} ({})", lang.t(K::Confirmed), p.technique.as_deref().and_then(Verdict::parse).map(|v| lang.verdict(v)).unwrap_or_default()) }
                                    else if p.anomaly { format!("! {}", lang.t(K::Anomaly)) }
                                    else { format!("✓ {}", lang.t(K::NoFinding)) }
                                }</td>
                            </tr>
                        }) }</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
