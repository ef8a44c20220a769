//! Generated demo data for the explorer: several networks over several days, with a DNS
//! removal wave and an address-range wave, posted as valid `ajar.report/1` reports to a
//! collector running under `wrangler dev` (which takes each request's country and ASN from its
//! `MF-CF-Blob` header; Cloudflare's edge ignores that header).
//!
//! Never real data, and marked so everywhere it shows: its networks are the ASNs reserved for
//! documentation (AS64496–AS64511, RFC 5398), its sites are the lab's `*.test` hosts, its
//! addresses documentation ranges, its reports name their software `ajar-lab-demo/…`, its
//! campaign says so in its name. The explorer shows a "demo data" notice for those networks.

use ajar_core::report::Report;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The first and last documentation ASN (RFC 5398): the explorer marks them as demo data.
pub const DEMO_ASNS: std::ops::RangeInclusive<u32> = 64496..=64511;
pub const SOFTWARE: &str = "ajar-lab-demo/0.1.0";
/// The address range of the CDN hosts blocked as a whole in one network.
pub const RANGE: &str = "203.0.113.0/24";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoConfig {
    pub days: u32,
    /// Reports per hour in each of the larger networks (the small one sends one or two).
    pub per_hour: u32,
    pub seed: u64,
    /// The last hour of the data, in hours since 1970-01-01T00 (the current hour).
    pub now_hour: i64,
}

/// One network of the story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Network {
    pub country: &'static str,
    pub asn: u32,
    /// A small network: one or two reports an hour (its hours are withheld, its days are not).
    pub small: bool,
}

pub const NETWORKS: [Network; 5] = [
    Network { country: "RU", asn: 64496, small: false },
    Network { country: "RU", asn: 64497, small: false },
    Network { country: "KZ", asn: 64498, small: false },
    Network { country: "DE", asn: 64499, small: false },
    Network { country: "RU", asn: 64500, small: true },
];

/// The lab's hosts the demo measures, with their categories and address ranges.
pub const SITES: [(&str, &str, &str); 9] = [
    ("news.test", "NEWS", "2001:db8:1::/48"),
    ("nxdomain.test", "COMT", "2001:db8:2::/48"),
    ("reset.test", "HUMR", "2001:db8:3::/48"),
    ("blockpage.test", "LGBT", "2001:db8:4::/48"),
    ("slow.test", "GRP", "2001:db8:5::/48"),
    ("ok.test", "NEWS", "2001:db8:6::/48"),
    ("cdn1.test", "COMT", RANGE),
    ("cdn2.test", "COMT", RANGE),
    ("cdn3.test", "COMT", RANGE),
];

/// The sites of the demo campaign (messengers).
pub const CAMPAIGN_SITES: [&str; 4] = ["nxdomain.test", "cdn1.test", "cdn2.test", "cdn3.test"];

pub fn url(host: &str) -> String {
    format!("https://{host}/")
}

/// How `host` is treated in `net` at hour `t` of the story (0 = the first hour of `hours`):
/// the blocking verdict, if any. The story: in AS64496 three sites are removed from DNS from
/// 5/12 of the span on (a DNS removal wave); in AS64497 the CDN's whole address range is
/// dropped from 2/3 on (an address-range wave) and one news site is reset from 1/4 on; in
/// AS64498 one site is throttled from 1/6 on; a block page everywhere in Russia, always; DE
/// is the baseline.
pub fn treatment(net: &Network, host: &str, t: u32, hours: u32) -> Option<&'static str> {
    match (net.asn, host) {
        (64496, "nxdomain.test" | "news.test" | "reset.test") if t >= hours * 5 / 12 => Some("dns"),
        (64497, "cdn1.test" | "cdn2.test" | "cdn3.test") if t >= hours * 2 / 3 => Some("blackhole"),
        (64497, "news.test") if t >= hours / 4 => Some("reset"),
        (64498, "slow.test") if t >= hours / 6 => Some("throttled"),
        (_, "blockpage.test") if net.country == "RU" => Some("blockpage"),
        _ => None,
    }
}

/// splitmix64: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `YYYY-MM-DDTHH:00:00Z` of an hour index.
pub fn hour_string(hour: i64) -> String {
    format!("{}:00:00Z", ajar_core::explore::hour_bucket(hour))
}

/// A report to post and the network it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub network: Network,
    pub body: Value,
}

