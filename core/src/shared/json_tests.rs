use super::*;

/// serde_json's reading of the same text, as a `Json`, for comparison.
fn reference(text: &str) -> Option<Json> {
    fn conv(v: serde_json::Value) -> Json {
        match v {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(b),
            serde_json::Value::Number(n) => Json::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Json::Str(s),
            serde_json::Value::Array(a) => Json::Arr(a.into_iter().map(conv).collect()),
            serde_json::Value::Object(m) => Json::Obj(m.into_iter().map(|(k, v)| (k, conv(v))).collect()),
        }
    }
    serde_json::from_str::<serde_json::Value>(text).ok().map(conv)
}

/// Objects compared as sets of members (serde_json sorts keys).
fn sorted(v: Json) -> Json {
    match v {
        Json::Arr(a) => Json::Arr(a.into_iter().map(sorted).collect()),
        Json::Obj(mut m) => {
            m.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Obj(m.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        other => other,
    }
}

#[test]
fn agrees_with_serde_json_on_valid_documents() {
    let docs = [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "12",
        "-3.25",
        "1e3",
        "2.5E-3",
        "1E+2",
        "1700000000000",
        "0.1",
        "123.456",
        "-0.000001",
        "3.14159265358979",
        "1e22",
        "1e-22",
        "0e400",
        "1e-400",
        "18446744073709551615",
        "123456789012345678901234567890",
        "9007199254740993",
        r#""""#,
        r#""plain""#,
        r#""esc \" \\ \/ \b \f \n \r \t""#,
        r#""\u00e9\u0416 \ud83d\ude00 é Ж 😀""#,
        "[]",
        "[1, [2, [3]], {}]",
        r#"{"Status":0,"TC":false,"Answer":[{"name":"a.test.","type":1,"TTL":300,"data":"203.0.113.5"}]}"#,
        r#"{"a":{"b":{"c":[true,null,"x"]}},"z":-1.5e-7}"#,
        "\n\t{ \"k\" :\r\n [ ] }\n",
    ];
    for d in docs {
        let ours = Json::parse(d).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert_eq!(sorted(ours), sorted(reference(d).unwrap()), "{d}");
    }
}

#[test]
fn refuses_what_serde_json_refuses() {
    let bad = [
        "",
        "   ",
        "nul",
        "True",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "0x10",
        "NaN",
        "1e400",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\":1",
        "\"open",
        "\"tab\there\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u+123\"",
        "\"\\ud83d\"",
        "\"\\ud83d\\u0041\"",
        "[1] [2]",
        "{} x",
    ];
    for d in bad {
        assert!(Json::parse(d).is_err(), "accepted {d:?}");
        assert!(reference(d).is_none(), "serde_json accepts {d:?}");
    }
}

#[test]
fn errors_say_where() {
    assert_eq!(Json::parse("[1,]"), Err(JsonError::Unexpected(3)));
    assert_eq!(Json::parse("{\"a\":1} x"), Err(JsonError::Trailing(8)));
    assert_eq!(Json::parse("[1.]"), Err(JsonError::Number(1)));
    assert_eq!(Json::parse("\"\\q\""), Err(JsonError::Escape(1)));
    assert_eq!(Json::parse("[[["), Err(JsonError::End));
    let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
    assert!(matches!(Json::parse(&deep), Err(JsonError::Depth(_))));
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(Json::parse(&ok).is_ok());
}

#[test]
fn lookups_chain_and_convert() {
    let v = Json::parse(r#"{"a":{"b":[1,"x",2.5,-1]},"t":true,"s":"str","big":9007199254740993}"#).unwrap();
    assert_eq!(v.get("a").get("b").items().len(), 4);
    assert_eq!(v.get("a").get("b").items()[0].as_u64(), Some(1));
    assert_eq!(v.get("a").get("b").items()[2].as_u64(), None);
    assert_eq!(v.get("a").get("b").items()[3].as_u64(), None);
    assert_eq!(v.get("a").get("b").strings(), vec!["x".to_string()]);
    assert_eq!(v.get("missing").get("deeper"), &Json::Null);
    assert_eq!(v.get("t").as_bool(), Some(true));
    assert_eq!(v.get("s").as_str(), Some("str"));
    assert_eq!(v.get("s").as_bool(), None);
    assert_eq!(v.get("big").as_u64(), None);
    assert!(v.has("t") && !v.has("u"));
    assert_eq!(Json::parse(r#"{"k":1,"k":2}"#).unwrap().get("k").as_u64(), Some(1));
}

#[test]
fn numbers_are_exact_where_promised_and_close_elsewhere() {
    for i in 0..3000u64 {
        let int = i * 2_999_999_999_993 % 9_007_199_254_740_991;
        assert_eq!(Json::parse(&int.to_string()).unwrap().as_u64(), Some(int));
        let x = (i as f64 * 0.618_033_988_749_895) * 10f64.powi(i as i32 % 60 - 30);
        for text in [format!("{x:e}"), format!("{x:.6}"), format!("-{x:.3e}")] {
            let ours = Json::parse(&text).unwrap().as_f64().unwrap();
            let exact: f64 = text.parse().unwrap();
            let ulps = (ours - exact).abs() / (exact.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
            assert!(ulps <= 4.0, "{text}: {ours} vs {exact}");
        }
    }
}
