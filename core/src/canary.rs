//! Canaries: hosts ajar runs itself, so that a browser can see more of why they fail.
//!
//! A canary answers every request with `Timing-Allow-Origin` (Resource Timing then gives
//! the DNS, connect, TLS and first-byte times), CORS (the body can be read and counted),
//! Network Error Logging (failures reach the collector with their phase) and a download
//! of a requested size (throughput). Each probe carries a fresh random token, so the
//! server side can tell which probes arrived.
//!
//! Two tests use them. **SNI A/B**: one download under an innocuous name, then the same
//! download from the same address under a name that holds a blocked name as labels
//! (`twimg.com.<canary domain>`); what differs between the two is keyed on the name the
//! browser sends in the TLS handshake. **Provider canaries**: one canary on each hosting
//! provider or CDN, so that a provider's address range being dropped is measured directly.

use crate::url::TargetUrl;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Canary paths, the same on the collector and in the lab.
pub const HIT_PATH: &str = "/__canary/hit";
pub const DOWN_PATH: &str = "/__canary/down";
/// A download is at most this large.
pub const MAX_DOWN_BYTES: u32 = 4 * 1024 * 1024;
/// Default size of the A/B download: 2 s at 128 kbit/s, a few ms on a normal line.
pub const DEFAULT_BYTES: u32 = 32 * 1024;
/// The trigger is called throttled when its throughput is this many times below the innocuous name's…
pub const THROTTLE_RATIO: f32 = 4.0;
/// …and its transfer took at least this long (shorter transfers are too noisy to compare).
pub const MIN_SLOW_MS: u32 = 250;
pub const MAX_TRIGGERS: usize = 16;
pub const MAX_PROVIDERS: usize = 16;

/// What a campaign (or the collector's defaults) asks the canary tests to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryConfig {
    /// Base URL of the innocuous canary, e.g. `https://www.canary-a.example`.
    pub innocuous: String,
    /// Base URL of the trigger names, with `{name}` where the trigger goes,
    /// e.g. `https://{name}.canary-b.example` (same address as the innocuous name).
    pub trigger_base: String,
    /// Blocked names to put into the SNI, e.g. `twimg.com`.
    #[serde(default)]
    pub triggers: Vec<String>,
    #[serde(default)]
    pub providers: Vec<ProviderCanary>,
    /// Size of each A/B download.
    #[serde(default = "default_bytes")]
    pub bytes: u32,
}

fn default_bytes() -> u32 {
    DEFAULT_BYTES
}

/// A canary on one hosting provider or CDN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderCanary {
    /// Short name: `cloudflare`, `hetzner`…
    pub name: String,
    /// A URL on that provider answering like [`HIT_PATH`] (CORS and Timing-Allow-Origin).
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CanaryError {
    #[error("canaries.innocuous: must be an http(s) URL without a path")]
    Innocuous,
    #[error("canaries.trigger_base: must be an http(s) URL whose host contains {{name}}")]
    TriggerBase,
    #[error("canaries.triggers: at most {MAX_TRIGGERS} host names of letters, digits, '-' and '.' ({0:?} is not)")]
    Trigger(String),
    #[error("canaries.providers: at most {MAX_PROVIDERS}, each a short name and an http(s) URL ({0:?} is not)")]
    Provider(String),
    #[error("canaries.bytes: between 1024 and {MAX_DOWN_BYTES}")]
    Bytes,
    #[error("canary request: {0}")]
    Request(&'static str),
}

/// A host name (or a run of labels of one): lowercase letters, digits, '-', dots between labels.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn web_base(url: &str) -> bool {
    TargetUrl::parse(url).is_ok_and(|u| u.scheme.is_web()) && !url.ends_with('/') && url.splitn(4, '/').nth(3).is_none()
}