/// The demo's reports, in time order; in the campaign's networks in its last two days more
/// reports come that carry `campaign` (when given) and measure the campaign's sites only.
pub fn reports(cfg: &DemoConfig, campaign: Option<&str>) -> Vec<Demo> {
    let hours = cfg.days.max(1) * 24;
    // The seed alone: the same story whatever the hour it is told in (seeded by the hour,
    // some hours' draws left the DNS-removal wave too thin and the explorer test failed).
    let mut rng = Rng(cfg.seed);
    let mut out = Vec::new();
    for t in 0..hours {
        let hour = cfg.now_hour - i64::from(hours - 1 - t);
        for net in NETWORKS {
            let n = if net.small {
                1 + (rng.next() % 2) as u32
            } else {
                cfg.per_hour.saturating_sub(1) + (rng.next() % 3) as u32
            };
            // The campaign's visitors come on top of the others, in its networks, in its last two days.
            let extra = if campaign.is_some() && (64496..=64498).contains(&net.asn) && t + 48 >= hours {
                (cfg.per_hour / 2).max(3) + (rng.next() % 2) as u32
            } else {
                0
            };
            for k in 0..n + extra {
                let in_campaign = k >= n;
                let results: Vec<Value> = SITES
                    .iter()
                    .filter(|(host, _, _)| !in_campaign || CAMPAIGN_SITES.contains(host))
                    .map(|(host, category, prefix)| {
                        let (verdict, confidence) = verdict(&mut rng, treatment(&net, host, t, hours));
                        json!({"url": url(host), "category": category, "verdict": verdict,
                               "confidence": confidence, "clues": [], "probes": [], "prefixes": [prefix]})
                    })
                    .collect();
                let id = format!("{:016x}{:016x}", rng.next(), rng.next());
                let mut body = json!({
                    "schema": "ajar.report/1", "id": id, "created_hour": hour_string(hour),
                    "software": SOFTWARE, "browser": if rng.unit() < 0.7 { "chromium" } else { "firefox" },
                    "list": "demo", "results": results,
                });
                if let (true, Some(c)) = (in_campaign, campaign) {
                    body["campaign"] = json!(c);
                }
                out.push(Demo { network: net, body });
            }
        }
    }
    out
}

/// A verdict as visitors' browsers would report it: mostly the truth, sometimes not decided,
/// now and then a visitor whose connection failed.
fn verdict(rng: &mut Rng, blocked: Option<&'static str>) -> (&'static str, f64) {
    let r = rng.unit();
    let confidence = ((0.86 + rng.unit() * 0.12) * 100.0).round() / 100.0;
    match blocked {
        Some(v) if r < 0.9 => (v, confidence.min(0.98)),
        Some(_) if r < 0.96 => ("inconclusive", 0.5),
        Some(_) => ("ok", 0.9),
        None if r < 0.95 => ("ok", confidence.min(0.98)),
        None if r < 0.98 => ("inconclusive", 0.5),
        None if r < 0.995 => ("down", 0.8),
        None => ("reset", 0.7),
    }
}

/// The demo campaign's descriptor (open for 30 days from three days back).
pub fn campaign(now_hour: i64) -> Value {
    json!({
        "name": "Messengers (demo data generated by ajar's lab)",
        "description": "Generated demo data, not measurements: a messenger's name removed from DNS and its CDN's address range dropped in documentation networks.",
        "countries": ["RU", "KZ"],
        "targets": CAMPAIGN_SITES.iter().map(|h| json!({"url": url(h), "category": "COMT"})).collect::<Vec<_>>(),
        "starts_hour": hour_string(now_hour - 72),
        "expires_hour": hour_string(now_hour + 24 * 30),
    })
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body.as_bytes())?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// What a seeding did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Seeded {
    pub reports: usize,
    pub results: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub campaign: Option<String>,
    pub first_hour: String,
    pub last_hour: String,
}

