use super::*;
use crate::verdict::Verdict;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn done(ms: u32, transfer_ms: u32) -> Transfer {
    Transfer::Done { ms, bytes: DEFAULT_BYTES, timing: Some(PhaseTimes { transfer_ms, ..PhaseTimes::default() }) }
}

fn config() -> CanaryConfig {
    CanaryConfig {
        innocuous: "https://www.canary.test:8471".into(),
        trigger_base: "https://{name}.canary.test:8471".into(),
        triggers: vec!["twimg.com".into()],
        providers: vec![ProviderCanary { name: "hetzner".into(), url: "http://prov.test/__canary/hit".into() }],
        bytes: DEFAULT_BYTES,
    }
}

#[test]
fn config_is_validated_field_by_field() {
    let c = config();
    c.validate().unwrap();
    assert_eq!(c.trigger_url("twimg.com"), "https://twimg.com.canary.test:8471");
    assert_eq!(
        c.down_url(&c.innocuous, TOKEN),
        format!("https://www.canary.test:8471/__canary/down?bytes=32768&t={TOKEN}")
    );
    assert_eq!(c.apex_url().as_deref(), Some("https://canary.test:8471"));
    assert!(c.is_canary_host("twimg.com.canary.test") && c.is_canary_host("www.canary.test"));
    assert!(c.is_canary_host("prov.test") && !c.is_canary_host("news.example"));
    assert_eq!(CanaryConfig::provider_url("http://p.test/x?a=1", "t1"), "http://p.test/x?a=1&t=t1");
    let bad = |f: fn(&mut CanaryConfig)| {
        let mut c = config();
        f(&mut c);
        c.validate().unwrap_err()
    };
    assert_eq!(bad(|c| c.innocuous = "ftp://x".into()), CanaryError::Innocuous);
    assert_eq!(bad(|c| c.innocuous = "https://x.test/path".into()), CanaryError::Innocuous);
    assert_eq!(bad(|c| c.trigger_base = "https://canary.test".into()), CanaryError::TriggerBase);
    assert_eq!(bad(|c| c.trigger_base = "https://canary.test/{name}".into()), CanaryError::TriggerBase);
    assert_eq!(bad(|c| c.triggers = vec!["Bad Name".into()]), CanaryError::Trigger("Bad Name".into()));
    assert!(matches!(bad(|c| c.triggers = vec!["a.b".into(); 17]), CanaryError::Trigger(_)));
    assert!(matches!(bad(|c| c.providers[0].url = "javascript:1".into()), CanaryError::Provider(_)));
    assert_eq!(bad(|c| c.bytes = MAX_DOWN_BYTES + 1), CanaryError::Bytes);
}

#[test]
fn requests_are_parsed_and_tokens_checked() {
    assert_eq!(parse_request("/"), None);
    assert_eq!(
        parse_request(&format!("/__canary/down?bytes=100&t={TOKEN}")),
        Some(Ok(CanaryRequest::Down { bytes: 100, token: Some(TOKEN.into()) }))
    );
    assert_eq!(parse_request("/__canary/hit?t=<script>"), Some(Ok(CanaryRequest::Hit { token: None })));
    assert!(matches!(parse_request("/__canary/down?bytes=99999999"), Some(Err(_))));
    assert!(matches!(parse_request("/__canary/down"), Some(Err(_))));
    let h = response_headers(Some("https://c.example/v1/nel"));
    for name in ["Timing-Allow-Origin", "NEL", "Report-To", "Access-Control-Allow-Origin"] {
        assert!(h.iter().any(|(k, _)| *k == name), "{name}");
    }
    let nel = &h.iter().find(|(k, _)| *k == "Report-To").unwrap().1;
    serde_json::from_str::<serde_json::Value>(nel).expect("Report-To is JSON");
}

