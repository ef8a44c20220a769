//! Scenarios: which lab hosts exist, how each is censored, and what a browser
//! can honestly conclude about it (the ground truth the benchmarks score against).
//! The techniques, the hosts and their expected verdicts, the ready-made scenarios and
//! the resolvers' answers are in the modules below; here, the scenario itself: its ports,
//! the lab's own names and addresses, and the list, controls and outside view it gives.

mod host;
mod presets;
mod resolver;
mod technique;

pub use host::{Browser, Host, DISTANT_LOSS, DISTANT_MS};
pub use technique::{Technique, SLOW_SERVER_MS};

use crate::canary::CanaryLab;
use ajar_core::list::{ImageSpec, List, Target};
use ajar_core::observation::OutsideView;
use serde::{Deserialize, Serialize};

/// Where the lab listens (all on loopback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ports {
    /// The lab's API and every host over plain HTTP.
    pub http: u16,
    /// The same over TLS (and the canaries behind their DPI box).
    pub tls: u16,
    pub stun: u16,
    pub stun_silent: u16,
    /// Where targets are reached as on the real web (80 and 443, inside a network namespace):
    /// list URLs then carry no port, so an https page can measure a plain-HTTP target's https
    /// equivalent. 0: off, and targets use `http` / `tls` with explicit ports.
    pub web_http: u16,
    pub web_tls: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports { http: 8470, tls: 8471, stun: 3478, stun_silent: 3479, web_http: 0, web_tls: 0 }
    }
}

impl Ports {
    /// `scheme://name[:port]` of a target host, on the web ports when they are on.
    pub fn origin(&self, https: bool, name: &str) -> String {
        let (scheme, port, default) = match https {
            true if self.web_tls > 0 => ("https", self.web_tls, 443),
            true => ("https", self.tls, 443),
            false if self.web_http > 0 => ("http", self.web_http, 80),
            false => ("http", self.http, 80),
        };
        if port == default {
            format!("{scheme}://{name}")
        } else {
            format!("{scheme}://{name}:{port}")
        }
    }
}

/// Names that do not resolve are mapped here; refused hosts to an address nobody listens on.
pub const REFUSED_ADDR: &str = "127.0.0.2";
/// Hosts blocked by dropped SYNs map here: a listener whose accept queue is full.
pub const SYN_DROP_ADDR: &str = "127.0.0.3";
/// Hosts whose local DNS answer is a block-page server map here.
pub const BLOCKPAGE_ADDR: &str = "127.0.0.4";
/// A [`Technique::RedirectBlocked`] host redirects to this prefix before its own name.
pub const HOP_PREFIX: &str = "hop.";
/// Throttled hosts send this many bits per second.
pub const THROTTLE_BPS: u64 = 128_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    #[serde(default)]
    pub ports: Ports,
    pub hosts: Vec<Host>,
    /// ajar's canaries and the DPI box in front of them.
    #[serde(default)]
    pub canary: CanaryLab,
    /// The emulated path between the browser and the lab (round trip, loss, rate).
    #[serde(default)]
    pub link: crate::link::LinkProfile,
}

/// A working site that the lab's content blocker blocks (a tracker on filter lists).
pub const TRACKER_HOST: &str = "tracker.test";
/// The lab's control host: always answers, serves the same image at full speed.
pub const CONTROL_HOST: &str = "control.test";
/// The lab's DNS-over-HTTPS resolver (JSON API).
pub const DOH_HOST: &str = "doh.test";
/// A partner news site serving `www/partner.html`, for the embed's tests.
pub const PARTNER_HOST: &str = "partner.test";
/// The lab's own API: the list, the controls, the outside view, the ground truth.
pub const API_HOST: &str = "lab.test";
/// The lab's STUN control: a STUN server that always answers.
pub const STUN_CONTROL_HOST: &str = "stun-control.test";
/// The app's https name: the lab terminates TLS for it and passes requests to the collector.
pub const APP_HOST: &str = "ajar.test";
/// The provider range that [`Technique::IpRange`] hosts share.
pub const BLOCKED_PROVIDER: u8 = 200;

impl Scenario {
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The [`Technique::RedirectBlocked`] host whose later hop `name` is (`hop.<its name>`).
    pub fn blocked_hop(&self, name: &str) -> Option<&Host> {
        let site = name.strip_prefix(HOP_PREFIX)?;
        self.host(site).filter(|h| h.technique == Technique::RedirectBlocked)
    }

    /// The URL the list gives for a host.
    pub fn url_of(&self, host: &Host) -> String {
        let p = self.ports;
        let origin = p.origin(host.secure(), host.label.as_deref().unwrap_or(&host.name));
        match host.technique {
            Technique::WsDrop | Technique::WsOk => {
                let (scheme, rest) = origin.split_once(':').unwrap_or(("http", ""));
                format!("{}:{rest}/socket", if scheme == "https" { "wss" } else { "ws" })
            }
            Technique::StunDrop => format!("stun:{}:{}", host.name, p.stun_silent),
            Technique::StunOk => format!("stun:{}:{}", host.name, p.stun),
            _ => format!("{origin}/"),
        }
    }

    fn image_of(&self, name: &str, https: bool) -> ImageSpec {
        ImageSpec {
            url: format!("{}/logo.bmp", self.ports.origin(https, name)),
            width: crate::image::WIDTH,
            height: crate::image::HEIGHT,
            bytes: Some(crate::image::bmp_len()),
        }
    }

    /// The list the app runs: every host, with the known image on web hosts.
    pub fn list(&self) -> List {
        let targets = self
            .hosts
            .iter()
            .map(|h| {
                let url = self.url_of(h);
                let web = url.starts_with("http");
                Target { url, category: h.category.clone(), image: web.then(|| self.image_of(&h.name, h.secure())) }
            })
            .collect();
        List { targets }
    }

    /// The control set: the lab's control host, with its full-speed image.
    pub fn controls(&self) -> List {
        let https = self.ports.web_tls > 0;
        let url = format!("{}/", self.ports.origin(https, CONTROL_HOST));
        let web = Target { url, category: "CTRL".into(), image: Some(self.image_of(CONTROL_HOST, https)) };
        // A STUN server that always answers: the STUN control.
        let stun = Target { url: self.stun_control(), category: "CTRL".into(), image: None };
        List { targets: vec![web, stun] }
    }

    /// The lab's STUN control (a deployment's `CONTROLS` names one the same way).
    pub fn stun_control(&self) -> String {
        format!("stun:{STUN_CONTROL_HOST}:{}", self.ports.stun)
    }

    /// What an outside vantage point sees of a host.
    pub fn outside(&self, host: &Host) -> OutsideView {
        let view = |resolves, reachable| OutsideView {
            resolves,
            reachable,
            cross_origin_blocked: false,
            server_error: false,
            answer_ms: None,
        };
        match host.technique {
            Technique::NoSuchName => view(false, false),
            Technique::Down | Technique::Silent => view(true, false),
            Technique::CertExpired | Technique::CertWrongName | Technique::CertUnknownCa => view(true, false),
            Technique::Corp => OutsideView { cross_origin_blocked: true, ..view(true, true) },
            Technique::ServerError => OutsideView { server_error: true, ..view(true, true) },
            Technique::SlowServer => OutsideView { answer_ms: Some(SLOW_SERVER_MS as u32), ..view(true, true) },
            _ => view(true, true),
        }
    }
}
