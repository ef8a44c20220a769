//! A report from a run's entries: what the visitor is shown before sending, and sends.

use crate::probe::timer::wall_ms;
use ajar_core::canary::CanaryResult;
use ajar_core::patterns::Pattern;
use ajar_core::privacy::{browser_family, coarse_hour};
use ajar_core::report::{Report, ResultEntry, SCHEMA};

/// The browser gave no secure random numbers (`crypto.getRandomValues`): no id can be made,
/// so no report can be sent and no canary probe told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RandomError {
    #[error("this browser gives no secure random numbers ({0})")]
    Unavailable(getrandom::Error),
}

/// 16 fresh random bytes as hex: a report's id (it makes retries idempotent and links
/// nothing) or a canary probe's token.
pub fn random_id() -> Result<String, RandomError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(RandomError::Unavailable)?;
    Ok(ajar_core::privacy::hex(&bytes))
}

pub fn build(
    entries: &[ResultEntry],
    patterns: &[Pattern],
    canaries: &[CanaryResult],
    list_id: &str,
    campaign: Option<String>,
) -> Result<Report, RandomError> {
    // No user agent: the browser family reads as unknown.
    let ua = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    let mut report = Report {
        schema: SCHEMA.into(),
        id: random_id()?,
        created_hour: coarse_hour(wall_ms()),
        software: concat!("ajar/", env!("CARGO_PKG_VERSION")).into(),
        browser: browser_family(&ua).into(),
        list: list_id.to_string(),
        campaign,
        results: entries.to_vec(),
        patterns: patterns.to_vec(),
        canaries: canaries.to_vec(),
    };
    // The collector refuses address targets (they could be a visitor's own network) and what
    // would carry one: dropped here, so the rest of the report is still sent.
    report.keep_reportable();
    Ok(report)
}
