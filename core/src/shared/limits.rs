//! Per-client request limits that never keep an address: a client is counted under a
//! keyed hash of its address (the key is the caller's, random, held only in memory), and
//! each client's count is forgotten a minute after its window began.

use std::collections::HashMap;

pub const WINDOW_MS: u64 = 60_000;
/// Beyond this many tracked clients, expired windows are swept.
const SWEEP_AT: usize = 4096;

pub struct Limiter {
    key: u64,
    /// Per client bucket: when its window began, and how many requests since.
    counts: HashMap<u64, (u64, u32)>,
}

impl Limiter {
    pub fn new(key: u64) -> Self {
        Limiter { key, counts: HashMap::new() }
    }

    /// FNV-1a over key ‖ client: enough to spread buckets; the key makes it unlinkable
    /// to the address outside this process.
    fn bucket(&self, client: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.key;
        for b in self.key.to_le_bytes().iter().chain(client.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    }

    /// Counts one request of `client`; false once it is over `limit` in its current minute.
    pub fn allow(&mut self, client: &str, limit: u32, now_ms: u64) -> bool {
        let (_, n) = self.minute(client, now_ms);
        *n += 1;
        *n <= limit
    }

    /// `client`'s current minute: when it started and what it has counted (a minute that has
    /// ended starts afresh; old entries are swept once there are many).
    fn minute(&mut self, client: &str, now_ms: u64) -> &mut (u64, u32) {
        if self.counts.len() > SWEEP_AT {
            self.counts.retain(|_, (start, _)| now_ms.saturating_sub(*start) < WINDOW_MS);
        }
        let bucket = self.bucket(client);
        let minute = self.counts.entry(bucket).or_insert((now_ms, 0));
        if now_ms.saturating_sub(minute.0) >= WINDOW_MS {
            *minute = (now_ms, 0);
        }
        minute
    }

    /// Takes up to `want` of what is left of `client`'s `limit` in its current minute: how
    /// many were granted (0 once it is used up; a refusal counts nothing) and when that minute
    /// ends. For callers that hand out counts in leases (the collector's isolates).
    pub fn take(&mut self, client: &str, limit: u32, want: u32, now_ms: u64) -> (u32, u64) {
        let (start, n) = self.minute(client, now_ms);
        let granted = want.min(limit.saturating_sub(*n));
        *n = n.saturating_add(granted);
        (granted, start.saturating_add(WINDOW_MS))
    }

    pub fn tracked(&self) -> usize {
        self.counts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_minute() {
        let mut l = Limiter::new(42);
        let over: Vec<bool> = (0..65).map(|i| l.allow("198.51.100.1", 60, 30_000 + i)).collect();
        assert_eq!(over.iter().filter(|ok| !**ok).count(), 5);
        assert!(l.allow("198.51.100.2", 60, 30_100), "another client is not slowed");
        assert!(!l.allow("198.51.100.1", 60, 89_999), "still the same minute for the first");
        assert!(l.allow("198.51.100.1", 60, 90_001), "a new minute");
    }

    #[test]
    fn leases_never_add_up_to_more_than_the_limit() {
        let mut l = Limiter::new(7);
        let mut total = 0;
        for i in 0..20 {
            let (got, until) = l.take("2001:db8::/64", 60, 16, 1_000 + i);
            assert_eq!(until, 1_000 + WINDOW_MS);
            total += got;
        }
        assert_eq!(total, 60, "16 + 16 + 16 + 12, then nothing");
        assert_eq!(l.take("2001:db8::/64", 60, 16, 1_000 + WINDOW_MS), (16, 1_000 + 2 * WINDOW_MS), "a new minute");
        assert_eq!(l.take("other", 10, 16, 5_000).0, 10, "never more than the limit at once");
    }

    #[test]
    fn expired_windows_are_swept() {
        let mut l = Limiter::new(1);
        for i in 0..5000 {
            l.allow(&format!("c{i}"), 10, 0);
        }
        l.allow("late", 10, WINDOW_MS + 1);
        assert_eq!(l.tracked(), 1);
    }
}