impl CanaryConfig {
    pub fn validate(&self) -> Result<(), CanaryError> {
        if !web_base(&self.innocuous) {
            return Err(CanaryError::Innocuous);
        }
        let host_part = self.trigger_base.split("://").nth(1).unwrap_or_default();
        if !host_part.contains("{name}") || !web_base(&self.trigger_url("x")) || host_part.contains('/') {
            return Err(CanaryError::TriggerBase);
        }
        if self.triggers.len() > MAX_TRIGGERS {
            return Err(CanaryError::Trigger(format!("{} names", self.triggers.len())));
        }
        if let Some(t) = self.triggers.iter().find(|t| !is_name(t)) {
            return Err(CanaryError::Trigger(t.clone()));
        }
        if self.providers.len() > MAX_PROVIDERS {
            return Err(CanaryError::Provider(format!("{} providers", self.providers.len())));
        }
        if let Some(p) = self.providers.iter().find(|p| {
            p.name.is_empty()
                || p.name.len() > 32
                || !is_name(&p.name)
                || !TargetUrl::parse(&p.url).is_ok_and(|u| u.scheme.is_web())
        }) {
            return Err(CanaryError::Provider(p.name.clone()));
        }
        if !(1024..=MAX_DOWN_BYTES).contains(&self.bytes) {
            return Err(CanaryError::Bytes);
        }
        Ok(())
    }

    /// This configuration with a campaign's own triggers and providers, where it names any.
    pub fn for_campaign(&self, d: &crate::campaign::Descriptor) -> CanaryConfig {
        let mut c = self.clone();
        if !d.canary_triggers.is_empty() {
            c.triggers = d.canary_triggers.clone();
        }
        if !d.canary_providers.is_empty() {
            c.providers = d.canary_providers.clone();
        }
        c
    }

    /// Is `host` one of this configuration's canaries (NEL reports about others are dropped)?
    pub fn is_canary_host(&self, host: &str) -> bool {
        let host_of = |u: &str| TargetUrl::parse(u).map(|u| u.host).unwrap_or_default();
        let trigger_suffix = host_of(&self.trigger_url("x")).strip_prefix('x').unwrap_or_default().to_string();
        host == host_of(&self.innocuous)
            || (!trigger_suffix.is_empty() && host.ends_with(&trigger_suffix))
            || self.providers.iter().any(|p| host_of(&p.url) == host)
    }

    /// The zone the trigger names live in (`https://canary-b.example` for
    /// `https://{name}.canary-b.example`). One request to it installs a Network Error Logging
    /// policy covering every trigger name below it, so that their DNS failures are reported.
    pub fn apex_url(&self) -> Option<String> {
        let (scheme, rest) = self.trigger_base.split_once("://")?;
        Some(format!("{scheme}://{}", rest.strip_prefix("{name}.")?))
    }

    /// The base URL under which `trigger` is sent as SNI.
    pub fn trigger_url(&self, trigger: &str) -> String {
        self.trigger_base.replace("{name}", trigger)
    }

    /// The download URL under `base` carrying `token`.
    pub fn down_url(&self, base: &str, token: &str) -> String {
        format!("{base}{DOWN_PATH}?bytes={}&t={token}", self.bytes)
    }

    /// A provider canary's URL carrying `token`.
    pub fn provider_url(url: &str, token: &str) -> String {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}t={token}")
    }
}

/// A request to a canary path.
#[derive(Debug, Clone, PartialEq)]
pub enum CanaryRequest {
    Hit { token: Option<String> },
    Down { bytes: u32, token: Option<String> },
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// The probe token (`t=`, 32 hex digits) a canary URL or path carries; anything else is dropped.
pub fn token_in(url: &str) -> Option<String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query_param(query, "t").filter(|t| crate::privacy::is_report_id(t)).map(str::to_owned)
}

