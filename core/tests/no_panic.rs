//! Property tests: no input the collector can receive makes a parser panic (a panic in the
//! Worker takes the whole isolate down, with every request in it). Each parser gets arbitrary
//! text, arbitrary JSON of the right general shape, and valid bodies with one part replaced
//! or one character inserted, and must answer `Ok` or its typed error naming a field.
//!
//! `cargo test -p ajar-core --test no_panic` runs 500 to 2,000 cases per parser (seconds).
//! A long run: `PROPTEST_CASES=1000000 AJAR_FUZZ_SECS=600 cargo test --release -p ajar-core
//! --test no_panic -- report` (each test stops at whichever limit comes first).
#![cfg(not(target_arch = "wasm32"))]

use ajar_core::campaign::Descriptor;
use ajar_core::privacy::parse_hour;
use ajar_core::report::Report;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NOW_HOUR: &str = "2026-11-30T10:00:00Z";

fn now_ms() -> u64 {
    parse_hour(NOW_HOUR).unwrap_or(0) + 1_800_000
}

/// Runs `check` on values of `strategy`: `PROPTEST_CASES` cases (default `default_cases`),
/// repeated with fresh seeds until `AJAR_FUZZ_SECS` have passed, if that is set.
fn fuzz<S: Strategy>(default_cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    let budget = std::env::var("AJAR_FUZZ_SECS").ok().and_then(|v| v.parse().ok()).map(Duration::from_secs);
    let start = Instant::now();
    let mut total = 0u64;
    loop {
        let mut config = Config::with_cases(cases);
        config.failure_persistence = None;
        // Cases counted per round; the time budget, if any, ends the rounds.
        let mut runner = TestRunner::new(config);
        match runner.run(&strategy, &check) {
            Ok(()) => {}
            Err(TestError::Fail(why, value)) => panic!("{why}: minimal failing input: {value:#?}"),
            Err(TestError::Abort(why)) => panic!("aborted: {why}"),
        }
        total += u64::from(cases);
        match budget {
            Some(b) if start.elapsed() < b => continue,
            _ => break,
        }
    }
    if budget.is_some() {
        eprintln!("{total} cases in {:.1} s", start.elapsed().as_secs_f64());
    }
}

/// Strings that reach parsers' edge cases: anything at all, near-valid hours, addresses and
/// URLs, and multi-byte characters where bytes are counted.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-fé:./TZ+x-]{0,24}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9é]{2}:[0-9]{2}:00Z?",
        "(https?|ftp|stun|ws|javascript):/{0,3}[a-zé0-9.@:\\[\\]%-]{0,30}(/[a-z0-9?=&.]{0,12})?",
        Just(NOW_HOUR.to_string()),
        Just("2026-11-30T1é00:00Z".to_string()),
        Just("http://3325256711/".to_string()),
        Just("http://127.0.0.1:1\\@8.8.8.8/".to_string()),
        Just("198.51.100.7/32".to_string()),
        Just("0123456789abcdef0123456789abcdef".to_string()),
        Just("ajar.report/1".to_string()),
        Just("network-error".to_string()),
        Just("NEWS".to_string()),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        prop_oneof![Just(1e39), Just(-1e39), Just(f64::MAX), Just(f64::MIN_POSITIVE), Just(-0.0), Just(0.5)]
            .prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
    ]
}

