//! How a run is paced: concurrency, per-probe timeouts, the total budget and
//! where the outside resolvers and STUN servers are. Every value can be
//! overridden (the app takes them from URL parameters).

use serde::{Deserialize, Serialize};

/// At most this many probes in flight, whatever a caller asks.
pub const MAX_CONCURRENCY: u32 = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanConfig {
    /// Probes in flight at the start (`core/src/pace.rs` then adapts it to the connection).
    pub concurrency: u32,
    /// The most probes in flight the pace may reach; equal to `concurrency` for a fixed number.
    pub max_concurrency: u32,
    /// The fetch timeout follows the slow tail of the run's answers (`pace.rs`); the
    /// configured one holds until answers come in. Off: the configured timeout, always.
    pub adaptive_timeouts: bool,
    pub fetch_timeout_ms: u32,
    pub image_timeout_ms: u32,
    pub doh_timeout_ms: u32,
    pub resolve_timeout_ms: u32,
    pub socket_timeout_ms: u32,
    pub ice_timeout_ms: u32,
    /// No probe starts after this much time; unstarted targets are "not measured".
    pub budget_ms: u64,
    /// DNS-over-HTTPS resolvers speaking the JSON API (`?name=…&type=A`).
    pub doh_resolvers: Vec<String>,
    /// Port used when asking the local resolver about a name through a STUN URL.
    pub resolve_port: u16,
    /// A URL shaped like an advert that the deployment answers ([`bait_url`]): fetched first; a
    /// content blocker refuses it, and its refusals are then not taken for the network's.
    pub bait_url: Option<String>,
    /// The page runs from an https origin: the browser refuses plain `http://` and `ws://`
    /// from it (mixed content), so their https / wss equivalents are measured instead.
    pub page_secure: bool,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            concurrency: 8,
            max_concurrency: MAX_CONCURRENCY,
            adaptive_timeouts: true,
            fetch_timeout_ms: 8_000,
            image_timeout_ms: 12_000,
            doh_timeout_ms: 5_000,
            resolve_timeout_ms: 2_000,
            socket_timeout_ms: 8_000,
            ice_timeout_ms: 6_000,
            budget_ms: 10 * 60 * 1000,
            doh_resolvers: vec!["https://cloudflare-dns.com/dns-query".into(), "https://dns.google/resolve".into()],
            resolve_port: 3478,
            bait_url: None,
            page_secure: false,
        }
    }
}

/// The content-blocker bait on a deployment at `origin` (the collector answers it with a
/// one-pixel GIF): path and query words that common filter lists (EasyList's generic rules)
/// block wherever they appear.
pub fn bait_url(origin: &str) -> String {
    format!("{}/ads/banner.gif?ajar=1&ad_type=banner&adclient=ajar&ad_zones=1", origin.trim_end_matches('/'))
}

impl PlanConfig {
    /// Sets the DoH resolvers from a comma-separated list (the app's `doh=`, the embed's
    /// `data-doh`), keeping only http(s) URLs; the defaults stay if none is left.
    pub fn set_doh_resolvers(&mut self, list: &str) {
        let given: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|u| {
                crate::url::TargetUrl::parse(u)
                    .is_ok_and(|t| matches!(t.scheme, crate::url::Scheme::Http | crate::url::Scheme::Https))
            })
            .map(String::from)
            .collect();
        if !given.is_empty() {
            self.doh_resolvers = given;
        }
    }

    pub fn effective_concurrency(&self) -> u32 {
        self.concurrency.clamp(1, MAX_CONCURRENCY)
    }

    /// The most probes in flight the run may reach (never under the starting number).
    pub fn effective_max_concurrency(&self) -> u32 {
        self.max_concurrency.clamp(self.effective_concurrency(), MAX_CONCURRENCY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doh_resolvers_from_a_list_keep_only_web_urls() {
        let mut c = PlanConfig::default();
        c.set_doh_resolvers(" https://a.test/dns-query , http://127.0.0.1:8470/dns-query,,wss://x.test/, not a url");
        assert_eq!(c.doh_resolvers, vec!["https://a.test/dns-query", "http://127.0.0.1:8470/dns-query"]);
        let mut c = PlanConfig::default();
        c.set_doh_resolvers("stun:a.test:3478, ");
        assert_eq!(c.doh_resolvers, PlanConfig::default().doh_resolvers, "nothing usable: the defaults stay");
    }
}