/// Posts the demo to the collector at `addr` (`127.0.0.1:8787`): a campaign, then every report
/// (checked with the collector's own validation first), with `threads` connections at once.
pub fn seed(addr: &str, cfg: &DemoConfig, threads: usize) -> anyhow::Result<Seeded> {
    let (status, body) = request(
        addr,
        "POST",
        "/v1/campaigns",
        &[("cf-connecting-ip", "192.0.2.1".into())],
        &campaign(cfg.now_hour).to_string(),
    )?;
    anyhow::ensure!(status == 201, "creating the demo campaign: {status} {body}");
    let id = serde_json::from_str::<Value>(&body)?["id"].as_str().map(String::from);
    let demo = reports(cfg, id.as_deref());
    let now_ms = (cfg.now_hour as u64) * 3_600_000;
    for d in &demo {
        let text = d.body.to_string();
        Report::from_json(text.as_bytes(), now_ms).map_err(|e| anyhow::anyhow!("a demo report is invalid: {e:?}"))?;
    }
    let outcome = std::sync::Mutex::new((0usize, 0usize));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = demo.get(i) else { return Ok(()) };
                        let headers = [
                            ("cf-connecting-ip", format!("198.51.100.{}", 1 + i % 250)),
                            ("MF-CF-Blob", json!({"country": d.network.country, "asn": d.network.asn}).to_string()),
                        ];
                        let body = d.body.to_string();
                        let mut tries = 0;
                        loop {
                            let (status, answer) = request(addr, "POST", "/v1/reports", &headers, &body)?;
                            match status {
                                201 | 200 => {
                                    let mut o = outcome.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                                    if status == 201 {
                                        o.0 += 1
                                    } else {
                                        o.1 += 1
                                    }
                                    break;
                                }
                                // Over a rate limit, or a batch cut short: again, a little later.
                                429 | 503 if tries < 40 => {
                                    tries += 1;
                                    std::thread::sleep(Duration::from_millis((250 * tries).min(3000)));
                                }
                                _ => anyhow::bail!("report {i}: {status} {answer}"),
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().map_err(|_| anyhow::anyhow!("a seeding thread panicked"))??;
        }
        Ok(())
    })?;
    let (stored, duplicates) = outcome.into_inner().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let hours = i64::from(cfg.days.max(1) * 24);
    Ok(Seeded {
        reports: demo.len(),
        results: demo.iter().map(|d| d.body["results"].as_array().map_or(0, Vec::len)).sum(),
        stored,
        duplicates,
        campaign: id,
        first_hour: hour_string(cfg.now_hour - hours + 1),
        last_hour: hour_string(cfg.now_hour),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DemoConfig {
        DemoConfig { days: 3, per_hour: 6, seed: 7, now_hour: ajar_core::explore::hour_index("2026-11-30T18").unwrap() }
    }

    #[test]
    fn every_report_passes_the_collectors_validation_and_tells_the_story() {
        let c = cfg();
        let demo = reports(&c, Some("0123456789abcdef"));
        assert!(demo.len() > 72 * 4 * 5, "{}", demo.len());
        let now_ms = c.now_hour as u64 * 3_600_000;
        for d in &demo {
            let r = Report::from_json(d.body.to_string().as_bytes(), now_ms).unwrap();
            assert_eq!(r.software, SOFTWARE);
            assert!(DEMO_ASNS.contains(&d.network.asn));
        }
        assert_eq!(demo.first().unwrap().body["created_hour"], "2026-11-27T19:00:00Z");
        assert_eq!(demo.last().unwrap().body["created_hour"], "2026-11-30T18:00:00Z");
        // Repeatable: the same seed and hour give the same reports.
        assert_eq!(reports(&c, Some("0123456789abcdef")), demo);
        // The DNS removal wave: before its hour a site is mostly fine in AS64496, after it mostly dns.
        let share = |asn: u32, host: &str, from: &str, to: &str| {
            let (mut all, mut hit) = (0, 0);
            for d in demo.iter().filter(|d| d.network.asn == asn) {
                let h = d.body["created_hour"].as_str().unwrap();
                if h < from || h >= to {
                    continue;
                }
                for r in d.body["results"].as_array().unwrap().iter().filter(|r| r["url"] == url(host)) {
                    all += 1;
                    hit +=
                        usize::from(r["verdict"] != "ok" && r["verdict"] != "inconclusive" && r["verdict"] != "down");
                }
            }
            hit as f64 / all as f64
        };
        // 72 hours from 2026-11-27T19: the DNS wave at hour 30 (2026-11-29T01), the range at 48.
        assert!(share(64496, "nxdomain.test", "2026-11-27", "2026-11-29T01") < 0.05);
        assert!(share(64496, "nxdomain.test", "2026-11-29T01", "2026-12") > 0.8);
        assert!(share(64497, "cdn2.test", "2026-11-27", "2026-11-29T19") < 0.05);
        assert!(share(64497, "cdn2.test", "2026-11-29T19", "2026-12") > 0.8);
        assert!(share(64499, "cdn2.test", "2026-11-27", "2026-12") < 0.05);
        let campaign_reports: Vec<&Demo> = demo.iter().filter(|d| d.body.get("campaign").is_some()).collect();
        assert!(campaign_reports.len() > 100);
        assert!(campaign_reports.iter().all(|d| d.body["results"].as_array().unwrap().len() == CAMPAIGN_SITES.len()));
    }
}
