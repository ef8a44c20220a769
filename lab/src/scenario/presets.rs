//! Ready-made scenarios: the hand-made demo (one host per technique), random ones for the
//! accuracy benchmark, and the scan benchmark's network.

use super::{Host, Ports, Scenario, Technique, BLOCKED_PROVIDER, TRACKER_HOST};
use crate::canary::CanaryLab;

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
            https(h("busy.test", Technique::SlowServer, "NEWS")),
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
    use ajar_core::list::List;

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
    fn scan_scenario_has_the_asked_share_of_holes() {
        let s = Scenario::scan(1000, 0.1, 50);
        let holes = s.hosts.iter().filter(|h| h.technique == Technique::Blackhole).count();
        assert_eq!(holes, 100);
        assert!(s.hosts.iter().all(|h| h.latency_ms == 50));
    }
}
