//! Everything observed about one target ([`Evidence`]), and what the outside resolvers'
//! answers in it say taken together ([`DohView`]).

use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::verdict::Clue;

/// Everything observed about one target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    pub observations: Vec<Observation>,
    pub outside: Option<OutsideView>,
    /// The known image the outside view found on the site (when the list gives none).
    pub learned_image: Option<crate::list::ImageSpec>,
    /// The target is `http://`/`ws://` and the page is https: its https/wss equivalent
    /// was measured instead (a browser refuses plain HTTP from an https page).
    pub upgraded: bool,
    /// The same, with no https equivalent to measure (a non-default port).
    pub unmeasurable: bool,
}

/// What the outside resolvers said of a name, all their answers taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DohView {
    NotAsked,
    /// At least one resolver gave addresses; `disagree` if another said NXDOMAIN.
    Resolves {
        disagree: bool,
    },
    /// No resolver gave addresses and one said NXDOMAIN (whatever the others said).
    NoSuchName,
    /// The name exists but has neither A nor AAAA records.
    NoAddress,
    /// No resolver could be reached or understood.
    Failed,
}

impl DohView {
    pub(super) fn clues(self) -> Vec<Clue> {
        match self {
            DohView::NotAsked => vec![],
            DohView::Resolves { disagree: false } => vec![Clue::DohResolves],
            DohView::Resolves { disagree: true } => vec![Clue::DohResolves, Clue::DohResolversDisagree],
            DohView::NoSuchName => vec![Clue::DohNoSuchName],
            DohView::NoAddress => vec![Clue::DohNoAddress],
            DohView::Failed => vec![Clue::DohUnavailable],
        }
    }
}

impl Evidence {
    pub(super) fn find<T>(&self, f: impl Fn(&Observation) -> Option<T>) -> Option<T> {
        self.observations.iter().find_map(f)
    }
    pub(super) fn unsupported(&self, kind: ProbeKind) -> bool {
        self.observations.iter().any(|o| matches!(o, Observation::Unsupported { probe } if *probe == kind))
    }
    /// Every address the DoH answers gave (A and AAAA, every resolver), each once.
    pub fn addresses(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for o in &self.observations {
            if let Observation::DohAddresses { addresses } = o {
                for a in addresses {
                    if !out.contains(&a.as_str()) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// The /24 (IPv4) and /48 (IPv6) prefixes of those addresses, sorted, each once.
    pub fn prefixes(&self) -> Vec<String> {
        let mut prefixes: Vec<String> = self.addresses().into_iter().filter_map(crate::privacy::prefix_of).collect();
        prefixes.sort();
        prefixes.dedup();
        prefixes
    }

    /// The outside resolvers' answers taken together.
    pub fn doh(&self) -> DohView {
        let (mut addresses, mut nxdomain, mut no_address, mut failed) = (false, false, false, false);
        for o in &self.observations {
            match o {
                Observation::DohAddresses { .. } => addresses = true,
                Observation::DohNoSuchName => nxdomain = true,
                Observation::DohNoAddress => no_address = true,
                Observation::DohFailed => failed = true,
                _ => {}
            }
        }
        if addresses {
            DohView::Resolves { disagree: nxdomain }
        } else if nxdomain {
            DohView::NoSuchName
        } else if no_address {
            DohView::NoAddress
        } else if failed {
            DohView::Failed
        } else {
            DohView::NotAsked
        }
    }
}
