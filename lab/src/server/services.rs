//! The lab's own services over HTTP, beside its sites: canaries (and the NEL uploads their
//! https endpoint passes on), DNS-over-HTTPS, the partner page for the embed, and the outside
//! view the collector's control asks for.

use super::conn::{reset, Conn};
use super::http::{cors, query_param, respond, Request};
use super::Lab;
use crate::scenario::{Technique, CONTROL_HOST};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;

impl Lab {
    /// A canary: the hit and download paths with Timing-Allow-Origin, CORS and NEL;
    /// every token that arrives is remembered.
    pub(super) fn canary(&self, stream: &mut impl Write, req: &Request) -> bool {
        let request = match ajar_core::canary::parse_request(&req.path) {
            None => return self.page(stream, req, None),
            Some(Err(e)) => return respond(stream, 400, "text/plain", e.to_string().as_bytes(), &cors()),
            Some(Ok(r)) => r,
        };
        if let (Some(t), Ok(mut seen)) = (request.token(), self.seen.lock()) {
            seen.insert(t.to_string());
        }
        let headers = ajar_core::canary::response_headers(self.nel_endpoint.as_deref());
        // `respond` says no-store already.
        let headers: Vec<(&str, &str)> =
            headers.iter().filter(|(k, _)| *k != "Cache-Control").map(|(k, v)| (*k, v.as_str())).collect();
        let body = match request {
            ajar_core::canary::CanaryRequest::Hit { .. } => b"ok".to_vec(),
            ajar_core::canary::CanaryRequest::Down { bytes, .. } => vec![b'a'; bytes as usize],
        };
        respond(stream, 200, "application/octet-stream", &body, &headers)
    }

    /// The demo partner page, under a strict CSP with only the additions docs/embed.md asks for.
    pub(super) fn partner(&self, stream: &mut impl Write, req: &Request) -> bool {
        let collector = query_param(&req.path, "collector").unwrap_or_default();
        let collector: String =
            collector.chars().filter(|c| c.is_ascii_alphanumeric() || ":/.-".contains(*c)).collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'unsafe-inline' {collector} 'wasm-unsafe-eval'; \
             connect-src *; img-src * data:; style-src 'self' 'unsafe-inline'; frame-src {collector}; frame-ancestors 'none'"
        );
        let page = include_str!("../../../www/partner.html");
        respond(stream, 200, "text/html; charset=utf-8", page.as_bytes(), &[("Content-Security-Policy", csp.as_str())])
    }

    /// A request from the collector's control (`X-Ajar-Host`: it stands outside the censored
    /// network): the host answers if it is reachable from outside, else the connection is reset.
    pub(super) fn outside_view<S: Conn>(&self, stream: &mut S, req: &Request) -> bool {
        let name = req.outside.as_deref().unwrap_or_default();
        // The lab's web control, as a deployment's controls are: reachable from outside.
        if name == CONTROL_HOST {
            return self.page_of(stream, name, req, None);
        }
        match self.scenario.host(name) {
            Some(h) if self.scenario.outside(h).reachable => match h.technique {
                // What these sites do, they do to everyone.
                Technique::ServerError | Technique::Corp | Technique::RedirectBlocked | Technique::SlowServer => {
                    self.behave(stream, req, h)
                }
                _ => self.page_of(stream, name, req, None),
            },
            Some(_) => {
                reset(stream.tcp());
                false
            }
            // A redirect's later hop answers from outside.
            None if self.scenario.blocked_hop(name).is_some() => self.page_of(stream, name, req, None),
            None => respond(stream, 404, "text/plain", b"not a lab host", &[]),
        }
    }

    /// DNS-over-HTTPS, JSON API (as Cloudflare's and Google's `?name=&type=`).
    pub(super) fn doh(&self, stream: &mut impl Write, req: &Request) -> bool {
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

    /// Passes a NEL upload (or its CORS preflight) on to the collector and its answer back.
    pub(super) fn forward_nel(&self, stream: &mut impl Write, req: &Request) -> bool {
        let Some(to) = &self.nel_forward else {
            return respond(stream, 404, "text/plain", b"no NEL forward", &[]);
        };
        let Ok(mut upstream) = TcpStream::connect(to) else {
            return respond(stream, 404, "text/plain", b"collector unreachable", &[]);
        };
        let head = format!(
            "{} {} HTTP/1.1\r\nHost: {to}\r\nContent-Type: application/reports+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            req.method,
            req.path,
            req.body.len()
        );
        let mut answer = Vec::new();
        if upstream.write_all(head.as_bytes()).is_err()
            || upstream.write_all(&req.body).is_err()
            || upstream.read_to_end(&mut answer).is_err()
        {
            return false;
        }
        let _ = stream.write_all(&answer);
        false
    }
}
