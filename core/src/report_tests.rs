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
        (refused(|v| v["results"][0]["verdict"] = "maybe".into()), "body"),
        (refused(|v| v["results"][0]["confidence"] = "high".into()), "body"),
        (refused(|v| v["ip"] = "198.51.100.7".into()), "body"),
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
