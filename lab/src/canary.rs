//! The lab's canaries: ajar's own canary domain behind an SNI-keyed DPI box, and one
//! canary per hosting provider, some of whose address ranges are dropped.
//!
//! The DPI box reads the server name of every TLS ClientHello to the canary address
//! and, when the name holds a trigger as a run of labels (`twimg.com.canary.test`),
//! throttles, resets or drops the connection; the innocuous name passes. Trigger
//! names removed from the local resolver emulate DNS-based blocking of the same name.

use ajar_core::canary::{CanaryConfig, CanaryKind, Phase, ProviderCanary, DEFAULT_BYTES};
use ajar_core::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// ajar's canary domain in the lab; every name under it reaches the lab's TLS port.
pub const CANARY_DOMAIN: &str = "canary.test";
/// Provider canaries live under this domain (`<provider>.prov.test`).
pub const PROVIDER_DOMAIN: &str = "prov.test";
/// The innocuous label.
pub const INNOCUOUS: &str = "www";

/// What the DPI box (or the resolver) does to a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SniAction {
    /// Nothing: a trigger the censor does not care about (the false-attribution check).
    Pass,
    /// 128 kbit/s for the whole connection, as Russia did to Twitter in 2021.
    Throttle,
    /// An RST right after the ClientHello.
    Reset,
    /// The ClientHello and everything after it are dropped.
    Drop,
    /// The name is removed from the local resolver.
    DnsRemoval,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SniRule {
    pub trigger: String,
    pub action: SniAction,
}

/// How the lab treats a provider's canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderState {
    Reachable,
    /// The provider's range is dropped.
    Blackholed,
    /// Connections are refused (RST on SYN).
    Refused,
    /// The canary's name is removed from the local resolver.
    DnsRemoval,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderRule {
    pub name: String,
    pub state: ProviderState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryLab {
    pub sni: Vec<SniRule>,
    pub providers: Vec<ProviderRule>,
}

impl Default for CanaryLab {
    fn default() -> Self {
        let sni = |trigger: &str, action| SniRule { trigger: trigger.into(), action };
        let prov = |name: &str, state| ProviderRule { name: name.into(), state };
        CanaryLab {
            sni: vec![
                sni("twimg.com", SniAction::Throttle),
                sni("rutracker.org", SniAction::Reset),
                sni("meduza.io", SniAction::Drop),
                sni("linkedin.com", SniAction::DnsRemoval),
                sni("example.org", SniAction::Pass),
                // The demo's `sni.test` is reset on its SNI: its canary twin shows it is the handshake.
                sni("sni.test", SniAction::Reset),
            ],
            providers: vec![
                prov("hetzner", ProviderState::Reachable),
                prov("ovh", ProviderState::Blackholed),
                prov("digitalocean", ProviderState::Refused),
                prov("linode", ProviderState::DnsRemoval),
            ],
        }
    }
}

/// A canary check's ground truth: what ajar should conclude.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanaryTruth {
    pub kind: CanaryKind,
    pub name: String,
    pub verdict: Verdict,
    pub phase: Option<Phase>,
}

/// Does `sni` hold `trigger` as a run of whole labels?
pub fn holds_labels(sni: &str, trigger: &str) -> bool {
    sni == trigger
        || sni.starts_with(&format!("{trigger}."))
        || sni.ends_with(&format!(".{trigger}"))
        || sni.contains(&format!(".{trigger}."))
}

impl CanaryLab {
    pub fn trigger_host(trigger: &str) -> String {
        format!("{trigger}.{CANARY_DOMAIN}")
    }

    pub fn provider_host(name: &str) -> String {
        format!("{name}.{PROVIDER_DOMAIN}")
    }

    /// The DPI box's decision for a ClientHello's server name (None: not a canary name).
    pub fn sni_action(&self, sni: &str) -> Option<SniAction> {
        let labels = sni.strip_suffix(CANARY_DOMAIN)?.strip_suffix('.').unwrap_or_default();
        Some(
            self.sni
                .iter()
                .find(|r| r.action != SniAction::DnsRemoval && holds_labels(labels, &r.trigger))
                .map_or(SniAction::Pass, |r| r.action),
        )
    }

    /// Every canary host name: the innocuous one, each trigger's, each provider's, and the
    /// NEL report endpoint.
    pub fn names(&self) -> Vec<String> {
        let mut out = vec![format!("{INNOCUOUS}.{CANARY_DOMAIN}"), format!("report.{CANARY_DOMAIN}")];
        out.extend(self.sni.iter().map(|r| Self::trigger_host(&r.trigger)));
        out.extend(self.providers.iter().map(|p| Self::provider_host(&p.name)));
        out
    }

