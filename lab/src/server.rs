//! The lab's servers: one HTTP listener for every `.test` host (behaving per
//! host as the scenario says), a TLS listener that resets on SNI, and two STUN
//! sockets (one answering, one silent). Threads, blocking I/O: connections are
//! few and some are meant to hang forever.

use crate::scenario::{Host, Scenario, Technique, API_HOST, CONTROL_HOST, DOH_HOST, PARTNER_HOST, THROTTLE_BPS};
use crate::{image, stun, tls, websocket};
use serde_json::json;
use socket2::SockRef;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Everything a handler needs; shared read-only between threads.
pub struct Lab {
    pub scenario: Scenario,
    pub controls_json: String,
    pub list_json: String,
    bmp: Vec<u8>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
}

/// Counts a request as in flight from when it is read until its answer is written
/// (or, for a held connection, until the browser gives up).
struct InFlight<'a>(&'a Lab);
impl<'a> InFlight<'a> {
    fn new(lab: &'a Lab) -> Self {
        let now = lab.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        lab.max_in_flight.fetch_max(now, Ordering::SeqCst);
        lab.requests.fetch_add(1, Ordering::SeqCst);
        InFlight(lab)
    }
}
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {what} 127.0.0.1:{port}: {source}")]
    Bind { what: &'static str, port: u16, source: std::io::Error },
}

impl Lab {
    pub fn new(scenario: Scenario) -> Lab {
        let controls_json = serde_json::to_string(&scenario.controls()).unwrap_or_default();
        let list_json = serde_json::to_string(&scenario.list()).unwrap_or_default();
        Lab {
            scenario,
            controls_json,
            list_json,
            bmp: image::bmp(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
        }
    }

    /// Binds every listener (failing early and clearly), then serves on background threads.
    pub fn start(self) -> Result<Arc<Lab>, StartError> {
        let p = self.scenario.ports;
        let bind = |what, port| {
            TcpListener::bind(("127.0.0.1", port)).map_err(|source| StartError::Bind { what, port, source })
        };
        let udp =
            |what, port| UdpSocket::bind(("0.0.0.0", port)).map_err(|source| StartError::Bind { what, port, source });
        let http = bind("HTTP", p.http)?;
        let tls_listener = bind("TLS", p.tls)?;
        let stun_ok = udp("STUN", p.stun)?;
        let stun_silent = udp("silent STUN", p.stun_silent)?;
        let lab = Arc::new(self);
        let l = lab.clone();
        thread::spawn(move || accept_loop(http, move |s| l.serve_http(s)));
        let l = lab.clone();
        thread::spawn(move || accept_loop(tls_listener, move |s| l.serve_tls(s)));
        thread::spawn(move || stun::serve(stun_ok, true));
        thread::spawn(move || stun::serve(stun_silent, false));
        Ok(lab)
    }

    fn serve_http(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let Ok(read_half) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read_half);
        let mut stream = stream;
        while let Some(req) = Request::read(&mut reader) {
            let _counted = (req.host != API_HOST).then(|| InFlight::new(self));
            let host = self.scenario.host(&req.host);
            if let Some(h) = host.filter(|h| h.latency_ms > 0) {
                thread::sleep(Duration::from_millis(u64::from(h.latency_ms)));
            }
            let keep = match host {
                _ if req.method == "OPTIONS" => respond(&mut stream, 204, "text/plain", b"", &cors()),
                _ if req.outside.is_some() => self.outside_view(&mut stream, &req),
                _ if req.host == DOH_HOST
                    || (req.host.parse::<std::net::IpAddr>().is_ok() && req.path.starts_with("/dns-query")) =>
                {
                    self.doh(&mut stream, &req)
                }
                _ if req.host == PARTNER_HOST => self.partner(&mut stream, &req),
                _ if req.host == API_HOST => self.api(&mut stream, &req),
                _ if req.host == CONTROL_HOST => self.page(&mut stream, &req, None),
                Some(h) => self.behave(&mut stream, &req, h),
                None => respond(&mut stream, 404, "text/plain", b"not a lab host", &cors()),
            };
            if !keep {
                return;
            }
        }
    }

