//! The small part of URL handling ajar needs: scheme, host, port; appending query
//! parameters ([`with_query`]) and reading them ([`query_value`], [`percent_decode`]). Kept here (not the `url` crate) so the app's wasm stays
//! small; targets are absolute URLs from lists, never relative references.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What kind of thing a target is, from its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
    Ws,
    Wss,
    Stun,
    Turn,
    Turns,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
            Scheme::Stun => "stun",
            Scheme::Turn => "turn",
            Scheme::Turns => "turns",
        }
    }
    pub fn is_web(self) -> bool {
        matches!(self, Scheme::Http | Scheme::Https)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UrlError {
    #[error("the URL is empty")]
    Empty,
    #[error("the URL has no scheme (expected http://, https://, ws://, wss://, stun: or turn:)")]
    NoScheme,
    #[error("the scheme \"{0}\" is not one ajar can probe")]
    UnsupportedScheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("the host \"{0}\" is not a valid name or address")]
    BadHost(String),
    #[error("the port \"{0}\" is not a number from 1 to 65535")]
    BadPort(String),
    #[error("the URL contains whitespace or control characters")]
    BadCharacters,
}

/// A parsed absolute URL: only what probes and inference need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    pub scheme: Scheme,
    /// Lower-cased host name or address (IPv6 without brackets).
    pub host: String,
    pub port: Option<u16>,
}

impl TargetUrl {
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::BadCharacters);
        }
        let (scheme, rest) = input.split_once(':').ok_or(UrlError::NoScheme)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "ws" => Scheme::Ws,
            "wss" => Scheme::Wss,
            "stun" => Scheme::Stun,
            "turn" => Scheme::Turn,
            "turns" => Scheme::Turns,
            other if other.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
                return Err(UrlError::UnsupportedScheme(other.to_string()))
            }
            _ => return Err(UrlError::NoScheme),
        };
        // stun:host:port?transport=udp has no "//"; web schemes must have it.
        let authority = match rest.strip_prefix("//") {
            Some(r) => r,
            None if matches!(scheme, Scheme::Stun | Scheme::Turn | Scheme::Turns) => rest,
            None => return Err(UrlError::NoHost),
        };
        let end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
        let authority = &authority[..end];
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        if !valid_host(&host) {
            return Err(UrlError::BadHost(host));
        }
        Ok(TargetUrl { scheme, host, port })
    }

    /// What a page on an https origin can open for `url`: the URL itself unless it is
    /// `http://` or `ws://`, which a browser refuses there (mixed content); then its
    /// `https://` / `wss://` equivalent when it uses the default port, else `None`.
    pub fn secure_equivalent(&self, url: &str) -> Option<String> {
        let upgraded = match self.scheme {
            Scheme::Http => "https",
            Scheme::Ws => "wss",
            _ => return Some(url.to_string()),
        };
        if self.port.is_some() {
            return None;
        }
        let rest = url.trim().split_once(':').map(|(_, rest)| rest)?;
        Some(format!("{upgraded}:{rest}"))
    }

    /// True if the host is an IP literal rather than a name.
    pub fn host_is_ip(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
    }
}

/// `url` with `pairs` appended to its query: after `?`, or after `&` if it has a query
/// already. Keys and values are percent-encoded except for the characters a query may carry
/// as they are (letters, digits and `-._~!$'()*,:@/?`), so a host name, a token or a number
/// goes as it is.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = url.to_string();
    for (i, (key, value)) in pairs.iter().enumerate() {
        out.push(match (i, url.contains('?')) {
            (0, false) => '?',
            _ => '&',
        });
        encode_into(&mut out, key);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// The value of `key` in `query` (`a=b&c=d`, without its `?`) as it stands, not decoded: the
/// first pair naming it; a part with no `=` names nothing.
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then_some(v)
    })
}

/// `%3A` → `:`, `+` → space; malformed escapes are kept as they are.
pub fn percent_decode(v: &str) -> String {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&b) = v.as_bytes().get(i) {
        let escaped = (b == b'%').then(|| v.get(i + 1..i + 3)).flatten().and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(e) => {
                out.push(e);
                i += 3;
            }
            None => {
                out.push(if b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*,:@/?".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(|| UrlError::BadHost(authority.into()))?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(UrlError::BadHost(authority.into())),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(UrlError::BadPort(p.into())),
        },
    };
    let host = host.trim_end_matches('.');
    // Names go to DNS and STUN as they travel on the wire: IDN labels in Punycode.
    let host = crate::punycode::host_to_ascii(host).ok_or_else(|| UrlError::BadHost(host.into()))?;
    Ok((host, port))
}

