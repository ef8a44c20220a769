//! `POST /v1/control`: what a target looks like from outside the visitor's network (the
//! role OONI's test helper plays). For targets of a bundled list or a campaign only, looked
//! up over DoH and fetched from here with strict timeouts, no redirects followed and a size
//! cap; never an open proxy: only http(s), and no private, loopback or link-local
//! destination unless the deployment is the lab (`CONTROL_ALLOW_PRIVATE`; `CONTROL_ANY_TARGET`
//! lifts the scoping).
//!
//! It also learns the site's **known image**: the icons and `og:image` its page links, else
//! `/favicon.ico`, each fetched under the same rules (its host looked up and refused if
//! private, at most [`image::IMAGE_REDIRECTS`] redirects each checked again, [`image::MAX_IMAGE_BYTES`] and
//! the timeout), its pixel size read from its header (`ajar_core::image_header`). One large
//! enough to measure a rate is preferred. What it learned is kept per site in the edge cache
//! (the Cache API) for a day; each answer says whether it came from there.
//!
//! Here: the request and its answer (`check`, `observe`); which URLs and hosts may be
//! fetched in `judge`; the DoH lookup in `dns`; bounded fetches in `fetch`, over a socket to the
//! address checked in `pinned`; the known image
//! in `image`; the subrequests a request may spend, shared among its targets, in `budget`.

mod budget;
mod dns;
mod fetch;
mod image;
mod judge;
mod pinned;

use crate::error::{ApiError, BadInput, StorageError};
use ajar_core::privacy::is_non_public;
use budget::{Budget, RequestBudget};
use judge::Refused;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Host;

/// At most this many targets per request (the app asks in batches of this size).
pub const MAX_TARGETS: usize = ajar_core::observation::OUTSIDE_BATCH;
/// Bodies larger than this are not read.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
const CACHE_MS: u64 = 5 * 60 * 1000;

/// The deployment's settings for the control (from the Worker's environment).
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
    /// Subrequests a request may make in all (`CONTROL_SUBREQUESTS`: Workers Free allows
    /// 50 per request, Workers Paid 10,000), shared out among its targets in `budget`.
    pub subrequests: u32,
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

fn title_of(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open = start + lower[start..].find('>')? + 1;
    let end = open + lower[open..].find("</title")?;
    Some(body.get(open..end)?.trim().chars().take(200).collect())
}

async fn observe(cfg: &Config, budget: &Budget, url: &str) -> Value {
    let refused = |e: Refused| json!({"error": e.to_string()});
    let retry = || json!({"retry": true});
    let (parsed, host) = match judge::judged(url) {
        Ok(j) => j,
        Err(e) => return refused(e),
    };
    if judge::local_name(cfg, &host) {
        return refused(Refused::LocalName);
    }
    let addresses: Vec<IpAddr> = match &host {
        Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
        Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
        Host::Domain(_) if !budget.admit() => return retry(),
        Host::Domain(name) => match dns::lookup(cfg, budget, name).await {
            Ok(Some(a)) => a,
            Ok(None) => return json!({"resolves": false, "reachable": false}),
            // Which step failed is not the client's business: one text for all.
            Err(_) => return json!({"error": "the control's resolver failed"}),
        },
    };
    // Every address the name has: the request goes to one of them.
    if addresses.iter().any(is_non_public) && !cfg.allow_private {
        return refused(Refused::Private);
    }
    if !matches!(host, Host::Domain(_)) && !budget.admit() {
        return retry();
    }
    let shown: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
    let Some(resp) = fetch::target(cfg, budget, &parsed, &host, &addresses, &[], MAX_BODY).await else {
        return json!({"resolves": true, "reachable": false, "addresses": shown});
    };
    let status = resp.status;
    let location = resp.header("location").map(String::from);
    // A browser refuses a cross-origin answer carrying this policy: the app must know.
    let corp = resp.header("cross-origin-resource-policy").map(String::from);
    let length: Option<usize> = resp.header("content-length").and_then(|l| l.parse().ok());
    // Read up to the cap and no further, whatever the length says (or does not).
    let cut = resp.cut;
    let body = resp.body.as_deref().map(|b| String::from_utf8_lossy(b).into_owned());
    let (image, image_cache) = if (200..300).contains(&status) {
        // A body not read (too large or broken): no linked image, `/favicon.ico` is still tried.
        let (image, hit) =
            image::known_image(cfg, budget, &parsed, &addresses, body.as_deref().unwrap_or_default()).await;
        (image, Some(if hit { "hit" } else { "miss" }))
    } else {
        (Value::Null, None)
    };
    json!({
        "resolves": true, "reachable": true, "status": status, "ms": resp.head_ms, "addresses": shown,
        "body_length": body.as_ref().filter(|_| !cut).map(|b| b.len()).or(length),
        "title": body.as_deref().and_then(title_of),
        "final_url": location.unwrap_or_else(|| url.to_string()),
        "corp": corp,
        "image": image,
        "image_cache": image_cache,
    })
}

/// Checks every URL (concurrently), each answer cached for a few minutes.
pub async fn check(cfg: &Config, urls: Vec<String>, now_ms: u64) -> Result<Value, ApiError> {
    if urls.len() > MAX_TARGETS {
        return Err(ApiError::BadQuery(BadInput::TooManyUrls));
    }
    let mut out = Map::new();
    let mut missed = Vec::new();
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
            None => missed.push(url),
        }
    }
    let request = RequestBudget::new(cfg.subrequests, missed.len());
    let mut pending = Vec::new();
    for url in missed {
        let (cfg, budget) = (cfg.clone(), request.for_target());
        let u = url.clone();
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            let v = observe(&cfg, &budget, &u).await;
            Ok(JsValue::from_str(&v.to_string()))
        });
        pending.push((url, promise));
    }
    let all = js_sys::Promise::all(&pending.iter().map(|(_, p)| JsValue::from(p)).collect::<js_sys::Array>());
    let values =
        wasm_bindgen_futures::JsFuture::from(all).await.map_err(|_| ApiError::Storage(StorageError::Control))?;
    let values: js_sys::Array = values.unchecked_into();
    for ((url, _), v) in pending.into_iter().zip(values.iter()) {
        // Each promise resolves to JSON text; anything else reads as null, as a failed check.
        let v: Value = serde_json::from_str(&v.as_string().unwrap_or_default()).unwrap_or(Value::Null);
        // A target left for another request is not an answer to keep.
        if v.get("retry").is_none() {
            CACHE.with(|c| c.borrow_mut().insert(url.clone(), (now_ms, v.clone())));
        }
        out.insert(url, v);
    }
    Ok(Value::Object(out))
}
