//! From one target's evidence to a verdict. Pure: the caller gathers the
//! observations (in any order) and the run's context.

use crate::image_header::RATE_BYTES;
use crate::list::Target;
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::url::Scheme;
use crate::verdict::{Clue, Finding, Verdict};

/// Throughput this many times below the control's counts as throttling.
pub const THROTTLE_RATIO: f32 = 10.0;
/// ... and only when the known image's transfer took at least this long: a busy machine
/// can make a small image ten times slower than the control without any cap on the rate
/// (a 60 kB image at the 2021 Twitter slowdown's 130 kbit/s takes ~4 s).
pub const THROTTLE_MIN_MS: u32 = 1_000;

/// ... and at least this many times the page's first byte (see [`throttled`]).
pub const THROTTLE_FIRST_BYTES: u32 = 3;

/// The transfer time of a control's known image, without the round trips: its whole load
/// time less the time the same host took to answer the page fetch (connection, TLS and the
/// first byte on a connection of its own). Without Timing-Allow-Origin a page cannot see the
/// phases. For a control, taking off the least makes its rate the lowest it can be: the
/// cautious side when targets are compared with it.
pub fn transfer_ms(load_ms: u32, first_byte_ms: u32) -> u32 {
    load_ms.saturating_sub(first_byte_ms)
}

/// The same for a target's image, on the cautious side for a target: the page fetch may have
/// reused a warm connection (one round trip) while the image opened its own (connection, TLS,
/// request: three), so three times the page's first byte comes off. A site ajar fetched a
/// minute ago, 300 ms away, is then not taken for a slow one.
pub fn target_transfer_ms(load_ms: u32, first_byte_ms: u32) -> u32 {
    load_ms.saturating_sub(first_byte_ms.saturating_mul(3))
}

/// What the run as a whole learned from its control targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunContext {
    pub controls_total: u32,
    pub controls_ok: u32,
    /// Bytes per millisecond of the control image, when one was measured.
    pub control_throughput: Option<f32>,
    /// The browser reported a name that exists nowhere as not resolving (the plan's resolver
    /// check): its silence about a target's name can be read as "resolves".
    pub resolver_reports_failures: bool,
    /// STUN controls measured, and how many answered: a STUN server that does not answer is
    /// blocked only if one that always answers did.
    pub ice_controls_total: u32,
    pub ice_controls_ok: u32,
    /// A content blocker refused the plan's bait: a fast failure or an image that does not
    /// load may be its refusal, not the network's.
    pub content_blocker: bool,
}

impl Default for RunContext {
    fn default() -> Self {
        RunContext {
            controls_total: 0,
            controls_ok: 0,
            control_throughput: None,
            resolver_reports_failures: true,
            ice_controls_total: 0,
            ice_controls_ok: 0,
            content_blocker: false,
        }
    }
}

impl RunContext {
    /// Most controls failed: the visitor's own connection is not working.
    pub fn connection_down(&self) -> bool {
        self.controls_total > 0 && self.controls_ok * 2 < self.controls_total
    }
}

/// Everything observed about one target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    pub observations: Vec<Observation>,
    pub outside: Option<OutsideView>,
    /// The known image the outside view found on the site (when the list gives none).
    pub learned_image: Option<crate::list::ImageSpec>,
    /// The target is `http://`/`ws://` and the page is https: its https/wss equivalent
    /// was measured instead (a browser refuses plain HTTP from an https page).
    pub upgraded: bool,
    /// The same, with no https equivalent to measure (a non-default port).
    pub unmeasurable: bool,
}

/// What the outside resolvers said of a name, all their answers taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DohView {
    NotAsked,
    /// At least one resolver gave addresses; `disagree` if another said NXDOMAIN.
    Resolves {
        disagree: bool,
    },
    /// Every resolver that answered said NXDOMAIN.
    NoSuchName,
    /// The name exists but has neither A nor AAAA records.
    NoAddress,
    /// No resolver could be reached or understood.
    Failed,
}

impl DohView {
    fn clues(self) -> Vec<Clue> {
        match self {
            DohView::NotAsked => vec![],
            DohView::Resolves { disagree: false } => vec![Clue::DohResolves],
            DohView::Resolves { disagree: true } => vec![Clue::DohResolves, Clue::DohResolversDisagree],
            DohView::NoSuchName => vec![Clue::DohNoSuchName],
            DohView::NoAddress => vec![Clue::DohNoAddress],
            DohView::Failed => vec![Clue::DohUnavailable],
        }
    }
}

