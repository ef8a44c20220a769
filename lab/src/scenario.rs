//! Scenarios: which lab hosts exist, how each is censored, and what a browser
//! can honestly conclude about it (the ground truth the benchmarks score against).

use crate::canary::CanaryLab;
use ajar_core::list::{ImageSpec, List, Target};
use ajar_core::observation::OutsideView;
use ajar_core::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// How the lab treats a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// Answers normally.
    Ok,
    /// Accepts and never answers (packets dropped).
    Blackhole,
    /// In a provider's address range that is dropped as a whole (collateral damage).
    IpRange,
    /// Reads the request, then resets the connection (RST injection).
    Reset,
    /// Nobody listens at its address: connection refused.
    Refuse,
    /// Resets the TLS handshake on seeing the host's SNI.
    TlsSni,
    /// Answers every path with a block page.
    Blockpage,
    /// Answers at 128 kbit/s.
    Throttle,
    /// Removed from the local DNS; exists for an outside resolver.
    DnsRemoval,
    /// A WebSocket endpoint whose upgrades are refused while its web works.
    WsDrop,
    /// A WebSocket endpoint that works.
    WsOk,
    /// A STUN server whose packets are dropped.
    StunDrop,
    /// A STUN server that answers.
    StunOk,
    /// Down everywhere: refused here and from outside.
    Down,
    /// The name exists nowhere.
    NoSuchName,
    /// Closes the connection (FIN) after the request, or after the ClientHello.
    Fin,
    /// Down everywhere: accepts and never answers, here and from outside.
    Silent,
    /// Down everywhere: its certificate expired (served over https only).
    CertExpired,
    /// Down everywhere: its certificate is for another name (https only).
    CertWrongName,
    /// Down everywhere: its certificate is from a CA nobody trusts (https only).
    CertUnknownCa,
    /// Down everywhere: answers every request with 503.
    ServerError,
    /// Works, but forbids cross-origin loads (`Cross-Origin-Resource-Policy: same-origin`).
    Corp,
    /// Works, serving a 32 MiB page.
    Huge,
    /// IP blocking by dropped SYNs: its address is a listener whose accept queue is full.
    SynDrop,
    /// The local resolver answers with the address of a block-page server.
    DnsBlockpage,
    /// The local resolver's queries for the name are dropped: lookups hang until they time out.
    DnsDrop,
    /// Works, but answers with a redirect to `hop.<name>`, a later hop that is reset locally
    /// (a site moved to a CDN name the censor blocks).
    RedirectBlocked,
    /// Works through a transparent proxy that intercepts (with a certificate the browser
    /// trusts, as a corporate proxy's): it adds `Via`, injects into pages, re-encodes images
    /// (other bytes, same dimensions).
    TransparentProxy,
    /// A block page for the page and every image, behind a certificate the browser trusts:
    /// the site's own CDN or host blocking the country (HTTP 451), or a filter whose CA the
    /// device trusts (a school's, a company's, a state CA the visitor was made to install).
    BlockpageTrusted,
}

impl Technique {
    pub const ALL: [Technique; 29] = [
        Technique::Ok,
        Technique::Blackhole,
        Technique::IpRange,
        Technique::Reset,
        Technique::Refuse,
        Technique::TlsSni,
        Technique::Blockpage,
        Technique::Throttle,
        Technique::DnsRemoval,
        Technique::WsDrop,
        Technique::WsOk,
        Technique::StunDrop,
        Technique::StunOk,
        Technique::Down,
        Technique::NoSuchName,
        Technique::Fin,
        Technique::Silent,
        Technique::CertExpired,
        Technique::CertWrongName,
        Technique::CertUnknownCa,
        Technique::ServerError,
        Technique::Corp,
        Technique::Huge,
        Technique::SynDrop,
        Technique::DnsBlockpage,
        Technique::DnsDrop,
        Technique::RedirectBlocked,
        Technique::TransparentProxy,
        Technique::BlockpageTrusted,
    ];

