//! The control's DNS: every address of a name, asked of the deployment's DoH resolver.

use super::fetch::{get, read_bounded};
use super::{Budget, Config};
use ajar_core::observation::Observation;
use std::net::IpAddr;

/// Why a lookup gave no answer (the client is told only that the resolver failed).
#[derive(Debug, thiserror::Error)]
pub enum LookupFailed {
    #[error("the resolver did not answer")]
    NoAnswer,
    #[error("the resolver's answer could not be read")]
    Unreadable,
    #[error("the resolver's answer is not a DoH JSON answer")]
    NotDoh,
}

/// Every address for `host` from the DoH resolver, IPv4 and IPv6 (the runtime may connect to
/// either): `Ok(None)` if it does not exist or has no address of either type.
pub async fn lookup(cfg: &Config, budget: &Budget, host: &str) -> Result<Option<Vec<IpAddr>>, LookupFailed> {
    let mut all: Vec<IpAddr> = Vec::new();
    // Both types asked at once (one round trip to the resolver, not two).
    let (a, aaaa) = futures_util::future::join(ask(cfg, budget, host, "A"), ask(cfg, budget, host, "AAAA")).await;
    for answer in [a, aaaa] {
        match answer? {
            Observation::DohAddresses { addresses } => {
                all.extend(addresses.iter().filter_map(|a| a.parse::<IpAddr>().ok()));
            }
            Observation::DohNoSuchName => return Ok(None),
            Observation::DohNoAddress => {}
            _ => return Err(LookupFailed::NotDoh),
        }
    }
    all.sort();
    all.dedup();
    Ok((!all.is_empty()).then_some(all))
}

/// One DoH question of `kind` for `host`, and what its answer says.
async fn ask(cfg: &Config, budget: &Budget, host: &str, kind: &str) -> Result<Observation, LookupFailed> {
    let url = ajar_core::url::with_query(&cfg.doh, &[("name", host), ("type", kind)]);
    let resp = get(cfg, budget, &url, &[("accept", "application/dns-json")]).await.ok_or(LookupFailed::NoAnswer)?;
    let (body, _) = read_bounded(resp, MAX_DOH_ANSWER).await.ok_or(LookupFailed::Unreadable)?;
    Ok(ajar_core::doh::parse_json(&String::from_utf8_lossy(&body)))
}

/// A DoH answer larger than this is not read.
const MAX_DOH_ANSWER: usize = 64 * 1024;
