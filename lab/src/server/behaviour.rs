//! How each lab host behaves over HTTP (plain, or inside TLS the DPI box let through): the
//! request loop that dispatches on the Host header, and each technique's answer — held,
//! reset, closed, a block page, a 503, a throttled or proxied page, a WebSocket upgrade.

use super::conn::{hold, reset, Conn, HeadOnly};
use super::http::{cors, respond, Request};
use super::pacing::Paced;
use super::{InFlight, Lab};
use crate::canary::{ProviderState, CANARY_DOMAIN};
use crate::link::Link;
use crate::scenario::{
    Host, Technique, API_HOST, CONTROL_HOST, DOH_HOST, HOP_PREFIX, PARTNER_HOST, SLOW_SERVER_MS, THROTTLE_BPS,
};
use crate::{site_image, websocket};
use std::io::{BufReader, Write};

impl Lab {
    pub(super) fn serve_http(&self, stream: Link) {
        self.serve_requests(BufReader::new(stream), false);
    }

    /// Answers requests on one connection (plain or TLS) as each host behaves. `distant`:
    /// the host's own distance is already on the path (known from the SNI).
    pub(super) fn serve_requests<S: Conn>(&self, mut reader: BufReader<S>, mut distant: bool) {
        while let Some(req) = Request::read(&mut reader) {
            // A HEAD request gets the answer's head only (its first write), as HTTP says.
            let stream = &mut HeadOnly { inner: reader.get_mut(), head: req.method == "HEAD", written: false };
            let _counted = (req.host != API_HOST).then(|| InFlight::new(self));
            let host = self.scenario.host(&req.host);
            if let Some(h) = host.filter(|_| !std::mem::replace(&mut distant, true)) {
                stream.link().add_rtt(h.latency_ms);
                stream.link().add_loss(h.loss());
            }
            let provider = self.scenario.canary.provider_state(&req.host);
            let keep = match host {
                _ if req.method == "OPTIONS" => respond(stream, 204, "text/plain", b"", &cors()),
                _ if req.outside.is_some() => self.outside_view(stream, &req),
                _ if req.host == DOH_HOST
                    || (req.host.parse::<std::net::IpAddr>().is_ok() && req.path.starts_with("/dns-query")) =>
                {
                    self.doh(stream, &req)
                }
                _ if req.host == PARTNER_HOST => self.partner(stream, &req),
                _ if req.host == API_HOST => self.api(stream, &req),
                _ if req.host == CONTROL_HOST => self.page(stream, &req, None),
                _ if req.host.ends_with(CANARY_DOMAIN) || provider == Some(ProviderState::Reachable) => {
                    self.canary(stream, &req)
                }
                _ if provider.is_some() => hold(stream),
                Some(h) => self.behave(stream, &req, h),
                // A redirect's later hop, blocked here: reset once the request is read.
                None if self.scenario.blocked_hop(&req.host).is_some() => {
                    reset(stream.tcp());
                    false
                }
                None => respond(stream, 404, "text/plain", b"not a lab host", &cors()),
            };
            if stream.flush().is_err() || !keep {
                return;
            }
        }
    }

