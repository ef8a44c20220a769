//! Abuse limits that hold across isolates, restarts of the Worker and edge locations: every
//! count lives in a Durable Object (`Limiter`, one per shard of the keys), not in an
//! isolate's memory. No address is ever written anywhere: the object keeps its counts in
//! memory only, under a keyed hash (`ajar_core::limits`) whose key is random per object and
//! never leaves it; a count is forgotten a minute after its window began.
//!
//! Most requests make no round trip to an object: an isolate takes a client's count in
//! **leases** (up to a quarter of the limit, at most 16 at a time) and spends them locally; the
//! object never grants more than the limit in a minute, so leases held by many isolates still
//! add up to at most the limit (a lease unspent when its minute ends is lost: that can only make
//! a limit stricter). A key found used up is refused locally until its minute ends.
//!
//! A client is its IPv4 address, or its IPv6 /64 (the next address in the same /64 is the
//! same client): from `cf-connecting-ip`, which Cloudflare sets on every request from the
//! internet (and `wrangler dev` from the socket). A request without it did not come through
//! Cloudflare's edge for a visitor; it is refused on every limited route rather than counted
//! in one bucket shared by all such requests.

use crate::error::{ApiError, BadInput, StorageError};
use ajar_core::limits::Limiter as Counts;
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;
use worker::{durable_object, Delay, DurableObject, Env, Request, Response, Result, State};

/// Shards of the keys: each a Durable Object of its own.
const SHARDS: u64 = 16;
/// The most an isolate takes of a count at once.
const MAX_LEASE: u32 = 16;
/// Beyond this many leases held, expired ones are swept.
const SWEEP_AT: usize = 4096;

/// What this isolate holds of a key's count: spendable `left` until `until_ms`; `used_up`:
/// the object granted nothing (refused here until then).
struct Lease {
    left: u32,
    until_ms: u64,
    used_up: bool,
}

/// While one request of this isolate asks the object for a key, the others that find no lease
/// wait for its answer, polling every this many ms ...
const WAIT_STEP_MS: u64 = 2;
/// ... for at most this long; then (or once the asker's mark is this old: a request that
/// vanished mid-ask) they ask the object themselves.
const WAIT_MAX_MS: u64 = 50;

thread_local! {
    /// Leases by a keyed hash of their key (the hashing key random per isolate).
    static LEASES: RefCell<(u64, HashMap<u64, Lease>)> = RefCell::new((random_key(), HashMap::new()));
    /// Keys (as lease ids) some request of this isolate is asking the object about, and since when.
    static ASKING: RefCell<HashMap<u64, u64>> = RefCell::new(HashMap::new());
}

/// The lease id of `key` in this isolate.
fn id_of(key: &str) -> u64 {
    LEASES.with(|l| lease_id(l.borrow().0, key))
}

/// Marks `key` as being asked about from `now_ms` on, until the mark is dropped.
struct Asking(u64);

impl Asking {
    fn start(key: &str, now_ms: u64) -> Asking {
        let id = id_of(key);
        ASKING.with(|a| {
            let mut a = a.borrow_mut();
            if a.len() > SWEEP_AT {
                a.retain(|_, since| now_ms.saturating_sub(*since) < WAIT_MAX_MS);
            }
            a.insert(id, now_ms);
        });
        Asking(id)
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        ASKING.with(|a| a.borrow_mut().remove(&self.0));
    }
}

/// Whether another request is asking the object about `key` (and has not for too long).
fn someone_asking(key: &str, now_ms: u64) -> bool {
    let id = id_of(key);
    ASKING.with(|a| a.borrow().get(&id).is_some_and(|since| now_ms.saturating_sub(*since) < WAIT_MAX_MS))
}

/// FNV-1a of `key` under this isolate's random key.
fn lease_id(secret: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ secret;
    for b in secret.to_le_bytes().iter().chain(key.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Spends one of this isolate's lease on `key`: `Some(true)` spent, `Some(false)` used up
/// this minute, `None` no lease left (ask the object).
fn spend(key: &str, now_ms: u64) -> Option<bool> {
    LEASES.with(|l| {
        let mut l = l.borrow_mut();
        let id = lease_id(l.0, key);
        let lease = l.1.get_mut(&id).filter(|lease| lease.until_ms > now_ms)?;
        if lease.used_up {
            return Some(false);
        }
        let left = lease.left.checked_sub(1)?;
        lease.left = left;
        Some(true)
    })
}

/// Keeps a lease the object granted. Requests of one client come at once (the app asks for
/// the outside view in six lanes), so several may have asked the object before any lease
/// came back: a lease of the same minute adds to the one held, never replaces it (replaced,
/// the counts granted to the others were lost, and a 1,000-site list was refused the outside
/// view after about half of its 300 requests a minute).
fn keep(key: &str, lease: Lease, now_ms: u64) {
    LEASES.with(|l| {
        let mut l = l.borrow_mut();
        let id = lease_id(l.0, key);
        if l.1.len() > SWEEP_AT {
            l.1.retain(|_, lease| lease.until_ms > now_ms);
        }
        match l.1.get_mut(&id) {
            Some(held) if held.until_ms == lease.until_ms => {
                held.left = held.left.saturating_add(lease.left);
                held.used_up = held.left == 0 && (held.used_up || lease.used_up);
            }
            Some(held) if held.until_ms > lease.until_ms => {}
            _ => {
                l.1.insert(id, lease);
            }
        }
    })
}

/// The Durable Object that counts: `GET /?k=<key>&n=<limit>&w=<want>` grants up to `want` of
/// what is left of the key's limit this minute: `<granted> <minute's end, ms>`.
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
        let (mut key, mut limit, mut want) = (None, None, 1);
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "k" => key = Some(v.into_owned()),
                "n" => limit = v.parse::<u32>().ok(),
                "w" => want = v.parse::<u32>().unwrap_or(1).clamp(1, MAX_LEASE),
                _ => {}
            }
        }
        let (Some(key), Some(limit)) = (key, limit) else {
            return Response::error("k and n", 400);
        };
        let now = worker::Date::now().as_millis();
        let (granted, until) = self.counts.borrow_mut().take(&key, limit, want, now);
        Response::ok(format!("{granted} {until}"))
    }
}

