//! Canary fetches: CORS downloads from hosts ajar runs, read to the end and timed
//! phase by phase through Resource Timing (the canaries send `Timing-Allow-Origin`).

use super::timer::{now_ms, race, since, timeout_marker};
use ajar_core::canary::{PhaseTimes, Transfer};
use wasm_bindgen::JsCast;
use web_sys::{
    AbortController, PerformanceResourceTiming, ReferrerPolicy, RequestCache, RequestCredentials, RequestInit,
    RequestMode, Response,
};

/// Downloads `url` (CORS, no credentials, no cache) within `timeout_ms`.
pub async fn transfer(url: &str, timeout_ms: u32) -> Transfer {
    let (Some(window), Ok(abort)) = (web_sys::window(), AbortController::new()) else {
        return Transfer::Unsupported;
    };
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    init.set_signal(Some(&abort.signal()));
    let start = now_ms();
    let timed_out = |abort: &AbortController| {
        abort.abort();
        Transfer::TimedOut { ms: since(start) }
    };
    let response = match race(&window.fetch_with_str_and_init(url, &init), timeout_ms).await {
        Ok(v) if v == timeout_marker() => return timed_out(&abort),
        Ok(v) => v,
        Err(_) => return Transfer::Failed { ms: since(start) },
    };
    let Ok(response) = response.dyn_into::<Response>() else {
        return Transfer::Failed { ms: since(start) };
    };
    if !response.ok() {
        return Transfer::Failed { ms: since(start) };
    }
    let Ok(body) = response.array_buffer() else {
        return Transfer::Failed { ms: since(start) };
    };
    let left = timeout_ms.saturating_sub(since(start)).max(1);
    let bytes = match race(&body, left).await {
        Ok(v) if v == timeout_marker() => return timed_out(&abort),
        Ok(v) => js_sys::ArrayBuffer::from(v).byte_length(),
        Err(_) => return Transfer::Failed { ms: since(start) },
    };
    let ms = since(start);
    Transfer::Done { ms, bytes, timing: timing_of(url) }
}

/// The phases of the latest Resource Timing entry for `url`, if the browser kept one.
fn timing_of(url: &str) -> Option<PhaseTimes> {
    let performance = web_sys::window()?.performance()?;
    let entries = performance.get_entries_by_name(url);
    let entry: PerformanceResourceTiming = entries.get(entries.length().checked_sub(1)?).dyn_into().ok()?;
    let span = |a: f64, b: f64| if a > 0.0 && b >= a { (b - a).round() as u32 } else { 0 };
    let tls_start = entry.secure_connection_start();
    Some(PhaseTimes {
        dns_ms: span(entry.domain_lookup_start(), entry.domain_lookup_end()),
        connect_ms: span(entry.connect_start(), if tls_start > 0.0 { tls_start } else { entry.connect_end() }),
        tls_ms: span(tls_start, entry.connect_end()),
        ttfb_ms: span(entry.request_start(), entry.response_start()),
        transfer_ms: span(entry.response_start(), entry.response_end()),
    })
}

/// Makes room for the canaries' Resource Timing entries (the buffer holds 250 by default
/// and a long list run fills it).
pub fn clear_timings() {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        p.clear_resource_timings();
    }
}
