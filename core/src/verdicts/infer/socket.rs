//! The rules for a WebSocket target (`ws`, `wss`): the socket opened, or it failed while the
//! host's web page answered (the protocol singled out), or the host itself failed.

use super::web::{fetch, infer_web, noting_upgrade};
use super::{Evidence, RunContext};
use crate::list::Target;
use crate::observation::{Observation, ProbeKind};
use crate::verdict::{Clue, Finding, Verdict};

pub(super) fn infer_socket(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    if ev.unmeasurable {
        return Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::InsecureNotMeasurable]);
    }
    // The last look decides (a socket that failed is tried once more at the end).
    let socket = ev.observations.iter().rev().find_map(|o| match o {
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
