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
    // Bytes, not string slices: a multi-byte character must not land on a slice boundary.
    let b = text.as_bytes();
    if b.len() != 20 || !b.ends_with(b":00:00Z") || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num =
        |digits: &[u8]| digits.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    let (y, m, d, h) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?, num(&b[11..13])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 {
        return None;
    }
    let days = days_from_civil(i64::from(y), m, d);
    if civil_from_days(days) != (i64::from(y), m, d) {
        return None;
    }
    // Before 1970 is no report's hour (and would not fit the unsigned result).
    let days = u64::try_from(days).ok()?;
    Some((days * 24 + u64::from(h)) * HOUR_MS)
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

/// Bytes as lowercase hex, two digits each (16 fresh random bytes: a report id).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0x0f)]]).map(char::from).collect()
}

/// Host names the machine running the control may answer itself, whatever a public DNS
/// resolver says of them: `localhost` and its subdomains (RFC 6761: loopback), single-label
/// names (a hosts file or search domain), and the local-use suffixes `.local` (mDNS),
/// `.home.arpa` and `.internal`. A public control refuses them: its DoH lookup would check one
/// address while the runtime's own resolver connects to another.
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let last = host.rsplit('.').next().unwrap_or_default();
    !host.contains('.') || last == "localhost" || last == "local" || last == "internal" || host.ends_with(".home.arpa")
}

/// Addresses a public control must never fetch: private, loopback, link-local, CGNAT,
/// unspecified, multicast, benchmarking, documentation and reserved ranges, unique-local and
/// site-local IPv6, IETF protocol assignments (Teredo, ORCHID…), discard-only; and any IPv6
/// form that carries an IPv4 address (mapped, compatible, NAT64 64:ff9b::/96, 6to4
/// 2002::/16) when the address it carries is one of these. The local-use NAT64 prefix
/// 64:ff9b:1::/48 is refused whole.
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
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 192 && o[1] == 88 && o[2] == 99)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let carried = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                is_non_public(&IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)))
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                // 2001::/23: IETF protocol assignments (Teredo, benchmarking, ORCHID, …).
                || (s[0] == 0x2001 && s[1] < 0x0200)
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])
                || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1)
                // ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped).
                || (s[..5] == [0; 5] && (s[5] == 0 || s[5] == 0xffff) && carried(s[6], s[7]))
                // 64:ff9b::a.b.c.d (NAT64, well-known prefix).
                || (s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] && carried(s[6], s[7]))
                // 2002:AABB:CCDD::/48 (6to4).
                || (s[0] == 0x2002 && carried(s[1], s[2]))
        }
    }
}

/// A network prefix as reports may carry one: an IPv4 network of at most /24 or an IPv6
/// network of at most /48 (so it names a provider's range, never a host), in canonical form
/// with its host bits zero: `203.0.113.0/24`, `2001:db8:abcd::/48`.
pub fn is_prefix(text: &str) -> bool {
    let Some((address, len)) = text.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u32>().map_err(|_| ()).and_then(|n| if n.to_string() == len { Ok(n) } else { Err(()) })
    else {
        return false;
    };
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) if address.bytes().all(|b| b.is_ascii_digit() || b == b'.') && len <= 24 => {
            let bits = u32::from(v4);
            // len ≤ 24, so the shift is 8..=32 bits: checked_shl covers the /0 case.
            bits.checked_shl(len).unwrap_or(0) == 0 && v4.to_string() == address
        }
        Ok(IpAddr::V6(v6)) if len <= 48 => {
            let bits = u128::from(v6);
            // Canonical, or as prefix_of writes it (2001:db8:0::, not 2001:db8::).
            let s = v6.segments();
            let ours = format!("{:x}:{:x}:{:x}::", s[0], s[1], s[2]);
            bits.checked_shl(len).unwrap_or(0) == 0 && (v6.to_string() == address || ours == address)
        }
        _ => false,
    }
}

