//! Patterns across the targets of one run: what a single verdict cannot show.

use crate::infer::Evidence;
use crate::verdict::{Clue, Finding, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// So many targets must share a trait before it is called a pattern.
pub const MIN_TARGETS: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "pattern", rename_all = "snake_case")]
pub enum Pattern {
    /// Many targets in one address prefix all time out: the provider's addresses
    /// are blocked, and every site hosted there goes with them.
    AddressRangeBlocked { prefix: String, targets: Vec<String>, categories: Vec<String> },
    /// Many names fail to resolve locally at once: removal from the national DNS.
    DnsRemoval { targets: Vec<String> },
    /// Some hosts are slowed while others load at normal speed.
    Throttling { targets: Vec<String>, normal: u32 },
}

/// One target as the pattern finder sees it.
pub struct Measured<'a> {
    pub url: &'a str,
    pub category: &'a str,
    pub evidence: &'a Evidence,
    pub finding: &'a Finding,
}

/// Finds the patterns of a run, and strengthens the findings that belong to one.
pub fn find(measured: &[Measured]) -> Vec<Pattern> {
    let mut out = Vec::new();
    let mut by_prefix: BTreeMap<String, Vec<&Measured>> = BTreeMap::new();
    for m in measured.iter().filter(|m| m.finding.verdict == Verdict::Blackhole) {
        // Each once: one target counts once per prefix, however its answers interleave.
        for p in m.evidence.prefixes() {
            by_prefix.entry(p).or_default().push(m);
        }
    }
    for (prefix, ms) in by_prefix {
        if ms.len() >= MIN_TARGETS {
            let mut categories: Vec<String> = ms.iter().map(|m| m.category.to_string()).collect();
            categories.sort();
            categories.dedup();
            out.push(Pattern::AddressRangeBlocked {
                prefix,
                targets: ms.iter().map(|m| m.url.to_string()).collect(),
                categories,
            });
        }
    }
    let of = |v: Verdict| -> Vec<String> {
        measured.iter().filter(|m| m.finding.verdict == v).map(|m| m.url.to_string()).collect()
    };
    let dns = of(Verdict::Dns);
    if dns.len() >= MIN_TARGETS {
        out.push(Pattern::DnsRemoval { targets: dns });
    }
    let throttled = of(Verdict::Throttled);
    if !throttled.is_empty() {
        let normal = measured.iter().filter(|m| m.finding.verdict == Verdict::Ok).count() as u32;
        out.push(Pattern::Throttling { targets: throttled, normal });
    }
    out
}

/// Adds the shared-prefix clue to blackholed findings in a blocked range and
/// raises their confidence: many failing together is stronger evidence.
pub fn strengthen(findings: &mut [(String, Finding)], patterns: &[Pattern]) {
    for p in patterns {
        if let Pattern::AddressRangeBlocked { prefix, targets, .. } = p {
            for (_, f) in findings.iter_mut().filter(|(u, _)| targets.contains(u)) {
                f.clues.push(Clue::SharedPrefixFailing { prefix: prefix.clone(), count: targets.len() as u32 });
                f.confidence = (f.confidence + 0.03).min(0.99);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::Observation;

    fn ev(addr: &str) -> Evidence {
        Evidence {
            observations: vec![Observation::DohAddresses { addresses: vec![addr.into()] }],
            ..Evidence::default()
        }
    }

    #[test]
    fn finds_range_blocks_dns_waves_and_throttling() {
        let hole = Finding::new(Verdict::Blackhole, 0.9, vec![]);
        let dns = Finding::new(Verdict::Dns, 0.9, vec![]);
        let ok = Finding::new(Verdict::Ok, 0.9, vec![]);
        let slow = Finding::new(Verdict::Throttled, 0.9, vec![]);
        let evs: Vec<Evidence> = ["10.9.0.1", "10.9.0.2", "10.9.0.3", "10.8.0.1"].iter().map(|a| ev(a)).collect();
        let empty = Evidence::default();
        let urls = ["https://a/", "https://b/", "https://c/", "https://d/"];
        let mut m: Vec<Measured> = (0..4)
            .map(|i| Measured {
                url: urls[i],
                category: if i == 0 { "NEWS" } else { "COMT" },
                evidence: &evs[i],
                finding: &hole,
            })
            .collect();
        for u in ["https://e/", "https://f/", "https://g/"] {
            m.push(Measured { url: u, category: "GRP", evidence: &empty, finding: &dns });
        }
        m.push(Measured { url: "https://h/", category: "GRP", evidence: &empty, finding: &ok });
        m.push(Measured { url: "https://i/", category: "GRP", evidence: &empty, finding: &slow });
        let p = find(&m);
        assert_eq!(
            p[0],
            Pattern::AddressRangeBlocked {
                prefix: "10.9.0.0/24".into(),
                targets: vec!["https://a/".into(), "https://b/".into(), "https://c/".into()],
                categories: vec!["COMT".into(), "NEWS".into()],
            }
        );
        assert!(matches!(&p[1], Pattern::DnsRemoval { targets } if targets.len() == 3));
        assert_eq!(p[2], Pattern::Throttling { targets: vec!["https://i/".into()], normal: 1 });
        assert_eq!(p.len(), 3, "one blackholed target alone in 10.8.0.0/24 is no pattern");

        // Two targets whose answers interleave prefixes are two targets, not three.
        let mixed = Evidence {
            observations: vec![Observation::DohAddresses {
                addresses: vec!["10.7.0.1".into(), "10.6.0.1".into(), "10.7.0.2".into()],
            }],
            ..Evidence::default()
        };
        let two: Vec<Measured> = ["https://x/", "https://y/"]
            .iter()
            .map(|u| Measured { url: u, category: "NEWS", evidence: &mixed, finding: &hole })
            .collect();
        assert!(find(&two).is_empty(), "two targets never make a range of {MIN_TARGETS}");

        let mut findings = vec![("https://a/".to_string(), hole.clone()), ("https://d/".to_string(), hole.clone())];
        strengthen(&mut findings, &p);
        assert!(findings[0].1.confidence > 0.9);
        assert_eq!(findings[1].1, hole);
    }
}
