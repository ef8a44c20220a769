use super::*;
use crate::campaign::Descriptor;

const WEBSITES: &str = include_str!("../../testdata/oonirun/websites.json");
const MESSAGING: &str = include_str!("../../testdata/oonirun/instant-messaging.json");
const CREATE: &str = include_str!("../../testdata/oonirun/create-request.json");

fn now() -> u64 {
    parse_hour("2026-11-30T16:00:00Z").unwrap() + 17 * 60_000
}

fn fields(u: &[Unsupported]) -> Vec<&str> {
    u.iter().map(|u| u.field.as_str()).collect()
}

#[test]
fn the_websites_example_becomes_a_campaign_and_says_what_it_did_not_keep() {
    let got = import(WEBSITES.as_bytes(), now()).unwrap();
    let d = &got.descriptor;
    assert_eq!(d.name, "Websites");
    assert!(d.description.starts_with("Check whether websites are blocked"));
    let targets = d.targets.as_ref().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].url.as_str(), targets[0].category.as_str()), ("https://example.com/", "HUMR"));
    assert_eq!(d.starts_hour, "2026-11-30T16:00:00Z");
    assert_eq!(d.expires_hour, "2026-12-30T16:00:00Z", "30 days when the link has no expiration_date");
    assert_eq!(
        fields(&got.unsupported),
        [
            "short_description",
            "expiration_date",
            "author",
            "icon",
            "nettests[0].is_background_run_enabled",
            "nettests[0].is_manual_run_enabled",
            "nettests[1].is_background_run_enabled",
            "nettests[1].is_manual_run_enabled",
            "nettests[1]",
        ]
    );
    assert!(got.unsupported.iter().all(|u| !u.reason.is_empty()));
}

#[test]
fn the_instant_messaging_example_has_nothing_a_browser_runs_and_is_refused_with_the_reasons() {
    let err = import(MESSAGING.as_bytes(), now()).unwrap_err();
    assert_eq!(err.field(), "nettests");
    let u = err.unsupported();
    for (i, test) in ["whatsapp", "telegram", "facebook_messenger", "signal"].iter().enumerate() {
        let at = format!("nettests[{i}]");
        assert!(u.iter().any(|u| u.field == at && u.reason.starts_with(test)), "{at}");
    }
}

#[test]
fn the_create_request_example_keeps_inputs_and_the_expiration_rounded_up_to_the_hour() {
    let got = import(CREATE.as_bytes(), now()).unwrap();
    let d = &got.descriptor;
    let urls: Vec<(&str, &str)> =
        d.targets.as_ref().unwrap().iter().map(|t| (t.url.as_str(), t.category.as_str())).collect();
    assert_eq!(urls, [("https://example.com/", "MISC"), ("https://ooni.org/", "MISC")]);
    assert_eq!(d.expires_hour, "2027-01-15T13:00:00Z");
    assert_eq!(d.description, "Web Connectivity on two sites, and DNS checks");
    let f = fields(&got.unsupported);
    for want in
        ["short_description", "author", "name_intl", "short_description_intl", "description_intl", "icon", "color"]
    {
        assert!(f.contains(&want), "{want} in {f:?}");
    }
    assert!(got.unsupported.iter().any(|u| u.field == "nettests[1]" && u.reason.starts_with("dnscheck")));
}

#[test]
fn refusals_name_the_field() {
    let edit = |f: fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(CREATE).unwrap();
        f(&mut v);
        import(v.to_string().as_bytes(), now()).unwrap_err().field()
    };
    assert_eq!(edit(|v| v["is_expired"] = true.into()), "is_expired");
    assert_eq!(edit(|v| v["expiration_date"] = "2026-11-30T10:00:00Z".into()), "expiration_date");
    assert_eq!(edit(|v| v["expiration_date"] = "tomorrow".into()), "expiration_date");
    assert_eq!(edit(|v| v["expiration_date"] = "2026-12-01T0é:00:00Z".into()), "expiration_date");
    assert_eq!(edit(|v| v["name"] = Value::Null), "name");
    assert_eq!(edit(|v| v["name"] = " ".into()), "name");
    assert_eq!(edit(|v| v["nettests"] = json!({})), "nettests");
    assert_eq!(
        edit(|v| v["nettests"][0]["inputs"] = json!(["stun:stun.example:3478", "ftp://x.example/"])),
        "nettests"
    );
    assert_eq!(import(b"[1]", now()).unwrap_err().field(), "body");
    assert_eq!(import(b"{", now()).unwrap_err().field(), "body");
}

#[test]
fn odd_inputs_are_listed_not_dropped() {
    let mut v: Value = serde_json::from_str(CREATE).unwrap();
    v["nettests"][0]["inputs"] =
        json!(["https://example.com/", "stun:stun.example:3478", 7, "https://example.com/", "https://news.example/"]);
    v["nettests"][0]["inputs_extra"] =
        json!([{"category_code": "NEWS", "note": "x"}, {}, {}, {}, {"category_code": "???"}]);
    let got = import(v.to_string().as_bytes(), now()).unwrap();
    let urls: Vec<(&str, &str)> =
        got.descriptor.targets.as_ref().unwrap().iter().map(|t| (t.url.as_str(), t.category.as_str())).collect();
    assert_eq!(urls, [("https://example.com/", "NEWS"), ("https://news.example/", "MISC")]);
    let f = fields(&got.unsupported);
    for want in [
        "nettests[0].inputs[1]",
        "nettests[0].inputs[2]",
        "nettests[0].inputs[3]",
        "nettests[0].inputs_extra[0].note",
        "nettests[0].inputs_extra[4].category_code",
    ] {
        assert!(f.contains(&want), "{want} in {f:?}");
    }
    v["nettests"][0]["inputs_extra"] = json!("HUMR");
    let got = import(v.to_string().as_bytes(), now()).unwrap();
    assert!(fields(&got.unsupported).contains(&"nettests[0].inputs_extra"));
}

