//! What resolvers answer for a scenario's names: an outside resolver (the lab's DoH),
//! Chromium's `--host-resolver-rules`, and Firefox's local domains.

use super::{
    Scenario, Technique, API_HOST, APP_HOST, BLOCKPAGE_ADDR, CONTROL_HOST, DOH_HOST, HOP_PREFIX, PARTNER_HOST,
    REFUSED_ADDR, STUN_CONTROL_HOST, SYN_DROP_ADDR,
};

impl Scenario {
    /// Addresses an outside resolver gives for `name` (None: no such name).
    pub fn doh_answer(&self, name: &str) -> Option<Vec<String>> {
        let name = name.trim_end_matches('.');
        if name == CONTROL_HOST || name == API_HOST || name == DOH_HOST {
            return Some(vec!["198.19.0.1".into()]);
        }
        let (i, host) = self.hosts.iter().enumerate().find(|(_, h)| h.name == name)?;
        if host.technique == Technique::NoSuchName {
            return None;
        }
        Some(vec![format!("198.18.{}.{}", host.provider, i % 250 + 1)])
    }

    /// Chromium's `--host-resolver-rules` for this scenario: removed names fail,
    /// refused hosts go where nobody listens, every other `.test` name reaches the lab,
    /// and nothing else resolves at all (tests never leave loopback). Names whose queries
    /// are dropped go to the system resolver when that is the lab's ([`crate::dns`]), else
    /// to an address whose SYNs are dropped: a hang the page sees the same way.
    pub fn resolver_rules(&self) -> String {
        self.resolver_rules_with(crate::dns::system_resolver_is_lab())
    }

    pub fn resolver_rules_with(&self, system_resolver_is_lab: bool) -> String {
        let mut rules = Vec::new();
        for h in &self.hosts {
            let to = match h.technique {
                Technique::DnsDrop if system_resolver_is_lab => {
                    rules.push(format!("EXCLUDE {}", h.name));
                    rules.push(format!("EXCLUDE {}.", h.name));
                    continue;
                }
                Technique::DnsDrop => SYN_DROP_ADDR,
                Technique::DnsRemoval | Technique::NoSuchName => "~NOTFOUND",
                Technique::Refuse | Technique::Down => REFUSED_ADDR,
                Technique::SynDrop => SYN_DROP_ADDR,
                Technique::DnsBlockpage => BLOCKPAGE_ADDR,
                _ => continue,
            };
            // STUN URLs are looked up as "name." – map both spellings.
            rules.push(format!("MAP {} {to}", h.name));
            rules.push(format!("MAP {}. {to}", h.name));
        }
        for (name, to) in self.canary.resolver_overrides() {
            rules.push(format!("MAP {name} {to}"));
            rules.push(format!("MAP {name}. {to}"));
        }
        rules.extend(["MAP *.test 127.0.0.1".into(), "MAP *.test. 127.0.0.1".into(), "MAP * ~NOTFOUND".into()]);
        rules.extend(["EXCLUDE localhost".into(), "EXCLUDE 127.0.0.1".into()]);
        rules.join(", ")
    }

    /// Firefox has no resolver rules: its `network.dns.localDomains` pref makes the names
    /// listed resolve to loopback, and every other name goes to a resolver this namespace
    /// does not have (it fails, as a removed name does) or, in `scripts/netns.sh`, to the
    /// lab's resolver, which answers "no such name" and drops the queries of
    /// [`Technique::DnsDrop`] names. Refused hosts reach the lab too,
    /// which resets them: to a page the same fast network error.
    pub fn firefox_local_domains(&self) -> String {
        let removed: Vec<String> = self
            .canary
            .resolver_overrides()
            .into_iter()
            .filter(|(_, to)| *to == "~NOTFOUND")
            .map(|(name, _)| name)
            .collect();
        let mut names: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| !matches!(h.technique, Technique::DnsRemoval | Technique::NoSuchName | Technique::DnsDrop))
            .map(|h| h.name.clone())
            .collect();
        // A redirect's later hop resolves (it is reset when reached).
        names.extend(
            self.hosts
                .iter()
                .filter(|h| h.technique == Technique::RedirectBlocked)
                .map(|h| format!("{HOP_PREFIX}{}", h.name)),
        );
        names.extend(
            [API_HOST, APP_HOST, CONTROL_HOST, DOH_HOST, PARTNER_HOST, STUN_CONTROL_HOST, "public.test"]
                .map(String::from),
        );
        names.extend(self.canary.names().into_iter().filter(|n| !removed.contains(n)));
        names.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_outside_answers_follow_the_techniques() {
        let s = Scenario::demo();
        let rules = s.resolver_rules();
        assert!(rules.contains("MAP nxdomain.test ~NOTFOUND, MAP nxdomain.test. ~NOTFOUND"));
        assert!(rules.contains("MAP refused.test 127.0.0.2"));
        assert!(rules.ends_with("MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"));
        assert!(s.doh_answer("nxdomain.test").is_some(), "removed locally, exists outside");
        assert!(s.doh_answer("nowhere.test").is_none());
        let cdn: Vec<String> = ["cdn1.test", "cdn2.test"].iter().map(|n| s.doh_answer(n).unwrap()[0].clone()).collect();
        assert!(cdn.iter().all(|a| a.starts_with("198.18.200.")));
        assert!(!s.outside(s.host("down.test").unwrap()).reachable);
    }
}
