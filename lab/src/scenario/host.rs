//! A lab host, and the verdict a browser can honestly reach for it (the ground truth the
//! benchmarks score against), by what the browser can do.

use super::{Technique, TRACKER_HOST};
use ajar_core::verdict::Verdict;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub technique: Technique,
    #[serde(default = "default_category")]
    pub category: String,
    /// A distant server: added to the round trip of every connection to it (lab/src/link.rs).
    #[serde(default)]
    pub latency_ms: u32,
    /// Which provider's range an outside resolver places it in (third octet of 198.18.x.y).
    #[serde(default)]
    pub provider: u8,
    /// Listed as `https://` (or `wss://`) rather than `http://` (`ws://`).
    #[serde(default)]
    pub https: bool,
    /// An internationalised name as the list writes it (`пример.test`); `name` is then its
    /// Punycode form (`xn--e1afmkfd.test`), the one resolvers, SNI and Host headers carry.
    #[serde(default)]
    pub label: Option<String>,
}

/// A host this far away (`latency_ms`) also loses this share of its segments.
pub const DISTANT_MS: u32 = 300;
pub const DISTANT_LOSS: f64 = 0.02;

impl Host {
    /// The share of segments lost on the way to it: 2 % for a distant server (300 ms or more
    /// added), none otherwise (the path's own loss applies to every host).
    pub fn loss(&self) -> f64 {
        if self.latency_ms >= DISTANT_MS {
            DISTANT_LOSS
        } else {
            0.0
        }
    }

    pub(super) fn secure(&self) -> bool {
        self.https || self.technique.https_only()
    }

    /// The verdict a browser can honestly reach for this host (docs/verdicts.md has the
    /// table with the reasons): from an https page or not, with a known image per target
    /// (the lab's JSON list) or without (a CSV list, as real lists are).
    pub fn expected(&self, page_secure: bool, images: bool, browser: Browser) -> Verdict {
        let verdict = self.expected_without_blocker(page_secure, images, browser);
        // A content blocker (it refused the plan's bait) may be what refused a request that
        // failed at once or an image that did not load: those are not the network's doing.
        let refusable = matches!(verdict, Verdict::Reset | Verdict::Blockpage) || self.name == TRACKER_HOST;
        if browser.content_blocker && refusable {
            Verdict::Inconclusive
        } else {
            verdict
        }
    }

    /// [`Host::expected`] for an app whose fetches give up after `timeout_ms` (its `timeout=`
    /// setting; `None`: the default pace, whose second look waits 4 s): a slow server that
    /// needs longer never answers here, and answers slowly from outside: `inconclusive`.
    pub fn expected_within(
        &self,
        page_secure: bool,
        images: bool,
        browser: Browser,
        timeout_ms: Option<u64>,
    ) -> Verdict {
        let too_short = timeout_ms.is_some_and(|t| t < super::SLOW_SERVER_MS + 500);
        match self.expected(page_secure, images, browser) {
            Verdict::Ok if self.technique == Technique::SlowServer && too_short => Verdict::Inconclusive,
            v => v,
        }
    }

