//! The canary checks, after a list run: ajar's own canary under an innocuous name, the
//! same canary under each trigger name (one at a time, so no download shares the line
//! with another), then every provider canary. Decisions are `ajar_core::canary`'s.

use crate::net::{fetch_ok, NetError};
use crate::probe;
use crate::report_build::{random_id, RandomError};
use ajar_core::canary::{self, CanaryConfig, CanaryResult, ConfigJsonError, Transfer};
use ajar_core::config::PlanConfig;
use ajar_core::json::{Json, JsonError};
use ajar_core::url::TargetUrl;

/// A canary fetch may take this long at least (a 32 kB download at 128 kbit/s takes 2 s).
pub const MIN_TIMEOUT_MS: u32 = 6_000;

/// Why the canary checks did not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CanaryError {
    #[error("the canary configuration could not be loaded: {0}")]
    Fetch(NetError),
    #[error("the canary configuration could not be loaded: {0}")]
    Json(JsonError),
    #[error("the canary configuration could not be loaded: {0}")]
    Shape(ConfigJsonError),
    #[error("no canaries are configured for this collector or campaign")]
    NotConfigured,
    #[error("{0}")]
    Invalid(#[from] canary::CanaryError),
    /// No token can be made for a canary probe (its reports are told apart by it).
    #[error("{0}")]
    NoRandomness(#[from] RandomError),
}

/// Loads the configuration: the collector's `/v1/canaries` answers `{"canaries": … | null}`;
/// a lab or file URL may answer the configuration itself.
pub async fn load(url: &str) -> Result<CanaryConfig, CanaryError> {
    let text = fetch_ok(url, None).await.map_err(CanaryError::Fetch)?;
    let answer = Json::parse(&text).map_err(CanaryError::Json)?;
    let config = CanaryConfig::from_answer(&answer).map_err(CanaryError::Shape)?.ok_or(CanaryError::NotConfigured)?;
    config.validate()?;
    Ok(config)
}

/// Does the local resolver know the host of `url`? (None: the browser cannot tell.)
async fn resolves(url: &str, plan: &PlanConfig) -> Option<bool> {
    let host = TargetUrl::parse(url).ok()?.host;
    let stun = format!("stun:{host}:{}", plan.resolve_port);
    probe::resolve(&stun, plan.resolve_timeout_ms).await
}

/// One canary fetch, and, only if it failed, whether the local resolver knows the host of
/// `named` (the check that splits DNS from connection and handshake failures).
async fn fetch_checked(url: &str, named: &str, timeout_ms: u32, plan: &PlanConfig) -> (Transfer, Option<bool>) {
    let t = probe::canary::transfer(url, timeout_ms).await;
    let resolved = if matches!(t, Transfer::Done { .. }) { Some(true) } else { resolves(named, plan).await };
    (t, resolved)
}

/// Runs every canary check; `on_result` sees each as it is decided. Every probe's token is
/// made first: without secure random numbers, none runs.
pub async fn run(
    config: &CanaryConfig,
    plan: &PlanConfig,
    on_result: impl Fn(&CanaryResult),
) -> Result<Vec<CanaryResult>, CanaryError> {
    let tokens = |n: usize| (0..n).map(|_| random_id()).collect::<Result<Vec<_>, _>>();
    let (tok, trigger_tokens, provider_tokens) =
        (random_id()?, tokens(config.triggers.len())?, tokens(config.providers.len())?);
    let timeout = plan.fetch_timeout_ms.max(MIN_TIMEOUT_MS);
    probe::canary::clear_timings();
    let mut out = Vec::new();
    let mut keep = |r: CanaryResult| {
        on_result(&r);
        out.push(r);
    };

    // The trigger zone's apex sets a Network Error Logging policy for every name below it: the
    // browser then reports their DNS failures to the collector (where it supports NEL).
    if let Some(apex) = config.apex_url() {
        let _ = probe::canary::transfer(&format!("{apex}{}", canary::HIT_PATH), timeout.min(3_000)).await;
    }
    let (innocuous, resolved) =
        fetch_checked(&config.down_url(&config.innocuous, &tok), &config.innocuous, timeout, plan).await;
    let ok = matches!(innocuous, Transfer::Done { .. });
    keep(canary::judge_innocuous(&innocuous, resolved, &tok));

    for (name, tok) in config.triggers.iter().zip(&trigger_tokens) {
        let base = config.trigger_url(name);
        let (t, resolved) = fetch_checked(&config.down_url(&base, tok), &base, timeout, plan).await;
        keep(canary::judge_sni(name, &innocuous, &t, resolved, tok));
    }

    // Provider canaries are small hits: all at once.
    let checks = config.providers.iter().zip(&provider_tokens).map(|(p, tok)| async move {
        let (t, resolved) = fetch_checked(&CanaryConfig::provider_url(&p.url, tok), &p.url, timeout, plan).await;
        canary::judge_provider(&p.name, &t, resolved, ok, tok)
    });
    for r in futures_util::future::join_all(checks).await {
        keep(r);
    }
    Ok(out)
}