/// Keys the parsers know (so arbitrary objects reach deep code), and others.
const KEYS: &[&str] = &[
    "schema",
    "id",
    "created_hour",
    "software",
    "browser",
    "list",
    "campaign",
    "results",
    "patterns",
    "canaries",
    "url",
    "category",
    "verdict",
    "confidence",
    "clues",
    "probes",
    "prefixes",
    "clue",
    "ms",
    "ratio",
    "prefix",
    "count",
    "name",
    "pattern",
    "targets",
    "categories",
    "probe",
    "outcome",
    "kind",
    "token",
    "phase",
    "kbps",
    "timing",
    "type",
    "body",
    "description",
    "list_url",
    "countries",
    "embed_skip_countries",
    "starts_hour",
    "expires_hour",
    "canary_triggers",
    "canary_providers",
    "controls",
    "image",
    "width",
    "height",
    "bytes",
    "user_agent",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf =
        prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool), number(), text().prop_map(Value::String),];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![prop::sample::select(KEYS).prop_map(str::to_string), "[a-z_]{1,8}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_report() -> Value {
    json!({
        "schema": "ajar.report/1", "id": "0123456789abcdef0123456789abcdef", "created_hour": NOW_HOUR,
        "software": "ajar/0.1.0", "browser": "chromium", "list": "global", "campaign": "00112233aabbccdd",
        "results": [
            {"url": "https://ok.test/", "category": "NEWS", "verdict": "dns", "confidence": 0.9,
             "clues": [{"clue": "failed_fast", "ms": 7}, {"clue": "slower_than_control", "ratio": 2.5},
                       {"clue": "shared_prefix_failing", "prefix": "203.0.113.0/24", "count": 3},
                       {"clue": "sni_canary", "name": "twimg.com", "verdict": "tls"}],
             "probes": [{"probe": "fetch", "outcome": "fetch_error", "ms": 7}], "prefixes": ["203.0.113.0/24"]},
            {"url": "https://b.test/", "category": "COMT", "verdict": "ok", "confidence": 1.0}
        ],
        "patterns": [{"pattern": "address_range_blocked", "prefix": "203.0.113.0/24",
                      "targets": ["https://ok.test/"], "categories": ["NEWS"]},
                     {"pattern": "throttling", "targets": ["https://b.test/"], "normal": 1}],
        "canaries": [{"kind": "sni", "name": "twimg.com", "verdict": "ok", "confidence": 0.9, "ratio": 1.1,
                      "token": "00000000000000000000000000000000"}]
    })
}

fn valid_campaign() -> Value {
    json!({
        "name": "Messengers", "description": "WhatsApp, Telegram", "countries": ["RU"],
        "embed_skip_countries": ["IR"], "targets": [{"url": "https://web.whatsapp.com/", "category": "COMT",
        "image": {"url": "https://web.whatsapp.com/i.png", "width": 16, "height": 16}}],
        "starts_hour": "2026-11-01T00:00:00Z", "expires_hour": "2026-12-31T00:00:00Z",
        "canary_triggers": ["twimg.com"], "canary_providers": [{"name": "google", "url": "https://www.google.com"}],
        "controls": ["https://www.example.com/", "stun:stun.example.net:3478"]
    })
}

fn valid_nel() -> Value {
    json!([{"age": 1, "type": "network-error",
            "url": "https://twimg.com.canary.test/__canary/down?bytes=1024&t=0123456789abcdef0123456789abcdef",
            "body": {"phase": "connection", "type": "tls.protocol.error", "server_ip": "203.0.113.9"}}])
}