#[test]
fn sni_throttling_needs_a_big_and_long_difference() {
    let fast = done(5, 2);
    let throttled = done(2100, 2040);
    let r = judge_sni("twimg.com", &fast, &throttled, None, TOKEN);
    assert_eq!((r.verdict, r.phase), (Verdict::Throttled, Some(Phase::Transfer)));
    assert!(r.ratio.unwrap() > 100.0);
    // A noisy but short transfer is not throttling, whatever the ratio.
    assert_eq!(judge_sni("x", &done(2, 1), &done(40, 30), None, TOKEN).verdict, Verdict::Ok);
    // A slow line slows both names alike: no attribution.
    assert_eq!(judge_sni("x", &done(2000, 1900), &done(2300, 2200), None, TOKEN).verdict, Verdict::Ok);
}

#[test]
fn sni_failures_are_split_by_the_local_resolver() {
    let ok = done(5, 2);
    let fail = Transfer::Failed { ms: 8 };
    assert_eq!(judge_sni("x", &ok, &fail, Some(true), TOKEN).verdict, Verdict::Tls);
    assert_eq!(judge_sni("x", &ok, &fail, Some(false), TOKEN).phase, Some(Phase::Dns));
    assert_eq!(judge_sni("x", &ok, &fail, None, TOKEN).verdict, Verdict::Inconclusive);
    assert_eq!(judge_sni("x", &ok, &Transfer::TimedOut { ms: 9000 }, Some(true), TOKEN).verdict, Verdict::Tls);
    // If the innocuous name fails as well, the name is not what is blocked.
    assert_eq!(judge_sni("x", &fail, &fail, Some(true), TOKEN).verdict, Verdict::Inconclusive);
}

#[test]
fn provider_canaries_name_the_phase() {
    let r = judge_provider("p", &Transfer::TimedOut { ms: 9000 }, Some(true), true, TOKEN);
    assert_eq!((r.verdict, r.phase), (Verdict::Blackhole, Some(Phase::Tcp)));
    let r = judge_provider("p", &Transfer::Failed { ms: 3 }, Some(true), true, TOKEN);
    assert_eq!((r.verdict, r.phase), (Verdict::Reset, Some(Phase::Tcp)));
    assert_eq!(judge_provider("p", &Transfer::Failed { ms: 3 }, Some(false), true, TOKEN).verdict, Verdict::Dns);
    let offline = judge_provider("p", &Transfer::TimedOut { ms: 9000 }, Some(true), false, TOKEN);
    assert!(offline.confidence < 0.5, "own canary down too: the visitor may be offline");
    assert_eq!(judge_innocuous(&done(3, 1), None, TOKEN).verdict, Verdict::Ok);
}

#[test]
fn canaries_split_tls_from_reset_on_the_list() {
    use crate::report::ResultEntry;
    let entry = |url: &str, verdict| ResultEntry {
        url: url.into(),
        category: "GRP".into(),
        verdict,
        confidence: 0.6,
        clues: vec![],
        probes: vec![],
        prefixes: vec![],
    };
    let mut entries = vec![
        entry("https://rutracker.org/", Verdict::Reset),
        entry("https://pbs.twimg.com/x", Verdict::Throttled),
        entry("http://rutracker.org/", Verdict::Reset),
        entry("https://notrutracker.org/", Verdict::Reset),
        entry("https://twimg.com/", Verdict::Ok),
    ];
    let ok = done(5, 2);
    let canaries = vec![
        judge_sni("rutracker.org", &ok, &Transfer::Failed { ms: 3 }, Some(true), TOKEN),
        judge_sni("twimg.com", &ok, &done(2100, 2040), None, TOKEN),
    ];
    strengthen(&mut entries, &canaries);
    assert_eq!(entries[0].verdict, Verdict::Tls, "the handshake is cut on that name");
    assert_eq!(entries[0].confidence, 0.9);
    assert_eq!(entries[1].verdict, Verdict::Throttled);
    assert_eq!(entries[1].confidence, 0.9);
    assert_eq!(entries[2].verdict, Verdict::Reset, "plain HTTP sends no SNI");
    assert!(entries[2].clues.is_empty());
    assert_eq!(entries[3].verdict, Verdict::Reset, "a name that merely ends the same way");
    assert_eq!(entries[4].verdict, Verdict::Ok, "a clue, not a verdict, when the target itself loads");
    assert!(matches!(&entries[4].clues[0], crate::verdict::Clue::SniCanary { verdict: Verdict::Throttled, .. }));
}