/// `None`: not a canary path. Tokens that are not 32 hex digits are dropped, not echoed.
pub fn parse_request(path_and_query: &str) -> Option<Result<CanaryRequest, CanaryError>> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let param = |key: &str| query_param(query, key);
    let token = token_in(path_and_query);
    match path {
        HIT_PATH => Some(Ok(CanaryRequest::Hit { token })),
        DOWN_PATH => Some(match param("bytes").map(str::parse::<u32>) {
            Some(Ok(bytes)) if bytes <= MAX_DOWN_BYTES => Ok(CanaryRequest::Down { bytes, token }),
            Some(Ok(_)) => Err(CanaryError::Request("bytes: too many")),
            _ => Err(CanaryError::Request("bytes: a whole number is required")),
        }),
        _ => None,
    }
}

impl CanaryRequest {
    pub fn token(&self) -> Option<&str> {
        match self {
            CanaryRequest::Hit { token } | CanaryRequest::Down { token, .. } => token.as_deref(),
        }
    }
}

/// The headers every canary answer carries. `nel_endpoint`: where browsers send
/// Network Error Logging reports (the collector's `/v1/nel`), if known.
pub fn response_headers(nel_endpoint: Option<&str>) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("Timing-Allow-Origin", "*".to_string()),
        ("Access-Control-Allow-Origin", "*".to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    if let Some(url) = nel_endpoint {
        // Chromium's NEL reads the older Report-To header; Reporting-Endpoints is its successor.
        h.push((
            "Report-To",
            format!(
                r#"{{"group":"ajar-nel","max_age":604800,"include_subdomains":true,"endpoints":[{{"url":"{url}"}}]}}"#
            ),
        ));
        h.push(("Reporting-Endpoints", format!(r#"ajar-nel="{url}""#)));
        h.push((
            "NEL",
            r#"{"report_to":"ajar-nel","max_age":604800,"include_subdomains":true,"failure_fraction":1.0,"success_fraction":0.0}"#
                .to_string(),
        ));
    }
    h
}

/// Durations of a canary fetch's phases, from Resource Timing (readable thanks to
/// `Timing-Allow-Origin`). Zero where the phase did not happen (a reused connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseTimes {
    pub dns_ms: u32,
    pub connect_ms: u32,
    pub tls_ms: u32,
    pub ttfb_ms: u32,
    pub transfer_ms: u32,
}

/// How one canary fetch ended, as the adapter saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Transfer {
    /// The body was read to its end.
    Done {
        ms: u32,
        bytes: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timing: Option<PhaseTimes>,
    },
    /// The fetch rejected.
    Failed { ms: u32 },
    /// Our timeout fired first.
    TimedOut { ms: u32 },
    /// The browser lacks fetch/AbortController.
    Unsupported,
}

impl Transfer {
    /// Throughput in kbit/s, over the body's transfer time where Resource Timing gives it.
    pub fn kbps(&self) -> Option<u32> {
        match self {
            Transfer::Done { ms, bytes, timing } => {
                let t = timing.map_or(*ms, |t| t.transfer_ms).max(1);
                Some(((u64::from(*bytes) * 8) / u64::from(t)).min(u64::from(u32::MAX)) as u32)
            }
            _ => None,
        }
    }

    fn transfer_ms(&self) -> u32 {
        match self {
            Transfer::Done { ms, timing, .. } => timing.map_or(*ms, |t| t.transfer_ms),
            _ => 0,
        }
    }
}

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

/// Is `host` the name `trigger` or under it?
pub fn host_under(host: &str, trigger: &str) -> bool {
    host == trigger || host.strip_suffix(trigger).is_some_and(|rest| rest.ends_with('.'))
}

/// Lets the SNI A/B test speak to the list's verdicts. A target reached over TLS whose host
/// falls under a trigger the canaries found interfered with gets that finding as a clue; a
/// `reset` becomes `tls` when the canary shows the handshake is cut on that very name, and a
/// verdict the canary agrees with is held with the canary's confidence if that is higher.
pub fn strengthen(entries: &mut [crate::report::ResultEntry], canaries: &[CanaryResult]) {
    use crate::url::Scheme;
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

#[cfg(test)]
#[path = "canary_tests.rs"]
mod tests;
