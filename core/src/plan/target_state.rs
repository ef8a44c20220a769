//! What the plan keeps per target ([`TargetState`]): its queue, its evidence, and the URLs
//! the page opens for it, derived once from the target and the page's scheme.

use super::Pending;
use crate::infer::Evidence;
use crate::list::Target;
use crate::url::Scheme;
use std::collections::VecDeque;

#[derive(Debug, Default, Clone)]
pub(super) struct TargetState {
    pub(super) pending: VecDeque<Pending>,
    pub(super) running: u32,
    pub(super) started: bool,
    pub(super) finished: bool,
    pub(super) released: bool,
    pub(super) evidence: Evidence,
    /// What the page opens for this target (its https/wss equivalent on an https page);
    /// `None` when nothing equivalent can be opened.
    pub(super) open_url: Option<String>,
    /// The page its fetch probe opens (a socket target's web page); `None` for STUN/TURN
    /// targets and when nothing equivalent can be opened. Derived once: the outside view
    /// matches its answers against it for every target.
    pub(super) fetch_url: Option<String>,
    /// A second outside resolver has been asked (after NXDOMAIN or a failure).
    pub(super) asked_second_resolver: bool,
    /// Its fetch hung, or its known image came slowly: asked once more at the end of the
    /// list, and not finished until then.
    pub(super) confirm_due: bool,
}

impl TargetState {
    pub(super) fn for_target(target: &Target, page_secure: bool) -> TargetState {
        let parsed = target.parsed();
        let open_url = if page_secure { parsed.secure_equivalent(&target.url) } else { Some(target.url.clone()) };
        let insecure = matches!(parsed.scheme, Scheme::Http | Scheme::Ws);
        let evidence = Evidence {
            upgraded: page_secure && insecure && open_url.is_some(),
            unmeasurable: open_url.is_none(),
            ..Evidence::default()
        };
        let fetch_url = open_url.as_deref().and_then(|open| match parsed.scheme {
            Scheme::Http | Scheme::Https => Some(open.to_string()),
            Scheme::Ws | Scheme::Wss => Some(web_url_of(open)),
            Scheme::Stun | Scheme::Turn | Scheme::Turns => None,
        });
        TargetState { open_url, fetch_url, evidence, ..TargetState::default() }
    }
}

/// The web page behind a WebSocket URL (`wss://h/p` → `https://h/p`); other URLs unchanged.
fn web_url_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once(':') else {
        return url.to_string();
    };
    match scheme.to_ascii_lowercase().as_str() {
        "wss" => format!("https:{rest}"),
        "ws" => format!("http:{rest}"),
        _ => url.to_string(),
    }
}
