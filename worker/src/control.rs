//! `POST /v1/control`: what a target looks like from outside the visitor's network (the
//! role OONI's test helper plays). For targets of a bundled list or a campaign only, looked
//! up over DoH and fetched from here with strict timeouts, no redirects followed and a size
//! cap; never an open proxy: only http(s), and no private, loopback or link-local
//! destination unless the deployment is the lab (`CONTROL_ALLOW_PRIVATE`).

use crate::error::ApiError;
use ajar_core::observation::Observation;
use ajar_core::privacy::is_non_public;
use ajar_core::url::TargetUrl;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Host;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// At most this many targets per request (the app asks in batches of this size).
pub const MAX_TARGETS: usize = ajar_core::observation::OUTSIDE_BATCH;
/// Bodies larger than this are not read.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
const CACHE_MS: u64 = 5 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct Config {
    /// DoH JSON API endpoint.
    pub doh: String,
    pub timeout_ms: u32,
    /// The lab: private destinations and any target allowed.
    pub allow_private: bool,
    /// The lab: send every control fetch over plain HTTP to this `host:port` gateway,
    /// naming the target's host in `X-Ajar-Host` (the lab answers as the site would
    /// outside the censored network).
    pub connect: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Scoped { urls: Vec<String>, list: Option<String>, campaign: Option<String> },
    Bare(Vec<String>),
}

thread_local! {
    static CACHE: RefCell<HashMap<String, (u64, Value)>> = RefCell::new(HashMap::new());
}

fn timeout_signal(ms: u32) -> Option<AbortSignal> {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&ctor, &"timeout".into()).ok()?.dyn_into().ok()?;
    let signal = f.call1(&ctor, &JsValue::from(ms)).ok()?;
    Some(AbortSignal::from(signal.unchecked_into::<web_sys::AbortSignal>()))
}

