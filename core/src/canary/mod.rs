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
//!
//! - `config`: what to measure ([`CanaryConfig`]), validated, and the URLs it derives;
//! - `wire`: the canary's paths, requests and answer headers (collector and lab);
//! - `transfer`: how one fetch went ([`Transfer`], [`PhaseTimes`]);
//! - `judge`: from fetches to a [`CanaryResult`] (innocuous, provider, SNI A/B);
//! - `strengthen`: the SNI A/B results' say on the list's verdicts.

mod config;
mod judge;
mod strengthen;
mod transfer;
mod wire;

pub use config::{is_name, CanaryConfig, ConfigJsonError, ProviderCanary, DEFAULT_BYTES, MAX_PROVIDERS, MAX_TRIGGERS};
pub use judge::{
    judge_innocuous, judge_provider, judge_sni, CanaryKind, CanaryResult, Phase, MIN_SLOW_MS, THROTTLE_RATIO,
};
pub use strengthen::{host_under, strengthen};
pub use transfer::{PhaseTimes, Transfer};
pub use wire::{parse_request, response_headers, token_in, CanaryRequest, DOWN_PATH, HIT_PATH, MAX_DOWN_BYTES};

use thiserror::Error;

/// Why a canary configuration or a request to a canary path is refused.
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

#[cfg(test)]
#[path = "../canary_tests.rs"]
mod tests;
