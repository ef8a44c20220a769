//! `POST /v1/control`: what a target looks like from outside the visitor's network (the
//! role OONI's test helper plays). For targets of a bundled list or a campaign only, looked
//! up over DoH and fetched from here with strict timeouts, no redirects followed and a size
//! cap; never an open proxy: only http(s), and no private, loopback or link-local
//! destination unless the deployment is the lab (`CONTROL_ALLOW_PRIVATE`).
//!
//! It also learns the site's **known image**: the icons and `og:image` its page links, else
//! `/favicon.ico`, each fetched under the same rules (its host looked up and refused if
//! private, at most [`IMAGE_REDIRECTS`] redirects each checked again, [`MAX_IMAGE_BYTES`] and
//! the timeout), its pixel size read from its header (`ajar_core::image_header`). One large
//! enough to measure a rate is preferred. What it learned is kept per site in the edge cache
//! (the Cache API) for a day; each answer says whether it came from there.

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
    if local_name(cfg, &host) {
        return json!({"error": "a local name (localhost, single-label, .local, .internal, .home.arpa) is not checked"});
    }
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
    let (image, image_cache) = if (200..300).contains(&status) {
        let (image, hit) = known_image(cfg, &parsed, body.as_deref().unwrap_or_default()).await;
        (image, Some(if hit { "hit" } else { "miss" }))
    } else {
        (Value::Null, None)
    };
    json!({
        "resolves": true, "reachable": true, "status": status, "addresses": addresses,
        "body_length": body.as_ref().filter(|_| !cut).map(|b| b.len()).or(length),
        "title": body.as_deref().and_then(title_of),
        "final_url": location.unwrap_or_else(|| url.to_string()),
        "corp": corp,
        "image": image,
        "image_cache": image_cache,
    })
}

/// An image larger than this is not used (nor read past it).
pub const MAX_IMAGE_BYTES: usize = ajar_core::image_header::MAX_IMAGE_BYTES;
/// At most this many redirects are followed for an image, each checked as the first URL.
pub const IMAGE_REDIRECTS: usize = 3;
/// At most this many of the images a page links are tried.
const IMAGE_TRIES: usize = 4;
const IMAGE_CACHE_SECS: u32 = 24 * 60 * 60;
const NO_IMAGE_CACHE_SECS: u32 = 60 * 60;

/// The edge cache, where the runtime has one (`None` elsewhere: learned each time).
fn edge_cache() -> Option<worker::Cache> {
    js_sys::Reflect::has(&js_sys::global(), &"caches".into()).ok()?.then(worker::Cache::default)
}

/// The site's known image (`null` if none was found), from the edge cache if it has it,
/// and whether it did.
async fn known_image(cfg: &Config, page: &worker::Url, body: &str) -> (Value, bool) {
    let site = page.origin().ascii_serialization();
    let key = format!("https://control-cache.ajar.invalid/image?site={}", js_sys::encode_uri_component(&site));
    let cache = edge_cache();
    if let Some(cache) = &cache {
        if let Ok(Some(mut hit)) = cache.get(key.as_str(), false).await {
            if let Ok(text) = hit.text().await {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    return (v, true);
                }
            }
        }
    }
    let learned = learn_image(cfg, page, body).await;
    if let Some(cache) = &cache {
        let secs = if learned.is_null() { NO_IMAGE_CACHE_SECS } else { IMAGE_CACHE_SECS };
        let headers = Headers::new();
        let stored = headers.set("cache-control", &format!("max-age={secs}")).is_ok()
            && headers.set("content-type", "application/json").is_ok();
        if stored {
            if let Ok(resp) = worker::Response::ok(learned.to_string()).map(|r| r.with_headers(headers)) {
                let _ = cache.put(key.as_str(), resp).await;
            }
        }
    }
    (learned, false)
}

