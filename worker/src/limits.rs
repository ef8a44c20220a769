//! Abuse limits without storing anyone's address (`ajar_core::limits`): the hashing key is
//! random per isolate and lives only in its memory. Nothing here is ever written anywhere.

use ajar_core::limits::Limiter;
use std::cell::RefCell;

thread_local! {
    static STATE: RefCell<Limiter> = RefCell::new(Limiter::new(random_key()));
}

fn random_key() -> u64 {
    match crate::random::bytes(8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
        None => (js_sys::Math::random() * u64::MAX as f64) as u64,
    }
}

/// Counts one request of `client` (its address, used here only) in `scope`; false when over `limit` per minute.
pub fn allow(scope: &str, client: &str, limit: u32, now_ms: u64) -> bool {
    STATE.with(|s| s.borrow_mut().allow(&format!("{scope}\u{0}{client}"), limit, now_ms))
}