#[test]
fn config_is_read_from_json_as_serde_read_it() {
    let json = |t: &str| crate::json::Json::parse(t).map_err(|e| e.to_string());
    let bare = r#"{"innocuous":"https://www.canary.test:8471","trigger_base":"https://{name}.canary.test:8471",
        "triggers":["twimg.com"],"providers":[{"name":"hetzner","url":"http://prov.test/__canary/hit"}]}"#;
    let read = |t: &str| json(t).map(|v| CanaryConfig::from_json(&v));
    assert_eq!(read(bare), Ok(Ok(config())));
    // What serde made of the same text, so the two readers agree.
    assert_eq!(serde_json::from_str::<CanaryConfig>(bare).ok(), Some(config()));
    let minimal = r#"{"innocuous":"https://a.test","trigger_base":"https://{name}.b.test"}"#;
    let counts = read(minimal).map(|c| c.map(|c| (c.triggers.len(), c.providers.len(), c.bytes)));
    assert_eq!(counts, Ok(Ok((0, 0, DEFAULT_BYTES))));
    for (text, err) in [
        ("[]", ConfigJsonError::NotObject),
        (r#"{"innocuous":"https://a.test"}"#, ConfigJsonError::Field("trigger_base")),
        (r#"{"innocuous":1,"trigger_base":"x"}"#, ConfigJsonError::Field("innocuous")),
        (r#"{"innocuous":"a","trigger_base":"b","extra":1}"#, ConfigJsonError::Unknown("extra".into())),
        (r#"{"innocuous":"a","trigger_base":"b","triggers":null}"#, ConfigJsonError::Field("triggers")),
        (r#"{"innocuous":"a","trigger_base":"b","triggers":[1]}"#, ConfigJsonError::Field("triggers")),
        (r#"{"innocuous":"a","trigger_base":"b","bytes":-1}"#, ConfigJsonError::Field("bytes")),
        (r#"{"innocuous":"a","trigger_base":"b","bytes":4294967296}"#, ConfigJsonError::Field("bytes")),
        (r#"{"innocuous":"a","trigger_base":"b","providers":[{"name":"x"}]}"#, ConfigJsonError::Field("url")),
        (
            r#"{"innocuous":"a","trigger_base":"b","providers":[{"name":"x","url":"y","z":0}]}"#,
            ConfigJsonError::Unknown("z".into()),
        ),
    ] {
        assert_eq!(read(text), Ok(Err(err)), "{text}");
    }
}

#[test]
fn a_canary_answer_is_wrapped_bare_or_says_none() {
    let answer =
        |t: &str| crate::json::Json::parse(t).map(|v| CanaryConfig::from_answer(&v)).map_err(|e| e.to_string());
    let bare = r#"{"innocuous":"https://a.test","trigger_base":"https://{name}.b.test"}"#;
    let config = CanaryConfig {
        innocuous: "https://a.test".into(),
        trigger_base: "https://{name}.b.test".into(),
        triggers: vec![],
        providers: vec![],
        bytes: DEFAULT_BYTES,
    };
    assert_eq!(answer(bare), Ok(Ok(Some(config.clone()))));
    assert_eq!(answer(&format!(r#"{{"canaries":{bare}}}"#)), Ok(Ok(Some(config))));
    // Not configured: `null`, no `canaries` at all, or an object that is no configuration.
    for none in [r#"{"canaries":null}"#, "{}", r#"{"innocuous":"https://a.test"}"#] {
        assert_eq!(answer(none), Ok(Ok(None)), "{none}");
    }
    assert_eq!(answer(r#"{"canaries":{"innocuous":1}}"#), Ok(Err(ConfigJsonError::Field("innocuous"))));
    assert_eq!(answer(r#"{"canaries":[]}"#), Ok(Err(ConfigJsonError::NotObject)));
    assert_eq!(answer("[1]"), Ok(Err(ConfigJsonError::NotObject)));
    assert!(answer("{").is_err());
}
