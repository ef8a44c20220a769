//! The rules for a STUN or TURN target: a server that does not answer is blocked only where
//! a STUN control did answer.

use super::{DohView, Evidence, RunContext};
use crate::observation::{Observation, ProbeKind};
use crate::verdict::{Clue, Finding, Verdict};

pub(super) fn infer_ice(ev: &Evidence, ctx: &RunContext) -> Finding {
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
