//! The rules for a web target (`http`, `https`): the page answered (`reachable`: content
//! and speed through its known image) or failed (`failed`: blocked here, down everywhere,
//! or refused by the browser itself).

use super::{image_throttled, DohView, Evidence, RunContext, THROTTLE_RATIO};
use crate::image_header::RATE_BYTES;
use crate::list::Target;
use crate::observation::{Observation, ProbeKind};
use crate::verdict::{Clue, Finding, Verdict};

/// The outcome of the target's last fetch (a fetch that hung is asked once more: what the
/// second look saw counts, an answer or a failure).
pub(super) fn fetch(ev: &Evidence) -> Option<Observation> {
    ev.observations.iter().rev().find_map(|o| match o {
        Observation::FetchOk { .. } | Observation::FetchError { .. } | Observation::FetchTimeout { .. } => {
            Some(o.clone())
        }
        _ => None,
    })
}

pub(super) fn infer_web(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    if ev.unmeasurable {
        let mut clues = vec![Clue::InsecureNotMeasurable];
        clues.extend(ev.doh().clues());
        return Finding::new(Verdict::Inconclusive, 0.0, clues);
    }
    noting_upgrade(ev, infer_fetched(target, ev, ctx))
}

/// For a target measured through its https / wss equivalent: says so after the first clue.
/// Plain HTTP could not be tried: interference with it alone (keyword filtering of
/// unencrypted requests) is out of sight, so an `ok` is less sure.
pub(super) fn noting_upgrade(ev: &Evidence, mut finding: Finding) -> Finding {
    if ev.upgraded {
        finding.clues.insert(1.min(finding.clues.len()), Clue::UpgradedToHttps);
        if finding.verdict == Verdict::Ok {
            finding.confidence = finding.confidence.min(0.8);
        }
    }
    finding
}

fn infer_fetched(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    let hung = first_hang(ev);
    match fetch(ev) {
        None if ev.unsupported(ProbeKind::Fetch) => {
            Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::SkippedUnsupported])
        }
        None => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
        // It answers, but with a server error from outside too: down everywhere.
        Some(Observation::FetchOk { ms }) if ev.outside.is_some_and(|o| o.server_error) => {
            Finding::new(Verdict::Down, 0.8, vec![Clue::Loaded { ms }, Clue::OutsideServerError])
        }
        Some(Observation::FetchOk { ms }) => {
            let mut finding = reachable(target, ev, ctx, ms);
            // It hung once and answered when asked again: said, not held against it.
            if let Some(hung) = hung {
                finding.clues.insert(0, Clue::TimedOut { ms: hung });
            }
            finding
        }
        // A failure seconds after a hang is no refusal (a reset answers within a round trip):
        // it is the wait going on until something gave up. Seen in Chromium on a loaded
        // machine at a lab site that holds its connections: the first look hung 8 s and both
        // later looks failed after about 3 s; called `reset` before.
        Some(Observation::FetchError { ms }) if hung.is_some() && ms >= slow_failure_ms(ctx) => {
            failed(ev, ctx, Clue::TimedOut { ms: hung.unwrap_or(ms) }, false)
        }
        // Otherwise, after a hang the last look decides, as any fast failure does, and the
        // hang is said first: it may have been the browser's own (Firefox restarts a request
        // reset during the TLS handshake again and again, about ten times in its log, and a
        // restart can wait in its queue for seconds: docs/verdicts.md). A failure too fast to
        // have made a round trip may instead be the browser's memory of the hang's own failed
        // lookup: a claim of interference is then less sure.
        Some(Observation::FetchError { ms }) => {
            let mut finding = failed(ev, ctx, Clue::FailedFast { ms }, true);
            if let Some(hung) = hung {
                finding.clues.insert(0, Clue::TimedOut { ms: hung });
                if finding.verdict.is_blocked() && ctx.no_round_trip_ms.is_some_and(|f| ms < f) {
                    finding.confidence = finding.confidence.min(NO_ROUND_TRIP_CONFIDENCE);
                }
            }
            finding
        }
        Some(Observation::FetchTimeout { ms }) => failed(ev, ctx, Clue::TimedOut { ms }, false),
        Some(_) => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
    }
}

/// How sure a claim of interference is when, after a hang, the failure that decides came
/// faster than a round trip: what failed may be the browser's memory, not the network.
const NO_ROUND_TRIP_CONFIDENCE: f32 = 0.7;