    /// Served over https whatever the host's scheme choice (certificate cases, SNI resets).
    pub fn https_only(self) -> bool {
        matches!(self, Technique::TlsSni | Technique::CertExpired | Technique::CertWrongName | Technique::CertUnknownCa)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Ok => "ok",
            Technique::Blackhole => "blackhole",
            Technique::IpRange => "ip_range",
            Technique::Reset => "reset",
            Technique::Refuse => "refuse",
            Technique::TlsSni => "tls_sni",
            Technique::Blockpage => "blockpage",
            Technique::Throttle => "throttle",
            Technique::DnsRemoval => "dns_removal",
            Technique::WsDrop => "ws_drop",
            Technique::WsOk => "ws_ok",
            Technique::StunDrop => "stun_drop",
            Technique::StunOk => "stun_ok",
            Technique::Down => "down",
            Technique::NoSuchName => "no_such_name",
            Technique::Fin => "fin",
            Technique::Silent => "silent",
            Technique::CertExpired => "cert_expired",
            Technique::CertWrongName => "cert_wrong_name",
            Technique::CertUnknownCa => "cert_unknown_ca",
            Technique::ServerError => "server_error",
            Technique::Corp => "corp",
            Technique::Huge => "huge",
            Technique::SynDrop => "syn_drop",
            Technique::DnsBlockpage => "dns_blockpage",
            Technique::DnsDrop => "dns_drop",
            Technique::RedirectBlocked => "redirect_blocked",
            Technique::TransparentProxy => "transparent_proxy",
            Technique::BlockpageTrusted => "blockpage_trusted",
        }
    }
}

/// Where the lab listens (all on loopback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ports {
    /// The lab's API and every host over plain HTTP.
    pub http: u16,
    /// The same over TLS (and the canaries behind their DPI box).
    pub tls: u16,
    pub stun: u16,
    pub stun_silent: u16,
    /// Where targets are reached as on the real web (80 and 443, inside a network namespace):
    /// list URLs then carry no port, so an https page can measure a plain-HTTP target's https
    /// equivalent. 0: off, and targets use `http` / `tls` with explicit ports.
    pub web_http: u16,
    pub web_tls: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports { http: 8470, tls: 8471, stun: 3478, stun_silent: 3479, web_http: 0, web_tls: 0 }
    }
}

impl Ports {
    /// `scheme://name[:port]` of a target host, on the web ports when they are on.
    pub fn origin(&self, https: bool, name: &str) -> String {
        let (scheme, port, default) = match https {
            true if self.web_tls > 0 => ("https", self.web_tls, 443),
            true => ("https", self.tls, 443),
            false if self.web_http > 0 => ("http", self.web_http, 80),
            false => ("http", self.http, 80),
        };
        if port == default {
            format!("{scheme}://{name}")
        } else {
            format!("{scheme}://{name}:{port}")
        }
    }
}

/// Names that do not resolve are mapped here; refused hosts to an address nobody listens on.
pub const REFUSED_ADDR: &str = "127.0.0.2";
/// Hosts blocked by dropped SYNs map here: a listener whose accept queue is full.
pub const SYN_DROP_ADDR: &str = "127.0.0.3";
/// Hosts whose local DNS answer is a block-page server map here.
pub const BLOCKPAGE_ADDR: &str = "127.0.0.4";
/// A [`Technique::RedirectBlocked`] host redirects to this prefix before its own name.
pub const HOP_PREFIX: &str = "hop.";
/// Throttled hosts send this many bits per second.
pub const THROTTLE_BPS: u64 = 128_000;

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

    fn secure(&self) -> bool {
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
            T::Ok | T::WsOk | T::StunOk | T::Huge | T::TransparentProxy => Verdict::Ok,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    #[serde(default)]
    pub ports: Ports,
    pub hosts: Vec<Host>,
    /// ajar's canaries and the DPI box in front of them.
    #[serde(default)]
    pub canary: CanaryLab,
    /// The emulated path between the browser and the lab (round trip, loss, rate).
    #[serde(default)]
    pub link: crate::link::LinkProfile,
}