    pub fn provider_state(&self, host: &str) -> Option<ProviderState> {
        self.providers.iter().find(|p| Self::provider_host(&p.name) == host).map(|p| p.state)
    }

    /// Host names the local resolver must not know, and hosts whose connections are refused.
    pub fn resolver_overrides(&self) -> Vec<(String, &'static str)> {
        let removed =
            self.sni.iter().filter(|r| r.action == SniAction::DnsRemoval).map(|r| Self::trigger_host(&r.trigger));
        let mut out: Vec<(String, &'static str)> = removed.map(|h| (h, "~NOTFOUND")).collect();
        for p in &self.providers {
            match p.state {
                ProviderState::DnsRemoval => out.push((Self::provider_host(&p.name), "~NOTFOUND")),
                ProviderState::Refused => out.push((Self::provider_host(&p.name), crate::scenario::REFUSED_ADDR)),
                _ => {}
            }
        }
        out
    }

    /// The configuration the app is given in the lab.
    pub fn config(&self, ports: crate::scenario::Ports) -> CanaryConfig {
        CanaryConfig {
            innocuous: format!("https://{INNOCUOUS}.{CANARY_DOMAIN}:{}", ports.tls),
            trigger_base: format!("https://{{name}}.{CANARY_DOMAIN}:{}", ports.tls),
            triggers: self.sni.iter().map(|r| r.trigger.clone()).collect(),
            providers: self
                .providers
                .iter()
                .map(|p| ProviderCanary {
                    name: p.name.clone(),
                    // Over https, as the app's page is (a plain-HTTP canary is refused there).
                    url: format!(
                        "https://{}:{}{}",
                        Self::provider_host(&p.name),
                        ports.tls,
                        ajar_core::canary::HIT_PATH
                    ),
                })
                .collect(),
            bytes: DEFAULT_BYTES,
        }
    }

    /// What a browser should conclude from each canary check.
    pub fn truth(&self) -> Vec<CanaryTruth> {
        let t = |kind, name: &str, verdict, phase| CanaryTruth { kind, name: name.into(), verdict, phase };
        let mut out = vec![t(CanaryKind::Innocuous, "innocuous", Verdict::Ok, None)];
        for r in &self.sni {
            let (v, p) = match r.action {
                SniAction::Pass => (Verdict::Ok, None),
                SniAction::Throttle => (Verdict::Throttled, Some(Phase::Transfer)),
                SniAction::Reset | SniAction::Drop => (Verdict::Tls, Some(Phase::Tls)),
                SniAction::DnsRemoval => (Verdict::Dns, Some(Phase::Dns)),
            };
            out.push(t(CanaryKind::Sni, &r.trigger, v, p));
        }
        for p in &self.providers {
            let (v, ph) = match p.state {
                ProviderState::Reachable => (Verdict::Ok, None),
                ProviderState::Blackholed => (Verdict::Blackhole, Some(Phase::Tcp)),
                ProviderState::Refused => (Verdict::Reset, Some(Phase::Tcp)),
                ProviderState::DnsRemoval => (Verdict::Dns, Some(Phase::Dns)),
            };
            out.push(t(CanaryKind::Provider, &p.name, v, ph));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dpi_box_matches_whole_labels_only() {
        let lab = CanaryLab::default();
        assert_eq!(lab.sni_action("twimg.com.canary.test"), Some(SniAction::Throttle));
        assert_eq!(lab.sni_action("pbs.twimg.com.canary.test"), Some(SniAction::Throttle));
        assert_eq!(lab.sni_action("nottwimg.com.canary.test"), Some(SniAction::Pass));
        assert_eq!(lab.sni_action("www.canary.test"), Some(SniAction::Pass));
        assert_eq!(lab.sni_action("twimg.com"), None, "not a canary name");
        assert_eq!(lab.sni_action("linkedin.com.canary.test"), Some(SniAction::Pass), "removed from DNS, not DPI");
        assert!(lab.resolver_overrides().contains(&("linkedin.com.canary.test".into(), "~NOTFOUND")));
        lab.config(crate::scenario::Ports::default()).validate().expect("the lab's canary config is valid");
        assert_eq!(lab.truth().len(), 1 + lab.sni.len() + lab.providers.len());
    }
}
