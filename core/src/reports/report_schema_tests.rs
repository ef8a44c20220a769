//! docs/report.schema.json against the Rust types: every name the types can produce is in
//! the schema, and every enum of the schema is one the types produce.

use crate::canary::{Phase, PhaseTimes, Transfer};
use crate::observation::ProbeKind;
use crate::patterns::Pattern;
use crate::report::{ProbeSummary, Report, ResultEntry, SCHEMA};
use crate::verdict::{Clue, Verdict};
use serde_json::Value;
use std::collections::BTreeSet;

const SCHEMA_JSON: &str = include_str!("../../../docs/report.schema.json");

fn schema() -> Value {
    serde_json::from_str(SCHEMA_JSON).expect("docs/report.schema.json is JSON")
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn all_clues() -> Vec<Clue> {
    vec![
        Clue::Loaded { ms: 1 },
        Clue::FailedFast { ms: 1 },
        Clue::TimedOut { ms: 1 },
        Clue::DohResolves,
        Clue::DohNoSuchName,
        Clue::DohUnavailable,
        Clue::DohNoAddress,
        Clue::DohResolversDisagree,
        Clue::UpgradedToHttps,
        Clue::InsecureNotMeasurable,
        Clue::ResolvesLocally,
        Clue::NotResolvedLocally,
        Clue::ResolveUnsupported,
        Clue::ResolverSilent,
        Clue::ContentBlocker,
        Clue::ImageGenuine,
        Clue::ImageWrongSize { width: 1, height: 1 },
        Clue::ImageNotAnImage,
        Clue::ImageTimedOut { ms: 1 },
        Clue::ContentNotChecked,
        Clue::SpeedNotMeasured,
        Clue::SlowerThanControl { ratio: 2.0 },
        Clue::SocketOpened,
        Clue::SocketFailed,
        Clue::IceReached,
        Clue::IceFailed,
        Clue::IceControlReached,
        Clue::IceControlsFailed,
        Clue::NoIceControl,
        Clue::HostReachable,
        Clue::OutsideReachable,
        Clue::OutsideUnreachable,
        Clue::OutsideNoSuchName,
        Clue::NoOutsideView,
        Clue::OutsideCrossOriginBlocked,
        Clue::OutsideServerError,
        Clue::OutsideSlow { ms: 4500 },
        Clue::ControlsFailed,
        Clue::NoControls,
        Clue::SkippedUnsupported,
        Clue::NotMeasured,
        Clue::SharedPrefixFailing { prefix: "p".into(), count: 1 },
        Clue::SniCanary { name: "twimg.com".into(), verdict: Verdict::Throttled },
    ]
}

#[test]
fn report_and_result_fields_match() {
    let s = schema();
    let entry = ResultEntry {
        url: "https://a.test/".into(),
        category: "NEWS".into(),
        verdict: Verdict::Ok,
        confidence: 0.5,
        clues: vec![],
        probes: vec![],
        prefixes: vec![],
    };
    let mut canary = crate::canary::judge_sni(
        "twimg.com",
        &Transfer::Done { ms: 5, bytes: 32768, timing: Some(PhaseTimes::default()) },
        &Transfer::Done {
            ms: 2000,
            bytes: 32768,
            timing: Some(PhaseTimes { transfer_ms: 1990, ..PhaseTimes::default() }),
        },
        None,
        &"0".repeat(32),
    );
    canary.phase = Some(Phase::Transfer);
    let report = Report {
        schema: SCHEMA.into(),
        id: "0".repeat(32),
        created_hour: "2026-11-23T11:00:00Z".into(),
        software: "ajar".into(),
        browser: "chromium".into(),
        list: "global".into(),
        campaign: Some("c".into()),
        results: vec![entry.clone()],
        patterns: vec![],
        canaries: vec![canary.clone()],
    };
    assert_eq!(keys(&serde_json::to_value(&report).unwrap()), keys(&s["properties"]));
    assert_eq!(keys(&serde_json::to_value(&canary).unwrap()), keys(&s["$defs"]["canary"]["properties"]));
    assert_eq!(
        keys(&serde_json::to_value(canary.timing.unwrap()).unwrap()),
        keys(&s["$defs"]["canary"]["properties"]["timing"]["properties"])
    );
    assert_eq!(keys(&serde_json::to_value(&entry).unwrap()), keys(&s["$defs"]["result"]["properties"]));
    assert_eq!(s["properties"]["schema"]["const"], SCHEMA);
}

#[test]
fn enums_match() {
    let s = schema();
    let verdicts: BTreeSet<String> = Verdict::ALL.iter().map(|v| v.as_str().to_string()).collect();
    assert_eq!(verdicts, names(&s["$defs"]["verdict"]["enum"]));
    let clue_props = keys(&s["$defs"]["clue"]["properties"]);
    let clues: BTreeSet<String> = all_clues()
        .iter()
        .map(|c| {
            let v = serde_json::to_value(c).unwrap();
            assert!(keys(&v).is_subset(&clue_props), "{v}");
            v["clue"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(clues, names(&s["$defs"]["clue"]["properties"]["clue"]["enum"]));
    let probes: BTreeSet<String> =
        [ProbeKind::Fetch, ProbeKind::Doh, ProbeKind::Resolve, ProbeKind::Image, ProbeKind::WebSocket, ProbeKind::Ice]
            .iter()
            .map(|p| {
                serde_json::to_value(ProbeSummary { probe: *p, outcome: "x".into(), ms: None }).unwrap()["probe"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
    assert_eq!(probes, names(&s["$defs"]["probe"]["properties"]["probe"]["enum"]));
    let patterns: BTreeSet<String> = [
        Pattern::AddressRangeBlocked { prefix: "p".into(), targets: vec![], categories: vec![] },
        Pattern::DnsRemoval { targets: vec![] },
        Pattern::Throttling { targets: vec![], normal: 0 },
    ]
    .iter()
    .map(|p| serde_json::to_value(p).unwrap()["pattern"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(patterns, names(&s["$defs"]["pattern"]["properties"]["pattern"]["enum"]));
}