/// A working site that the lab's content blocker blocks (a tracker on filter lists).
pub const TRACKER_HOST: &str = "tracker.test";
/// The lab's control host: always answers, serves the same image at full speed.
pub const CONTROL_HOST: &str = "control.test";
/// The lab's DNS-over-HTTPS resolver (JSON API).
pub const DOH_HOST: &str = "doh.test";
/// A partner news site serving `www/partner.html`, for the embed's tests.
pub const PARTNER_HOST: &str = "partner.test";
/// The lab's own API: the list, the controls, the outside view, the ground truth.
pub const API_HOST: &str = "lab.test";
/// The lab's STUN control: a STUN server that always answers.
pub const STUN_CONTROL_HOST: &str = "stun-control.test";
/// The app's https name: the lab terminates TLS for it and passes requests to the collector.
pub const APP_HOST: &str = "ajar.test";
/// The provider range that [`Technique::IpRange`] hosts share.
pub const BLOCKED_PROVIDER: u8 = 200;

impl Scenario {
    /// The hand-made demo: one host per technique, with names a visitor can read.
    pub fn demo() -> Scenario {
        let h = |name: &str, technique, category: &str| Host {
            name: name.into(),
            technique,
            category: category.into(),
            latency_ms: 0,
            provider: 1,
            https: false,
            label: None,
        };
        let https = |host: Host| Host { https: true, ..host };
        let mut hosts = vec![
            h("ok.test", Technique::Ok, "NEWS"),
            h("nxdomain.test", Technique::DnsRemoval, "COMT"),
            h("news.test", Technique::Ok, "NEWS"),
            h("blackhole.test", Technique::Blackhole, "POLR"),
            h("reset.test", Technique::Reset, "HUMR"),
            h("refused.test", Technique::Refuse, "ANON"),
            h("sni.test", Technique::TlsSni, "MMED"),
            h("blockpage.test", Technique::Blockpage, "LGBT"),
            h("slow.test", Technique::Throttle, "GRP"),
            // Throttled, but its page links no image and its favicon is too small for a rate.
            h("slow-icon.test", Technique::Throttle, "GRP"),
            h("geo.test", Technique::BlockpageTrusted, "NEWS"),
            https(h("secure-geo.test", Technique::BlockpageTrusted, "NEWS")),
            h("chat.test", Technique::WsDrop, "COMT"),
            h("socket.test", Technique::WsOk, "COMT"),
            h("calls.test", Technique::StunDrop, "COMT"),
            h("stun.test", Technique::StunOk, "COMT"),
            h("down.test", Technique::Down, "MISC"),
            h("nowhere.test", Technique::NoSuchName, "MISC"),
            https(h("secure.test", Technique::Ok, "NEWS")),
            https(h("secure-reset.test", Technique::Reset, "HUMR")),
            https(h("secure-hole.test", Technique::Blackhole, "POLR")),
            https(h("secure-socket.test", Technique::WsOk, "COMT")),
            https(h("secure-chat.test", Technique::WsDrop, "COMT")),
            Host { latency_ms: 300, ..https(h("far.test", Technique::Ok, "NEWS")) },
            h("fin.test", Technique::Fin, "HUMR"),
            https(h("secure-fin.test", Technique::Fin, "HUMR")),
            https(h("silent.test", Technique::Silent, "MISC")),
            h("expired.test", Technique::CertExpired, "MISC"),
            h("wrong-name.test", Technique::CertWrongName, "MISC"),
            h("unknown-ca.test", Technique::CertUnknownCa, "MISC"),
            https(h("broken.test", Technique::ServerError, "MISC")),
            https(h("corp.test", Technique::Corp, "NEWS")),
            https(h("huge.test", Technique::Huge, "MMED")),
            h("syn.test", Technique::SynDrop, "POLR"),
            https(h("secure-syn.test", Technique::SynDrop, "POLR")),
            h("dns-blockpage.test", Technique::DnsBlockpage, "HUMR"),
            // An IDN name removed from DNS: DoH and the resolver check must ask its Punycode form.
            Host { label: Some("пример.test".into()), ..h("xn--e1afmkfd.test", Technique::DnsRemoval, "NEWS") },
            h(TRACKER_HOST, Technique::Ok, "MISC"),
            h("dns-drop.test", Technique::DnsDrop, "HUMR"),
            https(h("secure-dns-drop.test", Technique::DnsDrop, "HUMR")),
            h("moved.test", Technique::RedirectBlocked, "NEWS"),
            https(h("secure-moved.test", Technique::RedirectBlocked, "NEWS")),
            h("proxied.test", Technique::TransparentProxy, "NEWS"),
            https(h("secure-proxied.test", Technique::TransparentProxy, "NEWS")),
        ];
        // Each on a provider of its own: only the three below share a blocked range.
        for (i, host) in hosts.iter_mut().enumerate() {
            host.provider = (i % 190) as u8 + 1;
        }
        for i in 1..=3 {
            hosts.push(Host { provider: BLOCKED_PROVIDER, ..h(&format!("cdn{i}.test"), Technique::IpRange, "COMT") });
        }
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default(), link: Default::default() }
    }

    /// A random scenario of `n` hosts from `seed`: every technique makes up at least
    /// 2.5% of hosts; the rest answer normally (one in eight of those 300 ms away). Half the
    /// hosts are listed as https.
    pub fn generate(n: usize, seed: u64, latency_ms: u32) -> Scenario {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let per = n.div_ceil(40).max(1); // 2.5% each
        let mut techniques: Vec<Technique> =
            Technique::ALL.iter().skip(1).flat_map(|t| std::iter::repeat_n(*t, per)).collect();
        techniques.truncate(n);
        techniques.resize(n, Technique::Ok);
        // Fisher–Yates
        for i in (1..techniques.len()).rev() {
            techniques.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let categories = ajar_core::category::CODES;
        let hosts = techniques
            .into_iter()
            .enumerate()
            .map(|(i, technique)| Host {
                // The seed in the name: an outside view cached for one scenario (the collector's
                // control keeps answers for minutes) never answers for another's host.
                name: format!("s{seed}-site-{i:04}.test"),
                technique,
                category: categories[(rng.next() % categories.len() as u64) as usize].into(),
                latency_ms: if technique == Technique::Ok && i % 8 == 3 { latency_ms.max(300) } else { latency_ms },
                provider: if technique == Technique::IpRange { BLOCKED_PROVIDER } else { (rng.next() % 190) as u8 },
                https: rng.next() % 2 == 0,
                label: None,
            })
            .collect();
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default(), link: Default::default() }
    }

    /// The scan benchmark's network: `n` ordinary hosts, `blackholed_share` of them dropped,
    /// every answer `latency_ms` late.
    pub fn scan(n: usize, blackholed_share: f64, latency_ms: u32) -> Scenario {
        let holes = (n as f64 * blackholed_share).round() as usize;
        let hosts = (0..n)
            .map(|i| Host {
                name: format!("scan-{i:04}.test"),
                // Spread evenly, so the holes are not all at the end of the list.
                technique: if holes > 0 && i % (n / holes).max(1) == 0 && i / (n / holes).max(1) < holes {
                    Technique::Blackhole
                } else {
                    Technique::Ok
                },
                category: "NEWS".into(),
                latency_ms,
                provider: (i % 190) as u8,
                https: false,
                label: None,
            })
            .collect();
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default(), link: Default::default() }
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The [`Technique::RedirectBlocked`] host whose later hop `name` is (`hop.<its name>`).
    pub fn blocked_hop(&self, name: &str) -> Option<&Host> {
        let site = name.strip_prefix(HOP_PREFIX)?;
        self.host(site).filter(|h| h.technique == Technique::RedirectBlocked)
    }

    /// The URL the list gives for a host.
    pub fn url_of(&self, host: &Host) -> String {
        let p = self.ports;
        let origin = p.origin(host.secure(), host.label.as_deref().unwrap_or(&host.name));
        match host.technique {
            Technique::WsDrop | Technique::WsOk => {
                let (scheme, rest) = origin.split_once(':').unwrap_or(("http", ""));
                format!("{}:{rest}/socket", if scheme == "https" { "wss" } else { "ws" })
            }
            Technique::StunDrop => format!("stun:{}:{}", host.name, p.stun_silent),
            Technique::StunOk => format!("stun:{}:{}", host.name, p.stun),
            _ => format!("{origin}/"),
        }
    }

    fn image_of(&self, name: &str, https: bool) -> ImageSpec {
        ImageSpec {
            url: format!("{}/logo.bmp", self.ports.origin(https, name)),
            width: crate::image::WIDTH,
            height: crate::image::HEIGHT,
            bytes: Some(crate::image::bmp_len()),
        }
    }

    /// The list the app runs: every host, with the known image on web hosts.
    pub fn list(&self) -> List {
        let targets = self
            .hosts
            .iter()
            .map(|h| {
                let url = self.url_of(h);
                let web = url.starts_with("http");
                Target { url, category: h.category.clone(), image: web.then(|| self.image_of(&h.name, h.secure())) }
            })
            .collect();
        List { targets }
    }

    /// The control set: the lab's control host, with its full-speed image.
    pub fn controls(&self) -> List {
        let https = self.ports.web_tls > 0;
        let url = format!("{}/", self.ports.origin(https, CONTROL_HOST));
        let web = Target { url, category: "CTRL".into(), image: Some(self.image_of(CONTROL_HOST, https)) };
        // A STUN server that always answers: the STUN control.
        let stun = Target { url: self.stun_control(), category: "CTRL".into(), image: None };
        List { targets: vec![web, stun] }
    }

    /// The lab's STUN control (a deployment's `CONTROLS` names one the same way).
    pub fn stun_control(&self) -> String {
        format!("stun:{STUN_CONTROL_HOST}:{}", self.ports.stun)
    }

    /// What an outside vantage point sees of a host.
    pub fn outside(&self, host: &Host) -> OutsideView {
        let view =
            |resolves, reachable| OutsideView { resolves, reachable, cross_origin_blocked: false, server_error: false };
        match host.technique {
            Technique::NoSuchName => view(false, false),
            Technique::Down | Technique::Silent => view(true, false),
            Technique::CertExpired | Technique::CertWrongName | Technique::CertUnknownCa => view(true, false),
            Technique::Corp => OutsideView { cross_origin_blocked: true, ..view(true, true) },
            Technique::ServerError => OutsideView { server_error: true, ..view(true, true) },
            _ => view(true, true),
        }
    }

    /// Addresses an outside resolver gives for `name` (None: no such name).
    pub fn doh_answer(&self, name: &str) -> Option<Vec<String>> {
        let name = name.trim_end_matches('.');
        if name == CONTROL_HOST || name == API_HOST || name == DOH_HOST {
            return Some(vec!["198.19.0.1".into()]);
        }
        let (i, host) = self.hosts.iter().enumerate().find(|(_, h)| h.name == name)?;
        if host.technique == Technique::NoSuchName {
            return None;
        }
        Some(vec![format!("198.18.{}.{}", host.provider, i % 250 + 1)])
    }

    /// Chromium's `--host-resolver-rules` for this scenario: removed names fail,
    /// refused hosts go where nobody listens, every other `.test` name reaches the lab,
    /// and nothing else resolves at all (tests never leave loopback). Names whose queries
    /// are dropped go to the system resolver when that is the lab's ([`crate::dns`]), else
    /// to an address whose SYNs are dropped: a hang the page sees the same way.
    pub fn resolver_rules(&self) -> String {
        self.resolver_rules_with(crate::dns::system_resolver_is_lab())
    }

    pub fn resolver_rules_with(&self, system_resolver_is_lab: bool) -> String {
        let mut rules = Vec::new();
        for h in &self.hosts {
            let to = match h.technique {
                Technique::DnsDrop if system_resolver_is_lab => {
                    rules.push(format!("EXCLUDE {}", h.name));
                    rules.push(format!("EXCLUDE {}.", h.name));
                    continue;
                }
                Technique::DnsDrop => SYN_DROP_ADDR,
                Technique::DnsRemoval | Technique::NoSuchName => "~NOTFOUND",
                Technique::Refuse | Technique::Down => REFUSED_ADDR,
                Technique::SynDrop => SYN_DROP_ADDR,
                Technique::DnsBlockpage => BLOCKPAGE_ADDR,
                _ => continue,
            };
            // STUN URLs are looked up as "name." – map both spellings.
            rules.push(format!("MAP {} {to}", h.name));
            rules.push(format!("MAP {}. {to}", h.name));
        }
        for (name, to) in self.canary.resolver_overrides() {
            rules.push(format!("MAP {name} {to}"));
            rules.push(format!("MAP {name}. {to}"));
        }
        rules.extend(["MAP *.test 127.0.0.1".into(), "MAP *.test. 127.0.0.1".into(), "MAP * ~NOTFOUND".into()]);
        rules.extend(["EXCLUDE localhost".into(), "EXCLUDE 127.0.0.1".into()]);
        rules.join(", ")
    }
}

