use super::*;

const NOW: u64 = 1_795_433_696_789; // 2026-11-23T11:34:56Z

fn sample() -> Report {
    Report {
        schema: SCHEMA.into(),
        id: "0123456789abcdef0123456789abcdef".into(),
        created_hour: "2026-11-23T11:00:00Z".into(),
        software: "ajar/0.1.0".into(),
        browser: "chromium".into(),
        list: "global".into(),
        campaign: None,
        results: vec![ResultEntry {
            url: "https://ok.test/".into(),
            category: "NEWS".into(),
            verdict: Verdict::Ok,
            confidence: 0.9,
            clues: vec![Clue::Loaded { ms: 12 }],
            probes: vec![ProbeSummary { probe: ProbeKind::Fetch, outcome: "fetch_ok".into(), ms: Some(12) }],
            prefixes: vec!["203.0.113.0/24".into()],
        }],
        patterns: vec![],
        canaries: vec![],
    }
}

fn refused(edit: impl Fn(&mut serde_json::Value)) -> ReportError {
    let mut v = serde_json::to_value(sample()).unwrap();
    edit(&mut v);
    Report::from_json(v.to_string().as_bytes(), NOW).unwrap_err()
}

#[test]
fn a_valid_report_round_trips() {
    let r = sample();
    assert_eq!(Report::from_json(r.to_json().as_bytes(), NOW).unwrap(), r);
}

