//! Campaigns (modelled on OONI Run v2): a list, a title, countries and a window of
//! time, shared as a link. No delete: an owner ends a campaign by expiring it.

use crate::canary::{CanaryConfig, CanaryError, ProviderCanary};
use crate::json::Json;
use crate::list::{List, ListError, Target};
use crate::privacy::parse_hour;
use crate::url::TargetUrl;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A campaign runs at most a year.
pub const MAX_SPAN_MS: u64 = 366 * 24 * 3_600_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The targets, inline…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Target>>,
    /// …or where to fetch a CSV/JSON list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_url: Option<String>,
    /// ISO 3166 alpha-2 codes it targets (empty: everywhere).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Countries where the partner-site embed must not measure (too risky for readers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embed_skip_countries: Vec<String>,
    pub starts_hour: String,
    pub expires_hour: String,
    /// Names this campaign puts into the SNI A/B test (replacing the collector's defaults).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canary_triggers: Vec<String>,
    /// Provider canaries this campaign measures (replacing the collector's defaults).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canary_providers: Vec<ProviderCanary>,
    /// Control targets for this campaign's runs (replacing the deployment's `CONTROLS`):
    /// sites not blocked where its visitors are, on different networks (http(s), or a
    /// `stun:` server as the STUN control); at most [`MAX_CONTROLS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
}

/// At most this many controls per campaign.
pub const MAX_CONTROLS: usize = 8;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CampaignError {
    #[error("name: 1 to 100 characters")]
    Name,
    #[error("description: at most 2000 characters")]
    Description,
    #[error("targets: give either targets or list_url, not both or neither")]
    ListSource,
    #[error("targets: {0}")]
    List(#[from] ListError),
    #[error("list_url: must be an http(s) URL")]
    ListUrl,
    #[error("countries: ISO 3166-1 alpha-2 codes (upper case), at most 250")]
    Countries,
    #[error("{0}")]
    Canaries(#[from] CanaryError),
    #[error("starts_hour/expires_hour: hours as YYYY-MM-DDTHH:00:00Z, start before expiry, at most a year apart")]
    Window,
    #[error("expires_hour: the campaign's window is already over")]
    Over,
    #[error("body: not a campaign descriptor: {0}")]
    Malformed(String),
    #[error("{field}: {problem}")]
    Field { field: String, problem: String },
}

impl CampaignError {
    pub fn field(&self) -> String {
        match self {
            CampaignError::Name => "name",
            CampaignError::Description => "description",
            CampaignError::ListSource | CampaignError::List(_) => "targets",
            CampaignError::ListUrl => "list_url",
            CampaignError::Countries => "countries",
            CampaignError::Window => "starts_hour",
            CampaignError::Over => "expires_hour",
            CampaignError::Canaries(CanaryError::Provider(_)) => "canary_providers",
            CampaignError::Canaries(_) => "canary_triggers",
            CampaignError::Malformed(_) => "body",
            CampaignError::Field { field, .. } => field.as_str(),
        }
        .to_string()
    }
}

impl Descriptor {
    /// A new campaign as the collector receives it: [`Descriptor::parse`], and refused if its
    /// window is already over at `now_ms`.
    pub fn from_json(body: &[u8], now_ms: u64) -> Result<Descriptor, CampaignError> {
        let d = Descriptor::parse(body)?;
        if parse_hour(&d.expires_hour).is_some_and(|end| end <= now_ms) {
            return Err(CampaignError::Over);
        }
        Ok(d)
    }

    /// A descriptor parsed with the field at fault named, and validated. (An owner's edit
    /// may end the window: that is how a campaign is ended.)
    pub fn parse(body: &[u8]) -> Result<Descriptor, CampaignError> {
        let d: Descriptor = crate::strict::from_slice(body).map_err(|e| match e {
            crate::strict::FieldError::Syntax(problem) => CampaignError::Malformed(problem),
            crate::strict::FieldError::Field { field, problem } => CampaignError::Field { field, problem },
        })?;
        d.validate()?;
        Ok(d)
    }

    pub fn validate(&self) -> Result<(), CampaignError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(CampaignError::Name);
        }
        if self.description.chars().count() > 2000 {
            return Err(CampaignError::Description);
        }
        match (&self.targets, &self.list_url) {
            (Some(t), None) => {
                List::parse_json(&serde_json::to_string(t).unwrap_or_default())?;
            }
            (None, Some(u)) => {
                if !TargetUrl::parse(u).is_ok_and(|u| u.scheme.is_web()) || u.len() > 2048 {
                    return Err(CampaignError::ListUrl);
                }
            }
            _ => return Err(CampaignError::ListSource),
        }
        let codes = |cs: &[String]| cs.len() <= 250 && cs.iter().all(|c| crate::country::is_code(c));
        if !codes(&self.countries) || !codes(&self.embed_skip_countries) {
            return Err(CampaignError::Countries);
        }
        let (Some(start), Some(end)) = (parse_hour(&self.starts_hour), parse_hour(&self.expires_hour)) else {
            return Err(CampaignError::Window);
        };
        if start >= end || end - start > MAX_SPAN_MS {
            return Err(CampaignError::Window);
        }
        // The trigger and provider rules are the canary configuration's own.
        let probe = CanaryConfig {
            innocuous: "https://canary.invalid".into(),
            trigger_base: "https://{name}.canary.invalid".into(),
            triggers: vec![],
            providers: vec![],
            bytes: crate::canary::DEFAULT_BYTES,
        };
        probe.for_campaign(self).validate()?;
        let control_ok = |u: &String| {
            u.len() <= 2048
                && TargetUrl::parse(u).is_ok_and(|t| t.scheme.is_web() || matches!(t.scheme, crate::url::Scheme::Stun))
        };
        if self.controls.len() > MAX_CONTROLS || !self.controls.iter().all(control_ok) {
            return Err(CampaignError::Field {
                field: "controls".into(),
                problem: format!("at most {MAX_CONTROLS} http(s) or stun: URLs"),
            });
        }
        Ok(())
    }

    /// Active at `now_ms`: started and not expired.
    pub fn active(&self, now_ms: u64) -> bool {
        matches!((parse_hour(&self.starts_hour), parse_hour(&self.expires_hour)), (Some(s), Some(e)) if s <= now_ms && now_ms < e)
    }
}