impl Evidence {
    fn find<T>(&self, f: impl Fn(&Observation) -> Option<T>) -> Option<T> {
        self.observations.iter().find_map(f)
    }
    fn unsupported(&self, kind: ProbeKind) -> bool {
        self.observations.iter().any(|o| matches!(o, Observation::Unsupported { probe } if *probe == kind))
    }
    /// Every address the DoH answers gave (A and AAAA, every resolver), each once.
    pub fn addresses(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for o in &self.observations {
            if let Observation::DohAddresses { addresses } = o {
                for a in addresses {
                    if !out.contains(&a.as_str()) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// The /24 (IPv4) and /48 (IPv6) prefixes of those addresses, sorted, each once.
    pub fn prefixes(&self) -> Vec<String> {
        let mut prefixes: Vec<String> = self.addresses().into_iter().filter_map(crate::privacy::prefix_of).collect();
        prefixes.sort();
        prefixes.dedup();
        prefixes
    }

    /// The outside resolvers' answers taken together.
    pub fn doh(&self) -> DohView {
        let (mut addresses, mut nxdomain, mut no_address, mut failed) = (false, false, false, false);
        for o in &self.observations {
            match o {
                Observation::DohAddresses { .. } => addresses = true,
                Observation::DohNoSuchName => nxdomain = true,
                Observation::DohNoAddress => no_address = true,
                Observation::DohFailed => failed = true,
                _ => {}
            }
        }
        if addresses {
            DohView::Resolves { disagree: nxdomain }
        } else if nxdomain {
            DohView::NoSuchName
        } else if no_address {
            DohView::NoAddress
        } else if failed {
            DohView::Failed
        } else {
            DohView::NotAsked
        }
    }
}

/// The verdict for one target.
pub fn infer(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    match target.parsed().scheme {
        Scheme::Ws | Scheme::Wss => infer_socket(target, ev, ctx),
        Scheme::Stun | Scheme::Turn | Scheme::Turns => infer_ice(ev, ctx),
        Scheme::Http | Scheme::Https => infer_web(target, ev, ctx),
    }
}

/// The outcome of the target's last fetch (a fetch that hung is asked once more: what the
/// second look saw counts, an answer or a failure).
fn fetch(ev: &Evidence) -> Option<Observation> {
    ev.observations.iter().rev().find_map(|o| match o {
        Observation::FetchOk { .. } | Observation::FetchError { .. } | Observation::FetchTimeout { .. } => {
            Some(o.clone())
        }
        _ => None,
    })
}

fn infer_web(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
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
fn noting_upgrade(ev: &Evidence, mut finding: Finding) -> Finding {
    if ev.upgraded {
        finding.clues.insert(1.min(finding.clues.len()), Clue::UpgradedToHttps);
        if finding.verdict == Verdict::Ok {
            finding.confidence = finding.confidence.min(0.8);
        }
    }
    finding
}

fn infer_fetched(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
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
            let hung = ev.find(|o| match o {
                Observation::FetchTimeout { ms } => Some(*ms),
                _ => None,
            });
            if let Some(hung) = hung {
                finding.clues.insert(0, Clue::TimedOut { ms: hung });
            }
            finding
        }
        Some(Observation::FetchError { ms }) => failed(ev, ctx, Clue::FailedFast { ms }, true),
        Some(Observation::FetchTimeout { ms }) => failed(ev, ctx, Clue::TimedOut { ms }, false),
        Some(_) => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
    }
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

/// Is a target's known image of `bytes`, decoded in `load_ms` (its body in `timed` ms where
/// Resource Timing says), throttled after a page fetch that answered in `first_byte_ms`? The
/// ratio if so. The plan asks this too, to load a slow image once more before it counts.
pub fn image_throttled(bytes: u32, load_ms: u32, timed: Option<u32>, first_byte_ms: u32, control: f32) -> Option<f32> {
    let transfer = timed.unwrap_or_else(|| target_transfer_ms(load_ms, first_byte_ms));
    throttled(bytes, transfer, first_byte_ms, control)
}

/// Is a known image of `bytes` that took `transfer` ms (its body alone, or its load less the
/// page's first byte) throttled, against the controls' rate in bytes per ms? The ratio if so.
///
/// Rate, not distance: a long path costs round trips (TCP's slow start needs about
/// log2(bytes / 14.6 kB) + 1 of them, each lost segment one more), never a steady rate. So
/// besides being [`THROTTLE_RATIO`] times slower than the controls, the transfer must outlast
/// [`THROTTLE_MIN_MS`] and three times the page's first byte (which took two round trips or
/// more: connection, TLS, request), so six round trips or more: a 256 kB image's slow start
/// (five) or a 60 kB one's (three) with a lost segment and a retransmission timeout. A healthy
/// server 300 ms away with 2 % loss stays under it; a 128 kbit/s cap does not (60 kB take
/// ~4 s at any distance).
pub fn throttled(bytes: u32, transfer: u32, first_byte_ms: u32, control: f32) -> Option<f32> {
    let here = bytes as f32 / transfer.max(1) as f32;
    let ratio = control / here.max(f32::MIN_POSITIVE);
    let floor = THROTTLE_MIN_MS.max(first_byte_ms.saturating_mul(THROTTLE_FIRST_BYTES));
    (ratio >= THROTTLE_RATIO && transfer >= floor).then_some(ratio)
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

fn infer_socket(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    if ev.unmeasurable {
        return Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::InsecureNotMeasurable]);
    }
    let socket = ev.find(|o| match o {
        Observation::SocketOpen { .. } => Some(true),
        Observation::SocketFailed { .. } | Observation::SocketTimeout { .. } => Some(false),
        _ => None,
    });
    let finding = match socket {
        Some(true) => Finding::new(Verdict::Ok, 0.97, vec![Clue::SocketOpened]),
        None if ev.unsupported(ProbeKind::WebSocket) => {
            Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::SkippedUnsupported])
        }
        None => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
        Some(false) => match fetch(ev) {
            // The host's web answers but its socket does not: the protocol is singled out
            // (unless only wss:// could be tried, which the server may simply not offer).
            Some(Observation::FetchOk { .. }) if ev.upgraded => {
                Finding::new(Verdict::Inconclusive, 0.4, vec![Clue::SocketFailed, Clue::HostReachable])
            }
            Some(Observation::FetchOk { .. }) => {
                Finding::new(Verdict::BlockedProtocol, 0.92, vec![Clue::SocketFailed, Clue::HostReachable])
            }
            // The host itself fails: judge it as a web target.
            Some(_) => {
                let mut f = infer_web(target, ev, ctx);
                f.clues.insert(0, Clue::SocketFailed);
                return f;
            }
            None => Finding::new(Verdict::Inconclusive, 0.4, vec![Clue::SocketFailed]),
        },
    };
    noting_upgrade(ev, finding)
}

fn infer_ice(ev: &Evidence, ctx: &RunContext) -> Finding {
    let ice = ev.find(|o| match o {
        Observation::IceReached { .. } => Some(true),
        Observation::IceFailed { .. } => Some(false),
        _ => None,
    });
    match ice {
        Some(true) => Finding::new(Verdict::Ok, 0.97, vec![Clue::IceReached]),
        Some(false) if ctx.connection_down() => {
            Finding::new(Verdict::Down, 0.9, vec![Clue::IceFailed, Clue::ControlsFailed])
        }
        Some(false) => {
            let doh = ev.doh();
            if matches!(doh, DohView::NoSuchName | DohView::NoAddress) {
                let mut clues = vec![Clue::IceFailed];
                clues.extend(doh.clues());
                return Finding::new(Verdict::Down, 0.9, clues);
            }
            // A browser or network that lets no STUN through (a privacy setting, a policy, a
            // firewall for all UDP) fails every server alike: only a STUN control that
            // answered makes this one's silence a block.
            match (ctx.ice_controls_total, ctx.ice_controls_ok) {
                (0, _) => Finding::new(Verdict::Inconclusive, 0.4, vec![Clue::IceFailed, Clue::NoIceControl]),
                (_, 0) => Finding::new(Verdict::Inconclusive, 0.4, vec![Clue::IceFailed, Clue::IceControlsFailed]),
                _ => Finding::new(Verdict::BlockedProtocol, 0.9, vec![Clue::IceFailed, Clue::IceControlReached]),
            }
        }
        None if ev.unsupported(ProbeKind::Ice) => {
            Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::SkippedUnsupported])
        }
        None => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
    }
}

#[cfg(test)]
#[path = "infer_tests.rs"]
mod tests;
