//! DNS-over-HTTPS (JSON API) lookup through a resolver outside the visitor's network.

use super::timer::{race, timeout_marker};
use ajar_core::observation::Observation;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode, Response};

pub async fn run(url: &str, timeout_ms: u32) -> Observation {
    let Some(window) = web_sys::window() else {
        return Observation::DohFailed;
    };
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    // `Accept` is CORS-safelisted: no preflight. Cloudflare's JSON API wants this type.
    let headers = web_sys::Headers::new().ok();
    if let Some(h) = &headers {
        let _ = h.set("accept", "application/dns-json");
        init.set_headers(h);
    }
    let promise = window.fetch_with_str_and_init(url, &init);
    let Ok(resp) = race(&promise, timeout_ms).await else {
        return Observation::DohFailed;
    };
    if resp == timeout_marker() {
        return Observation::DohFailed;
    }
    let Ok(resp) = resp.dyn_into::<Response>() else {
        return Observation::DohFailed;
    };
    let Ok(json) = resp.json() else {
        return Observation::DohFailed;
    };
    let Ok(value) = JsFuture::from(json).await else {
        return Observation::DohFailed;
    };
    let text = js_sys::JSON::stringify(&value).map(String::from).unwrap_or_default();
    parse(&text)
}

/// Reads a JSON-API answer: status 3 (NXDOMAIN) or no A/AAAA record → no such name.
fn parse(text: &str) -> Observation {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Observation::DohFailed;
    };
    match v.get("Status").and_then(|s| s.as_u64()) {
        Some(0) => {}
        Some(3) => return Observation::DohNoSuchName,
        _ => return Observation::DohFailed,
    }
    let addresses: Vec<String> = v
        .get("Answer")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter(|r| matches!(r.get("type").and_then(|t| t.as_u64()), Some(1) | Some(28)))
        .filter_map(|r| r.get("data").and_then(|d| d.as_str()).map(String::from))
        .collect();
    if addresses.is_empty() {
        Observation::DohNoSuchName
    } else {
        Observation::DohAddresses { addresses }
    }
}
