//! One stored result as an OONI measurement (ooni/spec `data-formats/df-000-base.md`), under
//! the test OONI defined for what a browser measures: `browser_web` (`nettests/ts-036`).
//!
//! Why `browser_web` and not `web_connectivity` (ts-017): Web Connectivity's test keys are
//! the probe's own DNS queries, TCP connects, TLS handshakes and HTTP bodies compared with a
//! test helper's; a page sees none of them (no-cors fetches are opaque). ts-036 is OONI's
//! test for exactly what ajar's fetch probe observes: whether a fetch of the URL succeeded and
//! how long it took. ajar's inference (verdict, confidence, clues) rides along as `x_` keys.
//!
//! Only web inputs (http, https) are measurements of this kind: WebSocket and STUN/TURN
//! results are left out of this format (see docs/report.md).

use crate::url::TargetUrl;
use serde_json::{json, Map, Value};

/// The test this export claims, and ajar's version of its implementation of it.
pub const TEST_NAME: &str = "browser_web";
pub const TEST_VERSION: &str = "0.1.0";
pub const DATA_FORMAT_VERSION: &str = "0.2.0";

/// A stored result with its report's head, as the collector reads it.
#[derive(Debug, Clone, Default)]
pub struct Row<'a> {
    pub report_id: &'a str,
    pub idx: u32,
    pub url: &'a str,
    pub category: &'a str,
    pub verdict: &'a str,
    pub confidence: f64,
    /// JSON text, as stored.
    pub clues: &'a str,
    pub probes: &'a str,
    pub prefixes: &'a str,
    pub country: &'a str,
    pub asn: u32,
    pub created_hour: &'a str,
    pub campaign: Option<&'a str>,
    /// `ajar/0.1.0`, as the report named it.
    pub software: &'a str,
    /// Browser family (`chromium`, `firefox`, …).
    pub browser: &'a str,
}

/// True for the inputs this format carries (http and https URLs).
pub fn is_web_input(url: &str) -> bool {
    TargetUrl::parse(url).is_ok_and(|u| u.scheme.is_web())
}

/// `probe_cc`: an assigned ISO 3166-1 code, else `ZZ` (Cloudflare's `T1` for Tor and `XX`
/// for unknown are not countries).
pub fn probe_cc(country: &str) -> &str {
    if crate::country::is_code(country) {
        country
    } else {
        "ZZ"
    }
}

/// `2026-11-30T16:00:00Z` → `2026-11-30 16:00:00` (df-000's UTC time format); `None` if the
/// stored hour is malformed.
pub fn ooni_time(hour: &str) -> Option<String> {
    crate::privacy::parse_hour(hour)?;
    Some(hour.replacen('T', " ", 1).trim_end_matches('Z').to_string())
}

/// Keeps `^[0-9A-Za-z_.+-]+$` (the collector spec's rule for names and versions).
fn token(text: &str, fallback: &str) -> String {
    let t: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() || "_.+-".contains(c) { c } else { '-' }).collect();
    if t.is_empty() {
        fallback.to_string()
    } else {
        t
    }
}

/// `ajar/0.1.0` → (`ajar`, `0.1.0`).
pub fn software(software: &str) -> (String, String) {
    match software.split_once('/') {
        Some((name, version)) => (token(name, "ajar"), token(version, "unknown")),
        None => (token(software, "ajar"), "unknown".to_string()),
    }
}

/// OONI's report ids look like `20220602T130821Z_browserweb_IT_30722_n1_MJoDg0lHFMo9QncM`
/// (time, test, country, ASN, collector node, random). Only OONI's collector issues those;
/// ajar keeps the shape with `ajar` in the node's place and its own random report id (128
/// bits, chosen by the client) as the random part.
pub fn report_id(row: &Row) -> String {
    let stamp: String = row.created_hour.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{stamp}_browserweb_{}_{}_ajar_{}", probe_cc(row.country), row.asn, token(row.report_id, "0"))
}

/// ts-017's `blocking` vocabulary for ajar's verdict (an aid for analysts who join with Web
/// Connectivity; not a Web Connectivity result).
fn blocking(verdict: &str) -> Value {
    match verdict {
        "ok" | "throttled" => json!(false),
        "dns" => json!("dns"),
        "blackhole" | "reset" => json!("tcp_ip"),
        // TLS interference is "http-failure" in ts-017 (for historical reasons).
        "tls" => json!("http-failure"),
        "blockpage" => json!("http-diff"),
        _ => Value::Null,
    }
}