    fn expected_without_blocker(&self, page_secure: bool, images: bool, browser: Browser) -> Verdict {
        use Technique as T;
        // From an https page a plain target is measured over https (mixed content).
        let upgraded = page_secure && !self.secure();
        let fast_failure =
            matches!(self.technique, T::Reset | T::Fin | T::Refuse | T::TlsSni | T::DnsRemoval | T::RedirectBlocked)
                || (matches!(self.technique, T::Blockpage | T::DnsBlockpage) && (self.secure() || page_secure));
        match self.technique {
            // Without the local resolver's answer a fast failure is DNS removal or a reset.
            _ if fast_failure && !browser.resolver_check => Verdict::Inconclusive,
            // Without a STUN server that answers, no STUN server can be called blocked.
            T::StunOk | T::StunDrop if !browser.stun => Verdict::Inconclusive,
            // A slow server's first look gives up; its second waits long enough.
            T::Ok | T::WsOk | T::StunOk | T::Huge | T::TransparentProxy | T::SlowServer => Verdict::Ok,
            // A lookup that never returns hangs the page's request exactly as dropped packets
            // do: a page cannot tell which of the two the network dropped (docs/verdicts.md).
            T::Blackhole | T::IpRange | T::SynDrop | T::DnsDrop => Verdict::Blackhole,
            // The site's own name resolves and answers from outside; the request fails fast
            // at a later hop: to a page, a reset of the site.
            T::RedirectBlocked => Verdict::Reset,
            // An RST, a FIN, a refusal and an RST during TLS all reach a page as the same
            // fast network error; only ajar's own canaries can tell TLS apart.
            T::Reset | T::Fin | T::Refuse | T::TlsSni => Verdict::Reset,
            // Over https a block page box cannot show a valid certificate: a TLS failure.
            T::Blockpage | T::DnsBlockpage if self.secure() || page_secure => Verdict::Reset,
            // The block page replaces the page and every image on it: the list's known image,
            // or the one the outside view finds on the site (every lab site has a favicon at
            // least), comes back as no image.
            T::Blockpage | T::DnsBlockpage | T::BlockpageTrusted => Verdict::Blockpage,
            // A rate needs an image of tens of kB: the list's, or the `og:image` the outside
            // view finds on most sites; a favicon measures the round trip only.
            T::Throttle if images || crate::site_image::of(&self.name).og.is_some() => Verdict::Throttled,
            T::Throttle => Verdict::Ok,
            T::DnsRemoval => Verdict::Dns,
            // Only wss:// could be tried, which the server may simply not offer.
            T::WsDrop if upgraded => Verdict::Inconclusive,
            T::WsDrop | T::StunDrop => Verdict::BlockedProtocol,
            // Its https fails from outside too, and plain HTTP was never tried.
            T::Down | T::Silent if upgraded => Verdict::Inconclusive,
            T::Down | T::Silent | T::NoSuchName | T::ServerError => Verdict::Down,
            T::CertExpired | T::CertWrongName | T::CertUnknownCa => Verdict::Down,
            // The browser refuses the answer: nothing to say about the network.
            T::Corp => Verdict::Inconclusive,
        }
    }
}

/// What the browser can do in the lab. Both browsers can do both in `scripts/netns.sh`,
/// whose veth pair gives Firefox the host address and default route it needs to gather ICE
/// candidates (without them its resolver check and STUN are silent: [`Browser::SILENT_ICE`]).
/// A test sets `truth.json?browser=` to the browser it scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Browser {
    pub resolver_check: bool,
    pub stun: bool,
    /// A content blocker runs in it (`wasm-tests/e2e/blocker/`: it blocks ajar's bait and
    /// [`TRACKER_HOST`], as filter lists block advert URLs and tracker domains).
    pub content_blocker: bool,
}

impl Browser {
    pub const CHROMIUM: Browser = Browser { resolver_check: true, stun: true, content_blocker: false };
    pub const FIREFOX_IN_LAB: Browser = Browser { resolver_check: true, stun: true, content_blocker: false };
    /// A browser whose WebRTC reports nothing (no network to gather on, or a policy).
    pub const SILENT_ICE: Browser = Browser { resolver_check: false, stun: false, content_blocker: false };
    /// Chromium with the lab's content blocker extension.
    pub const CHROMIUM_WITH_BLOCKER: Browser = Browser { content_blocker: true, ..Browser::CHROMIUM };
}

fn default_category() -> String {
    "MISC".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn a_browser_without_webrtc_signals_is_owed_only_what_it_can_tell() {
        let s = Scenario::demo();
        let expect = |name: &str, browser| s.host(name).unwrap().expected(true, false, browser);
        assert_eq!(expect("reset.test", Browser::CHROMIUM), Verdict::Reset);
        assert_eq!(expect("reset.test", Browser::SILENT_ICE), Verdict::Inconclusive);
        assert_eq!(expect("moved.test", Browser::SILENT_ICE), Verdict::Inconclusive);
        assert_eq!(expect("calls.test", Browser::SILENT_ICE), Verdict::Inconclusive);
        assert_eq!(expect("dns-drop.test", Browser::SILENT_ICE), Verdict::Blackhole);
        assert_eq!(expect("proxied.test", Browser::FIREFOX_IN_LAB), Verdict::Ok);
        let blocker = Browser::CHROMIUM_WITH_BLOCKER;
        assert_eq!(expect("reset.test", blocker), Verdict::Inconclusive);
        assert_eq!(expect(TRACKER_HOST, blocker), Verdict::Inconclusive);
        assert_eq!(expect(TRACKER_HOST, Browser::CHROMIUM), Verdict::Ok);
        assert_eq!(expect("nxdomain.test", blocker), Verdict::Dns);
        assert_eq!(expect("blackhole.test", blocker), Verdict::Blackhole);
    }
}
