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
}

impl Technique {
    pub const ALL: [Technique; 15] = [
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
    ];

    /// The verdict a browser can honestly reach for this technique on a host that
    /// is not ajar's own (docs/lab.md has this table with the reasons).
    pub fn expected(self) -> Verdict {
        match self {
            Technique::Ok | Technique::WsOk | Technique::StunOk => Verdict::Ok,
            Technique::Blackhole | Technique::IpRange => Verdict::Blackhole,
            // An RST, a refusal and an RST during TLS all reach a page as the same
            // fast network error; only ajar's own canaries can tell TLS apart.
            Technique::Reset | Technique::Refuse | Technique::TlsSni => Verdict::Reset,
            Technique::Blockpage => Verdict::Blockpage,
            Technique::Throttle => Verdict::Throttled,
            Technique::DnsRemoval => Verdict::Dns,
            Technique::WsDrop | Technique::StunDrop => Verdict::BlockedProtocol,
            Technique::Down | Technique::NoSuchName => Verdict::Down,
        }
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
        }
    }
}

/// Where the lab listens (all on loopback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ports {
    pub http: u16,
    pub tls: u16,
    pub stun: u16,
    pub stun_silent: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports { http: 8470, tls: 8471, stun: 3478, stun_silent: 3479 }
    }
}

/// Names that do not resolve are mapped here; refused hosts to an address nobody listens on.
pub const REFUSED_ADDR: &str = "127.0.0.2";
/// Throttled hosts send this many bits per second.
pub const THROTTLE_BPS: u64 = 128_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub technique: Technique,
    #[serde(default = "default_category")]
    pub category: String,
    /// Added before every answer: the round trip of a distant server.
    #[serde(default)]
    pub latency_ms: u32,
    /// Which provider's range an outside resolver places it in (third octet of 198.18.x.y).
    #[serde(default)]
    pub provider: u8,
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
}

/// The lab's control host: always answers, serves the same image at full speed.
pub const CONTROL_HOST: &str = "control.test";
/// The lab's DNS-over-HTTPS resolver (JSON API).
pub const DOH_HOST: &str = "doh.test";
/// A partner news site serving `www/partner.html`, for the embed's tests.
pub const PARTNER_HOST: &str = "partner.test";
/// The lab's own API: the list, the controls, the outside view, the ground truth.
pub const API_HOST: &str = "lab.test";
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
        };
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
            h("chat.test", Technique::WsDrop, "COMT"),
            h("socket.test", Technique::WsOk, "COMT"),
            h("calls.test", Technique::StunDrop, "COMT"),
            h("stun.test", Technique::StunOk, "COMT"),
            h("down.test", Technique::Down, "MISC"),
            h("nowhere.test", Technique::NoSuchName, "MISC"),
        ];
        for i in 1..=3 {
            hosts.push(Host { provider: BLOCKED_PROVIDER, ..h(&format!("cdn{i}.test"), Technique::IpRange, "COMT") });
        }
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default() }
    }

    /// A random scenario of `n` hosts from `seed`: every technique makes up at least
    /// 5% of hosts; the rest answer normally.
    pub fn generate(n: usize, seed: u64, latency_ms: u32) -> Scenario {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let per = n.div_ceil(20).max(1); // 5% each
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
                name: format!("site-{i:04}.test"),
                technique,
                category: categories[(rng.next() % categories.len() as u64) as usize].into(),
                latency_ms,
                provider: if technique == Technique::IpRange { BLOCKED_PROVIDER } else { (rng.next() % 190) as u8 },
            })
            .collect();
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default() }
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
            })
            .collect();
        Scenario { ports: Ports::default(), hosts, canary: CanaryLab::default() }
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The URL the list gives for a host.
    pub fn url_of(&self, host: &Host) -> String {
        let p = self.ports;
        match host.technique {
            Technique::TlsSni => format!("https://{}:{}/", host.name, p.tls),
            Technique::WsDrop | Technique::WsOk => format!("ws://{}:{}/socket", host.name, p.http),
            Technique::StunDrop => format!("stun:{}:{}", host.name, p.stun_silent),
            Technique::StunOk => format!("stun:{}:{}", host.name, p.stun),
            _ => format!("http://{}:{}/", host.name, p.http),
        }
    }

    fn image_of(&self, name: &str) -> ImageSpec {
        ImageSpec {
            url: format!("http://{name}:{}/logo.bmp", self.ports.http),
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
                let web = url.starts_with("http://");
                Target { url, category: h.category.clone(), image: web.then(|| self.image_of(&h.name)) }
            })
            .collect();
        List { targets }
    }

    /// The control set: the lab's control host, with its full-speed image.
    pub fn controls(&self) -> List {
        let url = format!("http://{CONTROL_HOST}:{}/", self.ports.http);
        List { targets: vec![Target { url, category: "CTRL".into(), image: Some(self.image_of(CONTROL_HOST)) }] }
    }

    /// What an outside vantage point sees of a host.
    pub fn outside(&self, host: &Host) -> OutsideView {
        match host.technique {
            Technique::NoSuchName => OutsideView { resolves: false, reachable: false, cross_origin_blocked: false },
            Technique::Down => OutsideView { resolves: true, reachable: false, cross_origin_blocked: false },
            _ => OutsideView { resolves: true, reachable: true, cross_origin_blocked: false },
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
    /// and nothing else resolves at all (tests never leave loopback).
    pub fn resolver_rules(&self) -> String {
        let mut rules = Vec::new();
        for h in &self.hosts {
            let to = match h.technique {
                Technique::DnsRemoval | Technique::NoSuchName => "~NOTFOUND",
                Technique::Refuse | Technique::Down => REFUSED_ADDR,
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
            assert!(share >= 0.05, "{t:?} is only {share}");
        }
        assert_eq!(s, Scenario::generate(500, 7, 0));
        assert_ne!(s, Scenario::generate(500, 8, 0));
        assert_eq!(s.list().targets.len(), 500);
        List::parse(&serde_json::to_string(&s.list()).unwrap()).expect("the lab's list is a valid ajar list");
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
