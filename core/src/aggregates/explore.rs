//! The explorer's views of the collector's aggregates, computed here so that they are tested
//! natively and the app only draws them: per site and network a time series of the blocked
//! share (hour by hour, with its first blocked hour and the waves that touched it), and per
//! site its verdicts over all networks (the country overview). Only published cells are
//! used: what the collector withholds stays a gap.

use crate::aggregate::{Aggregates, WaveKind};
use crate::verdict::Verdict;
use std::collections::BTreeMap;

/// One published hour of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The hour, as the collector's buckets name it (`2026-11-23T11`).
    pub bucket: String,
    /// Hours since 1970-01-01T00 (for placing the point on an axis).
    pub hour: i64,
    pub reports: u32,
    pub blocked: u32,
    pub share: f64,
    pub anomaly: bool,
    pub confirmed: bool,
    pub technique: Option<String>,
}

/// A wave that included the series' site in its network, at its earliest hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub kind: WaveKind,
    pub technique: String,
    pub prefix: Option<String>,
    /// `YYYY-MM-DDTHH:00:00Z`.
    pub since: String,
    pub hour: i64,
}

/// The blocked share of one site in one network, hour by hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub country: String,
    pub asn: u32,
    pub url: String,
    pub points: Vec<Point>,
    /// The earliest hour a blocking verdict was seen in an anomalous hour of the series.
    pub first_blocked: Option<String>,
    pub waves: Vec<Mark>,
}

/// The series of an hourly aggregate (`window=hour`), by site then network.
pub fn series(hourly: &Aggregates) -> Vec<Series> {
    let mut out: BTreeMap<(String, String, u32), Series> = BTreeMap::new();
    for c in &hourly.cells {
        let Some(hour) = hour_index(&c.bucket) else { continue };
        let s = out.entry((c.url.clone(), c.country.clone(), c.asn)).or_insert_with(|| Series {
            country: c.country.clone(),
            asn: c.asn,
            url: c.url.clone(),
            points: Vec::new(),
            first_blocked: None,
            waves: Vec::new(),
        });
        s.points.push(Point {
            bucket: c.bucket.clone(),
            hour,
            reports: c.reports,
            blocked: c.blocked,
            share: c.blocked_share,
            anomaly: c.anomaly,
            confirmed: c.confirmed,
            technique: c.technique.clone(),
        });
        if c.anomaly {
            if let Some(h) = &c.first_blocked_hour {
                if s.first_blocked.as_ref().is_none_or(|f| h < f) {
                    s.first_blocked = Some(h.clone());
                }
            }
        }
    }
    for s in out.values_mut() {
        s.points.sort_by_key(|p| p.hour);
        let mut marks: BTreeMap<(WaveKind, Option<String>), Mark> = BTreeMap::new();
        for w in hourly.waves.iter().filter(|w| w.country == s.country && w.asn == s.asn && w.targets.contains(&s.url))
        {
            let Some(hour) = hour_index(&w.since) else { continue };
            let mark = marks.entry((w.kind, w.prefix.clone())).or_insert_with(|| Mark {
                kind: w.kind,
                technique: w.technique.clone(),
                prefix: w.prefix.clone(),
                since: w.since.clone(),
                hour,
            });
            if hour < mark.hour {
                (mark.hour, mark.since, mark.technique) = (hour, w.since.clone(), w.technique.clone());
            }
        }
        // A range blocked by one technique is also a wave of that technique: said once.
        let ranges: Vec<String> =
            marks.values().filter(|m| m.kind == WaveKind::AddressRange).map(|m| m.technique.clone()).collect();
        marks.retain(|_, m| m.kind != WaveKind::Technique || !ranges.contains(&m.technique));
        s.waves = marks.into_values().collect();
        s.waves.sort_by_key(|m| m.hour);
    }
    out.into_values().collect()
}

/// The first and last hour of all series (the shared time axis).
pub fn span(series: &[Series]) -> Option<(i64, i64)> {
    let hours = series.iter().flat_map(|s| s.points.iter().map(|p| p.hour));
    let (lo, hi) = hours.fold((i64::MAX, i64::MIN), |(lo, hi), h| (lo.min(h), hi.max(h)));
    (lo <= hi).then_some((lo, hi))
}

/// One site over every published network of the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub url: String,
    /// Reports per verdict, in [`Verdict::ALL`]'s order, zeros left out.
    pub counts: Vec<(Verdict, u32)>,
    pub reports: u32,
    pub blocked: u32,
    /// Networks (country, ASN) where the site is confirmed blocked, with the technique.
    pub confirmed: Vec<(String, u32, String)>,
    /// Networks where its blocked share is an anomaly but not (yet) confirmed.
    pub anomalous: Vec<(String, u32, String)>,
    /// Networks with published data.
    pub networks: usize,
}