/// After a hang, a failure that took this long or longer is the hang going on: at least
/// [`SLOW_FAILURE_FLOOR_MS`], and at least the fastest control page's whole load (a reset
/// comes sooner than a page: the page needs every round trip the reset needs, and more).
fn slow_failure_ms(ctx: &RunContext) -> u32 {
    ctx.no_round_trip_ms.map_or(0, |quarter| quarter.saturating_mul(4)).max(SLOW_FAILURE_FLOOR_MS)
}

const SLOW_FAILURE_FLOOR_MS: u32 = 1_000;

/// How long the target's first fetch hung, if one did.
fn first_hang(ev: &Evidence) -> Option<u32> {
    ev.find(|o| match o {
        Observation::FetchTimeout { ms } => Some(*ms),
        _ => None,
    })
}

/// The fetch worked: check content and speed where a known image allows (the list's, or
/// the one the outside view found on the site).
fn reachable(target: &Target, ev: &Evidence, ctx: &RunContext, ms: u32) -> Finding {
    let mut clues = vec![Clue::Loaded { ms }];
    let Some(spec) = target.image.as_ref().or(ev.learned_image.as_ref()) else {
        clues.push(Clue::ContentNotChecked);
        return Finding::new(Verdict::Ok, 0.9, clues);
    };
    // The last look at the image (a slow one is loaded once more, alone, at the end).
    let image = ev.observations.iter().rev().find_map(|o| match o {
        Observation::ImageDecoded { .. } | Observation::ImageError { .. } | Observation::ImageTimeout { .. } => {
            Some(o.clone())
        }
        _ => None,
    });
    match image {
        Some(Observation::ImageDecoded { width, height, ms: img_ms, transfer_ms: timed }) => {
            if (width, height) != (spec.width, spec.height) {
                clues.push(Clue::ImageWrongSize { width, height });
                return Finding::new(Verdict::Blockpage, 0.9, clues);
            }
            clues.push(Clue::ImageGenuine);
            match (spec.bytes, ctx.control_throughput) {
                // A favicon of a few hundred bytes measures the round trip, not the rate.
                (Some(bytes), Some(_)) if bytes < RATE_BYTES => clues.push(Clue::SpeedNotMeasured),
                (Some(bytes), Some(control)) => {
                    if let Some(ratio) = image_throttled(bytes, img_ms, timed, ms, control) {
                        clues.push(Clue::SlowerThanControl { ratio });
                        let confidence = if ratio >= 2.0 * THROTTLE_RATIO { 0.95 } else { 0.8 };
                        return Finding::new(Verdict::Throttled, confidence, clues);
                    }
                }
                _ => clues.push(Clue::SpeedNotMeasured),
            }
            Finding::new(Verdict::Ok, 0.97, clues)
        }
        Some(Observation::ImageError { .. }) if ctx.content_blocker => {
            clues.extend([Clue::ImageNotAnImage, Clue::ContentBlocker]);
            Finding::new(Verdict::Inconclusive, 0.45, clues)
        }
        Some(Observation::ImageError { .. }) => {
            clues.push(Clue::ImageNotAnImage);
            let confidence = if ev.outside.is_some_and(|o| o.reachable) { 0.92 } else { 0.85 };
            Finding::new(Verdict::Blockpage, confidence, clues)
        }
        // The page answered but the image did not finish: data crawls, if a control's image
        // came through at speed; without one, a slow connection is as likely.
        Some(Observation::ImageTimeout { ms }) if ctx.control_throughput.is_some() => {
            clues.push(Clue::ImageTimedOut { ms });
            Finding::new(Verdict::Throttled, 0.75, clues)
        }
        Some(Observation::ImageTimeout { ms }) => {
            clues.extend([Clue::ImageTimedOut { ms }, Clue::SpeedNotMeasured]);
            Finding::new(Verdict::Inconclusive, 0.4, clues)
        }
        _ => {
            clues.push(if ev.unsupported(ProbeKind::Image) {
                Clue::SkippedUnsupported
            } else {
                Clue::ContentNotChecked
            });
            Finding::new(Verdict::Ok, 0.85, clues)
        }
    }
}

