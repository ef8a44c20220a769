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
//! fetched in `judge`; the DoH lookup in `dns`; bounded fetches in `fetch`; the known image
//! in `image`.

mod dns;
mod fetch;
mod image;
mod judge;

use crate::error::{ApiError, BadInput, StorageError};
use ajar_core::privacy::is_non_public;
use judge::Refused;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Host;

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
    /// Subrequests this request may make in all (`CONTROL_SUBREQUESTS`: Workers Free allows
    /// 50 per request, Workers Paid 10,000).
    pub subrequests: u32,
    /// What one target's check may still spend of them: its share of the request's pool,
    /// taken when it makes its first subrequest ([`Config::admit`]).
    pub allowance: Rc<Allowance>,
    /// The request's subrequests not yet given to a target's check.
    pub pool: Rc<Allowance>,
    /// What a target's check takes from the pool.
    pub share: u32,
}

impl Config {
    /// Takes this target's share from the request's pool before its first subrequest; false if
    /// the pool cannot give it (the target is answered `{"retry": true}`). A target refused
    /// before making any (a private address, a bad URL) takes nothing.
    fn admit(&self) -> bool {
        let admitted = self.pool.take_n(self.share);
        if admitted {
            self.allowance.0.set(self.share);
        }
        admitted
    }
}

/// Subrequests that may still be made. A request that would go past it is not made (the
/// runtime would throw, and the site would read as unreachable from outside).
#[derive(Debug, Default)]
pub struct Allowance(Cell<u32>);

impl Allowance {
    pub fn new(n: u32) -> Allowance {
        Allowance(Cell::new(n))
    }
    /// Spends one; false if none is left.
    pub fn take(&self) -> bool {
        self.take_n(1)
    }
    /// Spends `n` at once, or nothing if fewer are left.
    pub fn take_n(&self, n: u32) -> bool {
        let left = self.0.get();
        if left < n {
            return false;
        }
        self.0.set(left - n);
        true
    }
}

/// Subrequests a target's check needs at the least: its A and AAAA lookups, its page, the
/// edge cache asked and told about its image, and one image from the page's own host.
pub const PER_TARGET: u32 = 6;
/// The most one target's check may spend (the image search stops there).
const PER_TARGET_MAX: u32 = 40;
/// Subrequests kept for the request itself (the list that scopes it).
const OVERHEAD: u32 = 2;

/// What each of `n` targets' checks may spend of a request's `total` subrequests: an equal
/// part, at least [`PER_TARGET`] (then only so many targets are checked; the others are
/// answered `{"retry": true}`, for the app to ask again) and at most [`PER_TARGET_MAX`].
fn share(total: u32, n: usize) -> u32 {
    let n = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    (total.saturating_sub(OVERHEAD) / n).clamp(PER_TARGET, PER_TARGET_MAX)
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

async fn observe(cfg: &Config, url: &str) -> Value {
    let refused = |e: Refused| json!({"error": e.to_string()});
    let retry = || json!({"retry": true});
    let (parsed, host) = match judge::judged(url) {
        Ok(j) => j,
        Err(e) => return refused(e),
    };
    if judge::local_name(cfg, &host) {
        return refused(Refused::LocalName);
    }
    let addresses = match &host {
        Host::Ipv4(ip) => vec![ip.to_string()],
        Host::Ipv6(ip) => vec![ip.to_string()],
        Host::Domain(_) if !cfg.admit() => return retry(),
        Host::Domain(name) => match dns::lookup(cfg, name).await {
            Ok(Some(a)) => a,
            Ok(None) => return json!({"resolves": false, "reachable": false}),
            // Which step failed is not the client's business: one text for all.
            Err(_) => return json!({"error": "the control's resolver failed"}),
        },
    };
    // Every address the name has: the runtime resolves it again and may pick any of them.
    let private = addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()).any(|a| is_non_public(&a));
    if private && !cfg.allow_private {
        return refused(Refused::Private);
    }
    if !matches!(host, Host::Domain(_)) && !cfg.admit() {
        return retry();
    }
    let (fetch_url, host_header) = fetch::route(cfg, &parsed, &host);
    let headers: Vec<(&str, &str)> = host_header.iter().map(|h| ("x-ajar-host", h.as_str())).collect();
    let Some(resp) = fetch::get(cfg, &fetch_url, &headers).await else {
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
        match fetch::read_bounded(resp, MAX_BODY).await {
            Some((bytes, cut)) => (Some(String::from_utf8_lossy(&bytes).into_owned()), cut),
            None => (None, false),
        }
    };
    let (image, image_cache) = if (200..300).contains(&status) {
        // A body not read (too large or broken): no linked image, `/favicon.ico` is still tried.
        let (image, hit) = image::known_image(cfg, &parsed, body.as_deref().unwrap_or_default()).await;
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
    let pool = Rc::new(Allowance::new(cfg.subrequests.saturating_sub(OVERHEAD)));
    let share = share(cfg.subrequests, missed.len());
    let mut pending = Vec::new();
    for url in missed {
        let cfg = Config { allowance: Rc::default(), pool: pool.clone(), share, ..cfg.clone() };
        let u = url.clone();
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            let v = observe(&cfg, &u).await;
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