impl SiteRow {
    pub fn blocked_share(&self) -> f64 {
        if self.reports == 0 {
            0.0
        } else {
            self.blocked as f64 / self.reports as f64
        }
    }
}

/// The overview of an aggregate over the whole window (`window=all`): a row per site,
/// most blocked first.
pub fn overview(all: &Aggregates) -> Vec<SiteRow> {
    let mut rows: BTreeMap<&str, (BTreeMap<Verdict, u32>, SiteRow)> = BTreeMap::new();
    for c in &all.cells {
        let (counts, row) = rows.entry(c.url.as_str()).or_insert_with(|| {
            (
                BTreeMap::new(),
                SiteRow {
                    url: c.url.clone(),
                    counts: Vec::new(),
                    reports: 0,
                    blocked: 0,
                    confirmed: Vec::new(),
                    anomalous: Vec::new(),
                    networks: 0,
                },
            )
        });
        for (v, n) in &c.counts {
            if let Some(v) = Verdict::parse(v) {
                *counts.entry(v).or_default() += n;
            }
        }
        row.reports += c.reports;
        row.blocked += c.blocked;
        row.networks += 1;
        let net = (c.country.clone(), c.asn, c.technique.clone().unwrap_or_default());
        if c.confirmed {
            row.confirmed.push(net);
        } else if c.anomaly {
            row.anomalous.push(net);
        }
    }
    let mut out: Vec<SiteRow> = rows
        .into_values()
        .map(|(counts, mut row)| {
            row.counts = Verdict::ALL.iter().filter_map(|v| counts.get(v).map(|n| (*v, *n))).collect();
            row
        })
        .collect();
    out.sort_by(|a, b| b.blocked_share().total_cmp(&a.blocked_share()).then_with(|| a.url.cmp(&b.url)));
    out
}

/// Hours since 1970-01-01T00 of `YYYY-MM-DDTHH…` (a bucket or an hour), if it is one.
pub fn hour_index(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 13 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(10) != Some(&b'T') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { s.get(from..to)?.parse::<i64>().ok() };
    let (y, m, d, h) = (num(0, 4)?, num(5, 7)?, num(8, 10)?, num(11, 13)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(0..=23).contains(&h) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 24 + h)
}

/// `YYYY-MM-DDTHH` of an hour index (the inverse of [`hour_index`]).
pub fn hour_bucket(hour: i64) -> String {
    let (y, m, d) = civil_from_days(hour.div_euclid(24));
    format!("{y:04}-{m:02}-{d:02}T{:02}", hour.rem_euclid(24))
}

