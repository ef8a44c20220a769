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
#[serde(deny_unknown_fields)]
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
    #[serde(default, deserialize_with = "crate::strict::clues")]
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
    #[serde(default, deserialize_with = "crate::strict::patterns")]
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
        let report: Report = match crate::strict::from_slice(body) {
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
                    _ => match e {
                        crate::strict::FieldError::Syntax(problem) => ReportError::Malformed(problem),
                        crate::strict::FieldError::Field { field, problem } => ReportError::BadField { field, problem },
                    },
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
        // Head fields are tokens from small alphabets: no room for free text (or an address).
        let token = |field: &str, v: &str, max: usize, ok: fn(u8) -> bool| {
            if v.is_empty() || v.len() > max || !v.bytes().all(ok) || privacy::contains_address(v) {
                Err(bad(field.into(), "empty, too long, holds an address, or has characters not allowed here"))
            } else {
                Ok(())
            }
        };
        token("software", &self.software, 64, |b| b.is_ascii_alphanumeric() || b"._/+-".contains(&b))?;
        if !privacy::BROWSER_FAMILIES.contains(&self.browser.as_str()) {
            return Err(bad("browser".into(), "must be one of chromium, firefox, edge, safari, other"));
        }
        token("list", &self.list, 64, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')?;
        if let Some(c) = &self.campaign {
            token("campaign", c, 64, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))?;
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
            check_url(&r.url).map_err(|problem| bad(at("url"), &problem.to_string()))?;
            if !is_category(&r.category) {
                return Err(bad(at("category"), "not a known category code"));
            }
            if !(0.0..=1.0).contains(&r.confidence) {
                return Err(bad(at("confidence"), "must be between 0 and 1"));
            }
            for (name, n) in [("clues", r.clues.len()), ("probes", r.probes.len()), ("prefixes", r.prefixes.len())] {
                if n > MAX_PER_RESULT {
                    return Err(bad(at(name), "too many entries"));
                }
            }
            if let Some(j) = r.prefixes.iter().position(|p| !privacy::is_prefix(p)) {
                let problem = format!(
                    "entry {j}: must be a network prefix of at most /24 (IPv4) or /48 (IPv6), such as 203.0.113.0/24"
                );
                return Err(bad(at("prefixes"), &problem));
            }
            if let Some(j) = r.probes.iter().position(|p| !is_outcome(&p.outcome)) {
                return Err(bad(at("probes"), &format!("entry {j}: outcome must be a name (a-z and _, at most 32)")));
            }
            for (j, c) in r.clues.iter().enumerate() {
                check_clue(c).map_err(|e| bad(at(&format!("clues[{j}].{}", e.field())), &e.to_string()))?;
            }
        }
        let urls: std::collections::BTreeSet<&str> = match self.patterns.is_empty() {
            true => Default::default(),
            false => self.results.iter().map(|r| r.url.as_str()).collect(),
        };
        for (i, p) in self.patterns.iter().enumerate() {
            check_pattern(p, |u| urls.contains(u))
                .map_err(|e| bad(format!("patterns[{i}].{}", e.field()), &e.to_string()))?;
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
            if c.ratio.is_some_and(|r| !r.is_finite() || r < 0.0) {
                return Err(bad(at("ratio"), "must be a finite number, 0 or more"));
            }
        }
        Ok(())
    }

    /// Drops what the collector would refuse and a client cannot word differently: results
    /// whose URL names an address (or carries one), clues with a non-finite ratio or a bad
    /// prefix or name, pattern targets that are not among the results kept, and patterns left
    /// empty or invalid. The app calls this before showing and sending a report, so one such
    /// target does not cost the visitor the whole report.
    pub fn keep_reportable(&mut self) {
        self.results.retain(|r| check_url(&r.url).is_ok());
        for r in &mut self.results {
            r.clues.retain(|c| check_clue(c).is_ok());
        }
        // A list, not a set: the embed's size (a BTreeSet brings its own code); reports are short.
        let urls: Vec<String> = self.results.iter().map(|r| r.url.clone()).collect();
        for p in &mut self.patterns {
            let (Pattern::AddressRangeBlocked { targets, .. }
            | Pattern::DnsRemoval { targets }
            | Pattern::Throttling { targets, .. }) = p;
            targets.retain(|t| urls.contains(t));
        }
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        self.patterns.retain(|p| {
            let (Pattern::AddressRangeBlocked { targets, .. }
            | Pattern::DnsRemoval { targets }
            | Pattern::Throttling { targets, .. }) = p;
            !targets.is_empty() && check_pattern(p, |u| urls.contains(&u)).is_ok()
        });
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a target URL may not be carried in a report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
enum UrlRefused {
    #[error("{0}")]
    Unparsable(#[from] crate::url::UrlError),
    #[error("an address, not a name: not accepted")]
    Address,
    #[error("user info (name@host) is not accepted")]
    UserInfo,
    #[error("holds an address: not accepted")]
    HoldsAddress,
}

/// A target URL as a report may carry it: one a browser reads as a name (not an address,
/// in any of the forms a browser accepts), with no user info and no address anywhere in it.
fn check_url(url: &str) -> Result<(), UrlRefused> {
    let parsed = TargetUrl::parse(url)?;
    if privacy::host_is_address(&parsed.host) {
        return Err(UrlRefused::Address);
    }
    let authority = url.split_once("//").map_or(url, |(_, rest)| rest);
    let authority = &authority[..authority.find(['/', '?', '#']).unwrap_or(authority.len())];
    if authority.contains('@') {
        return Err(UrlRefused::UserInfo);
    }
    if privacy::contains_address(url) {
        return Err(UrlRefused::HoldsAddress);
    }
    Ok(())
}

/// A category code as lists carry it (a Citizen Lab code, or an official list's path).
fn is_category(code: &str) -> bool {
    let official = code.strip_prefix("official/").is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= 48
            && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_/-".contains(&b))
    });
    category::CODES.contains(&code) || (official && category::normalise(code).as_deref() == Some(code))
}

