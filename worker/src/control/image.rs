//! The site's known image, learned by the control: the icons and `og:image` its page links,
//! else `/favicon.ico`, each fetched under the control's rules; kept a day in the edge cache.

use super::fetch::target;
use super::judge::{allowed, judged};
use super::{Budget, Config};
use serde_json::{json, Value};
use std::net::IpAddr;
use worker::Headers;

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
pub async fn known_image(
    cfg: &Config,
    budget: &Budget,
    page: &worker::Url,
    addresses: &[IpAddr],
    body: &str,
) -> (Value, bool) {
    let site = page.origin().ascii_serialization();
    let key = format!("https://control-cache.ajar.invalid/image?site={}", js_sys::encode_uri_component(&site));
    // Each use of the cache spends a subrequest too (counted as one, to be safe).
    let cache = edge_cache().filter(|_| budget.take());
    if let Some(cache) = &cache {
        if let Ok(Some(mut hit)) = cache.get(key.as_str(), false).await {
            if let Ok(text) = hit.text().await {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    return (v, true);
                }
            }
        }
    }
    let learned = learn_image(cfg, budget, page, addresses, body).await;
    if let Some(cache) = cache.as_ref().filter(|_| budget.take()) {
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
async fn learn_image(cfg: &Config, budget: &Budget, page: &worker::Url, addresses: &[IpAddr], body: &str) -> Value {
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
    // Hosts already looked up and allowed, with their addresses: the page's own (observe
    // checked it), then each image host once (a lookup is two subrequests).
    let mut checked: Vec<(String, Vec<IpAddr>)> =
        page.host_str().map(|h| (h.to_string(), addresses.to_vec())).into_iter().collect();
    for url in candidates.into_iter().take(IMAGE_TRIES) {
        let Some((bytes, v)) = fetch_image(cfg, budget, url, &mut checked).await else {
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

/// One image, its redirects followed (each checked as the first URL was): its size in bytes
/// and what the answer says of it, if it is an image whose header gives one size, not larger
/// than [`MAX_IMAGE_BYTES`], that a browser may load from another site.
async fn fetch_image(
    cfg: &Config,
    budget: &Budget,
    first: worker::Url,
    checked: &mut Vec<(String, Vec<IpAddr>)>,
) -> Option<(u32, Value)> {
    let mut url = first;
    for _ in 0..=IMAGE_REDIRECTS {
        let (parsed, host) = judged(url.as_str()).ok()?;
        // `judged` found a host, so there is a host string.
        let name = parsed.host_str().unwrap_or_default().to_string();
        let addresses = match checked.iter().find(|(h, _)| *h == name) {
            Some((_, a)) => a.clone(),
            None => {
                let a = allowed(cfg, budget, &host).await?;
                checked.push((name, a.clone()));
                a
            }
        };
        let accept = [("accept", "image/avif,image/webp,image/png,image/*;q=0.8")];
        let resp = target(cfg, budget, &parsed, &host, &addresses, &accept, MAX_IMAGE_BYTES).await?;
        let status = resp.status;
        if (300..400).contains(&status) {
            url = parsed.join(resp.header("location")?).ok()?;
            continue;
        }
        if status != 200 {
            return None;
        }
        let header = |k: &str| resp.header(k).map(str::to_ascii_lowercase);
        // A browser refuses it across sites: useless as the visitor's known image.
        if matches!(header("cross-origin-resource-policy").as_deref(), Some("same-origin" | "same-site")) {
            return None;
        }
        if !header("content-type").is_some_and(|t| t.starts_with("image/")) {
            return None;
        }
        // Larger than the cap (announced or read): not used.
        if resp.cut {
            return None;
        }
        let bytes = resp.body?;
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