// Howard Hinnant's algorithms (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{add_range_waves, aggregate, CountRow, PrefixRow, RULES};

    fn row(asn: u32, url: &str, bucket: &str, verdict: &str, reports: u32) -> CountRow {
        CountRow {
            country: if asn == 64499 { "DE" } else { "RU" }.into(),
            asn,
            url: url.into(),
            category: "NEWS".into(),
            bucket: bucket.into(),
            verdict: verdict.into(),
            reports,
            first_hour: format!("{bucket}:00:00Z"),
        }
    }

    #[test]
    fn hours_round_trip_and_bad_ones_are_refused() {
        assert_eq!(hour_index("1970-01-01T00"), Some(0));
        assert_eq!(hour_index("1970-01-02T03:00:00Z"), Some(27));
        for h in ["2026-11-30T18", "2024-02-29T23", "2000-03-01T00", "2026-12-31T23"] {
            assert_eq!(hour_bucket(hour_index(h).unwrap()), h);
        }
        assert_eq!(hour_index("2026-11-30T23").unwrap() + 1, hour_index("2026-12-01T00").unwrap());
        for bad in ["all", "2026-11-30", "2026-13-01T00", "2026-11-30T24", "2026x11-30T01", "２０２６-11-30T01"] {
            assert_eq!(hour_index(bad), None, "{bad}");
        }
    }

    /// Three sites removed from DNS in AS64496 from 10:00 on, fine before and in AS64499;
    /// withheld hours stay gaps.
    fn hourly() -> Aggregates {
        let mut rows = vec![];
        let sites = ["https://a.test/", "https://b.test/", "https://c.test/"];
        for h in 6..14 {
            let bucket = format!("2026-11-20T{h:02}");
            for url in sites {
                let (verdict, n) = if h >= 10 { ("dns", 6) } else { ("ok", 6) };
                rows.push(row(64496, url, &bucket, verdict, n));
                if h == 8 {
                    // Noise: one blocked report in an otherwise fine hour is no anomaly.
                    rows.push(row(64496, url, &bucket, "reset", 1));
                }
                rows.push(row(64499, url, &bucket, "ok", if h == 7 { 2 } else { 8 }));
            }
        }
        aggregate(&rows, &RULES)
    }

    #[test]
    fn series_per_site_and_network_with_first_blocked_hour_and_waves() {
        let mut agg = hourly();
        let prefixes: Vec<PrefixRow> = ["https://a.test/", "https://b.test/", "https://c.test/"]
            .iter()
            .flat_map(|url| {
                (11..14).map(move |h| PrefixRow {
                    country: "RU".into(),
                    asn: 64496,
                    url: url.to_string(),
                    bucket: format!("2026-11-20T{h:02}"),
                    prefix: "203.0.113.0/24".into(),
                    reports: 6,
                })
            })
            .collect();
        add_range_waves(&mut agg, &prefixes, &RULES);
        let all = series(&agg);
        assert_eq!(all.len(), 6, "three sites in two networks");
        let a_ru = all.iter().find(|s| s.url == "https://a.test/" && s.asn == 64496).unwrap();
        assert_eq!(a_ru.points.len(), 8);
        assert!(a_ru.points.windows(2).all(|w| w[0].hour + 1 == w[1].hour));
        assert_eq!(a_ru.first_blocked.as_deref(), Some("2026-11-20T10:00:00Z"));
        assert_eq!(a_ru.points[4].share, 1.0);
        assert!(!a_ru.points[2].anomaly, "one blocked report of seven");
        let kinds: Vec<(WaveKind, &str)> = a_ru.waves.iter().map(|m| (m.kind, m.since.as_str())).collect();
        assert_eq!(
            kinds,
            vec![(WaveKind::DnsRemoval, "2026-11-20T10:00:00Z"), (WaveKind::AddressRange, "2026-11-20T11:00:00Z")]
        );
        // The range's technique wave (three blackholed targets) is the range wave: marked once.
        let mut blackholed = hourly();
        for w in blackholed.waves.iter_mut() {
            w.technique = "blackhole".into();
            w.kind = WaveKind::Technique;
        }
        add_range_waves(&mut blackholed, &prefixes, &RULES);
        for w in blackholed.waves.iter_mut().filter(|w| w.kind == WaveKind::AddressRange) {
            w.technique = "blackhole".into();
        }
        let marks: Vec<WaveKind> =
            series(&blackholed).iter().find(|s| s.asn == 64496).unwrap().waves.iter().map(|m| m.kind).collect();
        assert_eq!(marks, vec![WaveKind::AddressRange]);
        let a_de = all.iter().find(|s| s.url == "https://a.test/" && s.asn == 64499).unwrap();
        assert_eq!(a_de.points.len(), 7, "the hour with two reports is withheld: a gap");
        assert_eq!(a_de.first_blocked, None);
        assert!(a_de.waves.is_empty());
        assert_eq!(span(&all), Some((hour_index("2026-11-20T06").unwrap(), hour_index("2026-11-20T13").unwrap())));
        assert_eq!(span(&[]), None);
    }

    #[test]
    fn overview_sums_verdicts_per_site_most_blocked_first() {
        let rows = vec![
            row(64496, "https://a.test/", "all", "dns", 30),
            row(64496, "https://a.test/", "all", "ok", 10),
            row(64499, "https://a.test/", "all", "ok", 40),
            row(64496, "https://z.test/", "all", "ok", 40),
            row(64496, "https://z.test/", "all", "inconclusive", 2),
            // An anomaly, not confirmed: blocked in a third of its reports.
            row(64498, "https://z.test/", "all", "blackhole", 4),
            row(64498, "https://z.test/", "all", "ok", 8),
            row(64499, "https://z.test/", "all", "ok", 38),
            // Withheld (two reports): not in the overview.
            row(64497, "https://z.test/", "all", "blackhole", 2),
        ];
        let rows = overview(&aggregate(&rows, &RULES));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].url, "https://a.test/");
        assert_eq!(rows[0].counts, vec![(Verdict::Ok, 50), (Verdict::Dns, 30)]);
        assert_eq!(rows[0].reports, 80);
        assert_eq!(rows[0].blocked_share(), 30.0 / 80.0);
        assert_eq!(rows[0].confirmed, vec![("RU".to_string(), 64496, "dns".to_string())]);
        assert_eq!(rows[0].networks, 2);
        assert_eq!(rows[1].counts, vec![(Verdict::Ok, 86), (Verdict::Blackhole, 4), (Verdict::Inconclusive, 2)]);
        assert!(rows[1].confirmed.is_empty());
        assert_eq!(rows[1].anomalous, vec![("RU".to_string(), 64498, "blackhole".to_string())]);
        assert!(rows[0].anomalous.is_empty());
    }
}
