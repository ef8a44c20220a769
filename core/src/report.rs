//! The report a visitor may send: versioned JSON, validated the same way in the
//! app (before sending) and in the collector (before storing).

use crate::canary::{self, CanaryResult};
use crate::category;
use crate::list::MAX_URL_LEN;
use crate::observation::ProbeKind;
use crate::patterns::Pattern;
use crate::privacy;
use crate::url::TargetUrl;
use crate::verdict::{Clue, Verdict};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub const SCHEMA: &str = "ajar.report/1";
/// A report holds at most this many results.
pub const MAX_RESULTS: usize = 1000;
/// The collector refuses bodies larger than this before parsing them.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// At most this many clues or probe summaries per result.
pub const MAX_PER_RESULT: usize = 16;
/// Reports from further in the future than this are refused (clocks drift a little).
pub const MAX_FUTURE_MS: u64 = 2 * 3_600_000;
/// At most this many canary results per report.
pub const MAX_CANARIES: usize = 1 + canary::MAX_TRIGGERS + canary::MAX_PROVIDERS;
/// Reports older than this are refused: a queued report is sent within days.
pub const MAX_AGE_MS: u64 = 30 * 24 * 3_600_000;

/// How a probe of one result ended, for researchers (no addresses, no bodies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSummary {
    pub probe: ProbeKind,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultEntry {
    pub url: String,
    pub category: String,
    pub verdict: Verdict,
    pub confidence: f32,
    #[serde(default)]
    pub clues: Vec<Clue>,
    #[serde(default)]
    pub probes: Vec<ProbeSummary>,
    /// Address prefixes (/24, /48) the outside resolver gave for the host.
    #[serde(default)]
    pub prefixes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub schema: String,
    /// Random, fresh per report: makes retries idempotent, links nothing.
    pub id: String,
    /// When the run happened, to the hour.
    pub created_hour: String,
    pub software: String,
    /// Browser family only (`chromium`, `firefox`, …).
    pub browser: String,
    /// Which list: a bundled list id (`global`, `ru`, …) or `custom`.
    pub list: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    pub results: Vec<ResultEntry>,
    #[serde(default)]
    pub patterns: Vec<Pattern>,
    /// What ajar's own canaries showed (SNI A/B, provider reachability), if they ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canaries: Vec<CanaryResult>,
}

/// Why a report was refused; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReportError {
    #[error("body: larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("body: not a valid report: {0}")]
    Malformed(String),
    #[error("schema: {0:?} is not a version this collector accepts (expected {SCHEMA:?})")]
    UnknownSchema(String),
    #[error("id: must be 32 lowercase hex digits")]
    BadId,
    #[error("created_hour: must be YYYY-MM-DDTHH:00:00Z")]
    BadHour,
    #[error("created_hour: too far in the future")]
    InFuture,
    #[error("created_hour: older than 30 days")]
    TooOld,
    #[error("{field}: {problem}")]
    BadField { field: String, problem: String },
    #[error("results: {0} results; at most {MAX_RESULTS} are allowed")]
    TooManyResults(usize),
    #[error("results: empty")]
    NoResults,
}

impl ReportError {
    /// The JSON path of the offending field.
    pub fn field(&self) -> String {
        match self {
            ReportError::TooLarge | ReportError::Malformed(_) => "body".into(),
            ReportError::UnknownSchema(_) => "schema".into(),
            ReportError::BadId => "id".into(),
            ReportError::BadHour | ReportError::InFuture | ReportError::TooOld => "created_hour".into(),
            ReportError::BadField { field, .. } => field.clone(),
            ReportError::TooManyResults(_) | ReportError::NoResults => "results".into(),
        }
    }
}

