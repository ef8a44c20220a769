//! Privacy rules shared by the app and the collector: coarse time, browser
//! family only, address prefixes instead of addresses, fresh random ids.

use std::net::IpAddr;

/// Seconds in an hour: report times are kept to the hour.
const HOUR_MS: u64 = 3_600_000;

/// `unix_ms` truncated to the hour, as `YYYY-MM-DDTHH:00:00Z`.
pub fn coarse_hour(unix_ms: u64) -> String {
    let hours = unix_ms / HOUR_MS;
    let (y, m, d) = civil_from_days((hours / 24) as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:00:00Z", hours % 24)
}

/// The inverse of [`coarse_hour`]: unix milliseconds, or `None` if malformed or not on the hour.
pub fn parse_hour(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || &text[13..] != ":00:00Z" || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    let (y, m, d, h) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 {
        return None;
    }
    let days = days_from_civil(y as i64, m, d);
    if civil_from_days(days) != (y as i64, m, d) {
        return None;
    }
    Some((days as u64 * 24 + h as u64) * HOUR_MS)
}

// Howard Hinnant's civil-date algorithms (public domain).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The browser family from a user-agent string; the rest of it is never kept.
pub fn browser_family(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("firefox/") {
        "firefox"
    } else if ua.contains("edg/") {
        "edge"
    } else if ua.contains("chrome/") || ua.contains("chromium/") {
        "chromium"
    } else if ua.contains("safari/") {
        "safari"
    } else {
        "other"
    }
}

/// An address reduced to its network: /24 for IPv4, /48 for IPv6. Enough to
/// see many targets in one provider's range, not enough to name a host.
pub fn prefix_of(address: &str) -> Option<String> {
    match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
    }
}

/// A report id: 32 lowercase hex digits, fresh for each report (never reused
/// across visits, so two reports cannot be linked by it).
pub fn is_report_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Addresses a public control must never fetch: private, loopback, link-local, CGNAT,
/// unspecified, multicast, benchmarking and documentation ranges, unique-local IPv6.
pub fn is_non_public(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_non_public(&IpAddr::V4(v4)))
        }
    }
}

/// True if `text` holds something shaped like a full IPv4 or IPv6 address
/// (not a /prefix): used to refuse reports that would carry one.
pub fn contains_address(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':' || c == '/'))
        .filter(|tok| !tok.contains('/'))
        .any(|tok| tok.parse::<IpAddr>().is_ok() && tok.len() >= 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_and_reject_precision() {
        // 2026-11-23T11:34:56.789Z
        let ms = 1_795_433_696_789;
        assert_eq!(coarse_hour(ms), "2026-11-23T11:00:00Z");
        assert_eq!(parse_hour("2026-11-23T11:00:00Z"), Some(ms - ms % HOUR_MS));
        assert_eq!(coarse_hour(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_hour("2024-02-29T23:00:00Z").map(coarse_hour).as_deref(), Some("2024-02-29T23:00:00Z"));
        assert_eq!(parse_hour("2025-02-29T23:00:00Z"), None);
        assert_eq!(parse_hour("2026-11-23T11:34:00Z"), None);
        assert_eq!(parse_hour("2026-11-23 11:00:00Z"), None);
    }

    #[test]
    fn only_the_family_of_a_browser_is_kept() {
        let ua =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_family(ua), "chromium");
        assert_eq!(browser_family("Mozilla/5.0 (X11; rv:140.0) Gecko/20100101 Firefox/140.0"), "firefox");
        assert_eq!(browser_family(""), "other");
    }

    #[test]
    fn non_public_ranges() {
        for a in [
            "10.1.2.3",
            "127.0.0.1",
            "169.254.1.1",
            "192.168.0.1",
            "100.64.0.1",
            "198.18.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_non_public(&a.parse().unwrap()), "{a}");
        }
        for a in ["8.8.8.8", "142.250.74.46", "2a00:1450:4001::200e"] {
            assert!(!is_non_public(&a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn prefixes_and_address_detection() {
        assert_eq!(prefix_of("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(prefix_of("2001:db8:abcd:12::1").as_deref(), Some("2001:db8:abcd::/48"));
        assert_eq!(prefix_of("nope"), None);
        assert!(contains_address("seen from 198.51.100.7 today"));
        assert!(contains_address("2001:db8::1"));
        assert!(!contains_address("prefix 198.51.100.0/24"));
        assert!(!contains_address("https://example.org/ 12:30"));
        assert!(is_report_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_report_id("0123456789ABCDEF0123456789abcdef"));
    }
}
