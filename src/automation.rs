//! `window.ajar`: progress and verdicts as JSON, for researchers' scripts and tests.

use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use serde_json::json;
use wasm_bindgen::JsValue;

fn set(value: &serde_json::Value) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(parsed) = js_sys::JSON::parse(&value.to_string()) {
        let _ = js_sys::Reflect::set(&window, &JsValue::from_str("ajar"), &parsed);
    }
}

/// A new run begins: whatever an earlier run left is gone.
pub fn publish_loading() {
    set(&json!({"done": false}));
}

/// `?autorun=1` was asked but this deployment does not allow unattended runs: the visitor
/// is asked first, as without it.
pub fn publish_waiting_for_consent() {
    set(&json!({"done": false, "waiting": "consent"}));
}

pub fn publish_running(total: usize) {
    set(&json!({"done": false, "total": total}));
}

pub fn publish_done(entries: &[ResultEntry], patterns: &[Pattern], stopped: bool, max_in_flight: usize) {
    let results: Vec<_> = entries
        .iter()
        .map(|e| {
            // f32 → f64 would print 0.9700000286102295 for 0.97.
            let confidence = (f64::from(e.confidence) * 100.0).round() / 100.0;
            json!({"url": e.url, "category": e.category, "verdict": e.verdict, "confidence": confidence, "evidence": e.clues, "probes": e.probes})
        })
        .collect();
    set(
        &json!({"done": true, "stopped": stopped, "max_in_flight": max_in_flight, "results": results, "patterns": patterns}),
    );
}

pub fn publish_error(message: &str) {
    set(&json!({"done": true, "error": message}));
}

/// `window.ajar.canaries`: the canary checks, once they are done (or skipped, with why).
pub fn publish_canaries(results: &[ajar_core::canary::CanaryResult], skipped: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let value = json!({"done": true, "results": results, "skipped": skipped});
    if let (Ok(ajar), Ok(parsed)) =
        (js_sys::Reflect::get(&window, &JsValue::from_str("ajar")), js_sys::JSON::parse(&value.to_string()))
    {
        let _ = js_sys::Reflect::set(&ajar, &JsValue::from_str("canaries"), &parsed);
    }
}
