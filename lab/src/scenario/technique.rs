//! Techniques: each way the lab censors (or breaks) a host, and its name in the ground truth.

use serde::{Deserialize, Serialize};

/// How the lab treats a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// Answers normally.
    Ok,
    /// Accepts and never answers (packets dropped).
    Blackhole,
    /// In a provider's address range that is dropped as a whole (collateral damage).
    IpRange,
    /// Reads the request, then resets the connection (RST injection).
    Reset,
    /// Nobody listens at its address: connection refused.
    Refuse,
    /// Resets the TLS handshake on seeing the host's SNI.
    TlsSni,
    /// Answers every path with a block page.
    Blockpage,
    /// Answers at 128 kbit/s.
    Throttle,
    /// Removed from the local DNS; exists for an outside resolver.
    DnsRemoval,
    /// A WebSocket endpoint whose upgrades are refused while its web works.
    WsDrop,
    /// A WebSocket endpoint that works.
    WsOk,
    /// A STUN server whose packets are dropped.
    StunDrop,
    /// A STUN server that answers.
    StunOk,
    /// Down everywhere: refused here and from outside.
    Down,
    /// The name exists nowhere.
    NoSuchName,
    /// Closes the connection (FIN) after the request, or after the ClientHello.
    Fin,
    /// Down everywhere: accepts and never answers, here and from outside.
    Silent,
    /// Down everywhere: its certificate expired (served over https only).
    CertExpired,
    /// Down everywhere: its certificate is for another name (https only).
    CertWrongName,
    /// Down everywhere: its certificate is from a CA nobody trusts (https only).
    CertUnknownCa,
    /// Down everywhere: answers every request with 503.
    ServerError,
    /// Works, but forbids cross-origin loads (`Cross-Origin-Resource-Policy: same-origin`).
    Corp,
    /// Works, serving a 32 MiB page.
    Huge,
    /// IP blocking by dropped SYNs: its address is a listener whose accept queue is full.
    SynDrop,
    /// The local resolver answers with the address of a block-page server.
    DnsBlockpage,
    /// The local resolver's queries for the name are dropped: lookups hang until they time out.
    DnsDrop,
    /// Works, but answers with a redirect to `hop.<name>`, a later hop that is reset locally
    /// (a site moved to a CDN name the censor blocks).
    RedirectBlocked,
    /// Works through a transparent proxy that intercepts (with a certificate the browser
    /// trusts, as a corporate proxy's): it adds `Via`, injects into pages, re-encodes images
    /// (other bytes, same dimensions).
    TransparentProxy,
    /// A block page for the page and every image, behind a certificate the browser trusts:
    /// the site's own CDN or host blocking the country (HTTP 451), or a filter whose CA the
    /// device trusts (a school's, a company's, a state CA the visitor was made to install).
    BlockpageTrusted,
    /// Works, but takes [`SLOW_SERVER_MS`] to answer a page, here and from outside (an
    /// overloaded server); its images come at once, as static files from a CDN do.
    SlowServer,
}

/// How long a [`Technique::SlowServer`] takes over a page: more than a first look waits
/// (2 s), less than a second look does (4 s), with room for the lab's round trips; and far
/// enough from a test's `timeout=3000` that the race between them is never close.
pub const SLOW_SERVER_MS: u64 = 3400;

impl Technique {
    pub const ALL: [Technique; 30] = [
        Technique::Ok,
        Technique::Blackhole,
        Technique::IpRange,
        Technique::Reset,
        Technique::Refuse,
        Technique::TlsSni,
        Technique::Blockpage,
        Technique::Throttle,
        Technique::DnsRemoval,
        Technique::WsDrop,
        Technique::WsOk,
        Technique::StunDrop,
        Technique::StunOk,
        Technique::Down,
        Technique::NoSuchName,
        Technique::Fin,
        Technique::Silent,
        Technique::CertExpired,
        Technique::CertWrongName,
        Technique::CertUnknownCa,
        Technique::ServerError,
        Technique::Corp,
        Technique::Huge,
        Technique::SynDrop,
        Technique::DnsBlockpage,
        Technique::DnsDrop,
        Technique::RedirectBlocked,
        Technique::TransparentProxy,
        Technique::BlockpageTrusted,
        Technique::SlowServer,
    ];

    /// Served over https whatever the host's scheme choice (certificate cases, SNI resets).
    pub fn https_only(self) -> bool {
        matches!(self, Technique::TlsSni | Technique::CertExpired | Technique::CertWrongName | Technique::CertUnknownCa)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Ok => "ok",
            Technique::Blackhole => "blackhole",
            Technique::IpRange => "ip_range",
            Technique::Reset => "reset",
            Technique::Refuse => "refuse",
            Technique::TlsSni => "tls_sni",
            Technique::Blockpage => "blockpage",
            Technique::Throttle => "throttle",
            Technique::DnsRemoval => "dns_removal",
            Technique::WsDrop => "ws_drop",
            Technique::WsOk => "ws_ok",
            Technique::StunDrop => "stun_drop",
            Technique::StunOk => "stun_ok",
            Technique::Down => "down",
            Technique::NoSuchName => "no_such_name",
            Technique::Fin => "fin",
            Technique::Silent => "silent",
            Technique::CertExpired => "cert_expired",
            Technique::CertWrongName => "cert_wrong_name",
            Technique::CertUnknownCa => "cert_unknown_ca",
            Technique::ServerError => "server_error",
            Technique::Corp => "corp",
            Technique::Huge => "huge",
            Technique::SynDrop => "syn_drop",
            Technique::DnsBlockpage => "dns_blockpage",
            Technique::DnsDrop => "dns_drop",
            Technique::RedirectBlocked => "redirect_blocked",
            Technique::TransparentProxy => "transparent_proxy",
            Technique::BlockpageTrusted => "blockpage_trusted",
            Technique::SlowServer => "slow_server",
        }
    }
}
