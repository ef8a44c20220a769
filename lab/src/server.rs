//! The lab's servers: which listeners it opens (one HTTP and one TLS listener for every
//! `.test` host, the block-page and SYN-drop addresses, the resolver, two STUN sockets) and
//! the state its handlers share. Threads, blocking I/O: connections are few and some are
//! meant to hang forever. What is answered on them lives in the modules below.

mod api;
mod behaviour;
mod conn;
mod dpi;
mod http;
mod pacing;
mod services;

use crate::link::{Link, LinkProfile};
use crate::scenario::{Scenario, Technique, APP_HOST, BLOCKPAGE_ADDR, SYN_DROP_ADDR};
use crate::{image, stun};
use std::collections::HashSet;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

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
