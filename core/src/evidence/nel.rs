//! Network Error Logging reports about canary hosts, reduced to what may be kept.
//!
//! A browser's report (`application/reports+json`) holds the full URL, the user agent,
//! the server's address and the referrer. Of all that, the collector keeps the canary's
//! name, the probe token from the URL, the phase and the error type; everything else is
//! dropped here, before anything is stored. Reports about hosts that are not canaries
//! are dropped too.

use crate::url::TargetUrl;
use serde::Deserialize;
use thiserror::Error;

/// A report body larger than this is refused unread.
pub const MAX_NEL_BYTES: usize = 64 * 1024;
/// At most this many events are kept from one body.
pub const MAX_NEL_EVENTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NelEvent {
    /// The canary host name the failure was about.
    pub host: String,
    /// The probe token from the URL's `t` parameter, if it had one.
    pub token: Option<String>,
    /// `dns`, `connection` or `application`.
    pub phase: String,
    /// The browser's error type, e.g. `dns.name_not_resolved`, `tcp.timed_out`, `tls.protocol.error`.
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum NelError {
    #[error("body: larger than {MAX_NEL_BYTES} bytes")]
    TooLarge,
    #[error("body: not a list of reports: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    #[serde(default)]
    body: RawBody,
}

#[derive(Deserialize, Default)]
struct RawBody {
    #[serde(default)]
    phase: String,
    #[serde(rename = "type", default)]
    error: String,
}

fn is_error_type(s: &str) -> bool {
    !s.is_empty() && s.len() <= 48 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
}

/// Keeps the network-error reports about hosts for which `is_canary` holds.
pub fn parse(body: &[u8], is_canary: impl Fn(&str) -> bool) -> Result<Vec<NelEvent>, NelError> {
    if body.len() > MAX_NEL_BYTES {
        return Err(NelError::TooLarge);
    }
    let raw: Vec<Raw> = serde_json::from_slice(body).map_err(|e| NelError::Malformed(e.to_string()))?;
    Ok(raw
        .into_iter()
        .filter(|r| r.kind == "network-error")
        .filter(|r| matches!(r.body.phase.as_str(), "dns" | "connection" | "application"))
        .filter(|r| is_error_type(&r.body.error))
        .filter_map(|r| {
            let host = TargetUrl::parse(&r.url).ok().filter(|u| u.scheme.is_web())?.host;
            if !is_canary(&host) {
                return None;
            }
            let token = crate::canary::token_in(&r.url);
            Some(NelEvent { host, token, phase: r.body.phase, error: r.body.error })
        })
        .take(MAX_NEL_EVENTS)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_phase_type_host_and_token_only() {
        let body = br#"[
          {"age":12,"type":"network-error","url":"https://twimg.com.canary.test:8471/__canary/down?bytes=1024&t=0123456789abcdef0123456789abcdef",
           "user_agent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/130",
           "body":{"elapsed_time":40,"method":"GET","phase":"connection","protocol":"","referrer":"https://ajar.example/",
                   "sampling_fraction":1.0,"server_ip":"203.0.113.9","status_code":0,"type":"tls.protocol.error"}},
          {"age":1,"type":"network-error","url":"https://news.example/","body":{"phase":"dns","type":"dns.name_not_resolved"}},
          {"age":1,"type":"deprecation","url":"https://x.canary.test/","body":{}},
          {"age":1,"type":"network-error","url":"https://x.canary.test/","body":{"phase":"dns","type":"DROP TABLE"}}
        ]"#;
        let events = parse(body, |h| h.ends_with(".canary.test")).unwrap();
        assert_eq!(
            events,
            vec![NelEvent {
                host: "twimg.com.canary.test".into(),
                token: Some("0123456789abcdef0123456789abcdef".into()),
                phase: "connection".into(),
                error: "tls.protocol.error".into(),
            }]
        );
        let kept = format!("{events:?}");
        assert!(!kept.contains("203.0.113.9") && !kept.contains("Mozilla") && !kept.contains("ajar.example"));
    }

    #[test]
    fn refuses_garbage_and_oversize() {
        assert!(matches!(parse(b"{}", |_| true), Err(NelError::Malformed(_))));
        assert_eq!(parse(&vec![b' '; MAX_NEL_BYTES + 1], |_| true), Err(NelError::TooLarge));
    }
}
