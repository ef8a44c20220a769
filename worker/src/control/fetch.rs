//! The control's own requests: a timeout on each, no redirect followed, bodies read up to a
//! cap; and, in the lab, every request sent to the lab's gateway instead.

use super::{Budget, Config};
use futures_util::StreamExt;
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Host;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

fn timeout_signal(ms: u32) -> Option<AbortSignal> {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&ctor, &"timeout".into()).ok()?.dyn_into().ok()?;
    let signal = f.call1(&ctor, &JsValue::from(ms)).ok()?;
    Some(AbortSignal::from(signal.unchecked_into::<web_sys::AbortSignal>()))
}

/// A GET of `url` within `cfg`'s timeout, spending one subrequest of `budget`; `None` if
/// the budget is spent, or the request failed or timed out.
pub async fn get(cfg: &Config, budget: &Budget, url: &str, headers: &[(&str, &str)]) -> Option<worker::Response> {
    if !budget.take() {
        return None;
    }
    let ms = cfg.timeout_ms;
    let h = Headers::new();
    for (k, v) in headers {
        h.set(k, v).ok()?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(h).with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url, &init).ok()?;
    let signal = timeout_signal(ms)?;
    Fetch::Request(req).send_with_signal(&signal).await.ok()
}

/// At most `limit` bytes of a response body, and whether there was more: reading stops there
/// (a target streaming without end costs this much and no more).
pub async fn read_bounded(mut resp: worker::Response, limit: usize) -> Option<(Vec<u8>, bool)> {
    let Ok(mut stream) = resp.stream() else {
        return Some((Vec::new(), false));
    };
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        let room = limit - out.len();
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            return Some((out, true));
        }
        out.extend_from_slice(&chunk);
    }
    Some((out, false))
}

/// Where to fetch `url` from, and the `X-Ajar-Host` to name: the URL itself, or in the lab
/// (`Config::connect`) the gateway, with the same path and query.
pub fn route(cfg: &Config, url: &worker::Url, host: &Host<String>) -> (String, Option<String>) {
    match &cfg.connect {
        Some(gateway) => {
            // No query: nothing after the path.
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            (format!("http://{gateway}{}{query}", url.path()), Some(host.to_string()))
        }
        None => (url.as_str().to_string(), None),
    }
}