impl Report {
    /// Parses and validates a body as the collector receives it: one parse on the happy
    /// path; a second look only to name what is wrong with a refused body.
    pub fn from_json(body: &[u8], now_ms: u64) -> Result<Report, ReportError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ReportError::TooLarge);
        }
        let report: Report = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => {
                // An old or future client gets the version error, not a field error.
                #[derive(Deserialize)]
                struct Version {
                    schema: Option<serde_json::Value>,
                }
                return Err(match serde_json::from_slice::<Version>(body).map(|v| v.schema) {
                    Ok(Some(serde_json::Value::String(s))) if s != SCHEMA => ReportError::UnknownSchema(s),
                    Ok(None) => ReportError::UnknownSchema(String::new()),
                    _ => ReportError::Malformed(e.to_string()),
                });
            }
        };
        report.validate(now_ms)?;
        Ok(report)
    }

    pub fn validate(&self, now_ms: u64) -> Result<(), ReportError> {
        let bad = |field: String, problem: &str| ReportError::BadField { field, problem: problem.into() };
        if self.schema != SCHEMA {
            return Err(ReportError::UnknownSchema(self.schema.clone()));
        }
        if !privacy::is_report_id(&self.id) {
            return Err(ReportError::BadId);
        }
        let hour = privacy::parse_hour(&self.created_hour).ok_or(ReportError::BadHour)?;
        if hour > now_ms + MAX_FUTURE_MS {
            return Err(ReportError::InFuture);
        }
        if hour + MAX_AGE_MS < now_ms {
            return Err(ReportError::TooOld);
        }
        let short = |field: &str, v: &str, max: usize| {
            if v.is_empty() || v.len() > max || privacy::contains_address(v) {
                Err(bad(field.into(), "empty, too long, or holds an address"))
            } else {
                Ok(())
            }
        };
        short("software", &self.software, 64)?;
        short("browser", &self.browser, 16)?;
        short("list", &self.list, 64)?;
        if let Some(c) = &self.campaign {
            short("campaign", c, 64)?;
        }
        if self.results.is_empty() {
            return Err(ReportError::NoResults);
        }
        if self.results.len() > MAX_RESULTS {
            return Err(ReportError::TooManyResults(self.results.len()));
        }
        for (i, r) in self.results.iter().enumerate() {
            let at = |f: &str| format!("results[{i}].{f}");
            if r.url.len() > MAX_URL_LEN {
                return Err(bad(at("url"), "too long"));
            }
            match TargetUrl::parse(&r.url) {
                Ok(u) if !u.host_is_ip() => {}
                Ok(_) => return Err(bad(at("url"), "an address, not a name: not accepted")),
                Err(e) => return Err(bad(at("url"), &e.to_string())),
            }
            if category::normalise(&r.category).as_deref() != Some(r.category.as_str()) {
                return Err(bad(at("category"), "not a known category code"));
            }
            if !(0.0..=1.0).contains(&r.confidence) {
                return Err(bad(at("confidence"), "must be between 0 and 1"));
            }
            if r.clues.len() > MAX_PER_RESULT || r.probes.len() > MAX_PER_RESULT || r.prefixes.len() > MAX_PER_RESULT {
                return Err(bad(at("clues"), "too many entries"));
            }
            if r.prefixes.iter().any(|p| !p.contains('/') || privacy::contains_address(p)) {
                return Err(bad(at("prefixes"), "must be network prefixes such as 203.0.113.0/24"));
            }
            if r.probes.iter().any(|p| p.outcome.len() > 32) {
                return Err(bad(at("probes"), "outcome too long"));
            }
        }
        if self.canaries.len() > MAX_CANARIES {
            return Err(bad("canaries".into(), "too many entries"));
        }
        for (i, c) in self.canaries.iter().enumerate() {
            let at = |f: &str| format!("canaries[{i}].{f}");
            if !canary::is_name(&c.name) || privacy::contains_address(&c.name) {
                return Err(bad(at("name"), "must be a trigger name, a provider's name or \"innocuous\""));
            }
            if !privacy::is_report_id(&c.token) {
                return Err(bad(at("token"), "must be 32 lowercase hex digits"));
            }
            if !(0.0..=1.0).contains(&c.confidence) {
                return Err(bad(at("confidence"), "must be between 0 and 1"));
            }
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "report_schema_tests.rs"]
mod schema_tests;
