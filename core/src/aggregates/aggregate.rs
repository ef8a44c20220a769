//! Many reports → findings. Per target, network and time window: counts per verdict,
//! an **anomaly** flag and a **confirmed** flag from a one-sided binomial test of the
//! blocked share in this network against the same target's share everywhere else,
//! and cells with too few distinct reports withheld to protect the few. Waves: many
//! targets confirmed blocked in one network at one time, by one technique (a DNS removal)
//! or behind one address range.

use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of the collector's grouped query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    pub country: String,
    pub asn: u32,
    pub url: String,
    pub category: String,
    /// The time window: an hour (`2026-11-23T11`), a day (`2026-11-23`) or `all`.
    pub bucket: String,
    pub verdict: String,
    /// Distinct reports with this verdict.
    pub reports: u32,
    /// The earliest hour among them.
    pub first_hour: String,
}

/// The thresholds, stated so that a reader of the data knows what a flag means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Cells with fewer distinct reports are withheld.
    pub min_reports: u32,
    /// p-value under which a cell is an anomaly.
    pub anomaly_p: f64,
    /// Confirmed: p-value under this, at least `confirm_reports` reports, and a blocked majority.
    pub confirm_p: f64,
    pub confirm_reports: u32,
    /// The baseline never goes below this (a target never seen blocked elsewhere is
    /// not assumed impossible to see blocked: measurements err).
    pub baseline_floor: f64,
    /// So many confirmed targets with one technique in one network and window make a wave.
    pub wave_targets: usize,
}

pub const RULES: Rules = Rules {
    min_reports: 3,
    anomaly_p: 0.01,
    confirm_p: 0.001,
    confirm_reports: 5,
    baseline_floor: 0.02,
    wave_targets: 3,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub country: String,
    pub asn: u32,
    pub url: String,
    pub category: String,
    pub bucket: String,
    pub counts: BTreeMap<String, u32>,
    pub reports: u32,
    pub blocked: u32,
    pub blocked_share: f64,
    /// The target's blocked share in all other networks.
    pub baseline_share: f64,
    /// P(at least `blocked` of `reports` | baseline): the one-sided binomial test.
    pub p_value: f64,
    pub anomaly: bool,
    pub confirmed: bool,
    /// The most frequent blocking verdict, if any.
    pub technique: Option<String>,
    /// The earliest hour a blocking verdict was seen in this cell.
    pub first_blocked_hour: Option<String>,
}

/// What makes a wave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WaveKind {
    /// Confirmed `dns` verdicts: the names were removed from the network's resolvers.
    DnsRemoval,
    /// The blocked results of its targets name one address range (`prefix`).
    AddressRange,
    /// One other blocking technique.
    #[default]
    Technique,
}

/// One technique confirmed across many targets of one network at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wave {
    pub country: String,
    pub asn: u32,
    pub bucket: String,
    #[serde(default)]
    pub kind: WaveKind,
    pub technique: String,
    /// The shared address range of an `address_range` wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub targets: Vec<String>,
    pub since: String,
}

/// One row of the collector's prefix query: how many blocked results of a target in one
/// network and window named this address range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixRow {
    pub country: String,
    pub asn: u32,
    pub url: String,
    pub bucket: String,
    pub prefix: String,
    pub reports: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    pub rules: Rules,
    pub cells: Vec<Cell>,
    /// Cells held back for having fewer than `rules.min_reports` reports.
    pub withheld: usize,
    pub waves: Vec<Wave>,
}

