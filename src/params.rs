//! URL parameters (documented in docs/automation.md): which list, autorun, and
//! overrides of every knob so any lab or researcher's setup can drive the app.

use ajar_core::config::PlanConfig;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// A bundled list id (`global`, `ru`, …) or the URL of a CSV/JSON list.
    pub list: Option<String>,
    /// Run without clicks (consent given by the parameter).
    pub autorun: bool,
    /// URL of a CSV/JSON list of control targets.
    pub controls: Option<String>,
    /// URL answering POST [urls] with {url: {resolves, reachable}} seen from outside
    /// (default: the collector's `/v1/control`; `off`: none).
    pub outside: Option<String>,
    /// Base URL of the collector (default: this page's origin).
    pub collector: Option<String>,
    pub lang: Option<String>,
    pub category: Option<String>,
    /// A campaign id: its list is run and its reports carry the id.
    pub campaign: Option<String>,
    pub config: PlanConfig,
    /// Where the canary configuration comes from (`off`: no canary checks).
    pub canaries: Option<String>,
}

impl Params {
    pub fn from_location() -> Params {
        // No query string: every parameter at its default.
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let Ok(q) = web_sys::UrlSearchParams::new_with_str(&search) else {
            return Params::default();
        };
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        let num = |k: &str| get(k).and_then(|v| v.parse::<u32>().ok());
        let mut config = PlanConfig::default();
        if let Some(v) = get("doh") {
            config.set_doh_resolvers(&v);
        }
        if let Some(v) = num("timeout") {
            config.fetch_timeout_ms = v;
            config.socket_timeout_ms = v;
            config.adaptive_timeouts = false;
        }
        if let Some(v) = num("image_timeout") {
            config.image_timeout_ms = v;
        }
        if let Some(v) = num("ice_timeout") {
            config.ice_timeout_ms = v;
        }
        if let Some(v) = num("resolve_timeout") {
            config.resolve_timeout_ms = v;
        }
        if let Some(v) = num("concurrency") {
            config.concurrency = v;
            config.max_concurrency = v;
        }
        if let Some(v) = num("resolve_port").and_then(|v| u16::try_from(v).ok()) {
            config.resolve_port = v;
        }
        if let Some(v) = num("budget") {
            config.budget_ms = u64::from(v) * 1000;
        }
        let mut params = Params {
            list: get("list"),
            autorun: get("autorun").is_some_and(|v| v == "1" || v == "true"),
            controls: get("controls"),
            outside: get("outside"),
            collector: get("collector"),
            lang: get("lang"),
            category: get("category"),
            campaign: get("campaign").filter(|c| c.bytes().all(|b| b.is_ascii_hexdigit())),
            config,
            canaries: get("canaries"),
        };
        // The content-blocker check, on the deployment that serves the app (the collector).
        params.config.bait_url = Some(ajar_core::config::bait_url(&params.collector_base()));
        params
    }

    /// The canary configuration's URL: the collector's (for this campaign), unless given; None if off.
    pub fn canaries_url(&self, campaign: Option<&str>) -> Option<String> {
        match self.canaries.as_deref() {
            Some("off") => None,
            Some(url) => Some(url.to_string()),
            None => Some(match campaign {
                Some(c) => format!("{}/v1/canaries?campaign={c}", self.collector_base()),
                None => format!("{}/v1/canaries", self.collector_base()),
            }),
        }
    }

    /// Where the outside view comes from: the collector's `/v1/control` unless given; None if off.
    pub fn outside_url(&self) -> Option<String> {
        match self.outside.as_deref() {
            Some("off") => None,
            Some(url) => Some(url.to_string()),
            None => Some(format!("{}/v1/control", self.collector_base())),
        }
    }

    /// The collector's base URL, without a trailing slash.
    pub fn collector_base(&self) -> String {
        // No origin (not a page): paths stay relative.
        let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        self.collector.clone().unwrap_or(origin).trim_end_matches('/').to_string()
    }
}
