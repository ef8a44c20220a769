//! ajar's own canaries: what the SNI A/B test and the provider canaries showed.

use crate::i18n::{Lang, K};
use crate::pages::results::badge;
use crate::state::Canaries;
use ajar_core::canary::{CanaryKind, CanaryResult, Phase};
use ajar_core::verdict::Verdict;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub canaries: Canaries,
}

/// "Same host, name containing twimg.com", "Test host at hosting provider ovh"…
pub fn label(lang: Lang, kind: CanaryKind, name: &str) -> String {
    match kind {
        CanaryKind::Innocuous => lang.t(K::CanaryInnocuous).to_string(),
        CanaryKind::Sni => lang.t(K::CanarySni).replace("{name}", name),
        CanaryKind::Provider => lang.t(K::CanaryProvider).replace("{name}", name),
    }
}

/// The words for a phase.
pub fn phase_words(lang: Lang, p: Phase) -> &'static str {
    lang.t(match p {
        Phase::Dns => K::PhaseDns,
        Phase::Tcp => K::PhaseTcp,
        Phase::Tls => K::PhaseTls,
        Phase::Transfer => K::PhaseTransfer,
    })
}

fn detail(lang: Lang, r: &CanaryResult) -> String {
    let phase = r.phase.map(|p| phase_words(lang, p));
    let slower = match (r.verdict, r.ratio) {
        (Verdict::Throttled, Some(ratio)) => Some(lang.t(K::CanarySlower).replace("{r}", &format!("{ratio:.0}"))),
        _ => None,
    };
    let speed = r.kbps.filter(|_| r.kind != CanaryKind::Provider).map(|k| match k {
        0..=9_999 => format!("{k} kbit/s"),
        _ => format!("{} Mbit/s", k / 1000),
    });
    [phase.map(str::to_string), slower, speed].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

#[function_component(CanaryPanel)]
pub fn canary_panel(props: &Props) -> Html {
    let lang = props.lang;
    let (results, status) = match &props.canaries {
        Canaries::Idle => return html! {},
        Canaries::Skipped(why) if why.is_empty() => return html! {},
        Canaries::Skipped(why) => {
            return html! {
                <section class="canaries" id="canaries" data-state="skipped">
                    <h3>{ lang.t(K::CanariesTitle) }</h3>
                    <p class="muted">{ lang.t(K::CanariesSkipped) }{ " " }{ why }</p>
                </section>
            }
        }
        Canaries::Checking(r) => (r, html! { <p role="status">{ lang.t(K::CanariesChecking) }</p> }),
        Canaries::Done(r) => (r, html! {}),
    };
    let state = if matches!(props.canaries, Canaries::Done(_)) { "done" } else { "checking" };
    html! {
        <section class="canaries" id="canaries" data-state={state} aria-live="polite">
            <h3>{ lang.t(K::CanariesTitle) }</h3>
            <p class="muted">{ lang.t(K::CanariesExplain) }</p>
            <ul class="canary-list">
                { for results.iter().map(|r| html! {
                    <li class="canary" data-kind={format!("{:?}", r.kind).to_lowercase()} data-name={r.name.clone()} data-verdict={r.verdict.as_str()}>
                        <span class="canary-name">{ label(lang, r.kind, &r.name) }</span>
                        { badge(lang, r.verdict) }
                        <span class="canary-detail">{ detail(lang, r) }</span>
                    </li>
                }) }
            </ul>
            { status }
        </section>
    }
}