fn is_blocked(verdict: &str) -> bool {
    Verdict::parse(verdict).is_some_and(Verdict::is_blocked)
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed in log space (n up to millions is fine).
pub fn binomial_tail(k: u32, n: u32, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let ln_choose = |n: u32, i: u32| -> f64 { (1..=i).map(|j| ((n - i + j) as f64).ln() - (j as f64).ln()).sum() };
    let mut ln_pmf = ln_choose(n, k) + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln();
    let mut total = 0.0;
    for i in k..=n {
        total += ln_pmf.exp();
        if i < n {
            // pmf(i+1) = pmf(i) * (n-i)/(i+1) * p/(1-p)
            ln_pmf += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + p.ln() - (1.0 - p).ln();
        }
    }
    total.min(1.0)
}

pub fn aggregate(rows: &[CountRow], rules: &Rules) -> Aggregates {
    type Key = (String, u32, String, String);
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    // Per target: (reports, blocked) over all networks, to derive each cell's baseline.
    let mut per_url: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for r in rows {
        let key = (r.country.clone(), r.asn, r.url.clone(), r.bucket.clone());
        let cell = cells.entry(key).or_insert_with(|| Cell {
            country: r.country.clone(),
            asn: r.asn,
            url: r.url.clone(),
            category: r.category.clone(),
            bucket: r.bucket.clone(),
            counts: BTreeMap::new(),
            reports: 0,
            blocked: 0,
            blocked_share: 0.0,
            baseline_share: 0.0,
            p_value: 1.0,
            anomaly: false,
            confirmed: false,
            technique: None,
            first_blocked_hour: None,
        });
        *cell.counts.entry(r.verdict.clone()).or_default() += r.reports;
        cell.reports += r.reports;
        let total = per_url.entry((r.url.clone(), r.bucket.clone())).or_default();
        total.0 += r.reports;
        if is_blocked(&r.verdict) {
            cell.blocked += r.reports;
            total.1 += r.reports;
            if cell.first_blocked_hour.as_ref().is_none_or(|h| r.first_hour < *h) {
                cell.first_blocked_hour = Some(r.first_hour.clone());
            }
        }
    }
    let mut out = Vec::new();
    let mut withheld = 0;
    for mut cell in cells.into_values() {
        if cell.reports < rules.min_reports {
            withheld += 1;
            continue;
        }
        let (all, all_blocked) = per_url.get(&(cell.url.clone(), cell.bucket.clone())).copied().unwrap_or_default();
        let (others, others_blocked) = (all - cell.reports, all_blocked - cell.blocked);
        cell.baseline_share = if others > 0 { others_blocked as f64 / others as f64 } else { 0.0 };
        cell.blocked_share = cell.blocked as f64 / cell.reports as f64;
        cell.p_value = binomial_tail(cell.blocked, cell.reports, cell.baseline_share.max(rules.baseline_floor));
        cell.anomaly = cell.blocked > 0 && cell.p_value < rules.anomaly_p;
        cell.confirmed = cell.anomaly
            && cell.p_value < rules.confirm_p
            && cell.reports >= rules.confirm_reports
            && cell.blocked_share > 0.5;
        cell.technique =
            cell.counts.iter().filter(|(v, _)| is_blocked(v)).max_by_key(|(_, n)| **n).map(|(v, _)| v.clone());
        out.push(cell);
    }
    let waves = waves(&out, rules);
    Aggregates { rules: *rules, cells: out, withheld, waves }
}

fn waves(cells: &[Cell], rules: &Rules) -> Vec<Wave> {
    let mut groups: BTreeMap<(String, u32, String, String), Vec<&Cell>> = BTreeMap::new();
    for c in cells.iter().filter(|c| c.confirmed) {
        if let Some(t) = &c.technique {
            groups.entry((c.country.clone(), c.asn, c.bucket.clone(), t.clone())).or_default().push(c);
        }
    }
    groups
        .into_iter()
        .filter(|(_, cs)| cs.len() >= rules.wave_targets)
        .map(|((country, asn, bucket, technique), cs)| Wave {
            country,
            asn,
            bucket,
            kind: if technique == Verdict::Dns.as_str() { WaveKind::DnsRemoval } else { WaveKind::Technique },
            technique,
            prefix: None,
            targets: cs.iter().map(|c| c.url.clone()).collect(),
            since: cs.iter().filter_map(|c| c.first_blocked_hour.clone()).min().unwrap_or_default(),
        })
        .collect()
}

/// Address-range waves: in one network and window, at least `rules.wave_targets` confirmed
/// targets a majority of whose blocked results name the same address range. Only published
/// (confirmed, so never withheld) cells count. Appended to `agg.waves`.
pub fn add_range_waves(agg: &mut Aggregates, prefixes: &[PrefixRow], rules: &Rules) {
    type Net = (String, u32, String);
    let confirmed: BTreeMap<(Net, &str), &Cell> = agg
        .cells
        .iter()
        .filter(|c| c.confirmed)
        .map(|c| (((c.country.clone(), c.asn, c.bucket.clone()), c.url.as_str()), c))
        .collect();
    let mut groups: BTreeMap<(Net, String), Vec<&Cell>> = BTreeMap::new();
    for p in prefixes {
        let net = (p.country.clone(), p.asn, p.bucket.clone());
        if let Some(cell) = confirmed.get(&(net.clone(), p.url.as_str())) {
            if p.reports.saturating_mul(2) > cell.blocked {
                groups.entry((net, p.prefix.clone())).or_default().push(cell);
            }
        }
    }
    for (((country, asn, bucket), prefix), mut cells) in groups {
        cells.sort_by(|a, b| a.url.cmp(&b.url));
        cells.dedup_by(|a, b| a.url == b.url);
        if cells.len() < rules.wave_targets {
            continue;
        }
        let mut techniques: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &cells {
            *techniques.entry(c.technique.as_deref().unwrap_or_default()).or_default() += 1;
        }
        let technique = techniques.iter().max_by_key(|(_, n)| **n).map(|(t, _)| t.to_string()).unwrap_or_default();
        agg.waves.push(Wave {
            country,
            asn,
            bucket,
            kind: WaveKind::AddressRange,
            technique,
            prefix: Some(prefix),
            targets: cells.iter().map(|c| c.url.clone()).collect(),
            since: cells.iter().filter_map(|c| c.first_blocked_hour.clone()).min().unwrap_or_default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(country: &str, asn: u32, url: &str, verdict: &str, reports: u32, hour: &str) -> CountRow {
        CountRow {
            country: country.into(),
            asn,
            url: url.into(),
            category: "NEWS".into(),
            bucket: "all".into(),
            verdict: verdict.into(),
            reports,
            first_hour: hour.into(),
        }
    }

    #[test]
    fn binomial_tail_matches_known_values() {
        assert!((binomial_tail(0, 10, 0.3) - 1.0).abs() < 1e-12);
        // P(X >= 8 | 10, 0.5) = 56/1024
        assert!((binomial_tail(8, 10, 0.5) - 56.0 / 1024.0).abs() < 1e-9);
        assert!((binomial_tail(10, 10, 0.1) - 1e-10).abs() < 1e-15);
        assert_eq!(binomial_tail(11, 10, 0.5), 0.0);
        assert!(binomial_tail(500, 1000, 0.5) > 0.5);
    }

    #[test]
    fn blocked_here_not_elsewhere_is_confirmed_and_waves_found() {
        let mut rows = vec![];
        for url in ["https://a/", "https://b/", "https://c/"] {
            rows.push(row("RU", 12389, url, "dns", 9, "2026-11-20T08:00:00Z"));
            rows.push(row("RU", 12389, url, "ok", 1, "2026-11-20T07:00:00Z"));
            rows.push(row("DE", 3320, url, "ok", 40, "2026-11-20T07:00:00Z"));
        }
        let agg = aggregate(&rows, &RULES);
        let ru: Vec<&Cell> = agg.cells.iter().filter(|c| c.country == "RU").collect();
        assert_eq!(ru.len(), 3);
        assert!(ru.iter().all(|c| c.confirmed && c.anomaly && c.technique.as_deref() == Some("dns")));
        assert!(agg.cells.iter().filter(|c| c.country == "DE").all(|c| !c.anomaly));
        assert_eq!(agg.waves.len(), 1);
        assert_eq!(agg.waves[0].technique, "dns");
        assert_eq!(agg.waves[0].kind, WaveKind::DnsRemoval);
        assert_eq!(agg.waves[0].since, "2026-11-20T08:00:00Z");
    }

    #[test]
    fn few_reports_are_withheld_and_ubiquitous_failures_are_not_anomalies() {
        let rows = vec![
            row("IR", 1, "https://a/", "blackhole", 2, "2026-11-20T08:00:00Z"),
            // Down everywhere: blocked share here equals the baseline.
            row("FR", 2, "https://dead/", "blackhole", 5, "2026-11-20T08:00:00Z"),
            row("US", 3, "https://dead/", "blackhole", 5, "2026-11-20T08:00:00Z"),
        ];
        let agg = aggregate(&rows, &RULES);
        assert_eq!(agg.withheld, 1);
        assert!(agg.cells.iter().all(|c| !c.anomaly), "{:?}", agg.cells);
    }

    #[test]
    fn one_blocked_report_among_many_is_no_anomaly() {
        let rows = vec![row("RU", 1, "https://a/", "reset", 1, "h"), row("RU", 1, "https://a/", "ok", 30, "h")];
        let agg = aggregate(&rows, &RULES);
        assert!(!agg.cells[0].anomaly);
    }

    #[test]
    fn targets_blocked_behind_one_range_make_an_address_range_wave() {
        let mut rows = vec![];
        let urls = ["https://cdn1/", "https://cdn2/", "https://cdn3/", "https://other/"];
        for url in urls {
            rows.push(row("RU", 64496, url, "blackhole", 8, "2026-11-20T09:00:00Z"));
            rows.push(row("DE", 64499, url, "ok", 40, "2026-11-20T07:00:00Z"));
        }
        let mut agg = aggregate(&rows, &RULES);
        // The generic technique wave: four blackholed targets.
        assert_eq!(agg.waves.len(), 1);
        assert_eq!(agg.waves[0].kind, WaveKind::Technique);
        let prefix = |url: &str, p: &str, reports| PrefixRow {
            country: "RU".into(),
            asn: 64496,
            url: url.into(),
            bucket: "all".into(),
            prefix: p.into(),
            reports,
        };
        let prefixes = vec![
            prefix("https://cdn1/", "203.0.113.0/24", 8),
            prefix("https://cdn2/", "203.0.113.0/24", 7),
            prefix("https://cdn3/", "203.0.113.0/24", 5),
            // A minority of its blocked results: not behind that range.
            prefix("https://other/", "203.0.113.0/24", 2),
            prefix("https://other/", "198.51.100.0/24", 6),
        ];
        add_range_waves(&mut agg, &prefixes, &RULES);
        let ranges: Vec<&Wave> = agg.waves.iter().filter(|w| w.kind == WaveKind::AddressRange).collect();
        assert_eq!(ranges.len(), 1, "{:?}", agg.waves);
        assert_eq!(ranges[0].prefix.as_deref(), Some("203.0.113.0/24"));
        assert_eq!(ranges[0].targets, vec!["https://cdn1/", "https://cdn2/", "https://cdn3/"]);
        assert_eq!(ranges[0].technique, "blackhole");
        assert_eq!(ranges[0].since, "2026-11-20T09:00:00Z");
        // Two targets only: no wave.
        let mut agg = aggregate(&rows, &RULES);
        add_range_waves(&mut agg, &prefixes[..2], &RULES);
        assert!(agg.waves.iter().all(|w| w.kind != WaveKind::AddressRange));
    }
}
