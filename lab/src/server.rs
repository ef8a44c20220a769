//! The lab's servers: one HTTP listener for every `.test` host (behaving per
//! host as the scenario says), a TLS listener that resets on SNI, and two STUN
//! sockets (one answering, one silent). Threads, blocking I/O: connections are
//! few and some are meant to hang forever.

use crate::canary::{ProviderState, SniAction, CANARY_DOMAIN};
use crate::link::{Link, LinkProfile};
use crate::scenario::{
    Host, Scenario, Technique, API_HOST, APP_HOST, BLOCKPAGE_ADDR, CONTROL_HOST, DOH_HOST, HOP_PREFIX, PARTNER_HOST,
    SYN_DROP_ADDR, THROTTLE_BPS,
};
use crate::tls::Cert;
use crate::{image, site_image, stun, tls, websocket};
use serde_json::json;
use socket2::SockRef;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Everything a handler needs; shared read-only between threads.
pub struct Lab {
    pub scenario: Scenario,
    pub controls_json: String,
    pub list_json: String,
    bmp: Vec<u8>,
    /// The same picture as a transparent proxy re-encodes it (16 bits a pixel).
    bmp_reencoded: Vec<u8>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
    /// Where canaries tell browsers to send Network Error Logging reports.
    pub nel_endpoint: Option<String>,
    /// Where NEL uploads to the lab's https endpoint are passed on (the collector, host:port):
    /// browsers send reports only to https endpoints, and the collector beside the lab is http.
    pub nel_forward: Option<String>,
    tls: crate::tls::Configs,
    /// The app's https names and the collectors they are passed on to (host:port): the lab
    /// terminates TLS in front of them, as Cloudflare's edge does in production.
    pub fronts: Vec<(String, String)>,
    /// Tokens of the canary probes that arrived.
    seen: Mutex<HashSet<String>>,
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
    #[error("the lab's certificates: {0}")]
    Certificates(#[from] crate::tls::CertError),
}

impl Lab {
    pub fn new(scenario: Scenario) -> Result<Lab, StartError> {
        let controls_json = serde_json::to_string(&scenario.controls()).unwrap_or_default();
        let list_json = serde_json::to_string(&scenario.list()).unwrap_or_default();
        Ok(Lab {
            scenario,
            controls_json,
            list_json,
            bmp: image::bmp(),
            bmp_reencoded: image::bmp_16bit(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            nel_endpoint: None,
            nel_forward: None,
            tls: crate::tls::Configs::new()?,
            fronts: vec![(APP_HOST.into(), "127.0.0.1:8787".into())],
            seen: Mutex::new(HashSet::new()),
        })
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
        let web_http = (p.web_http > 0).then(|| bind("web HTTP", p.web_http)).transpose()?;
        let web_tls = (p.web_tls > 0).then(|| bind("web TLS", p.web_tls)).transpose()?;
        // The block-page server a tampered DNS answer points to: the same handlers (they
        // serve a block page for every such host), on its own address.
        let web_or = |web: u16, plain: u16| if web > 0 { web } else { plain };
        let blockpage = [web_or(p.web_http, p.http), web_or(p.web_tls, p.tls)].map(|port| {
            TcpListener::bind((BLOCKPAGE_ADDR, port)).map_err(|source| StartError::Bind {
                what: "block page",
                port,
                source,
            })
        });
        let [blockpage_http, blockpage_tls] = blockpage;
        let (blockpage_http, blockpage_tls) = (blockpage_http?, blockpage_tls?);
        // Dropped SYNs: listeners whose accept queue is full and never drained.
        let syn_drop = [web_or(p.web_http, p.http), web_or(p.web_tls, p.tls)]
            .into_iter()
            .map(|port| {
                full_queue(SYN_DROP_ADDR, port).map_err(|source| StartError::Bind { what: "SYN drop", port, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stun_ok = udp("STUN", p.stun)?;
        let stun_silent = udp("silent STUN", p.stun_silent)?;
        let lab = Arc::new(self);
        let link = lab.scenario.link;
        let l = lab.clone();
        thread::spawn(move || accept_loop(http, link, move |s| l.serve_http(s)));
        let l = lab.clone();
        thread::spawn(move || accept_loop(tls_listener, link, move |s| l.serve_tls(s)));
        let l = lab.clone();
        thread::spawn(move || accept_loop(blockpage_http, link, move |s| l.serve_http(s)));
        let l = lab.clone();
        thread::spawn(move || accept_loop(blockpage_tls, link, move |s| l.serve_tls(s)));
        // Kept open for the lab's life: the full queues and the connections filling them.
        thread::spawn(move || {
            let _keep = syn_drop;
            loop {
                thread::park();
            }
        });
        if let Some(listener) = web_http {
            let l = lab.clone();
            thread::spawn(move || accept_loop(listener, link, move |s| l.serve_http(s)));
        }
        if let Some(listener) = web_tls {
            let l = lab.clone();
            thread::spawn(move || accept_loop(listener, link, move |s| l.serve_tls(s)));
        }
        // The namespace's system resolver, where it is the lab's (lab/src/dns.rs).
        if crate::dns::system_resolver_is_lab() {
            match UdpSocket::bind(("127.0.0.1", 53)) {
                Ok(socket) => {
                    let dropped = lab
                        .scenario
                        .hosts
                        .iter()
                        .filter(|h| h.technique == Technique::DnsDrop)
                        .map(|h| h.name.clone())
                        .collect();
                    thread::spawn(move || crate::dns::serve(socket, dropped));
                }
                Err(e) => eprintln!("note: the lab's resolver cannot listen on 127.0.0.1:53: {e}"),
            }
        }
        thread::spawn(move || stun::serve(stun_ok, true));
        thread::spawn(move || stun::serve(stun_silent, false));
        Ok(lab)
    }

    fn serve_http(&self, stream: Link) {
        self.serve_requests(BufReader::new(stream), false);
    }

    /// Answers requests on one connection (plain or TLS) as each host behaves. `distant`:
    /// the host's own distance is already on the path (known from the SNI).
    fn serve_requests<S: Conn>(&self, mut reader: BufReader<S>, mut distant: bool) {
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
    fn behave<S: Conn>(&self, stream: &mut S, req: &Request, host: &Host) -> bool {
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
    fn page<S: Write>(&self, stream: &mut S, req: &Request, bps: Option<u64>) -> bool {
        self.page_of(stream, &req.host, req, bps)
    }

    /// [`Lab::page`] as the site `host` (the control asks through a gateway, naming it).
    fn page_of<S: Write>(&self, stream: &mut S, host: &str, req: &Request, bps: Option<u64>) -> bool {
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

    /// A canary: the hit and download paths with Timing-Allow-Origin, CORS and NEL;
    /// every token that arrives is remembered.
    fn canary(&self, stream: &mut impl Write, req: &Request) -> bool {
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
    fn partner(&self, stream: &mut impl Write, req: &Request) -> bool {
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
    fn outside_view<S: Conn>(&self, stream: &mut S, req: &Request) -> bool {
        let name = req.outside.as_deref().unwrap_or_default();
        // The lab's web control, as a deployment's controls are: reachable from outside.
        if name == CONTROL_HOST {
            return self.page_of(stream, name, req, None);
        }
        match self.scenario.host(name) {
            Some(h) if self.scenario.outside(h).reachable => match h.technique {
                // What these sites do, they do to everyone.
                Technique::ServerError | Technique::Corp | Technique::RedirectBlocked => self.behave(stream, req, h),
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
    fn doh(&self, stream: &mut impl Write, req: &Request) -> bool {
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
    fn api(&self, stream: &mut impl Write, req: &Request) -> bool {
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
            // The same targets as a Citizen Lab test list (no images: as real lists are).
            "/list.csv" => {
                let mut csv = String::from("url,category_code,category_description,date_added,source,notes\n");
                for t in self.scenario.list().targets {
                    let url = ajar_core::csv::quote(&t.url);
                    csv.push_str(&format!("{url},{},,2026-11-30,ajar lab,\n", t.category));
                }
                return respond(stream, 200, "text/csv; charset=utf-8", csv.as_bytes(), &cors());
            }
            "/controls.json" => self.controls_json.clone(),
            "/rules" => self.scenario.resolver_rules(),
            "/canary.json" => {
                let mut config = self.scenario.canary.config(self.scenario.ports);
                // `?only=a,b`: just these triggers and providers (the benchmark's repeated runs).
                if let Some(only) = query_param(&req.path, "only") {
                    let only: Vec<&str> = only.split(',').collect();
                    config.triggers.retain(|t| only.contains(&t.as_str()));
                    config.providers.retain(|p| only.contains(&p.name.as_str()));
                }
                serde_json::to_string(&config).unwrap_or_default()
            }
            "/canary-truth.json" => serde_json::to_string(&self.scenario.canary.truth()).unwrap_or_default(),
            "/canary-seen" => {
                // `?t=a,b`: which of these probe tokens reached a canary.
                let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
                let tokens = query_param(&req.path, "t").unwrap_or_default();
                let out: serde_json::Map<String, serde_json::Value> = tokens
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(|t| (t.to_string(), seen.contains(t).into()))
                    .collect();
                serde_json::Value::Object(out).to_string()
            }
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
                    .map(|h| {
                        // `?page=http|https` (default https, as ajar ships), `?images=0|1` (default 1: the
                        // lab's JSON list carries a known image per target; a CSV list does not).
                        let secure = query_param(&req.path, "page").is_none_or(|p| p != "http");
                        let images = query_param(&req.path, "images").is_none_or(|p| p != "0");
                        // `?browser=firefox`: what Firefox can do in the lab (scenario::Browser).
                        let browser = match query_param(&req.path, "browser").as_deref() {
                            Some("firefox") => crate::scenario::Browser::FIREFOX_IN_LAB,
                            Some("silent_ice") => crate::scenario::Browser::SILENT_ICE,
                            Some("chromium_blocker") => crate::scenario::Browser::CHROMIUM_WITH_BLOCKER,
                            _ => crate::scenario::Browser::CHROMIUM,
                        };
                        json!({"url": self.scenario.url_of(h), "technique": h.technique.as_str(), "https": h.https,
                            "expected": h.expected(secure, images, browser).as_str()})
                    })
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
                        // In the shape the collector's /v1/control answers.
                        let v = self.scenario.outside(h);
                        let status = if v.server_error { 503 } else { 200 };
                        let mut view = json!({"resolves": v.resolves, "reachable": v.reachable});
                        if v.reachable {
                            view["status"] = status.into();
                        }
                        if v.cross_origin_blocked {
                            view["corp"] = "same-origin".into();
                        }
                        out.insert(url, view);
                    }
                }
                serde_json::Value::Object(out).to_string()
            }
            _ => return respond(stream, 404, "text/plain", b"unknown lab path", &cors()),
        };
        respond(stream, 200, "application/json", body.as_bytes(), &cors())
    }

    /// The TLS listener, behind a DPI box that reads the ClientHello's server name: canary
    /// names are throttled, reset, dropped or served as the canary rules say; the app's name
    /// is passed on to the collector; lab hosts behave as their technique says, before the
    /// handshake (dropped, reset, closed) or after it, with the certificate they have.
    fn serve_tls(&self, mut stream: Link) {
        let sni = peek_sni(stream.tcp());
        if let Some(h) = self.scenario.host(&sni) {
            stream.add_rtt(h.latency_ms);
            stream.add_loss(h.loss());
        }
        if let Some((_, upstream)) = self.fronts.iter().find(|(name, _)| *name == sni) {
            if let Ok(config) = self.tls.get(&sni, Cert::Valid) {
                crate::front::serve(config, stream, upstream);
            }
            return;
        }
        match self.scenario.canary.sni_action(&sni) {
            Some(SniAction::Reset) => return reset(stream.tcp()),
            Some(SniAction::Drop) => {
                hold(&mut stream);
                return;
            }
            Some(SniAction::Throttle) => return self.serve_canary_tls(&sni, Paced::new(stream, Some(THROTTLE_BPS))),
            Some(_) => return self.serve_canary_tls(&sni, Paced::new(stream, None)),
            None => {}
        }
        let special = [API_HOST, DOH_HOST, CONTROL_HOST, PARTNER_HOST].contains(&sni.as_str());
        let provider = self.scenario.canary.provider_state(&sni);
        let cert = match self.scenario.host(&sni).map(|h| h.technique) {
            _ if special || provider == Some(ProviderState::Reachable) => Cert::Valid,
            // A provider whose range is dropped (the others never resolve or reach here).
            _ if provider.is_some() => {
                hold(&mut stream);
                return;
            }
            // A redirect's later hop: reset on its name (SNI), as a DPI box does.
            None if self.scenario.blocked_hop(&sni).is_some() => return reset(stream.tcp()),
            None => {
                // Not a name this TLS server has: an honest handshake failure alert.
                let _ = stream.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
                return;
            }
            Some(Technique::Blackhole | Technique::IpRange | Technique::Silent | Technique::SynDrop) => {
                hold(&mut stream);
                return;
            }
            Some(Technique::Reset | Technique::TlsSni | Technique::Refuse | Technique::Down) => {
                return reset(stream.tcp())
            }
            Some(Technique::Fin) => {
                // Read the ClientHello first: closing with unread data would send an RST.
                let _ = stream.read(&mut [0u8; 16 * 1024]);
                let _ = stream.tcp().shutdown(std::net::Shutdown::Both);
                return;
            }
            Some(Technique::CertExpired) => Cert::Expired,
            Some(Technique::CertWrongName) => Cert::WrongName,
            // A block-page box cannot show the site's certificate: it shows its own.
            Some(Technique::CertUnknownCa | Technique::Blockpage | Technique::DnsBlockpage) => Cert::UnknownCa,
            Some(_) => Cert::Valid,
        };
        let Some(conn) = self.tls_connection(&sni, cert) else {
            return;
        };
        self.serve_requests(BufReader::new(rustls::StreamOwned::new(conn, stream)), true);
    }

    /// A server side of TLS presenting `cert` for `sni`; `None` if it cannot be made.
    fn tls_connection(&self, sni: &str, cert: Cert) -> Option<rustls::ServerConnection> {
        rustls::ServerConnection::new(self.tls.get(sni, cert).ok()?).ok()
    }

    fn serve_canary_tls<S: Read + Write>(&self, sni: &str, sock: S) {
        let Some(conn) = self.tls_connection(sni, Cert::Valid) else {
            return;
        };
        let mut tls = BufReader::new(rustls::StreamOwned::new(conn, sock));
        while let Some(req) = Request::read(&mut tls) {
            let keep = if req.path.starts_with("/v1/nel") {
                self.forward_nel(tls.get_mut(), &req)
            } else if req.method == "OPTIONS" {
                respond(tls.get_mut(), 204, "text/plain", b"", &cors())
            } else {
                self.canary(tls.get_mut(), &req)
            };
            if tls.get_mut().flush().is_err() || !keep {
                return;
            }
        }
    }

    /// Passes a NEL upload (or its CORS preflight) on to the collector and its answer back.
    fn forward_nel(&self, stream: &mut impl Write, req: &Request) -> bool {
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

/// The server name of the ClientHello waiting on `stream`, read without consuming it.
fn peek_sni(stream: &TcpStream) -> String {
    let mut buf = vec![0u8; 8192];
    for _ in 0..50 {
        match stream.peek(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some(sni) = tls::client_hello_sni(&buf[..n]) {
                    return sni;
                }
            }
        }
        thread::sleep(Duration::from_millis(5));
    }
    String::new()
}

/// A connection the lab answers on: plain, or TLS, over the emulated path.
pub trait Conn: Read + Write {
    fn link(&mut self) -> &mut Link;
    fn tcp(&self) -> &TcpStream;
}

impl Conn for Link {
    fn link(&mut self) -> &mut Link {
        self
    }
    fn tcp(&self) -> &TcpStream {
        Link::tcp(self)
    }
}

impl Conn for rustls::StreamOwned<rustls::ServerConnection, Link> {
    fn link(&mut self) -> &mut Link {
        &mut self.sock
    }
    fn tcp(&self) -> &TcpStream {
        self.sock.tcp()
    }
}

/// Writes through, but for a HEAD request only the first write: [`respond`] writes an
/// answer's head in one write, its body in the next.
struct HeadOnly<'a, S> {
    inner: &'a mut S,
    head: bool,
    written: bool,
}

impl<S: Read> Read for HeadOnly<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for HeadOnly<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.head && std::mem::replace(&mut self.written, true) {
            return Ok(buf.len());
        }
        self.inner.write_all(buf).map(|()| buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Conn> Conn for HeadOnly<'_, S> {
    fn link(&mut self) -> &mut Link {
        self.inner.link()
    }
    fn tcp(&self) -> &TcpStream {
        self.inner.tcp()
    }
}

/// The size of a [`Technique::Huge`] site's page.
const HUGE_BYTES: usize = 32 << 20;

/// Holds the connection and says nothing until the browser gives up (dropped packets).
fn hold(stream: &mut impl Read) -> bool {
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    false
}

/// A stream whose writes leave at `bps` bits per second (1 kB at a time), as a throttling box does.
struct Paced<S> {
    inner: S,
    pause: Option<Duration>,
}

impl<S> Paced<S> {
    fn new(inner: S, bps: Option<u64>) -> Self {
        Paced { inner, pause: bps.map(|bps| Duration::from_micros(1024 * 8 * 1_000_000 / bps.max(1))) }
    }
}

impl<S: Read> Read for Paced<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Paced<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.pause {
            None => self.inner.write(buf),
            Some(pause) => {
                thread::sleep(pause);
                self.inner.write(&buf[..buf.len().min(1024)])
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A listener on `addr:port` with a one-place accept queue, filled by connections of its
/// own and never accepted: new connections' SYNs go unanswered, as when a censor drops them.
fn full_queue(addr: &str, port: u16) -> std::io::Result<(socket2::Socket, Vec<TcpStream>)> {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    let at: std::net::SocketAddr = format!("{addr}:{port}").parse().map_err(std::io::Error::other)?;
    sock.bind(&at.into())?;
    sock.listen(0)?;
    let mut fillers = Vec::new();
    for _ in 0..3 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        s.set_nonblocking(true)?;
        // In progress or done: either way it holds (or waits for) a place in the queue.
        let _ = s.connect(&at.into());
        fillers.push(TcpStream::from(s));
    }
    Ok((sock, fillers))
}

/// Serves each connection on its own thread, seen through the emulated network path.
fn accept_loop(listener: TcpListener, link: LinkProfile, handle: impl Fn(Link) + Send + Sync + Clone + 'static) {
    for stream in listener.incoming().flatten() {
        let handle = handle.clone();
        thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            handle(Link::new(stream, link))
        });
    }
}

/// Makes the connection close with an RST instead of a FIN (when it is dropped).
fn reset(stream: &TcpStream) {
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

fn cors() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "content-type, accept"),
    ]
}

fn respond(stream: &mut impl Write, status: u16, ctype: &str, body: &[u8], headers: &[(&str, &str)]) -> bool {
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

/// A redirect to the same path on `hop.<host>`, in the scheme the request came in on (a
/// site never sends an https visitor to plain HTTP, which a browser would refuse).
fn redirect(stream: &mut impl Write, req: &Request, host: &Host, secure: bool) -> bool {
    let scheme = if secure { "https" } else { "http" };
    let location = format!("{scheme}://{HOP_PREFIX}{}{}", host.name, req.path);
    respond(stream, 302, "text/html", b"<a>moved</a>", &[("Location", location.as_str())])
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
    fn read(reader: &mut BufReader<impl Read>) -> Option<Request> {
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