async fn get(url: &str, headers: &[(&str, &str)], ms: u32) -> Option<worker::Response> {
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

/// Every address for `host` from the DoH resolver, IPv4 and IPv6 (the runtime may connect to
/// either): `Ok(None)` if it does not exist or has no address of either type.
async fn lookup(cfg: &Config, host: &str) -> Result<Option<Vec<String>>, ()> {
    let mut all: Vec<String> = Vec::new();
    for kind in ["A", "AAAA"] {
        let url = format!("{}?name={host}&type={kind}", cfg.doh);
        let resp = get(&url, &[("accept", "application/dns-json")], cfg.timeout_ms).await.ok_or(())?;
        let text = String::from_utf8_lossy(&read_bounded(resp, MAX_DOH_ANSWER).await.ok_or(())?.0).into_owned();
        match ajar_core::doh::parse_json(&text) {
            Observation::DohAddresses { addresses } => {
                all.extend(addresses.into_iter().filter(|a| a.parse::<IpAddr>().is_ok()));
            }
            Observation::DohNoSuchName => return Ok(None),
            Observation::DohNoAddress => {}
            _ => return Err(()),
        }
    }
    all.sort();
    all.dedup();
    Ok((!all.is_empty()).then_some(all))
}

/// A DoH answer larger than this is not read.
const MAX_DOH_ANSWER: usize = 64 * 1024;

/// At most `limit` bytes of a response body, and whether there was more: reading stops there
/// (a target streaming without end costs this much and no more).
async fn read_bounded(mut resp: worker::Response, limit: usize) -> Option<(Vec<u8>, bool)> {
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

/// The host a target URL names, as the runtime's fetch will read it (WHATWG URL, the `url`
/// crate), with the URL to fetch serialised by the same parser: no differential between the
/// URL judged and the URL fetched. Refused: other schemes, user info, and URLs that ajar's own
/// parser reads differently (`http://127.0.0.1:1\@8.8.8.8/`, `http://3325256711/`).
fn judged(url: &str) -> Result<(worker::Url, Host<String>), String> {
    let parsed = worker::Url::parse(url).map_err(|e| format!("only http and https targets are checked: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("only http and https targets are checked".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("a URL with user info is not checked".into());
    }
    let host = parsed.host().map(|h| h.to_owned()).ok_or("the URL has no host")?;
    let ours = TargetUrl::parse(url).map_err(|e| format!("only http and https targets are checked: {e}"))?;
    let theirs = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    if ours.host != theirs {
        return Err("the URL reads differently to different parsers: not checked".into());
    }
    Ok((parsed, host))
}

fn title_of(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open = start + lower[start..].find('>')? + 1;
    let end = open + lower[open..].find("</title")?;
    Some(body.get(open..end)?.trim().chars().take(200).collect())
}

async fn observe(cfg: &Config, url: &str) -> Value {
    let (parsed, host) = match judged(url) {
        Ok(j) => j,
        Err(e) => return json!({"error": e}),
    };
    let addresses = match &host {
        Host::Ipv4(ip) => vec![ip.to_string()],
        Host::Ipv6(ip) => vec![ip.to_string()],
        Host::Domain(name) => match lookup(cfg, name).await {
            Ok(Some(a)) => a,
            Ok(None) => return json!({"resolves": false, "reachable": false}),
            Err(()) => return json!({"error": "the control's resolver failed"}),
        },
    };
    // Every address the name has: the runtime resolves it again and may pick any of them.
    let private = addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()).any(|a| is_non_public(&a));
    if private && !cfg.allow_private {
        return json!({"error": "private, loopback or link-local destination refused"});
    }
    let (fetch_url, host_header) = match &cfg.connect {
        Some(gateway) => {
            let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
            (format!("http://{gateway}{}{query}", parsed.path()), Some(host.to_string()))
        }
        None => (parsed.as_str().to_string(), None),
    };
    let headers: Vec<(&str, &str)> = host_header.as_deref().map(|h| vec![("x-ajar-host", h)]).unwrap_or_default();
    let Some(resp) = get(&fetch_url, &headers, cfg.timeout_ms).await else {
        return json!({"resolves": true, "reachable": false, "addresses": addresses});
    };
    let status = resp.status_code();
    let location = resp.headers().get("location").ok().flatten();
    // A browser refuses a cross-origin answer carrying this policy: the app must know.
    let corp = resp.headers().get("cross-origin-resource-policy").ok().flatten();
    let length: Option<usize> = resp.headers().get("content-length").ok().flatten().and_then(|l| l.parse().ok());
    // Read up to the cap and no further, whatever the length says (or does not).
    let (body, cut) = if length.is_some_and(|l| l > MAX_BODY) {
        (None, true)
    } else {
        match read_bounded(resp, MAX_BODY).await {
            Some((bytes, cut)) => (Some(String::from_utf8_lossy(&bytes).into_owned()), cut),
            None => (None, false),
        }
    };
    json!({
        "resolves": true, "reachable": true, "status": status, "addresses": addresses,
        "body_length": body.as_ref().filter(|_| !cut).map(|b| b.len()).or(length),
        "title": body.as_deref().and_then(title_of),
        "final_url": location.unwrap_or_else(|| url.to_string()),
        "corp": corp,
    })
}

/// Checks every URL (concurrently), each answer cached for a few minutes.
pub async fn check(cfg: &Config, urls: Vec<String>, now_ms: u64) -> Result<Value, ApiError> {
    if urls.len() > MAX_TARGETS {
        return Err(ApiError::BadQuery(format!("urls: at most {MAX_TARGETS} per request")));
    }
    let mut out = Map::new();
    let mut pending = Vec::new();
    for url in urls {
        let cached = CACHE.with(|c| {
            c.borrow().get(&url).filter(|(at, _)| now_ms.saturating_sub(*at) < CACHE_MS).map(|(_, v)| v.clone())
        });
        match cached {
            Some(v) => {
                out.insert(url, v);
            }
            None => {
                let (cfg, u) = (cfg.clone(), url.clone());
                let promise = wasm_bindgen_futures::future_to_promise(async move {
                    let v = observe(&cfg, &u).await;
                    Ok(JsValue::from_str(&v.to_string()))
                });
                pending.push((url, promise));
            }
        }
    }
    let all = js_sys::Promise::all(&pending.iter().map(|(_, p)| JsValue::from(p)).collect::<js_sys::Array>());
    let values =
        wasm_bindgen_futures::JsFuture::from(all).await.map_err(|_| ApiError::Storage("control failed".into()))?;
    let values: js_sys::Array = values.unchecked_into();
    for ((url, _), v) in pending.into_iter().zip(values.iter()) {
        let v: Value = serde_json::from_str(&v.as_string().unwrap_or_default()).unwrap_or(Value::Null);
        CACHE.with(|c| c.borrow_mut().insert(url.clone(), (now_ms, v.clone())));
        out.insert(url, v);
    }
    Ok(Value::Object(out))
}