/// The images the page links (resolved against it; the page's own host first), then
/// `/favicon.ico`: the first large enough to measure a rate, else the largest that is an image.
async fn learn_image(cfg: &Config, page: &worker::Url, body: &str) -> Value {
    let mut candidates: Vec<worker::Url> = ajar_core::image_header::linked_images(body)
        .into_iter()
        .filter_map(|l| page.join(&l.href).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .collect();
    // Stable: the page's own host first (a block on the site covers its own images only).
    candidates.sort_by_key(|u| u.host_str() != page.host_str());
    if let Ok(favicon) = page.join("/favicon.ico") {
        candidates.push(favicon);
    }
    candidates.dedup();
    let mut best: Option<(u32, Value)> = None;
    // Hosts already looked up and allowed: the page's own (observe checked it), then each
    // image host once (a lookup is two subrequests).
    let mut checked: Vec<String> = page.host_str().map(String::from).into_iter().collect();
    for url in candidates.into_iter().take(IMAGE_TRIES) {
        let Some((bytes, v)) = fetch_image(cfg, url, &mut checked).await else {
            continue;
        };
        if bytes >= ajar_core::image_header::RATE_BYTES {
            return v;
        }
        if best.as_ref().is_none_or(|(b, _)| bytes > *b) {
            best = Some((bytes, v));
        }
    }
    best.map_or(Value::Null, |(_, v)| v)
}

/// A name this machine may answer itself (`ajar_core::privacy::is_local_name`), refused
/// unless the deployment is the lab: the runtime's resolver, not the DoH lookup, would pick
/// the address connected to.
fn local_name(cfg: &Config, host: &Host<String>) -> bool {
    !cfg.allow_private && matches!(host, Host::Domain(name) if ajar_core::privacy::is_local_name(name))
}

/// Whether `host` may be fetched from here: it resolves, and to no private address unless
/// the deployment is the lab.
async fn allowed(cfg: &Config, host: &Host<String>) -> bool {
    if local_name(cfg, host) {
        return false;
    }
    let addresses = match host {
        Host::Ipv4(ip) => vec![ip.to_string()],
        Host::Ipv6(ip) => vec![ip.to_string()],
        Host::Domain(name) => match lookup(cfg, name).await {
            Ok(Some(a)) => a,
            _ => return false,
        },
    };
    cfg.allow_private || !addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()).any(|a| is_non_public(&a))
}

/// One image, its redirects followed (each checked as the first URL was): its size in bytes
/// and what the answer says of it, if it is an image whose header gives one size, not larger
/// than [`MAX_IMAGE_BYTES`], that a browser may load from another site.
async fn fetch_image(cfg: &Config, first: worker::Url, checked: &mut Vec<String>) -> Option<(u32, Value)> {
    let mut url = first;
    for _ in 0..=IMAGE_REDIRECTS {
        let (parsed, host) = judged(url.as_str()).ok()?;
        let name = parsed.host_str().unwrap_or_default().to_string();
        if !checked.contains(&name) {
            if !allowed(cfg, &host).await {
                return None;
            }
            checked.push(name);
        }
        let (fetch_url, host_header) = match &cfg.connect {
            Some(gateway) => {
                let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
                (format!("http://{gateway}{}{query}", parsed.path()), Some(host.to_string()))
            }
            None => (parsed.as_str().to_string(), None),
        };
        let mut headers: Vec<(&str, &str)> = vec![("accept", "image/avif,image/webp,image/png,image/*;q=0.8")];
        if let Some(h) = host_header.as_deref() {
            headers.push(("x-ajar-host", h));
        }
        let resp = get(&fetch_url, &headers, cfg.timeout_ms).await?;
        let status = resp.status_code();
        if (300..400).contains(&status) {
            let location = resp.headers().get("location").ok().flatten()?;
            url = parsed.join(&location).ok()?;
            continue;
        }
        if status != 200 {
            return None;
        }
        let header = |k: &str| resp.headers().get(k).ok().flatten().map(|v| v.to_ascii_lowercase());
        // A browser refuses it across sites: useless as the visitor's known image.
        if matches!(header("cross-origin-resource-policy").as_deref(), Some("same-origin" | "same-site")) {
            return None;
        }
        if !header("content-type").is_some_and(|t| t.starts_with("image/")) {
            return None;
        }
        if header("content-length").and_then(|l| l.parse::<usize>().ok()).is_some_and(|l| l > MAX_IMAGE_BYTES) {
            return None;
        }
        let (bytes, cut) = read_bounded(resp, MAX_IMAGE_BYTES).await?;
        if cut {
            return None;
        }
        let head = ajar_core::image_header::parse(&bytes).filter(|h| !h.ambiguous)?;
        let len = u32::try_from(bytes.len()).ok()?;
        let v = json!({
            "url": parsed.as_str(), "width": head.width, "height": head.height, "bytes": len,
            "format": head.format.as_str(),
        });
        return Some((len, v));
    }
    None
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
            Some(mut v) => {
                // Its image, if any, was not learned anew for this answer.
                if let Some(c) = v.get_mut("image_cache").filter(|c| !c.is_null()) {
                    *c = json!("hit");
                }
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