impl Scenario {
    /// Firefox has no resolver rules: its `network.dns.localDomains` pref makes the names
    /// listed resolve to loopback, and every other name goes to a resolver this namespace
    /// does not have (it fails, as a removed name does) or, in `scripts/netns.sh`, to the
    /// lab's resolver, which answers "no such name" and drops the queries of
    /// [`Technique::DnsDrop`] names. Refused hosts reach the lab too,
    /// which resets them: to a page the same fast network error.
    pub fn firefox_local_domains(&self) -> String {
        let removed: Vec<String> = self
            .canary
            .resolver_overrides()
            .into_iter()
            .filter(|(_, to)| *to == "~NOTFOUND")
            .map(|(name, _)| name)
            .collect();
        let mut names: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| !matches!(h.technique, Technique::DnsRemoval | Technique::NoSuchName | Technique::DnsDrop))
            .map(|h| h.name.clone())
            .collect();
        // A redirect's later hop resolves (it is reset when reached).
        names.extend(
            self.hosts
                .iter()
                .filter(|h| h.technique == Technique::RedirectBlocked)
                .map(|h| format!("{HOP_PREFIX}{}", h.name)),
        );
        names.extend(
            [API_HOST, APP_HOST, CONTROL_HOST, DOH_HOST, PARTNER_HOST, STUN_CONTROL_HOST, "public.test"]
                .map(String::from),
        );
        names.extend(self.canary.names().into_iter().filter(|n| !removed.contains(n)));
        names.join(",")
    }
}

