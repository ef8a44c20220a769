//! The SNI A/B test's say on the list's verdicts: [`strengthen`] a target's finding with
//! what the canary found for a name its host falls under ([`host_under`]).

use super::{CanaryKind, CanaryResult};
use crate::url::{Scheme, TargetUrl};
use crate::verdict::Verdict;

/// Is `host` the name `trigger` or under it?
pub fn host_under(host: &str, trigger: &str) -> bool {
    host == trigger || host.strip_suffix(trigger).is_some_and(|rest| rest.ends_with('.'))
}

/// Lets the SNI A/B test speak to the list's verdicts. A target reached over TLS whose host
/// falls under a trigger the canaries found interfered with gets that finding as a clue; a
/// `reset` becomes `tls` when the canary shows the handshake is cut on that very name, and a
/// verdict the canary agrees with is held with the canary's confidence if that is higher.
pub fn strengthen(entries: &mut [crate::report::ResultEntry], canaries: &[CanaryResult]) {
    let interfered: Vec<&CanaryResult> = canaries
        .iter()
        .filter(|c| c.kind == CanaryKind::Sni && matches!(c.verdict, Verdict::Tls | Verdict::Throttled | Verdict::Dns))
        .collect();
    if interfered.is_empty() {
        return;
    }
    for e in entries.iter_mut() {
        let Ok(url) = TargetUrl::parse(&e.url) else { continue };
        if !matches!(url.scheme, Scheme::Https | Scheme::Wss) {
            continue;
        }
        for c in interfered.iter().filter(|c| host_under(&url.host, &c.name)) {
            if e.verdict == Verdict::Reset && c.verdict == Verdict::Tls {
                e.verdict = Verdict::Tls;
            }
            if e.verdict == c.verdict {
                e.confidence = e.confidence.max(c.confidence);
            }
            if e.clues.len() < crate::report::MAX_PER_RESULT {
                e.clues.push(crate::verdict::Clue::SniCanary { name: c.name.clone(), verdict: c.verdict });
            }
        }
    }
}
