//! The three judges, from canary fetches to a [`CanaryResult`]: the innocuous canary alone
//! ([`judge_innocuous`]), a provider canary ([`judge_provider`]) and the SNI A/B test
//! ([`judge_sni`]).

use super::{PhaseTimes, Transfer};
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// The trigger is called throttled when its throughput is this many times below the innocuous name's…
pub const THROTTLE_RATIO: f32 = 4.0;
/// …and its transfer took at least this long (shorter transfers are too noisy to compare).
pub const MIN_SLOW_MS: u32 = 250;

/// Where along the way a canary fetch was interfered with (NEL's phases, plus the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Dns,
    Tcp,
    Tls,
    /// The connection works but the body crawls.
    Transfer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanaryKind {
    /// ajar's own canary under an innocuous name: the reference of the A/B test.
    Innocuous,
    /// The same canary under a name holding a blocked name.
    Sni,
    /// A canary on a hosting provider or CDN.
    Provider,
}

/// What one canary check concluded; reports carry these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryResult {
    pub kind: CanaryKind,
    /// The trigger name, the provider's name, or `innocuous`.
    pub name: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    pub confidence: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kbps: Option<u32>,
    /// Innocuous throughput over this one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<PhaseTimes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
    /// The probe's random token, so the collector can match what arrived at the canary.
    pub token: String,
}

/// The verdict on one canary fetch on its own. `resolves`: whether the local resolver
/// knows its name (None: the browser could not tell).
fn judge_alone(t: &Transfer, resolves: Option<bool>) -> (Verdict, Option<Phase>, f32) {
    match (t, resolves) {
        (Transfer::Done { .. }, _) => (Verdict::Ok, None, 0.95),
        (Transfer::Failed { .. } | Transfer::TimedOut { .. }, Some(false)) => (Verdict::Dns, Some(Phase::Dns), 0.9),
        (Transfer::TimedOut { .. }, _) => (Verdict::Blackhole, Some(Phase::Tcp), 0.8),
        (Transfer::Failed { .. }, Some(true)) => (Verdict::Reset, Some(Phase::Tcp), 0.7),
        (Transfer::Failed { .. }, None) | (Transfer::Unsupported, _) => (Verdict::Inconclusive, None, 0.3),
    }
}

fn result(
    kind: CanaryKind,
    name: &str,
    token: &str,
    t: &Transfer,
    judged: (Verdict, Option<Phase>, f32),
) -> CanaryResult {
    let (verdict, phase, confidence) = judged;
    let ms = match t {
        Transfer::Done { ms, .. } | Transfer::Failed { ms } | Transfer::TimedOut { ms } => Some(*ms),
        Transfer::Unsupported => None,
    };
    let timing = match t {
        Transfer::Done { timing, .. } => *timing,
        _ => None,
    };
    CanaryResult {
        kind,
        name: name.into(),
        verdict,
        phase,
        confidence,
        kbps: t.kbps(),
        ratio: None,
        timing,
        ms,
        token: token.into(),
    }
}

/// The innocuous canary: is ajar's own canary reachable at all from here?
pub fn judge_innocuous(t: &Transfer, resolves: Option<bool>, token: &str) -> CanaryResult {
    result(CanaryKind::Innocuous, "innocuous", token, t, judge_alone(t, resolves))
}

/// A provider canary. If ajar's own innocuous canary failed too, the visitor may simply be
/// offline: the verdict stays, with less confidence.
pub fn judge_provider(
    name: &str,
    t: &Transfer,
    resolves: Option<bool>,
    innocuous_ok: bool,
    token: &str,
) -> CanaryResult {
    let (v, p, c) = judge_alone(t, resolves);
    let c = if innocuous_ok || v == Verdict::Ok { c } else { c * 0.5 };
    result(CanaryKind::Provider, name, token, t, (v, p, c))
}

/// The SNI A/B test: `trigger` is the same download from the same address as `innocuous`,
/// under a name that holds `name`. Only what differs between the two counts.
pub fn judge_sni(
    name: &str,
    innocuous: &Transfer,
    trigger: &Transfer,
    resolves: Option<bool>,
    token: &str,
) -> CanaryResult {
    // Innocuous throughput over the trigger's, when both downloads completed.
    let ratio = match (innocuous.kbps(), trigger.kbps()) {
        (Some(i), Some(t)) => Some(i as f32 / t.max(1) as f32),
        _ => None,
    };
    let judged = match (innocuous, trigger) {
        // Without a working reference nothing can be put down to the name.
        (Transfer::Done { .. }, _) => match trigger {
            Transfer::Done { .. } => {
                if ratio.is_some_and(|r| r >= THROTTLE_RATIO) && trigger.transfer_ms() >= MIN_SLOW_MS {
                    (Verdict::Throttled, Some(Phase::Transfer), 0.9)
                } else {
                    (Verdict::Ok, None, 0.9)
                }
            }
            // The same address answers under another name: if the name resolves, the
            // connection is cut at the handshake, where only the SNI differs.
            Transfer::Failed { .. } | Transfer::TimedOut { .. } => match resolves {
                Some(false) => (Verdict::Dns, Some(Phase::Dns), 0.9),
                Some(true) => (
                    Verdict::Tls,
                    Some(Phase::Tls),
                    if matches!(trigger, Transfer::Failed { .. }) { 0.9 } else { 0.75 },
                ),
                None => (Verdict::Inconclusive, None, 0.4),
            },
            Transfer::Unsupported => (Verdict::Inconclusive, None, 0.3),
        },
        _ => (Verdict::Inconclusive, None, 0.3),
    };
    let mut r = result(CanaryKind::Sni, name, token, trigger, judged);
    r.ratio = ratio.map(|x| (x * 100.0).round() / 100.0);
    r
}
