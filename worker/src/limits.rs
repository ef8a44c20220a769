//! Abuse limits without storing anyone's address: a client is counted under a keyed
//! hash of its address, the key is random and lives only in this isolate's memory, and
//! counts are forgotten after a minute. Nothing here is ever written anywhere.

use std::cell::RefCell;
use std::collections::HashMap;

const WINDOW_MS: u64 = 60_000;

thread_local! {
    static STATE: RefCell<Limiter> = RefCell::new(Limiter::new(random_key()));
}

fn random_key() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom(&mut bytes).is_err() {
        return (js_sys_random() * u64::MAX as f64) as u64;
    }
    u64::from_le_bytes(bytes)
}

fn getrandom(bytes: &mut [u8]) -> Result<(), ()> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| ())?;
    let array = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    let f = js_sys::Reflect::get(&crypto, &"getRandomValues".into()).map_err(|_| ())?;
    let f: js_sys::Function = f.into();
    f.call1(&crypto, &array).map_err(|_| ())?;
    array.copy_to(bytes);
    Ok(())
}

fn js_sys_random() -> f64 {
    js_sys::Math::random()
}

struct Limiter {
    key: u64,
    window_start: u64,
    counts: HashMap<u64, u32>,
}

impl Limiter {
    fn new(key: u64) -> Self {
        Limiter { key, window_start: 0, counts: HashMap::new() }
    }

    /// FNV-1a over key ‖ address: enough to spread buckets; the key makes it unlinkable
    /// to the address outside this isolate.
    fn bucket(&self, client: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.key;
        for b in self.key.to_le_bytes().iter().chain(client.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    }

    fn allow(&mut self, client: &str, limit: u32, now_ms: u64) -> bool {
        if now_ms.saturating_sub(self.window_start) >= WINDOW_MS {
            self.counts.clear();
            self.window_start = now_ms;
        }
        let bucket = self.bucket(client);
        let n = self.counts.entry(bucket).or_default();
        *n += 1;
        *n <= limit
    }
}

/// Counts one request of `client` (its address, used here only) in `scope`; false when over `limit` per minute.
pub fn allow(scope: &str, client: &str, limit: u32, now_ms: u64) -> bool {
    STATE.with(|s| s.borrow_mut().allow(&format!("{scope}\u{0}{client}"), limit, now_ms))
}