fn is_outcome(outcome: &str) -> bool {
    !outcome.is_empty() && outcome.len() <= 32 && outcome.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// What is wrong with a clue or a pattern; the message is the problem, [`PartRefused::field`]
/// names the field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
enum PartRefused {
    #[error("must be a finite number, 0 or more")]
    Ratio,
    #[error("must be a trigger name")]
    TriggerName,
    #[error("must be a network prefix of at most /24 (IPv4) or /48 (IPv6)")]
    Prefix,
    #[error("must be URLs of this report's results")]
    Targets,
    #[error("must be known category codes")]
    Categories,
}

impl PartRefused {
    fn field(self) -> &'static str {
        match self {
            PartRefused::Ratio => "ratio",
            PartRefused::TriggerName => "name",
            PartRefused::Prefix => "prefix",
            PartRefused::Targets => "targets",
            PartRefused::Categories => "categories",
        }
    }
}

/// The clue's fields that could carry text or a non-finite number.
fn check_clue(clue: &Clue) -> Result<(), PartRefused> {
    match clue {
        Clue::SlowerThanControl { ratio } if !ratio.is_finite() || *ratio < 0.0 => Err(PartRefused::Ratio),
        Clue::SniCanary { name, .. } if !canary::is_name(name) || privacy::contains_address(name) => {
            Err(PartRefused::TriggerName)
        }
        Clue::SharedPrefixFailing { prefix, .. } if !privacy::is_prefix(prefix) => Err(PartRefused::Prefix),
        _ => Ok(()),
    }
}

/// A pattern names only the report's own targets, known categories and network prefixes.
/// `is_result`: whether a URL is one of the report's results.
fn check_pattern(pattern: &Pattern, is_result: impl Fn(&str) -> bool) -> Result<(), PartRefused> {
    let (targets, prefix, categories) = match pattern {
        Pattern::AddressRangeBlocked { prefix, targets, categories } => (targets, Some(prefix), categories.as_slice()),
        Pattern::DnsRemoval { targets } | Pattern::Throttling { targets, .. } => (targets, None, &[][..]),
    };
    if targets.len() > MAX_RESULTS || !targets.iter().all(|t| is_result(t.as_str())) {
        return Err(PartRefused::Targets);
    }
    if prefix.is_some_and(|p| !privacy::is_prefix(p)) {
        return Err(PartRefused::Prefix);
    }
    if categories.len() > MAX_RESULTS || !categories.iter().all(|c| is_category(c)) {
        return Err(PartRefused::Categories);
    }
    Ok(())
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "report_schema_tests.rs"]
mod schema_tests;