/// Every node's JSON pointer.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| pointers(c, format!("{at}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    AddKey(prop::sample::Index, String, Value),
    InsertChar(prop::sample::Index, char),
    Truncate(prop::sample::Index),
    /// In one string value, a few ASCII characters replaced by one character of as many
    /// bytes: the length in bytes stays, which is what fixed-width readers check first.
    SameLength(prop::sample::Index, prop::sample::Index, char),
    /// A field the parser knows, at the top or in the first element, set to a near-miss text.
    SetField(String, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let idx = any::<prop::sample::Index>;
    prop_oneof![
        (idx(), json_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
        idx().prop_map(Edit::Remove),
        (idx(), prop::sample::select(KEYS).prop_map(str::to_string), json_value())
            .prop_map(|(i, k, v)| Edit::AddKey(i, k, v)),
        (idx(), any::<char>()).prop_map(|(i, c)| Edit::InsertChar(i, c)),
        idx().prop_map(Edit::Truncate),
        (idx(), idx(), prop_oneof![Just('é'), Just('€'), Just('😀'), any::<char>()])
            .prop_map(|(i, at, c)| Edit::SameLength(i, at, c)),
        (prop::sample::select(KEYS).prop_map(str::to_string), text()).prop_map(|(k, t)| Edit::SetField(k, t)),
    ]
}

/// A valid body with a few edits: parts replaced, removed or added (as JSON), or a character
/// inserted anywhere in the text, or the text cut short.
fn edited(valid: Value, edits: &[Edit]) -> Vec<u8> {
    let mut v = valid;
    let mut text: Option<String> = None;
    for e in edits {
        let mut ps = Vec::new();
        pointers(&v, String::new(), &mut ps);
        match e {
            Edit::Replace(i, new) => {
                if let Some(slot) = v.pointer_mut(&ps[i.index(ps.len())]) {
                    *slot = new.clone();
                }
            }
            Edit::Remove(i) => {
                let p = &ps[i.index(ps.len())];
                if let Some((parent, key)) = p.rsplit_once('/') {
                    match v.pointer_mut(parent) {
                        Some(Value::Object(m)) => {
                            m.remove(key);
                        }
                        Some(Value::Array(a)) => {
                            if let Ok(k) = key.parse::<usize>() {
                                if k < a.len() {
                                    a.remove(k);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Edit::AddKey(i, k, new) => {
                if let Some(Value::Object(m)) = v.pointer_mut(&ps[i.index(ps.len())]) {
                    m.insert(k.clone(), new.clone());
                }
            }
            Edit::InsertChar(i, c) => {
                let mut t = text.take().unwrap_or_else(|| v.to_string());
                let at = t.char_indices().map(|(b, _)| b).nth(i.index(t.chars().count().max(1))).unwrap_or(t.len());
                t.insert(at, *c);
                text = Some(t);
            }
            Edit::SameLength(i, at, c) => {
                let strings: Vec<&String> = ps.iter().filter(|p| v.pointer(p).is_some_and(Value::is_string)).collect();
                if strings.is_empty() {
                    continue;
                }
                let p = strings[i.index(strings.len())].clone();
                if let Some(Value::String(old)) = v.pointer_mut(&p) {
                    let n = c.len_utf8();
                    let b = at.index(old.len().max(1));
                    if old.is_char_boundary(b) && b + n <= old.len() && old.as_bytes()[b..b + n].is_ascii() {
                        old.replace_range(b..b + n, c.encode_utf8(&mut [0; 4]));
                    }
                }
            }
            Edit::SetField(k, t) => {
                let target = match &mut v {
                    Value::Array(a) => a.first_mut(),
                    Value::Object(m) if !m.contains_key(k) => m.get_mut("results").and_then(|r| r.get_mut(0)),
                    other => Some(other),
                };
                if let Some(Value::Object(m)) = target {
                    m.insert(k.clone(), Value::String(t.clone()));
                }
            }
            Edit::Truncate(i) => {
                let t = text.take().unwrap_or_else(|| v.to_string());
                let n = i.index(t.len().max(1));
                text = Some(String::from_utf8_lossy(&t.as_bytes()[..n]).into_owned());
            }
        }
    }
    text.unwrap_or_else(|| v.to_string()).into_bytes()
}

fn bodies(valid: fn() -> Value) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => any::<Vec<u8>>(),
        1 => text().prop_map(String::into_bytes),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        6 => prop::collection::vec(edit(), 1..4).prop_map(move |e| edited(valid(), &e)),
    ]
}

fn check_report(body: Vec<u8>) -> Result<(), TestCaseError> {
    match Report::from_json(&body, now_ms()) {
        Ok(r) => {
            // What is accepted is what the schema allows, and stays accepted when re-read.
            prop_assert!(Report::from_json(r.to_json().as_bytes(), now_ms()).is_ok());
            prop_assert!(r.browser.len() <= 16);
        }
        Err(e) => {
            prop_assert!(!e.field().is_empty());
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

#[test]
fn reports_never_panic() {
    assert!(Report::from_json(valid_report().to_string().as_bytes(), now_ms()).is_ok(), "the seed is valid");
    fuzz(2000, bodies(valid_report), check_report);
}

#[test]
fn campaigns_never_panic() {
    assert!(Descriptor::from_json(valid_campaign().to_string().as_bytes(), now_ms()).is_ok(), "the seed is valid");
    fuzz(1000, bodies(valid_campaign), |body| {
        match Descriptor::from_json(&body, now_ms()) {
            Ok(d) => {
                prop_assert!(d.validate().is_ok());
                let _ = d.active(now_ms());
            }
            Err(e) => prop_assert!(!e.field().is_empty()),
        }
        let _ = Descriptor::parse(&body);
        Ok(())
    });
}

#[test]
fn nel_reports_never_panic() {
    assert_eq!(ajar_core::nel::parse(valid_nel().to_string().as_bytes(), |_| true).map(|e| e.len()), Ok(1));
    fuzz(1000, bodies(valid_nel), |body| {
        if let Ok(events) = ajar_core::nel::parse(&body, |h| h.ends_with(".test")) {
            prop_assert!(events.len() <= ajar_core::nel::MAX_NEL_EVENTS);
        }
        Ok(())
    });
}

#[test]
fn hours_lists_urls_and_canary_paths_never_panic() {
    fuzz(2000, text(), |t| {
        if let Some(ms) = parse_hour(&t) {
            prop_assert_eq!(ajar_core::privacy::coarse_hour(ms), t.clone());
        }
        let _ = ajar_core::url::TargetUrl::parse(&t);
        let _ = ajar_core::list::List::parse(&t);
        let _ = ajar_core::canary::parse_request(&t);
        let _ = ajar_core::canary::token_in(&t);
        let _ = ajar_core::privacy::contains_address(&t);
        let _ = ajar_core::privacy::is_prefix(&t);
        let _ = ajar_core::privacy::host_is_address(&t);
        let _ = ajar_core::json::Json::parse(&t);
        Ok(())
    });
}

#[test]
fn the_small_json_reader_never_panics() {
    // The embed's and the app's reader (lists, campaign descriptors, collector answers).
    fuzz(500, bodies(valid_report), |body| {
        let text = String::from_utf8_lossy(&body);
        if let Ok(v) = ajar_core::json::Json::parse(&text) {
            let _ = ajar_core::list::List::from_json(v.get("results"));
        }
        let _ = ajar_core::list::List::parse(&text);
        Ok(())
    });
}

#[test]
fn the_crash_inputs_of_issue_13_are_refused_with_their_field() {
    let mut r = valid_report();
    r["created_hour"] = "2026-11-30T1é00:00Z".into();
    let e = Report::from_json(r.to_string().as_bytes(), now_ms()).unwrap_err();
    assert_eq!(e.field(), "created_hour");
    let mut c = valid_campaign();
    c["expires_hour"] = "2026-12-31T0é00:00Z".into();
    let e = Descriptor::from_json(c.to_string().as_bytes(), now_ms()).unwrap_err();
    assert_eq!(e.field(), "starts_hour");
}

/// Image headers the control reads from bytes any site sends: valid headers of each format
/// with bytes flipped, cut or appended, and anything at all.
fn image_bytes() -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Vec<u8>> = vec![
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec(),
        b"GIF89a\x10\x00\x20\x00\x00".to_vec(),
        vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80],
        b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a\x40\x01\xf0\x00".to_vec(),
        b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f\x63\xc0\x0c\x00".to_vec(),
        b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0\xff\x01\x00\x7f\x00\x00".to_vec(),
        vec![0, 0, 1, 0, 1, 0, 32, 32, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        b"BM\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x96\0\0\0\x8c\0\0\0".to_vec(),
    ];
    let mutated = (
        proptest::sample::select(seeds),
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        any::<u16>(),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(mut b, flips, cut, tail)| {
            for (at, v) in flips {
                let n = b.len().max(1);
                if let Some(x) = b.get_mut(at % n) {
                    *x = v;
                }
            }
            b.truncate(usize::from(cut) % (b.len() + 1) + usize::from(cut % 2) * b.len());
            b.extend(tail);
            b
        });
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), mutated]
}

#[test]
fn image_headers_and_icon_links_never_panic() {
    fuzz(2_000, image_bytes(), |b| {
        if let Some(h) = ajar_core::image_header::parse(&b) {
            prop_assert!(h.width > 0 && h.height > 0);
        }
        Ok(())
    });
    let html = prop_oneof![
        text(),
        "(<(link|meta|LINK|body)( (rel|href|property|content|name)(=(\"|')?[a-z:/.é&;-]{0,12}(\"|')?)?){0,4} ?/?>?){0,6}",
    ];
    fuzz(2_000, html, |h| {
        for l in ajar_core::image_header::linked_images(&h) {
            prop_assert!(!l.href.is_empty());
        }
        Ok(())
    });
}

/// Responses a target site may send the control (`worker/src/control/pinned.rs` reads them
/// with `ajar_core::http1`): any bytes, and responses built from near-valid parts (status
/// lines, framing headers that agree, disagree or overflow, chunk sizes in and out of range).
fn responses() -> impl Strategy<Value = Vec<u8>> {
    let status = prop_oneof![
        Just("HTTP/1.1 200 OK".to_string()),
        Just("HTTP/1.0 301 Moved".to_string()),
        "HTTP/[0-9.]{0,4} [0-9]{0,4} [a-zA-Zé ]{0,8}",
    ];
    let header = prop_oneof![
        Just("Transfer-Encoding: chunked".to_string()),
        Just("transfer-encoding: gzip, chunked".to_string()),
        Just("Transfer-Encoding: chunked, identity".to_string()),
        "Content-Length: ?[0-9+ -]{0,22}",
        Just("Content-Length: 18446744073709551616".to_string()),
        "[A-Za-z-]{0,12}: ?[ -~é]{0,20}",
    ];
    let body = prop_oneof![
        "([0-9a-fA-FxX]{0,17}(;[a-z=]{0,6})?\r\n[a-zé]{0,20}\r\n){0,4}(0\r\n([A-Za-z]{1,6}: [a-z]{0,4}\r\n)?\r\n)?",
        "[ -~\r\né]{0,200}",
    ];
    let built =
        (status, proptest::collection::vec(header, 0..5), "(\r\n|\n|\r){0,2}", body).prop_map(|(s, h, end, b)| {
            let mut r = s;
            for line in h {
                r.push_str("\r\n");
                r.push_str(&line);
            }
            r.push_str("\r\n");
            r.push_str(&end);
            r.push_str(&b);
            r.into_bytes()
        });
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..1500), built]
}

#[test]
fn http1_responses_never_panic() {
    use ajar_core::http1::{parse_head, Body, Framing};
    let cases = (responses(), proptest::collection::vec(any::<u16>(), 0..4), 0usize..400, 0u8..3);
    fuzz(2_000, cases, |(wire, splits, limit, kind)| {
        // The head as the control reads it, then the body by the framing the head gives (or
        // any framing, to reach each decoder with anything), fed in pieces cut anywhere.
        let (framing, start) = match parse_head(&wire) {
            Ok(Some(head)) => {
                prop_assert!(head.len <= wire.len());
                (head.framing().unwrap_or(Framing::UntilClose), head.len)
            }
            _ => ([Framing::Chunked, Framing::UntilClose, Framing::Length(200)][usize::from(kind)], 0),
        };
        let mut body = Body::new(framing, limit);
        let mut rest = wire.get(start..).unwrap_or_default();
        for s in splits {
            let (piece, after) = rest.split_at(usize::from(s) % (rest.len() + 1));
            if body.feed(piece).is_err() || body.finished() {
                break;
            }
            rest = after;
        }
        let _ = body.feed(rest);
        let _ = body.close();
        let (kept, _) = body.into_parts();
        prop_assert!(kept.len() <= limit);
        Ok(())
    });
}
