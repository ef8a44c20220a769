//! The control's own requests, each within the timeout, no redirect followed, bodies read up to
//! a cap. A target is fetched over a socket to an address the control checked (`pinned`), or
//! in the lab to the lab's gateway; the runtime's `fetch`, which resolves the name again, serves
//! only the deployment's own DoH resolver and sites at Cloudflare's addresses, where a Worker
//! on Cloudflare may open no socket.

use super::{pinned, Budget, Config};
use ajar_core::cloudflare_ranges::is_cloudflare;
use futures_util::StreamExt;
use std::net::IpAddr;
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Host;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// A target's answer: its status and headers (names lowercased), its body up to the cap
/// (`None` if it announced more than the cap, or broke off), and when its head arrived.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// More was sent than the cap kept.
    pub cut: bool,
    /// Milliseconds from the request to its response's head.
    pub head_ms: u64,
}

impl Fetched {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The announced length, if it is over `limit` (such a body is not read).
    pub fn announced_over(headers: &[(String, String)], limit: usize) -> bool {
        let length = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<u64>().ok());
        length.is_some_and(|l| l > limit as u64)
    }
}

/// A GET of target `url` (host `host`, whose addresses the control checked: `addresses`),
/// its body read up to `limit`; `None` if the budget is spent, or it failed or timed out.
pub async fn target(
    cfg: &Config,
    budget: &Budget,
    url: &worker::Url,
    host: &Host<String>,
    addresses: &[IpAddr],
    headers: &[(&str, &str)],
    limit: usize,
) -> Option<Fetched> {
    if let Some(gateway) = &cfg.connect {
        // The lab: its gateway answers as the site would from outside, told the host.
        let name = host.to_string();
        let mut with_host: Vec<(&str, &str)> = headers.to_vec();
        with_host.push(("x-ajar-host", name.as_str()));
        let (gateway_host, port) = gateway.rsplit_once(':')?;
        let to = pinned::To { host: gateway_host.to_string(), port: port.parse().ok()?, tls_name: None };
        return pinned::get(cfg, budget, url, to, &with_host, limit).await;
    }
    // IPv4 first: a Worker's network may have no IPv6 route.
    let address = addresses.iter().find(|a| a.is_ipv4()).or_else(|| addresses.first()).copied()?;
    let to = pinned::To::of(url, address)?;
    let answer = pinned::get(cfg, budget, url, to, headers, limit).await;
    if answer.is_some() || !is_cloudflare(&address) {
        return answer;
    }
    // Cloudflare's own addresses refuse a Worker's socket: its fetch goes there instead.
    let started = js_sys::Date::now();
    let resp = get(cfg, budget, url.as_str(), headers).await?;
    let headers: Vec<(String, String)> = resp.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let status = resp.status_code();
    let head_ms = (js_sys::Date::now() - started).max(0.0) as u64;
    let (body, cut) = if Fetched::announced_over(&headers, limit) {
        (None, true)
    } else {
        match read_bounded(resp, limit).await {
            Some((bytes, cut)) => (Some(bytes), cut),
            None => (None, false),
        }
    };
    Some(Fetched { status, headers, body, cut, head_ms })
}

fn timeout_signal(ms: u32) -> Option<AbortSignal> {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&ctor, &"timeout".into()).ok()?.dyn_into().ok()?;
    let signal = f.call1(&ctor, &JsValue::from(ms)).ok()?;
    Some(AbortSignal::from(signal.unchecked_into::<web_sys::AbortSignal>()))
}

/// A GET of `url` with the runtime's `fetch` within `cfg`'s timeout, spending one subrequest of
/// `budget`; `None` if the budget is spent, or the request failed or timed out.
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
        let room = limit.saturating_sub(out.len());
        if chunk.len() > room {
            out.extend_from_slice(chunk.get(..room).unwrap_or_default());
            return Some((out, true));
        }
        out.extend_from_slice(&chunk);
    }
    Some((out, false))
}