/// xorshift64*: deterministic, dependency-free; scenarios need repeatability, not secrecy.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_scenarios_mix_every_technique_and_repeat() {
        let s = Scenario::generate(500, 7, 0);
        assert_eq!(s.hosts.len(), 500);
        for t in Technique::ALL {
            let share = s.hosts.iter().filter(|h| h.technique == t).count() as f64 / 500.0;
            assert!(share >= 0.025, "{t:?} is only {share}");
        }
        let https = s.hosts.iter().filter(|h| h.https).count();
        assert!((150..350).contains(&https), "{https} of 500 listed as https");
        assert_eq!(s, Scenario::generate(500, 7, 0));
        assert_ne!(s, Scenario::generate(500, 8, 0));
        assert_eq!(s.list().targets.len(), 500);
        List::parse(&serde_json::to_string(&s.list()).unwrap()).expect("the lab's list is a valid ajar list");
    }

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

    #[test]
    fn scan_scenario_has_the_asked_share_of_holes() {
        let s = Scenario::scan(1000, 0.1, 50);
        let holes = s.hosts.iter().filter(|h| h.technique == Technique::Blackhole).count();
        assert_eq!(holes, 100);
        assert!(s.hosts.iter().all(|h| h.latency_ms == 50));
    }

    #[test]
    fn rules_and_outside_answers_follow_the_techniques() {
        let s = Scenario::demo();
        let rules = s.resolver_rules();
        assert!(rules.contains("MAP nxdomain.test ~NOTFOUND, MAP nxdomain.test. ~NOTFOUND"));
        assert!(rules.contains("MAP refused.test 127.0.0.2"));
        assert!(rules.ends_with("MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"));
        assert!(s.doh_answer("nxdomain.test").is_some(), "removed locally, exists outside");
        assert!(s.doh_answer("nowhere.test").is_none());
        let cdn: Vec<String> = ["cdn1.test", "cdn2.test"].iter().map(|n| s.doh_answer(n).unwrap()[0].clone()).collect();
        assert!(cdn.iter().all(|a| a.starts_with("198.18.200.")));
        assert!(!s.outside(s.host("down.test").unwrap()).reachable);
    }
}
