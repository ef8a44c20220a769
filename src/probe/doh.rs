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
    let Ok(text) = resp.text() else {
        return Observation::DohFailed;
    };
    let Ok(text) = JsFuture::from(text).await else {
        return Observation::DohFailed;
    };
    // A body that is not a string reads as an empty answer, which `parse_json` calls failed.
    ajar_core::doh::parse_json(&text.as_string().unwrap_or_default())
}