/// What a campaign's page shows of the collector's answer to `GET /v1/campaigns/<id>` (the
/// descriptor with `id` and `active` added).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub name: String,
    pub description: String,
    /// Started and not expired when the collector answered.
    pub active: bool,
}

impl Summary {
    /// `None` unless the answer has all three, of their types.
    pub fn from_json(v: &Json) -> Option<Summary> {
        Some(Summary {
            name: v.get("name").as_str()?.to_string(),
            description: v.get("description").as_str()?.to_string(),
            active: v.get("active").as_bool()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_needs_name_description_and_active() {
        let summary = |t: &str| Json::parse(t).ok().and_then(|v| Summary::from_json(&v));
        let page = r#"{"id":"c1","name":"N","description":"D","active":false,"countries":["RU"]}"#;
        let want = Summary { name: "N".into(), description: "D".into(), active: false };
        assert_eq!(summary(page), Some(want));
        for partial in [
            r#"{"name":"N","description":"D"}"#,
            r#"{"name":"N","active":true}"#,
            r#"{"name":1,"description":"D","active":true}"#,
            "[]",
            "{",
        ] {
            assert_eq!(summary(partial), None, "{partial}");
        }
    }

    fn sample() -> Descriptor {
        Descriptor {
            name: "Messengers in Russia".into(),
            description: "WhatsApp, Telegram, Signal".into(),
            targets: Some(vec![Target {
                url: "https://web.whatsapp.com/".into(),
                category: "COMT".into(),
                image: None,
            }]),
            list_url: None,
            countries: vec!["RU".into()],
            embed_skip_countries: vec![],
            starts_hour: "2026-11-01T00:00:00Z".into(),
            expires_hour: "2026-12-01T00:00:00Z".into(),
            canary_triggers: vec!["twimg.com".into()],
            canary_providers: vec![],
            controls: vec!["https://www.example.com/".into(), "stun:stun.example.net:3478".into()],
        }
    }

    #[test]
    fn validates_each_field() {
        assert_eq!(sample().validate(), Ok(()));
        let bad = |f: fn(&mut Descriptor)| {
            let mut d = sample();
            f(&mut d);
            d.validate().unwrap_err().field()
        };
        assert_eq!(bad(|d| d.name = String::new()), "name");
        assert_eq!(bad(|d| d.list_url = Some("https://x.org/l.csv".into())), "targets");
        assert_eq!(bad(|d| d.targets = Some(vec![])), "targets");
        assert_eq!(bad(|d| d.countries = vec!["ru".into()]), "countries");
        assert_eq!(bad(|d| d.countries = vec!["ZZ".into()]), "countries");
        assert_eq!(bad(|d| d.embed_skip_countries = vec!["QQ".into()]), "countries");
        assert_eq!(bad(|d| d.expires_hour = "2026-10-01T00:00:00Z".into()), "starts_hour");
        assert_eq!(bad(|d| d.expires_hour = "2028-12-01T00:00:00Z".into()), "starts_hour");
        assert_eq!(bad(|d| d.canary_triggers = vec!["not a name".into()]), "canary_triggers");
        assert_eq!(bad(|d| d.controls = vec!["ftp://x.org/".into()]), "controls");
        assert_eq!(bad(|d| d.controls = vec!["https://x.org/".into(); 9]), "controls");
        assert_eq!(
            bad(|d| d.canary_providers = vec![ProviderCanary { name: "x".into(), url: "ftp://x".into() }]),
            "canary_providers"
        );
        let mut d = sample();
        d.targets = None;
        d.list_url = Some("ftp://x.org/".into());
        assert_eq!(d.validate(), Err(CampaignError::ListUrl));
    }

    #[test]
    fn from_json_names_fields_and_refuses_a_window_already_over() {
        let body = serde_json::to_vec(&sample()).unwrap();
        let nov15 = parse_hour("2026-11-15T00:00:00Z").unwrap();
        let dec2 = parse_hour("2026-12-02T00:00:00Z").unwrap();
        assert_eq!(Descriptor::from_json(&body, nov15), Ok(sample()));
        assert_eq!(Descriptor::from_json(&body, dec2), Err(CampaignError::Over));
        assert_eq!(Descriptor::from_json(&body, dec2).unwrap_err().field(), "expires_hour");
        let edit = |f: fn(&mut serde_json::Value)| {
            let mut v = serde_json::to_value(sample()).unwrap();
            f(&mut v);
            Descriptor::from_json(v.to_string().as_bytes(), nov15).unwrap_err().field()
        };
        assert_eq!(edit(|v| v["name"] = 3.into()), "name");
        assert_eq!(edit(|v| v["targets"][0]["url"] = true.into()), "targets[0].url");
        assert_eq!(edit(|v| v["owner"] = "x".into()), "owner");
        // Reached the collector and panicked (a slice across a character boundary).
        assert_eq!(edit(|v| v["starts_hour"] = "2026-11-01T0é00:00Z".into()), "starts_hour");
        assert_eq!(Descriptor::from_json(b"{", nov15).unwrap_err().field(), "body");
    }

    #[test]
    fn active_window() {
        let d = sample();
        let nov15 = parse_hour("2026-11-15T00:00:00Z").unwrap();
        let dec2 = parse_hour("2026-12-02T00:00:00Z").unwrap();
        assert!(d.active(nov15));
        assert!(!d.active(dec2));
    }
}