#[test]
fn each_bad_input_names_its_field() {
    let cases: Vec<(ReportError, &str)> = vec![
        (Report::from_json(b"{nope", NOW).unwrap_err(), "body"),
        (Report::from_json(&vec![b' '; MAX_BODY_BYTES + 1], NOW).unwrap_err(), "body"),
        (refused(|v| v["schema"] = "ajar.report/9".into()), "schema"),
        (refused(|v| v["id"] = "xyz".into()), "id"),
        (refused(|v| v["created_hour"] = "2026-11-23T11:34:00Z".into()), "created_hour"),
        (refused(|v| v["created_hour"] = "2027-01-01T00:00:00Z".into()), "created_hour"),
        (refused(|v| v["created_hour"] = "2025-01-01T00:00:00Z".into()), "created_hour"),
        (refused(|v| v["results"][0]["url"] = "ftp://x.org/".into()), "results[0].url"),
        (refused(|v| v["results"][0]["url"] = "https://198.51.100.7/".into()), "results[0].url"),
        (refused(|v| v["results"][0]["category"] = "WHAT".into()), "results[0].category"),
        (refused(|v| v["results"][0]["confidence"] = 1.5.into()), "results[0].confidence"),
        (refused(|v| v["results"][0]["prefixes"][0] = "198.51.100.7".into()), "results[0].prefixes"),
        // Wrong types and unknown keys name the field itself (they named only "body").
        (refused(|v| v["results"][0]["verdict"] = "maybe".into()), "results[0].verdict"),
        (refused(|v| v["results"][0]["verdict"] = 7.into()), "results[0].verdict"),
        (refused(|v| v["results"][0]["confidence"] = "high".into()), "results[0].confidence"),
        (refused(|v| v["ip"] = "198.51.100.7".into()), "ip"),
        (refused(|v| v["browser"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36".into()), "browser"),
        (refused(|v| v["results"] = serde_json::json!([])), "results"),
    ];
    for (i, (err, field)) in cases.iter().enumerate() {
        assert_eq!(err.field(), *field, "case {i}: {err}");
    }
}

#[test]
fn too_many_results_are_refused() {
    let mut r = sample();
    r.results =
        (0..=MAX_RESULTS).map(|i| ResultEntry { url: format!("https://h{i}.test/"), ..r.results[0].clone() }).collect();
    assert_eq!(r.validate(NOW), Err(ReportError::TooManyResults(MAX_RESULTS + 1)));
}

#[test]
fn canary_results_are_validated() {
    use crate::canary::{judge_sni, Transfer};
    let mut r = sample();
    let ok = Transfer::Done { ms: 3, bytes: 32768, timing: None };
    r.canaries = vec![judge_sni("twimg.com", &ok, &ok, None, &"a".repeat(32))];
    assert_eq!(r.validate(NOW), Ok(()));
    let mut bad = r.clone();
    bad.canaries[0].token = "visitor-42".into();
    assert_eq!(bad.validate(NOW).unwrap_err().field(), "canaries[0].token");
    let mut bad = r.clone();
    bad.canaries[0].name = "10.0.0.1".into();
    assert_eq!(bad.validate(NOW).unwrap_err().field(), "canaries[0].name");
    let mut bad = r;
    bad.canaries = vec![bad.canaries[0].clone(); MAX_CANARIES + 1];
    assert_eq!(bad.validate(NOW).unwrap_err().field(), "canaries");
}

/// Every key, string and number a stored report holds is one the schema allows: nothing
/// unknown, no address in any form, no free text, no non-finite number.
#[test]
fn only_what_the_schema_allows_is_accepted() {
    use serde_json::json;
    let cases: Vec<(ReportError, &str)> = vec![
        (refused(|v| v["results"][0]["clues"][0]["ip"] = "198.51.100.7".into()), "results[0].clues[0].ip"),
        (refused(|v| v["results"][0]["probes"][0]["ip"] = "198.51.100.7".into()), "results[0].probes[0].ip"),
        (refused(|v| v["results"][0]["probes"][0]["outcome"] = "from 198.51.100.7".into()), "results[0].probes"),
        (refused(|v| v["results"][0]["probes"][0]["outcome"] = "<svg onload=alert(1)>".into()), "results[0].probes"),
        (refused(|v| v["results"][0]["prefixes"][0] = "198.51.100.7/32".into()), "results[0].prefixes"),
        (refused(|v| v["results"][0]["prefixes"][0] = "198.51.100.0/25".into()), "results[0].prefixes"),
        (refused(|v| v["results"][0]["prefixes"][0] = "2001:db8:abcd:12::/64".into()), "results[0].prefixes"),
        (refused(|v| v["results"][0]["url"] = "http://3325256711/".into()), "results[0].url"),
        (refused(|v| v["results"][0]["url"] = "http://0xc6.0x33.0x64.0x7/".into()), "results[0].url"),
        (refused(|v| v["results"][0]["url"] = "http://198.51.100.7./".into()), "results[0].url"),
        (refused(|v| v["results"][0]["url"] = "https://ok.test/?from=198.51.100.7".into()), "results[0].url"),
        (refused(|v| v["results"][0]["url"] = "https://me@ok.test/".into()), "results[0].url"),
        (refused(|v| v["results"][0]["category"] = "official/198.51.100.7".into()), "results[0].category"),
        (refused(|v| v["browser"] = "<svg onload=alert(1)>".into()), "browser"),
        (refused(|v| v["browser"] = "opera".into()), "browser"),
        (refused(|v| v["software"] = "ajar <b>".into()), "software"),
        (refused(|v| v["list"] = "my list".into()), "list"),
        (refused(|v| v["campaign"] = "not-hex".into()), "campaign"),
        (refused(|v| v["results"][0]["confidence"] = json!(1e39)), "results[0].confidence"),
        (
            refused(|v| v["results"][0]["clues"] = json!([{"clue": "slower_than_control", "ratio": 1e39}])),
            "results[0].clues[0].ratio",
        ),
        (
            refused(|v| {
                v["results"][0]["clues"] =
                    json!([{"clue": "shared_prefix_failing", "prefix": "198.51.100.7/32", "count": 3}])
            }),
            "results[0].clues[0].prefix",
        ),
        (
            refused(|v| {
                v["results"][0]["clues"] = json!([{"clue": "sni_canary", "name": "198.51.100.7", "verdict": "ok"}])
            }),
            "results[0].clues[0].name",
        ),
        (
            refused(|v| v["patterns"] = json!([{"pattern": "dns_removal", "targets": ["seen at 198.51.100.7"]}])),
            "patterns[0].targets",
        ),
        (
            refused(|v| {
                v["patterns"] = json!([{"pattern": "dns_removal", "targets": ["https://ok.test/"], "note": "x"}])
            }),
            "patterns[0].note",
        ),
        (
            refused(|v| {
                v["patterns"] = json!([{"pattern": "address_range_blocked", "prefix": "198.51.100.7/32",
                                        "targets": ["https://ok.test/"], "categories": ["NEWS"]}])
            }),
            "patterns[0].prefix",
        ),
    ];
    for (i, (err, field)) in cases.iter().enumerate() {
        assert_eq!(err.field(), *field, "case {i}: {err}");
    }
    let mut ok = serde_json::to_value(sample()).unwrap();
    ok["patterns"] = json!([{"pattern": "dns_removal", "targets": ["https://ok.test/"]}]);
    ok["results"][0]["clues"] = json!([{"clue": "slower_than_control", "ratio": 3.5}, {"clue": "doh_resolves"}]);
    assert!(Report::from_json(ok.to_string().as_bytes(), NOW).is_ok());
}

#[test]
fn what_the_collector_would_refuse_is_dropped_before_sending() {
    use crate::patterns::Pattern;
    let mut r = sample();
    let mut by_address = r.results[0].clone();
    by_address.url = "http://3325256711/".into();
    let mut slow = r.results[0].clone();
    slow.url = "https://slow.test/".into();
    slow.clues = vec![Clue::SlowerThanControl { ratio: f32::INFINITY }, Clue::Loaded { ms: 3 }];
    r.results.push(by_address);
    r.results.push(slow);
    r.patterns = vec![
        Pattern::DnsRemoval { targets: vec!["http://3325256711/".into(), "https://ok.test/".into()] },
        Pattern::DnsRemoval { targets: vec!["http://3325256711/".into()] },
    ];
    assert!(r.validate(NOW).is_err());
    r.keep_reportable();
    assert_eq!(r.validate(NOW), Ok(()));
    assert_eq!(r.results.len(), 2);
    assert_eq!(r.results[1].clues, vec![Clue::Loaded { ms: 3 }]);
    assert_eq!(r.patterns, vec![Pattern::DnsRemoval { targets: vec!["https://ok.test/".into()] }]);
}