#[test]
fn far_expirations_are_cut_to_a_year_and_said_so() {
    let mut v: Value = serde_json::from_str(CREATE).unwrap();
    v["expiration_date"] = "2099-01-01T00:00:00Z".into();
    let got = import(v.to_string().as_bytes(), now()).unwrap();
    assert_eq!(
        parse_hour(&got.descriptor.expires_hour),
        Some(parse_hour("2026-11-30T16:00:00Z").unwrap() + MAX_SPAN_MS)
    );
    assert!(fields(&got.unsupported).contains(&"expiration_date"));
}

#[test]
fn times() {
    let h = |t| parse_time_ceil_hour(t).map(coarse_hour);
    assert_eq!(h("2027-01-15T12:00:00Z").as_deref(), Some("2027-01-15T12:00:00Z"));
    assert_eq!(h("2027-01-15T12:00:00.000Z").as_deref(), Some("2027-01-15T12:00:00Z"));
    assert_eq!(h("2027-01-15T12:00:00.001Z").as_deref(), Some("2027-01-15T13:00:00Z"));
    assert_eq!(h("2027-01-15T12:00:01+00:00").as_deref(), Some("2027-01-15T13:00:00Z"));
    assert_eq!(h("2027-01-15T23:59:00").as_deref(), Some("2027-01-16T00:00:00Z"));
    for bad in ["2027-01-15", "2027-01-15T12:00:00+02:00", "2027-01-15T12:61:00Z", "2027-01-15T12:00:00.Z", "é", ""] {
        assert_eq!(h(bad), None, "{bad}");
    }
}

fn campaign() -> Descriptor {
    Descriptor {
        name: "Messengers in Russia".into(),
        description: "WhatsApp, Telegram, Signal\nSince the 2025 blocks".into(),
        targets: Some(vec![
            Target { url: "https://web.whatsapp.com/".into(), category: "COMT".into(), image: None },
            Target { url: "https://telegram.org/".into(), category: "COMT".into(), image: None },
            Target { url: "wss://web.whatsapp.com/ws/chat".into(), category: "COMT".into(), image: None },
            Target { url: "https://meduza.io/".into(), category: "NEWS".into(), image: None },
        ]),
        list_url: None,
        countries: vec!["RU".into()],
        embed_skip_countries: vec![],
        starts_hour: "2026-11-30T10:00:00Z".into(),
        expires_hour: "2027-01-01T00:00:00Z".into(),
        canary_triggers: vec![],
        canary_providers: vec![],
        controls: vec![],
    }
}

#[test]
fn a_campaign_goes_out_as_a_descriptor_and_comes_back_as_the_same_campaign() {
    let out = export(&campaign(), now());
    let v = &out.descriptor;
    assert_eq!(v["name"], "Messengers in Russia");
    assert_eq!(v["short_description"], "WhatsApp, Telegram, Signal");
    assert_eq!(v["expiration_date"], "2027-01-01T00:00:00Z");
    assert_eq!(v["is_expired"], false);
    let n = &v["nettests"][0];
    assert_eq!(n["test_name"], "web_connectivity");
    assert_eq!(n["inputs"], json!(["https://web.whatsapp.com/", "https://telegram.org/", "https://meduza.io/"]));
    assert_eq!(n["inputs_extra"][2], json!({"category_code": "NEWS"}));
    assert!(out.not_expressed.iter().any(|f| f.starts_with("targets: WebSocket")));
    assert!(out.not_expressed.contains(&"countries".to_string()));

    let back = import(v.to_string().as_bytes(), now()).unwrap();
    let mut want = campaign();
    want.targets.as_mut().unwrap().retain(|t| !t.url.starts_with("wss:"));
    want.countries.clear();
    want.starts_hour = "2026-11-30T16:00:00Z".into();
    assert_eq!(back.descriptor, want);
    // Only the run modes ajar writes for OONI Probe come back unkept, and what ajar derived.
    assert_eq!(
        fields(&back.unsupported),
        ["short_description", "nettests[0].is_background_run_enabled", "nettests[0].is_manual_run_enabled"]
    );
}

#[test]
fn a_campaign_with_a_list_url_round_trips_through_targets_name() {
    let d = Descriptor { targets: None, list_url: Some("https://lists.example/ru.csv".into()), ..campaign() };
    let out = export(&d, now());
    assert_eq!(out.descriptor["nettests"][0]["targets_name"], "ajar:list_url:https://lists.example/ru.csv");
    assert!(out.descriptor["nettests"][0].get("inputs").is_none());
    let back = import(out.descriptor.to_string().as_bytes(), now()).unwrap();
    assert_eq!(back.descriptor.list_url.as_deref(), Some("https://lists.example/ru.csv"));
    assert_eq!(back.descriptor.targets, None);
}

#[test]
fn an_ended_campaign_goes_out_expired() {
    let later = parse_hour("2027-02-01T00:00:00Z").unwrap();
    assert_eq!(export(&campaign(), later).descriptor["is_expired"], true);
    // and is refused coming back: an expired link runs nothing.
    let back = import(export(&campaign(), later).descriptor.to_string().as_bytes(), later);
    assert_eq!(back.unwrap_err().field(), "is_expired");
}