/// True if a URL's host (as [`crate::url::TargetUrl`] gives it) names an address rather than
/// a name, as a browser reads it (WHATWG URL): an IP literal, or a host whose last label is a
/// number (`3325256711`, `0xc6336407`, `198.51.100.7.`, `0300.0063.0144.7`), which a
/// browser parses as IPv4 (or refuses).
pub fn host_is_address(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    let last = trimmed.rsplit('.').next().unwrap_or_default();
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The browser families a report may name (see [`browser_family`]).
pub const BROWSER_FAMILIES: [&str; 5] = ["chromium", "firefox", "edge", "safari", "other"];

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
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x01, 0xab, 0xff, 0x5c]), "0001abff5c");
        assert_eq!(hex(&[]), "");
        assert!(is_report_id(&hex(&[0xa7; 16])));
    }

    #[test]
    fn local_names_are_told_apart() {
        for local in
            ["localhost", "LOCALHOST.", "a.localhost", "intranet", "printer.local", "x.home.arpa", "db.internal"]
        {
            assert!(is_local_name(local), "{local}");
        }
        for public in
            ["example.org", "localhost.example.org", "local.example", "internal.example.com", "xn--e1afmkfd.test"]
        {
            assert!(!is_local_name(public), "{public}");
        }
    }

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
        // Reached collector input and panicked (a slice across a character boundary).
        assert_eq!(parse_hour("2026-11-30T1é00:00Z"), None);
        assert_eq!(parse_hour("2026-11-30T10é0:00Z"), None);
        assert_eq!(parse_hour("2026-1é-30T10:00:00Z"), None);
        assert_eq!(parse_hour("+026-11-30T10:00:00Z"), None);
        assert_eq!(parse_hour("0000-01-01T00:00:00Z"), None);
        assert_eq!(parse_hour("1969-12-31T23:00:00Z"), None);
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
            "::127.0.0.1",
            "::ffff:7f00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::8.8.8.8",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001::1",
            "2001:db8::1",
            "100::1",
            "fec0::1",
            "192.0.0.8",
            "192.88.99.1",
            "255.255.255.255",
        ] {
            assert!(is_non_public(&a.parse().unwrap()), "{a}");
        }
        for a in ["8.8.8.8", "142.250.74.46", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:808:808::1"] {
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
        for p in ["203.0.113.0/24", "10.0.0.0/8", "2001:db8:abcd::/48", "2001:db8::/32", "2001:db8:0::/48"] {
            assert!(is_prefix(p), "{p}");
        }
        for a in ["203.0.113.77", "2001:db8:0:12::1", "2001:0:0:1::1", "::ffff:1.2.3.4"] {
            let p = prefix_of(a).unwrap();
            assert!(is_prefix(&p), "every prefix ajar writes is one it accepts: {p}");
        }
        // Too narrow (names a host), host bits set, not canonical, or not a prefix at all.
        for p in [
            "198.51.100.7/32",
            "198.51.100.0/25",
            "198.51.100.7/24",
            "2001:db8:abcd:12::/64",
            "2001:db8:abcd::1/48",
            "2001:0db8:abcd::/48",
            "::ffff:198.51.100.7/48",
            "3325256711/24",
            "198.51.100.0/024",
            "198.51.100.0/",
            "198.51.100.0",
            "/24",
            "x/24",
        ] {
            assert!(!is_prefix(p), "{p}");
        }
        for h in ["3325256711", "0xc6336407", "198.51.100.7", "198.51.100.7.", "0300.0063.0144.7", "a.0x", "::1", "x.1"]
        {
            assert!(host_is_address(h), "{h}");
        }
        for h in ["example.org", "1.example", "xn--e1afmkfd.xn--p1ai", "0xz.test"] {
            assert!(!host_is_address(h), "{h}");
        }
        assert!(is_report_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_report_id("0123456789ABCDEF0123456789abcdef"));
    }
}
