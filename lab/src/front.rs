//! The app's https front: TLS for `ajar.test`, terminated here and passed on to the
//! collector over plain HTTP, as Cloudflare's edge terminates TLS in front of the Worker.
//! So browsers in the lab open ajar the way visitors do: from an https origin.
//!
//! One request at a time per connection: the request head is passed on as it came (with
//! `Connection: close` and `X-Forwarded-Proto: https`), then the collector's whole answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

/// Request bodies larger than this are refused (the collector's own limits are lower).
const MAX_BODY: usize = 8 << 20;

pub fn serve(config: Arc<rustls::ServerConfig>, stream: impl Read + Write, upstream: &str) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, stream));
    while let Some(request) = read_request(&mut tls) {
        let answer = match pass_on(upstream, &request) {
            Some(a) => a,
            None => b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        };
        let closes = answer_closes(&answer);
        if tls.get_mut().write_all(&answer).is_err() || tls.get_mut().flush().is_err() || closes {
            break;
        }
    }
    tls.get_mut().conn.send_close_notify();
    let _ = tls.get_mut().flush();
}

/// The request's head (rewritten for the upstream) and body, or None at the end.
fn read_request(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut head = String::new();
    let mut length = 0usize;
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            if first {
                continue;
            }
            break;
        }
        first = false;
        let name = trimmed.split_once(':').map(|(k, _)| k.trim().to_ascii_lowercase());
        match name.as_deref() {
            Some("connection" | "keep-alive" | "x-forwarded-proto") => continue,
            Some("content-length") => {
                length = trimmed.split_once(':').and_then(|(_, v)| v.trim().parse().ok()).unwrap_or(0);
            }
            _ => {}
        }
        head.push_str(trimmed);
        head.push_str("\r\n");
    }
    if length > MAX_BODY {
        return None;
    }
    head.push_str("Connection: close\r\nX-Forwarded-Proto: https\r\n\r\n");
    let mut request = head.into_bytes();
    let at = request.len();
    request.resize(at + length, 0);
    reader.read_exact(&mut request[at..]).ok()?;
    Some(request)
}

fn pass_on(upstream: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.write_all(request).ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).ok()?;
    (!answer.is_empty()).then_some(answer)
}

/// Whether an answer read to its end must close the browser's connection too: it had no
/// length (its end was the upstream closing).
fn answer_closes(answer: &[u8]) -> bool {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    !head.contains("\r\ncontent-length:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_passed_on_whole_and_closing() {
        let raw = b"POST /v1/reports HTTP/1.1\r\nHost: ajar.test\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nabcdGET / HTTP/1.1\r\nHost: ajar.test\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let first = String::from_utf8(read_request(&mut reader).unwrap()).unwrap();
        assert_eq!(
            first,
            "POST /v1/reports HTTP/1.1\r\nHost: ajar.test\r\nContent-Length: 4\r\nConnection: close\r\nX-Forwarded-Proto: https\r\n\r\nabcd"
        );
        let second = String::from_utf8(read_request(&mut reader).unwrap()).unwrap();
        assert!(second.starts_with("GET / HTTP/1.1\r\n"));
        assert!(read_request(&mut reader).is_none());
        assert!(answer_closes(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        assert!(!answer_closes(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }
}
