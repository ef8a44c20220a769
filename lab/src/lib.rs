//! The lab: a network that censors on purpose, on loopback only, with ground truth.
//!
//! Every lab host name ends in `.test`. Chromium is told, through
//! `--host-resolver-rules` (see [`scenario::Scenario::resolver_rules`]), which
//! names do not resolve (DNS removal) and which map to an address nobody listens
//! on (refused); everything else reaches the lab's HTTP server on 127.0.0.1, which
//! behaves per host as the scenario says.

pub mod bundle;
pub mod canary;
pub mod demo;
pub mod dns;
pub mod front;
pub mod image;
pub mod link;
pub mod load;
pub mod scenario;
pub mod server;
pub mod site_image;
pub mod stun;
pub mod tls;
pub mod websocket;