/// The key that makes lease ids unforeseeable. No random source (never on workerd): a fixed
/// key, as guessable as `Math.random` was; leases still count right, only which two keys
/// share an id could be foreseen.
fn random_key() -> u64 {
    crate::random::bytes::<8>().map(u64::from_le_bytes).unwrap_or(0)
}

/// The client a request counts as: its IPv4 address, or its IPv6 /64 (an IPv4-mapped IPv6
/// address is its IPv4 address). Refused without `cf-connecting-ip`.
pub fn client(req: &Request) -> std::result::Result<String, ApiError> {
    // No header: the empty text, refused just below.
    let raw = req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_default();
    let missing = || ApiError::BadQuery(BadInput::NoClientAddress);
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
    let now = worker::Date::now().as_millis();
    if let Some(spent) = spend(&key, now) {
        return Ok(spent);
    }
    // When a lease runs out, every request of the client in flight finds none at once: one
    // asks the object and the others wait for its lease, with a timer (workerd cancels a
    // request that waits on another request's answer with no I/O of its own as hung).
    let mut now = now;
    let give_up = now.saturating_add(WAIT_MAX_MS);
    while someone_asking(&key, now) && now < give_up {
        Delay::from(Duration::from_millis(WAIT_STEP_MS)).await;
        now = worker::Date::now().as_millis();
        if let Some(spent) = spend(&key, now) {
            return Ok(spent);
        }
    }
    let _asking = Asking::start(&key, now);
    let want = (limit / 4).clamp(1, MAX_LEASE);
    let unavailable = |e: worker::Error| ApiError::Storage(StorageError::Limiter(e));
    let stub = env
        .durable_object("LIMITER")
        .and_then(|ns| ns.id_from_name(&format!("limits-{}", shard(&key)))?.get_stub())
        .map_err(unavailable)?;
    let url = format!("https://limiter/?k={}&n={limit}&w={want}", String::from(js_sys::encode_uri_component(&key)));
    let mut resp = stub.fetch_with_str(&url).await.map_err(unavailable)?;
    if resp.status_code() != 200 {
        return Err(ApiError::Storage(StorageError::LimiterStatus(resp.status_code())));
    }
    let text = resp.text().await.map_err(unavailable)?;
    let mut parts = text.split(' ').map(|p| p.parse::<u64>().ok());
    let (Some(Some(granted)), Some(Some(until_ms))) = (parts.next(), parts.next()) else {
        return Err(ApiError::Storage(StorageError::LimiterAnswer));
    };
    let granted = u32::try_from(granted).unwrap_or(0);
    keep(&key, Lease { left: granted.saturating_sub(1), until_ms, used_up: granted == 0 }, now);
    Ok(granted > 0)
}

/// [`allow`], as the error a handler returns past the limit.
pub async fn check(env: &Env, scope: &str, who: &str, limit: u32) -> std::result::Result<(), ApiError> {
    if allow(env, scope, who, limit).await? {
        Ok(())
    } else {
        Err(ApiError::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_granted_at_once_all_count() {
        let key = "control\u{0}192.0.2.1";
        // Two requests asked the object before either lease came back: 16 each, one spent by
        // each request.
        keep(key, Lease { left: 15, until_ms: 60_000, used_up: false }, 1_000);
        keep(key, Lease { left: 15, until_ms: 60_000, used_up: false }, 1_000);
        let spent = (0..40).take_while(|_| spend(key, 2_000) == Some(true)).count();
        assert_eq!(spent, 30);
        // A third found the minute used up meanwhile: nothing left, refused until its end.
        keep(key, Lease { left: 0, until_ms: 60_000, used_up: true }, 2_000);
        assert_eq!(spend(key, 2_000), Some(false));
        assert_eq!(spend(key, 60_001), None, "a new minute asks the object again");
    }

    #[test]
    fn one_request_asks_for_a_key_while_the_others_wait_for_its_lease() {
        let key = "reports\u{0}192.0.2.9";
        assert!(!someone_asking(key, 1_000));
        let asking = Asking::start(key, 1_000);
        assert!(someone_asking(key, 1_010), "the others wait");
        assert!(!someone_asking("reports\u{0}192.0.2.10", 1_010), "another client asks for itself");
        assert!(!someone_asking(key, 1_000 + WAIT_MAX_MS), "an asker gone quiet is not waited for");
        drop(asking);
        assert!(!someone_asking(key, 1_010), "the asker's answer is in: nobody waits");
    }
}
