//! A light HTTP/1.1 load generator for the collector benchmark: one thread and one
//! keep-alive connection per client, no garbage collector, so that on a 2-core machine the
//! load it puts on the collector is the collector's, and its own pauses do not show up as
//! the collector's latency (the node client it replaces used a fifth of a core and added
//! its GC pauses to the tail).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// `host:port` on loopback.
    pub addr: String,
    pub method: String,
    pub path: String,
    /// The body; every `@ID@` in it becomes a fresh 32-hex-digit id per request.
    pub template: String,
    pub clients: usize,
    pub seconds: f64,
    /// Requests per second over all clients, evenly paced (open loop); 0: each client sends
    /// as soon as its previous answer is in (closed loop: the capacity).
    pub rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LoadResult {
    pub seconds: f64,
    pub requests: u64,
    /// Answered 2xx.
    pub accepted: u64,
    pub errors: u64,
    pub fivexx: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed answer: {0}")]
    Answer(String),
}

/// Runs the load; blocks for `seconds`.
pub fn run(cfg: &LoadConfig) -> LoadResult {
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(cfg.seconds);
    let per_client = Duration::from_secs_f64(if cfg.rate > 0.0 { cfg.clients as f64 / cfg.rate } else { 0.0 });
    let outcomes: Vec<Vec<(u16, f64)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..cfg.clients)
            .map(|c| {
                let counter = &counter;
                s.spawn(move || {
                    // Spread the clients' first requests over one pacing interval.
                    let offset = per_client.mul_f64(c as f64 / cfg.clients.max(1) as f64);
                    client(cfg, c, start + offset, end, per_client, || {
                        format!("{nonce:016x}{:016x}", counter.fetch_add(1, Ordering::Relaxed))
                    })
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    summarise(outcomes.into_iter().flatten().collect(), seconds)
}

/// One client: (status or 0 for a failed exchange, milliseconds) per request.
fn client(
    cfg: &LoadConfig,
    index: usize,
    first: Instant,
    end: Instant,
    every: Duration,
    mut id: impl FnMut() -> String,
) -> Vec<(u16, f64)> {
    let mut out = Vec::new();
    let mut conn: Option<BufReader<TcpStream>> = None;
    let mut next = first;
    while Instant::now() < end {
        if !every.is_zero() {
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
            next += every;
        }
        let body = cfg.template.replace("@ID@", &id());
        let request = format!(
            "{} {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncf-connecting-ip: 10.0.{}.{}\r\ncontent-length: {}\r\n\r\n{}",
            cfg.method,
            cfg.path,
            cfg.addr,
            index >> 8,
            index & 255,
            body.len(),
            body
        );
        let t = Instant::now();
        let status = match exchange(&mut conn, &cfg.addr, request.as_bytes()) {
            Ok(status) => status,
            Err(_) => {
                conn = None;
                0
            }
        };
        out.push((status, t.elapsed().as_secs_f64() * 1000.0));
    }
    out
}

/// Sends one request on the kept-alive connection (opening one if needed) and reads the
/// whole answer; returns its status.
fn exchange(conn: &mut Option<BufReader<TcpStream>>, addr: &str, request: &[u8]) -> Result<u16, LoadError> {
    if conn.is_none() {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        *conn = Some(BufReader::new(stream));
    }
    let Some(reader) = conn.as_mut() else {
        return Err(LoadError::Answer("no connection".into()));
    };
    reader.get_mut().write_all(request)?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| LoadError::Answer(format!("status line {line:?}")))?;
    let (mut length, mut chunked, mut close) = (0usize, false, false);
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(LoadError::Answer(format!("header {header:?}")));
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().map_err(|_| LoadError::Answer(header.into()))?,
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| LoadError::Answer(format!("chunk size {line:?}")))?;
            skip(reader, size + 2)?;
            if size == 0 {
                break;
            }
        }
    } else {
        skip(reader, length)?;
    }
    if close {
        *conn = None;
    }
    Ok(status)
}

fn skip(reader: &mut BufReader<TcpStream>, n: usize) -> Result<(), LoadError> {
    let copied = std::io::copy(&mut reader.by_ref().take(n as u64), &mut std::io::sink())?;
    if copied as usize == n {
        Ok(())
    } else {
        Err(LoadError::Answer("answer cut short".into()))
    }
}

fn summarise(mut outcomes: Vec<(u16, f64)>, seconds: f64) -> LoadResult {
    outcomes.sort_by(|a, b| a.1.total_cmp(&b.1));
    let q = |p: f64| {
        let i = ((p * outcomes.len() as f64) as usize).min(outcomes.len().saturating_sub(1));
        outcomes.get(i).map_or(0.0, |o| (o.1 * 100.0).round() / 100.0)
    };
    let requests = outcomes.len() as u64;
    let accepted = outcomes.iter().filter(|o| (200..300).contains(&o.0)).count() as u64;
    LoadResult {
        seconds: (seconds * 100.0).round() / 100.0,
        requests,
        accepted,
        errors: requests - accepted,
        fivexx: outcomes.iter().filter(|o| o.0 >= 500).count() as u64,
        rps: (requests as f64 / seconds * 10.0).round() / 10.0,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        max_ms: q(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A tiny keep-alive server answering 201 with a chunked body, every third request 204
    /// without one; it keeps the bodies (each carries its id) to count distinct ones.
    #[test]
    fn paced_and_closed_loops_count_and_pace_right() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let ids = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        let seen = ids.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut r = BufReader::new(stream.unwrap());
                    let mut n = 0;
                    loop {
                        let mut line = String::new();
                        let mut length = 0;
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        loop {
                            line.clear();
                            r.read_line(&mut line).unwrap();
                            if line.trim().is_empty() {
                                break;
                            }
                            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap();
                            }
                        }
                        let mut body = vec![0; length];
                        r.read_exact(&mut body).unwrap();
                        seen.lock().unwrap().insert(String::from_utf8(body).unwrap());
                        n += 1;
                        let answer: &[u8] = if n % 3 == 0 {
                            b"HTTP/1.1 204 No Content\r\n\r\n"
                        } else {
                            b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                        };
                        r.get_mut().write_all(answer).unwrap();
                    }
                });
            }
        });
        let cfg = LoadConfig {
            addr,
            method: "POST".into(),
            path: "/x".into(),
            template: "{\"id\":\"@ID@\"}".into(),
            clients: 4,
            seconds: 1.0,
            rate: 40.0,
        };
        let paced = run(&cfg);
        assert!((30..=50).contains(&paced.requests), "{paced:?}");
        assert_eq!((paced.accepted, paced.errors, paced.fivexx), (paced.requests, 0, 0));
        let closed = run(&LoadConfig { rate: 0.0, seconds: 0.5, ..cfg });
        assert!(closed.requests > 200, "{closed:?}");
        assert_eq!(closed.errors, 0);
        // Every request carried its own id.
        assert_eq!(ids.lock().unwrap().len() as u64, paced.requests + closed.requests);
    }

    #[test]
    fn a_refused_connection_is_an_error_not_a_hang() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cfg = LoadConfig {
            addr: format!("127.0.0.1:{port}"),
            method: "POST".into(),
            path: "/".into(),
            template: String::new(),
            clients: 1,
            seconds: 0.2,
            rate: 20.0,
        };
        let r = run(&cfg);
        assert!(r.requests > 0 && r.errors == r.requests && r.accepted == 0, "{r:?}");
    }
}