/// ts-036's `result` and `load_time_ms`, from the fetch probe: `ok` with its time if any fetch
/// of the URL resolved, else `error` with the failed fetch's time. `None` without a timed fetch
/// (then the result is not a browser_web measurement).
fn fetch_outcome(probes: &Value) -> Option<(&'static str, f64)> {
    let fetches: Vec<&Value> =
        probes.as_array().map(|a| a.iter().filter(|p| p["probe"] == "fetch").collect()).unwrap_or_default();
    let timed = |outcomes: &[&str]| {
        fetches.iter().find_map(|p| outcomes.iter().any(|o| p["outcome"] == *o).then(|| p["ms"].as_f64()).flatten())
    };
    if let Some(ms) = timed(&["ok"]) {
        return Some(("ok", ms));
    }
    timed(&["error", "timeout"]).map(|ms| ("error", ms))
}

/// `test_runtime`: the probes' durations summed, in seconds (probes of one target may overlap,
/// so this bounds the time spent on the input from above; 0 when no probe kept a time).
fn runtime(probes: &Value) -> f64 {
    let ms: f64 = probes.as_array().map(|a| a.iter().filter_map(|p| p["ms"].as_f64()).sum()).unwrap_or(0.0);
    ms / 1000.0
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The measurement for one result, or `None` when its input is not a web URL, it has no timed
/// fetch (ts-036 reports a fetch's outcome and load time), or its stored hour is malformed.
pub fn measurement(row: &Row) -> Option<Value> {
    if !is_web_input(row.url) {
        return None;
    }
    let time = ooni_time(row.created_hour)?;
    let probes = parse(row.probes);
    let (result, load_time_ms) = fetch_outcome(&probes)?;
    let (software_name, software_version) = software(row.software);
    let mut annotations = Map::new();
    annotations.insert("x_category".into(), json!(row.category));
    if let Some(c) = row.campaign {
        annotations.insert("x_campaign".into(), json!(c));
    }
    Some(json!({
        "annotations": annotations,
        "data_format_version": DATA_FORMAT_VERSION,
        "input": row.url,
        "measurement_start_time": time,
        "probe_asn": format!("AS{}", row.asn),
        "probe_cc": probe_cc(row.country),
        // df-000's value for "not shared": ajar never has it.
        "probe_ip": "127.0.0.1",
        "report_id": report_id(row),
        "software_name": software_name,
        "software_version": software_version,
        "test_helpers": {},
        "test_keys": {
            "result": result,
            "load_time_ms": load_time_ms,
            "browser": row.browser,
            "x_verdict": row.verdict,
            "x_confidence": row.confidence,
            "x_blocking": blocking(row.verdict),
            "x_clues": parse(row.clues),
            "x_probes": probes,
            "x_prefixes": parse(row.prefixes),
        },
        "test_name": TEST_NAME,
        "test_runtime": runtime(&probes),
        // A report's results are one run: the run's hour, as coarse as everything ajar keeps.
        "test_start_time": time,
        "test_version": TEST_VERSION,
        "x_report_id": row.report_id,
        "x_idx": row.idx,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row<'static> {
        Row {
            report_id: "0123456789abcdef0123456789abcdef",
            idx: 2,
            url: "https://www.youtube.com/",
            category: "MMED",
            verdict: "tls",
            confidence: 0.9,
            clues: r#"[{"clue":"failed_fast","ms":40}]"#,
            probes: r#"[{"probe":"doh","outcome":"addresses"},{"probe":"fetch","outcome":"error","ms":40},{"probe":"image","outcome":"error","ms":35}]"#,
            prefixes: r#"["142.250.74.0/24"]"#,
            country: "RU",
            asn: 12389,
            created_hour: "2026-11-30T16:00:00Z",
            campaign: Some("00112233aabbccdd"),
            software: "ajar/0.1.0",
            browser: "chromium",
        }
    }

    /// The keys df-000 requires of every measurement.
    const DF000_REQUIRED: [&str; 15] = [
        "data_format_version",
        "input",
        "measurement_start_time",
        "probe_asn",
        "probe_cc",
        "probe_ip",
        "report_id",
        "software_name",
        "software_version",
        "test_helpers",
        "test_keys",
        "test_name",
        "test_runtime",
        "test_start_time",
        "test_version",
    ];

    #[test]
    fn df_000_fields_and_ts_036_test_keys() {
        let m = measurement(&row()).unwrap();
        for key in DF000_REQUIRED {
            assert!(!m[key].is_null(), "{key}");
        }
        assert_eq!(m["test_name"], "browser_web");
        assert_eq!(m["measurement_start_time"], "2026-11-30 16:00:00");
        assert_eq!(m["test_start_time"], "2026-11-30 16:00:00");
        assert_eq!(m["probe_asn"], "AS12389");
        assert_eq!((m["software_name"].as_str(), m["software_version"].as_str()), (Some("ajar"), Some("0.1.0")));
        assert_eq!(m["report_id"], "20261130T160000Z_browserweb_RU_12389_ajar_0123456789abcdef0123456789abcdef");
        assert!((m["test_runtime"].as_f64().unwrap() - 0.075).abs() < 1e-9);
        let tk = &m["test_keys"];
        assert_eq!((tk["result"].as_str(), tk["load_time_ms"].as_f64()), (Some("error"), Some(40.0)));
        assert_eq!(tk["browser"], "chromium");
        assert_eq!(tk["x_verdict"], "tls");
        assert_eq!(tk["x_blocking"], "http-failure", "ts-017: TLS interference is http-failure");
        assert_eq!(m["annotations"]["x_campaign"], "00112233aabbccdd");
        // Every key df-000 does not define is an extension.
        for key in m.as_object().unwrap().keys() {
            let defined = DF000_REQUIRED.contains(&key.as_str()) || key == "annotations";
            assert!(defined || key.starts_with("x_"), "{key}");
        }
        for (key, v) in m["annotations"].as_object().unwrap() {
            assert!(v.is_string(), "annotations are map[string]string: {key}");
        }
    }

    #[test]
    fn countries_that_are_not_countries_become_zz() {
        for (cc, want) in [("T1", "ZZ"), ("XX", "ZZ"), ("", "ZZ"), ("ru", "ZZ"), ("RU", "RU"), ("XK", "XK")] {
            let r = Row { country: cc, ..row() };
            let m = measurement(&r).unwrap();
            assert_eq!(m["probe_cc"], want, "{cc}");
            assert!(m["report_id"].as_str().unwrap().contains(&format!("_browserweb_{want}_")));
        }
    }

    #[test]
    fn non_web_inputs_are_left_out() {
        for url in ["wss://web.whatsapp.com/ws", "ws://x.example/", "stun:stun.l.google.com:19302", "turns:t.example"] {
            assert_eq!(measurement(&Row { url, ..row() }), None, "{url}");
        }
        assert!(measurement(&Row { url: "http://plain.example/", ..row() }).is_some());
        assert_eq!(measurement(&Row { created_hour: "2026-11-30T16:30:00Z", ..row() }), None);
    }

    #[test]
    fn result_and_load_time_from_the_fetch_probe() {
        let with = |probes: &'static str| {
            let m = measurement(&Row { probes, ..row() })?;
            Some((m["test_keys"]["result"].clone(), m["test_keys"]["load_time_ms"].clone()))
        };
        let retried = r#"[{"probe":"fetch","outcome":"timeout","ms":3000},{"probe":"fetch","outcome":"ok","ms":120}]"#;
        assert_eq!(with(retried), Some((json!("ok"), json!(120.0))));
        assert_eq!(with(r#"[{"probe":"fetch","outcome":"timeout","ms":3000}]"#), Some((json!("error"), json!(3000.0))));
        // No timed fetch: not a browser_web measurement.
        assert_eq!(with("[]"), None);
        assert_eq!(with(r#"[{"probe":"fetch","outcome":"unsupported"}]"#), None);
        assert_eq!(with(r#"[{"probe":"image","outcome":"decoded","ms":5}]"#), None);
        assert_eq!(with("not json"), None);
    }

    #[test]
    fn names_and_versions_keep_the_collector_spec_alphabet() {
        assert_eq!(software("ajar-embed/0.1.0+lab"), ("ajar-embed".into(), "0.1.0+lab".into()));
        assert_eq!(software("ajar"), ("ajar".into(), "unknown".into()));
        assert_eq!(software("a/b/c"), ("a".into(), "b-c".into()));
        assert_eq!(software("/"), ("ajar".into(), "unknown".into()));
    }
}
