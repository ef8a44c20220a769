//! The lab's HTTP/1.1: reading a request, writing an answer, CORS, query parameters.

use ajar_core::url::{percent_decode, query_value};
use std::io::{BufRead, BufReader, Read, Write};

/// The CORS headers the lab's services answer with (any origin may read them).
pub(super) fn cors() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "content-type, accept"),
    ]
}

/// Writes an answer, its head in one write and its body in the next; whether both were written.
pub(super) fn respond(
    stream: &mut impl Write,
    status: u16,
    ctype: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> bool {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        503 => "Service Unavailable",
        204 => "No Content",
        403 => "Forbidden",
        451 => "Unavailable For Legal Reasons",
        _ => "Not Found",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).is_ok() && stream.write_all(body).is_ok()
}

/// The value of `key` in the query string of `path`, percent-decoded (`None` without a query).
pub(super) fn query_param(path: &str, key: &str) -> Option<String> {
    query_value(path.split_once('?')?.1, key).map(percent_decode)
}

/// An HTTP/1.1 request, with the headers the lab acts on.
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) host: String,
    pub(super) upgrade: Option<String>,
    /// `X-Ajar-Host`: the collector's control asking as an outside vantage point.
    pub(super) outside: Option<String>,
    pub(super) body: Vec<u8>,
}

impl Request {
    /// The next request on a connection; `None` at its end or on a malformed head.
    pub(super) fn read(reader: &mut BufReader<impl Read>) -> Option<Request> {
        let mut line = String::new();
        reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
        let mut parts = line.split_whitespace();
        let method = parts.next()?.to_string();
        let path = parts.next()?.to_string();
        let (mut host, mut upgrade, mut outside, mut length) = (String::new(), None, None, 0usize);
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).ok().filter(|n| *n > 0)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let Some((k, v)) = h.split_once(':') else {
                continue;
            };
            let v = v.trim();
            match k.to_ascii_lowercase().as_str() {
                "host" => host = v.rsplit_once(':').map_or(v, |(h, _)| h).to_ascii_lowercase(),
                "sec-websocket-key" => upgrade = Some(v.to_string()),
                "x-ajar-host" => outside = Some(v.to_ascii_lowercase()),
                "content-length" => length = v.parse().unwrap_or(0).min(1 << 20),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some(Request { method, path, host, upgrade, outside, body })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(
            super::query_param("/?collector=http%3A%2F%2F127.0.0.1%3A8787&x=1", "collector").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(super::percent_decode("a+b%2"), "a b%2");
    }
}