    /// Returns whether the connection may be reused.
    fn behave(&self, stream: &mut TcpStream, req: &Request, host: &Host) -> bool {
        match host.technique {
            Technique::Blackhole | Technique::IpRange => {
                // Hold the connection and say nothing until the browser gives up.
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                false
            }
            Technique::Reset => {
                reset(stream);
                false
            }
            Technique::Blockpage => {
                let page = b"<!doctype html><title>Access restricted</title><h1>Access to this resource is restricted by order of the authorities</h1>";
                respond(stream, 200, "text/html; charset=utf-8", page, &[])
            }
            Technique::Throttle => self.page(stream, req, Some(THROTTLE_BPS)),
            Technique::WsDrop if req.upgrade.is_some() => {
                respond(stream, 403, "text/plain", b"", &[]);
                false
            }
            Technique::WsOk if req.upgrade.is_some() => {
                let accept = websocket::websocket_accept(req.upgrade.as_deref().unwrap_or_default());
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                // Keep the socket open until the client closes it.
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                false
            }
            _ => self.page(stream, req, None),
        }
    }

    /// A normal site: a page at any path, the known image at `/logo.bmp`.
    fn page(&self, stream: &mut TcpStream, req: &Request, bps: Option<u64>) -> bool {
        let (ctype, body): (&str, &[u8]) = if req.path.starts_with("/logo.bmp") {
            ("image/bmp", &self.bmp)
        } else {
            ("text/html; charset=utf-8", b"<!doctype html><title>lab site</title><p>An ordinary page.</p>")
        };
        match bps {
            None => respond(stream, 200, ctype, body, &[]),
            Some(bps) => {
                let head =
                    format!("HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n", body.len());
                if stream.write_all(head.as_bytes()).is_err() {
                    return false;
                }
                // 1 kB every 1024*8/bps seconds.
                let pause = Duration::from_micros(1024 * 8 * 1_000_000 / bps);
                for chunk in body.chunks(1024) {
                    thread::sleep(pause);
                    if stream.write_all(chunk).is_err() {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// The demo partner page, under a strict CSP with only the additions docs/embed.md asks for.
    fn partner(&self, stream: &mut TcpStream, req: &Request) -> bool {
        let collector = query_param(&req.path, "collector").unwrap_or_default();
        let collector: String =
            collector.chars().filter(|c| c.is_ascii_alphanumeric() || ":/.-".contains(*c)).collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'unsafe-inline' {collector} 'wasm-unsafe-eval'; \
             connect-src *; img-src * data:; style-src 'self' 'unsafe-inline'; frame-src {collector}; frame-ancestors 'none'"
        );
        let page = include_str!("../../www/partner.html");
        respond(stream, 200, "text/html; charset=utf-8", page.as_bytes(), &[("Content-Security-Policy", csp.as_str())])
    }

    /// A request from the collector's control (`X-Ajar-Host`: it stands outside the censored
    /// network): the host answers if it is reachable from outside, else the connection is reset.
    fn outside_view(&self, stream: &mut TcpStream, req: &Request) -> bool {
        let name = req.outside.as_deref().unwrap_or_default();
        match self.scenario.host(name) {
            Some(h) if self.scenario.outside(h).reachable => self.page(stream, req, None),
            Some(_) => {
                reset(stream);
                false
            }
            None => respond(stream, 404, "text/plain", b"not a lab host", &[]),
        }
    }

    /// DNS-over-HTTPS, JSON API (as Cloudflare's and Google's `?name=&type=`).
    fn doh(&self, stream: &mut TcpStream, req: &Request) -> bool {
        let name = query_param(&req.path, "name").unwrap_or_default();
        let body = match self.scenario.doh_answer(&name) {
            Some(addrs) => json!({
                "Status": 0,
                "Question": [{"name": name, "type": 1}],
                "Answer": addrs.iter().map(|a| json!({"name": name, "type": 1, "TTL": 300, "data": a})).collect::<Vec<_>>(),
            }),
            None => json!({"Status": 3, "Question": [{"name": name, "type": 1}]}),
        };
        respond(stream, 200, "application/dns-json", body.to_string().as_bytes(), &cors())
    }

    /// The lab's API: list, controls, ground truth, and the outside view that the
    /// collector's `/v1/control` gives in production.
    fn api(&self, stream: &mut TcpStream, req: &Request) -> bool {
        let path = req.path.split('?').next().unwrap_or("");
        let body = match path {
            "/list.json" => match query_param(&req.path, "hosts") {
                // `?hosts=a.test,b.test`: only those hosts, in that order.
                Some(names) => {
                    let list = self.scenario.list();
                    let targets: Vec<_> = names
                        .split(',')
                        .filter_map(|n| self.scenario.host(n).map(|h| self.scenario.url_of(h)))
                        .filter_map(|u| list.targets.iter().find(|t| t.url == u).cloned())
                        .collect();
                    serde_json::to_string(&ajar_core::list::List { targets }).unwrap_or_default()
                }
                None => self.list_json.clone(),
            },
            "/controls.json" => self.controls_json.clone(),
            "/rules" => self.scenario.resolver_rules(),
            "/stats" => {
                if query_param(&req.path, "reset").is_some() {
                    self.max_in_flight.store(0, Ordering::SeqCst);
                    self.requests.store(0, Ordering::SeqCst);
                }
                json!({"max_in_flight": self.max_in_flight.load(Ordering::SeqCst), "requests": self.requests.load(Ordering::SeqCst)}).to_string()
            }
            "/truth.json" => {
                let truth: Vec<_> = self
                    .scenario
                    .hosts
                    .iter()
                    .map(|h| json!({"url": self.scenario.url_of(h), "technique": h.technique.as_str(), "expected": h.technique.expected().as_str()}))
                    .collect();
                serde_json::Value::from(truth).to_string()
            }
            "/outside" => {
                // A bare array, or the collector's form {"urls": [...], "list": …}.
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let urls: Vec<String> =
                    serde_json::from_value(body.get("urls").cloned().unwrap_or(body)).unwrap_or_default();
                let mut out = serde_json::Map::new();
                for url in urls {
                    let name = ajar_core::url::TargetUrl::parse(&url).map(|u| u.host).unwrap_or_default();
                    if let Some(h) = self.scenario.host(&name) {
                        out.insert(url, serde_json::to_value(self.scenario.outside(h)).unwrap_or_default());
                    }
                }
                serde_json::Value::Object(out).to_string()
            }
            _ => return respond(stream, 404, "text/plain", b"unknown lab path", &cors()),
        };
        respond(stream, 200, "application/json", body.as_bytes(), &cors())
    }

    /// A TLS listener that reads the ClientHello and resets it, as SNI-keyed DPI does.
    fn serve_tls(&self, mut stream: TcpStream) {
        let mut buf = vec![0u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        let sni = tls::client_hello_sni(&buf[..n]).unwrap_or_default();
        let interfere = self.scenario.host(&sni).is_some_and(|h| h.technique == Technique::TlsSni);
        if interfere || n == 0 {
            reset(&mut stream);
        } else {
            // Not a TLS server: an honest handshake failure alert for anything else.
            let _ = stream.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
        }
    }
}

fn accept_loop(listener: TcpListener, handle: impl Fn(TcpStream) + Send + Sync + Clone + 'static) {
    for stream in listener.incoming().flatten() {
        let handle = handle.clone();
        thread::spawn(move || handle(stream));
    }
}

/// Closes with an RST instead of a FIN.
fn reset(stream: &mut TcpStream) {
    let _ = SockRef::from(&*stream).set_linger(Some(Duration::ZERO));
}

fn cors() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "content-type, accept"),
    ]
}

fn respond(stream: &mut TcpStream, status: u16, ctype: &str, body: &[u8], headers: &[(&str, &str)]) -> bool {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        403 => "Forbidden",
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

fn query_param(path: &str, key: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

/// `%3A` → `:`, `+` → space; malformed escapes are kept as they are.
fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped =
            (bytes[i] == b'%').then(|| v.get(i + 1..i + 3)).flatten().and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Request {
    method: String,
    path: String,
    host: String,
    upgrade: Option<String>,
    /// `X-Ajar-Host`: the collector's control asking as an outside vantage point.
    outside: Option<String>,
    body: Vec<u8>,
}

impl Request {
    fn read(reader: &mut BufReader<TcpStream>) -> Option<Request> {
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