fn valid_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_web_socket_and_stun_urls() {
        let u = TargetUrl::parse("https://WWW.Example.org:8443/a?b#c").unwrap();
        assert_eq!((u.scheme, u.host.as_str(), u.port), (Scheme::Https, "www.example.org", Some(8443)));
        let u = TargetUrl::parse("http://[::1]:80/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", Some(80)));
        assert!(u.host_is_ip());
        let u = TargetUrl::parse("stun:stun.l.google.com:19302").unwrap();
        assert_eq!((u.scheme, u.host.as_str(), u.port), (Scheme::Stun, "stun.l.google.com", Some(19302)));
        let u = TargetUrl::parse("wss://chat.example/ws").unwrap();
        assert_eq!(u.scheme, Scheme::Wss);
        let u = TargetUrl::parse("http://пример.рф/путь").unwrap();
        assert_eq!(u.host, "xn--e1afmkfd.xn--p1ai", "IDN hosts in the form DNS carries");
    }

    #[test]
    fn secure_equivalents_for_an_https_page() {
        let eq = |u: &str| TargetUrl::parse(u).unwrap().secure_equivalent(u);
        assert_eq!(eq("http://a.test/x?y").as_deref(), Some("https://a.test/x?y"));
        assert_eq!(eq("ws://a.test/s").as_deref(), Some("wss://a.test/s"));
        assert_eq!(eq("https://a.test:8443/").as_deref(), Some("https://a.test:8443/"));
        assert_eq!(eq("stun:s.test:3478").as_deref(), Some("stun:s.test:3478"));
        assert_eq!(eq("http://a.test:8080/"), None, "no https on a plain-HTTP port");
    }

    #[test]
    fn query_parameters_are_appended_after_the_right_separator() {
        assert_eq!(
            with_query("https://d.test/dns-query", &[("name", "a.test"), ("type", "A")]),
            "https://d.test/dns-query?name=a.test&type=A"
        );
        assert_eq!(
            with_query("https://d.test/q?ct=json", &[("name", "a.test")]),
            "https://d.test/q?ct=json&name=a.test"
        );
        assert_eq!(with_query("http://p.test/x?a=1", &[("t", "t1")]), "http://p.test/x?a=1&t=t1");
        assert_eq!(with_query("", &[("name", "x")]), "?name=x", "no resolver: a bare query");
        assert_eq!(with_query("https://a.test/", &[]), "https://a.test/");
    }

    #[test]
    fn query_values_are_encoded_only_where_they_must_be() {
        let v = |s: &str| with_query("/", &[("v", s)]);
        assert_eq!(v("2001:db8::1"), "/?v=2001:db8::1");
        assert_eq!(v("xn--e1afmkfd.xn--p1ai"), "/?v=xn--e1afmkfd.xn--p1ai");
        assert_eq!(v("4607182418800017408"), "/?v=4607182418800017408");
        assert_eq!(v("a b&c=d#e+f%"), "/?v=a%20b%26c%3Dd%23e%2Bf%25");
        assert_eq!(v("é"), "/?v=%C3%A9");
    }

    #[test]
    fn query_values_are_found_raw_and_decoded_apart() {
        let q = "bytes=1024&t=0123&flag&e=a%3Db=c&t=second";
        assert_eq!(query_value(q, "t"), Some("0123"), "the first pair naming it");
        assert_eq!(query_value(q, "bytes"), Some("1024"));
        assert_eq!(query_value(q, "flag"), None, "no `=`: no value");
        assert_eq!(query_value(q, "e"), Some("a%3Db=c"), "everything after the first `=`, not decoded");
        assert_eq!(query_value(q, "by"), None, "a key is matched whole");
        assert_eq!(query_value("", "t"), None);
        assert_eq!(percent_decode("a%3Db=c"), "a=b=c");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%C3%A9%"), "%zzé%");
    }

    #[test]
    fn rejects_bad_urls_with_a_reason() {
        assert_eq!(TargetUrl::parse(""), Err(UrlError::Empty));
        assert_eq!(TargetUrl::parse("example.org"), Err(UrlError::NoScheme));
        assert_eq!(TargetUrl::parse("ftp://x.org/"), Err(UrlError::UnsupportedScheme("ftp".into())));
        assert_eq!(TargetUrl::parse("https:///path"), Err(UrlError::NoHost));
        assert_eq!(TargetUrl::parse("https://a b.org/"), Err(UrlError::BadCharacters));
        assert_eq!(TargetUrl::parse("https://x.org:99999/"), Err(UrlError::BadPort("99999".into())));
        assert_eq!(TargetUrl::parse("https://a..b/"), Err(UrlError::BadHost("a..b".into())));
        assert_eq!(TargetUrl::parse("javascript:alert(1)"), Err(UrlError::UnsupportedScheme("javascript".into())));
    }
}