    /// Returns whether the connection may be reused.
    pub(super) fn behave<S: Conn>(&self, stream: &mut S, req: &Request, host: &Host) -> bool {
        match host.technique {
            // A SYN-dropped host reaches here only from a browser without resolver rules.
            Technique::Blackhole | Technique::IpRange | Technique::Silent | Technique::SynDrop => hold(stream),
            // Refused hosts reach here only from a browser without resolver rules (Firefox).
            Technique::Reset | Technique::Refuse | Technique::Down => {
                reset(stream.tcp());
                false
            }
            // Closed without an answer.
            Technique::Fin => false,
            Technique::ServerError => respond(stream, 503, "text/html", b"<title>Service Unavailable</title>", &[]),
            Technique::Corp => {
                let page = b"<!doctype html><title>lab site</title><p>Not for other sites.</p>";
                respond(
                    stream,
                    200,
                    "text/html; charset=utf-8",
                    page,
                    &[("Cross-Origin-Resource-Policy", "same-origin")],
                )
            }
            // Its known image is an ordinary one; every page is 32 MiB.
            Technique::Huge if !req.path.starts_with("/logo.bmp") && !site_image::is_image_path(&req.path) => {
                respond(stream, 200, "text/html; charset=utf-8", &vec![b' '; HUGE_BYTES], &[])
            }
            Technique::Blockpage | Technique::DnsBlockpage => {
                let page = b"<!doctype html><title>Access restricted</title><h1>Access to this resource is restricted by order of the authorities</h1>";
                respond(stream, 200, "text/html; charset=utf-8", page, &[])
            }
            // Behind a certificate the browser trusts: every path, the images too.
            Technique::BlockpageTrusted => {
                let page = b"<!doctype html><title>451 Unavailable For Legal Reasons</title><h1>This content is not available in your country</h1>";
                respond(stream, 451, "text/html; charset=utf-8", page, &[])
            }
            Technique::Throttle => self.page(stream, req, Some(THROTTLE_BPS)),
            Technique::SlowServer => {
                if !req.path.starts_with("/logo.bmp") && !site_image::is_image_path(&req.path) {
                    std::thread::sleep(std::time::Duration::from_millis(SLOW_SERVER_MS));
                }
                // Its own page and images, also when asked from outside (where the request
                // names the gateway).
                self.page_of(stream, &host.name, req, None)
            }
            Technique::RedirectBlocked => {
                let port = stream.tcp().local_addr().map(|a| a.port()).unwrap_or_default();
                let p = self.scenario.ports;
                redirect(stream, req, host, [p.tls, p.web_tls].contains(&port))
            }
            Technique::TransparentProxy => self.proxied(stream, req),
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

    /// A normal site: a page at any path linking the site's images as real pages do (an
    /// `og:image`, an icon: `site_image.rs`), those images, and the JSON list's known image at
    /// `/logo.bmp`; `bps` paces the answer.
    pub(super) fn page<S: Write>(&self, stream: &mut S, req: &Request, bps: Option<u64>) -> bool {
        self.page_of(stream, &req.host, req, bps)
    }

    /// [`Lab::page`] as the site `host` (the control asks through a gateway, naming it).
    pub(super) fn page_of<S: Write>(&self, stream: &mut S, host: &str, req: &Request, bps: Option<u64>) -> bool {
        let stream = &mut Paced::new(stream, bps);
        if req.path.starts_with("/logo.bmp") {
            return respond(stream, 200, "image/bmp", &self.bmp, &[]);
        }
        if site_image::is_image_path(&req.path) {
            return match site_image::asset(host, &req.path, false) {
                Some((ctype, body)) => respond(stream, 200, ctype, &body, &[]),
                None => respond(stream, 404, "text/html; charset=utf-8", b"<title>Not Found</title>", &[]),
            };
        }
        let page = site_image::page(host, "lab site", "<p>An ordinary page.</p>");
        respond(stream, 200, "text/html; charset=utf-8", page.as_bytes(), &[])
    }

    /// A site seen through a transparent proxy: its page with a script injected, its image
    /// re-encoded (other bytes, the same picture), `Via` on every answer.
    fn proxied<S: Write>(&self, stream: &mut S, req: &Request) -> bool {
        let via = [("Via", "1.1 proxy.isp.test (squid)"), ("X-Cache", "MISS from proxy.isp.test")];
        if req.path.starts_with("/logo.bmp") {
            return respond(stream, 200, "image/bmp", &self.bmp_reencoded, &via);
        }
        if let Some((ctype, body)) = site_image::asset(&req.host, &req.path, true) {
            return respond(stream, 200, ctype, &body, &via);
        }
        let page = site_image::page(
            &req.host,
            "lab site",
            "<script src=\"http://proxy.isp.test/inject.js\"></script><p>An ordinary page.</p>",
        );
        respond(stream, 200, "text/html; charset=utf-8", page.as_bytes(), &via)
    }
}

/// The size of a [`Technique::Huge`] site's page.
const HUGE_BYTES: usize = 32 << 20;

/// A redirect to the same path on `hop.<host>`, in the scheme the request came in on (a
/// site never sends an https visitor to plain HTTP, which a browser would refuse).
fn redirect(stream: &mut impl Write, req: &Request, host: &Host, secure: bool) -> bool {
    let scheme = if secure { "https" } else { "http" };
    let location = format!("{scheme}://{HOP_PREFIX}{}{}", host.name, req.path);
    respond(stream, 302, "text/html", b"<a>moved</a>", &[("Location", location.as_str())])
}
