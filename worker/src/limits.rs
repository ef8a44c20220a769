//! Abuse limits that hold across isolates, restarts of the Worker and edge locations: every
//! count lives in a Durable Object (`Limiter`, one per shard of the keys), not in an
//! isolate's memory. No address is ever written anywhere: the object keeps its counts in
//! memory only, under a keyed hash (`ajar_core::limits`) whose key is random per object and
//! never leaves it; a count is forgotten a minute after its window began.
//!
//! A client is its IPv4 address, or its IPv6 /64 (the next address in the same /64 is the
//! same client): from `cf-connecting-ip`, which Cloudflare sets on every request from the
//! internet (and `wrangler dev` from the socket). A request without it did not come through
//! Cloudflare's edge for a visitor; it is refused on every limited route rather than counted
//! in one bucket shared by all such requests.

use crate::error::ApiError;
use ajar_core::limits::Limiter as Counts;
use std::cell::RefCell;
use std::net::IpAddr;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

/// Shards of the keys: each a Durable Object of its own.
const SHARDS: u64 = 16;

/// The Durable Object that counts: `GET /?k=<key>&n=<limit>` answers 204 within the limit,
/// 429 past it.
#[durable_object(fetch)]
pub struct Limiter {
    counts: RefCell<Counts>,
}

impl DurableObject for Limiter {
    fn new(_state: State, _env: Env) -> Self {
        Limiter { counts: RefCell::new(Counts::new(random_key())) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let (mut key, mut limit) = (None, None);
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "k" => key = Some(v.into_owned()),
                "n" => limit = v.parse::<u32>().ok(),
                _ => {}
            }
        }
        let (Some(key), Some(limit)) = (key, limit) else {
            return Response::error("k and n", 400);
        };
        let now = worker::Date::now().as_millis();
        let ok = self.counts.borrow_mut().allow(&key, limit, now);
        Ok(Response::empty()?.with_status(if ok { 204 } else { 429 }))
    }
}

fn random_key() -> u64 {
    match crate::random::bytes(8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
        None => (js_sys::Math::random() * u64::MAX as f64) as u64,
    }
}

/// The client a request counts as: its IPv4 address, or its IPv6 /64 (an IPv4-mapped IPv6
/// address is its IPv4 address). Refused without `cf-connecting-ip`.
pub fn client(req: &Request) -> std::result::Result<String, ApiError> {
    let raw = req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_default();
    let missing = || {
        ApiError::BadQuery("cf-connecting-ip: missing or not an address (requests reach the collector through Cloudflare, which sets it)".into())
    };
    Ok(match raw.trim().parse::<IpAddr>().map_err(|_| missing())? {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = a.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    })
}

/// FNV-1a: only to pick a shard (the counting object hashes keys with its own secret key).
fn shard(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % SHARDS
}

/// Counts one request of `who` in `scope`; false when past `limit` per minute. A limiter
/// that cannot be reached fails closed for this request (503: the client retries).
pub async fn allow(env: &Env, scope: &str, who: &str, limit: u32) -> std::result::Result<bool, ApiError> {
    let key = format!("{scope}\u{0}{who}");
    let unavailable = |e: worker::Error| ApiError::Storage(format!("rate limiter: {e}"));
    let stub = env
        .durable_object("LIMITER")
        .and_then(|ns| ns.id_from_name(&format!("limits-{}", shard(&key)))?.get_stub())
        .map_err(unavailable)?;
    let url = format!("https://limiter/?k={}&n={limit}", String::from(js_sys::encode_uri_component(&key)));
    let resp = stub.fetch_with_str(&url).await.map_err(unavailable)?;
    match resp.status_code() {
        204 => Ok(true),
        429 => Ok(false),
        s => Err(ApiError::Storage(format!("rate limiter: status {s}"))),
    }
}

/// [`allow`], as the error a handler returns past the limit.
pub async fn check(env: &Env, scope: &str, who: &str, limit: u32) -> std::result::Result<(), ApiError> {
    if allow(env, scope, who, limit).await? {
        Ok(())
    } else {
        Err(ApiError::RateLimited)
    }
}
