//! The canary's HTTP protocol, the same on the collector and in the lab: its two paths,
//! parsing a request to them ([`parse_request`], [`token_in`]), and the headers every
//! answer carries ([`response_headers`]).

use super::CanaryError;
use crate::url::query_value;

/// Canary paths, the same on the collector and in the lab.
pub const HIT_PATH: &str = "/__canary/hit";
pub const DOWN_PATH: &str = "/__canary/down";
/// A download is at most this large.
pub const MAX_DOWN_BYTES: u32 = 4 * 1024 * 1024;

/// A request to a canary path.
#[derive(Debug, Clone, PartialEq)]
pub enum CanaryRequest {
    Hit { token: Option<String> },
    Down { bytes: u32, token: Option<String> },
}

impl CanaryRequest {
    pub fn token(&self) -> Option<&str> {
        match self {
            CanaryRequest::Hit { token } | CanaryRequest::Down { token, .. } => token.as_deref(),
        }
    }
}

/// The probe token (`t=`, 32 hex digits) a canary URL or path carries; anything else is dropped.
pub fn token_in(url: &str) -> Option<String> {
    // No query: an empty one, which carries no token.
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query_value(query, "t").filter(|t| crate::privacy::is_report_id(t)).map(str::to_owned)
}

/// `None`: not a canary path. Tokens that are not 32 hex digits are dropped, not echoed.
pub fn parse_request(path_and_query: &str) -> Option<Result<CanaryRequest, CanaryError>> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let param = |key: &str| query_value(query, key);
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
