//! From one target's evidence to a verdict. Pure: the caller gathers the
//! observations (in any order) and the run's context.

use crate::list::Target;
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::url::Scheme;
use crate::verdict::{Clue, Finding, Verdict};

/// Throughput this many times below the control's counts as throttling.
pub const THROTTLE_RATIO: f32 = 10.0;

/// What the run as a whole learned from its control targets.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunContext {
    pub controls_total: u32,
    pub controls_ok: u32,
    /// Bytes per millisecond of the control image, when one was measured.
    pub control_throughput: Option<f32>,
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
}

impl Evidence {
    fn find<T>(&self, f: impl Fn(&Observation) -> Option<T>) -> Option<T> {
        self.observations.iter().find_map(f)
    }
    fn unsupported(&self, kind: ProbeKind) -> bool {
        self.observations.iter().any(|o| matches!(o, Observation::Unsupported { probe } if *probe == kind))
    }
    /// The DoH answer's addresses, if any.
    pub fn addresses(&self) -> &[String] {
        self.observations
            .iter()
            .find_map(|o| match o {
                Observation::DohAddresses { addresses } => Some(addresses.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
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

fn fetch(ev: &Evidence) -> Option<Observation> {
    ev.find(|o| match o {
        Observation::FetchOk { .. } | Observation::FetchError { .. } | Observation::FetchTimeout { .. } => {
            Some(o.clone())
        }
        _ => None,
    })
}

fn infer_web(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    match fetch(ev) {
        None if ev.unsupported(ProbeKind::Fetch) => {
            Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::SkippedUnsupported])
        }
        None => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
        Some(Observation::FetchOk { ms }) => reachable(target, ev, ctx, ms),
        Some(Observation::FetchError { ms }) => failed(ev, ctx, Clue::FailedFast { ms }, true),
        Some(Observation::FetchTimeout { ms }) => failed(ev, ctx, Clue::TimedOut { ms }, false),
        Some(_) => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
    }
}

/// The fetch worked: check content and speed where a known image allows.
fn reachable(target: &Target, ev: &Evidence, ctx: &RunContext, ms: u32) -> Finding {
    let mut clues = vec![Clue::Loaded { ms }];
    let Some(spec) = &target.image else {
        clues.push(Clue::ContentNotChecked);
        return Finding::new(Verdict::Ok, 0.9, clues);
    };
    let image = ev.find(|o| match o {
        Observation::ImageDecoded { .. } | Observation::ImageError { .. } | Observation::ImageTimeout { .. } => {
            Some(o.clone())
        }
        _ => None,
    });
    match image {
        Some(Observation::ImageDecoded { width, height, ms: img_ms }) => {
            if (width, height) != (spec.width, spec.height) {
                clues.push(Clue::ImageWrongSize { width, height });
                return Finding::new(Verdict::Blockpage, 0.9, clues);
            }
            clues.push(Clue::ImageGenuine);
            if let (Some(bytes), Some(control)) = (spec.bytes, ctx.control_throughput) {
                let here = bytes as f32 / img_ms.max(1) as f32;
                let ratio = control / here.max(f32::MIN_POSITIVE);
                if ratio >= THROTTLE_RATIO {
                    clues.push(Clue::SlowerThanControl { ratio });
                    let confidence = if ratio >= 2.0 * THROTTLE_RATIO { 0.95 } else { 0.8 };
                    return Finding::new(Verdict::Throttled, confidence, clues);
                }
            }
            Finding::new(Verdict::Ok, 0.97, clues)
        }
        Some(Observation::ImageError { .. }) => {
            clues.push(Clue::ImageNotAnImage);
            let confidence = if ev.outside.is_some_and(|o| o.reachable) { 0.92 } else { 0.85 };
            Finding::new(Verdict::Blockpage, confidence, clues)
        }
        Some(Observation::ImageTimeout { ms }) => {
            // The page answered but a small image did not finish: data crawls.
            clues.push(Clue::ImageTimedOut { ms });
            Finding::new(Verdict::Throttled, 0.75, clues)
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

/// The fetch failed (fast) or hung (timeout): blocked here, or down everywhere?
fn failed(ev: &Evidence, ctx: &RunContext, first: Clue, fast: bool) -> Finding {
    let mut clues = vec![first];
    if ctx.connection_down() {
        clues.push(Clue::ControlsFailed);
        return Finding::new(Verdict::Down, 0.9, clues);
    }
    let doh = ev.find(|o| match o {
        Observation::DohAddresses { .. } => Some(Clue::DohResolves),
        Observation::DohNoSuchName => Some(Clue::DohNoSuchName),
        Observation::DohFailed => Some(Clue::DohUnavailable),
        _ => None,
    });
    if let Some(doh) = &doh {
        clues.push(doh.clone());
    }
    if doh == Some(Clue::DohNoSuchName) {
        return Finding::new(Verdict::Down, 0.9, clues);
    }
    match ev.outside {
        Some(o) if !o.resolves => {
            clues.push(Clue::OutsideNoSuchName);
            return Finding::new(Verdict::Down, 0.92, clues);
        }
        Some(o) if !o.reachable => {
            clues.push(Clue::OutsideUnreachable);
            return Finding::new(Verdict::Down, 0.9, clues);
        }
        Some(_) => clues.push(Clue::OutsideReachable),
        None => {}
    }
    let outside_ok = ev.outside.is_some();
    let doh_ok = doh == Some(Clue::DohResolves);
    if ctx.controls_total == 0 {
        clues.push(Clue::NoControls);
    }
    let sure = |base: f32| {
        let mut c = base;
        if !outside_ok {
            c -= 0.1;
        }
        if ctx.controls_total == 0 {
            c -= 0.1;
        }
        c
    };
    if !fast {
        return Finding::new(Verdict::Blackhole, sure(if doh_ok { 0.95 } else { 0.9 }), clues);
    }
    let local = ev.find(|o| match o {
        Observation::Resolves { .. } => Some(true),
        Observation::DoesNotResolve { .. } => Some(false),
        _ => None,
    });
    match local {
        Some(false) => {
            clues.push(Clue::NotResolvedLocally);
            Finding::new(Verdict::Dns, sure(if doh_ok { 0.96 } else { 0.8 }), clues)
        }
        Some(true) => {
            clues.push(Clue::ResolvesLocally);
            Finding::new(Verdict::Reset, sure(0.93), clues)
        }
        None => {
            clues.push(Clue::ResolveUnsupported);
            Finding::new(Verdict::Inconclusive, 0.5, clues)
        }
    }
}

fn infer_socket(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    let socket = ev.find(|o| match o {
        Observation::SocketOpen { .. } => Some(true),
        Observation::SocketFailed { .. } | Observation::SocketTimeout { .. } => Some(false),
        _ => None,
    });
    match socket {
        Some(true) => Finding::new(Verdict::Ok, 0.97, vec![Clue::SocketOpened]),
        None if ev.unsupported(ProbeKind::WebSocket) => {
            Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::SkippedUnsupported])
        }
        None => Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured]),
        Some(false) => match fetch(ev) {
            // The host's web answers but its socket does not: the protocol is singled out.
            Some(Observation::FetchOk { .. }) => {
                Finding::new(Verdict::BlockedProtocol, 0.92, vec![Clue::SocketFailed, Clue::HostReachable])
            }
            // The host itself fails: judge it as a web target.
            Some(_) => {
                let mut f = infer_web(target, ev, ctx);
                f.clues.insert(0, Clue::SocketFailed);
                f
            }
            None => Finding::new(Verdict::Inconclusive, 0.4, vec![Clue::SocketFailed]),
        },
    }
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
            if let Some(Observation::DohNoSuchName) =
                ev.find(|o| matches!(o, Observation::DohNoSuchName).then(|| o.clone()))
            {
                return Finding::new(Verdict::Down, 0.9, vec![Clue::IceFailed, Clue::DohNoSuchName]);
            }
            Finding::new(Verdict::BlockedProtocol, 0.9, vec![Clue::IceFailed])
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