/// The fetch failed (fast) or hung (timeout): blocked here, down everywhere, or refused by
/// the browser itself? A verdict of interference needs a second path that shows the
/// network failed: the outside view reached the site, or the names disagree.
fn failed(ev: &Evidence, ctx: &RunContext, first: Clue, fast: bool) -> Finding {
    let mut clues = vec![first];
    if ctx.connection_down() {
        clues.push(Clue::ControlsFailed);
        return Finding::new(Verdict::Down, 0.9, clues);
    }
    let doh = ev.doh();
    clues.extend(doh.clues());
    match doh {
        DohView::NoSuchName => return Finding::new(Verdict::Down, 0.9, clues),
        DohView::NoAddress => return Finding::new(Verdict::Down, 0.85, clues),
        _ => {}
    }
    let outside = ev.outside;
    match outside {
        Some(o) if !o.resolves => {
            clues.push(Clue::OutsideNoSuchName);
            return Finding::new(Verdict::Down, 0.92, clues);
        }
        Some(o) if !o.reachable => {
            clues.push(Clue::OutsideUnreachable);
            // Over https it fails from outside too; over plain HTTP it was never tried.
            return if ev.upgraded {
                Finding::new(Verdict::Inconclusive, 0.3, clues)
            } else {
                Finding::new(Verdict::Down, 0.9, clues)
            };
        }
        Some(o) if o.cross_origin_blocked && fast => {
            clues.push(Clue::OutsideCrossOriginBlocked);
            return Finding::new(Verdict::Inconclusive, 0.5, clues);
        }
        Some(_) => clues.push(Clue::OutsideReachable),
        None => clues.push(Clue::NoOutsideView),
    }
    let reached_outside = outside.is_some_and(|o| o.reachable);
    let doh_ok = matches!(doh, DohView::Resolves { .. });
    if ctx.controls_total == 0 {
        clues.push(Clue::NoControls);
    }
    let sure = |base: f32| if ctx.controls_total == 0 { base - 0.1 } else { base };
    if !fast {
        // A site that answered from outside only after seconds may be that slow here too:
        // a hang is evidence of the network only if it lasted well beyond that.
        let hung_ms = match clues.first() {
            Some(Clue::TimedOut { ms }) => *ms,
            _ => 0,
        };
        if let Some(ms) =
            outside.and_then(|o| o.answer_ms).filter(|ms| reached_outside && hung_ms < ms.saturating_mul(2))
        {
            clues.push(Clue::OutsideSlow { ms });
            return Finding::new(Verdict::Inconclusive, 0.4, clues);
        }
        // A site down everywhere hangs the same way: only the outside view tells them apart.
        return if reached_outside {
            Finding::new(Verdict::Blackhole, sure(if doh_ok { 0.95 } else { 0.9 }), clues)
        } else {
            Finding::new(Verdict::Inconclusive, 0.4, clues)
        };
    }
    let reported = ev.find(|o| match o {
        Observation::Resolves { .. } => Some(true),
        Observation::DoesNotResolve { .. } => Some(false),
        _ => None,
    });
    // Silence is "resolves" only where the browser reports names that do not resolve.
    let silent_resolver = reported == Some(true) && !ctx.resolver_reports_failures;
    let local = reported.filter(|_| !silent_resolver);
    match local {
        Some(false) => {
            clues.push(Clue::NotResolvedLocally);
            // The name exists for someone outside: the local resolver alone hides it.
            let exists_outside = doh_ok || outside.is_some_and(|o| o.resolves);
            if exists_outside {
                let base = if doh_ok && reached_outside { 0.96 } else { 0.88 };
                Finding::new(Verdict::Dns, sure(base), clues)
            } else {
                Finding::new(Verdict::Inconclusive, 0.4, clues)
            }
        }
        Some(true) => {
            clues.push(Clue::ResolvesLocally);
            // A fast TypeError is also a certificate invalid for everyone, a content
            // blocker, a cross-origin policy: only a site that answers from outside makes
            // it the network's doing, and only where no content blocker refuses requests.
            if reached_outside && ctx.content_blocker {
                clues.push(Clue::ContentBlocker);
                Finding::new(Verdict::Inconclusive, 0.45, clues)
            } else if reached_outside {
                Finding::new(Verdict::Reset, sure(0.93), clues)
            } else {
                Finding::new(Verdict::Inconclusive, 0.45, clues)
            }
        }
        None => {
            clues.push(if silent_resolver { Clue::ResolverSilent } else { Clue::ResolveUnsupported });
            Finding::new(Verdict::Inconclusive, 0.5, clues)
        }
    }
}
