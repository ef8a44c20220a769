//! Which URLs and hosts the control may fetch: http(s) only, read alike by ajar's parser and
//! the runtime's, and (outside the lab) no local name and no private destination.

use super::dns::lookup;
use super::{Budget, Config};
use ajar_core::privacy::is_non_public;
use ajar_core::url::TargetUrl;
use std::net::IpAddr;
use worker::url::Host;

/// Why a target is not checked: the answer's `error`.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("only http and https targets are checked: {0}")]
    Unparsable(#[source] worker::url::ParseError),
    #[error("only http and https targets are checked")]
    Scheme,
    #[error("a URL with user info is not checked")]
    UserInfo,
    #[error("the URL has no host")]
    NoHost,
    #[error("only http and https targets are checked: {0}")]
    NotTarget(#[source] ajar_core::url::UrlError),
    #[error("the URL reads differently to different parsers: not checked")]
    ReadsDifferently,
    #[error("a local name (localhost, single-label, .local, .internal, .home.arpa) is not checked")]
    LocalName,
    #[error("private, loopback or link-local destination refused")]
    Private,
}

/// The host a target URL names, as the runtime's fetch will read it (WHATWG URL, the `url`
/// crate), with the URL to fetch serialised by the same parser: no differential between the
/// URL judged and the URL fetched. Refused: other schemes, user info, and URLs that ajar's own
/// parser reads differently (`http://127.0.0.1:1\@8.8.8.8/`, `http://3325256711/`).
pub fn judged(url: &str) -> Result<(worker::Url, Host<String>), Refused> {
    let parsed = worker::Url::parse(url).map_err(Refused::Unparsable)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused::Scheme);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refused::UserInfo);
    }
    let host = parsed.host().map(|h| h.to_owned()).ok_or(Refused::NoHost)?;
    let ours = TargetUrl::parse(url).map_err(Refused::NotTarget)?;
    // A host was found just above, so the runtime's parser has a host string.
    let theirs = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    if ours.host != theirs {
        return Err(Refused::ReadsDifferently);
    }
    Ok((parsed, host))
}

/// A name this machine may answer itself (`ajar_core::privacy::is_local_name`), refused
/// unless the deployment is the lab: the runtime's resolver, not the DoH lookup, would pick
/// the address connected to.
pub fn local_name(cfg: &Config, host: &Host<String>) -> bool {
    !cfg.allow_private && matches!(host, Host::Domain(name) if ajar_core::privacy::is_local_name(name))
}

/// The addresses `host` may be fetched at from here: every one it resolves to (`None` if it
/// does not resolve, or any is private, unless the deployment is the lab). The request then
/// goes to one of these, never to what another lookup says.
pub async fn allowed(cfg: &Config, budget: &Budget, host: &Host<String>) -> Option<Vec<IpAddr>> {
    if local_name(cfg, host) {
        return None;
    }
    let addresses: Vec<IpAddr> = match host {
        Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
        Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
        Host::Domain(name) => lookup(cfg, budget, name).await.ok()??,
    };
    (cfg.allow_private || !addresses.iter().any(is_non_public)).then_some(addresses)
}
