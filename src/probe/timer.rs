//! Time for adapters: a monotonic clock and a promise that settles after a delay.

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Wall-clock milliseconds since the epoch (only ever coarsened before it leaves the app).
pub fn wall_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A promise that resolves to `value` after `ms`.
pub fn after(ms: u32, value: JsValue) -> Promise {
    Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let args = js_sys::Array::of1(&value);
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments(&resolve, ms as i32, &args);
        }
    })
}

pub async fn sleep(ms: u32) {
    let _ = JsFuture::from(after(ms, JsValue::UNDEFINED)).await;
}

/// The marker value a timed-out race resolves to.
pub fn timeout_marker() -> JsValue {
    JsValue::from_str("__ajar_timeout__")
}

/// Races `p` against a timer: Ok(value), Err(rejection), or Ok(marker) on timeout.
pub async fn race(p: &Promise, ms: u32) -> Result<JsValue, JsValue> {
    let racers = js_sys::Array::of2(p, &after(ms, timeout_marker()));
    JsFuture::from(Promise::race(&racers)).await
}

/// Elapsed whole milliseconds since `start` (from [`now_ms`]).
pub fn since(start: f64) -> u32 {
    (now_ms() - start).max(0.0).round() as u32
}
