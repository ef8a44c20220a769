//! What the canary tests are asked to measure: [`CanaryConfig`], its validation, and the
//! URLs it derives (the trigger names, the NEL apex, the download and provider URLs).

use super::{CanaryError, DOWN_PATH, MAX_DOWN_BYTES};
use crate::json::Json;
use crate::url::{with_query, TargetUrl};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Default size of the A/B download: 2 s at 128 kbit/s, a few ms on a normal line.
pub const DEFAULT_BYTES: u32 = 32 * 1024;
pub const MAX_TRIGGERS: usize = 16;
pub const MAX_PROVIDERS: usize = 16;

/// What a campaign (or the collector's defaults) asks the canary tests to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryConfig {
    /// Base URL of the innocuous canary, e.g. `https://www.canary-a.example`.
    pub innocuous: String,
    /// Base URL of the trigger names, with `{name}` where the trigger goes,
    /// e.g. `https://{name}.canary-b.example` (same address as the innocuous name).
    pub trigger_base: String,
    /// Blocked names to put into the SNI, e.g. `twimg.com`.
    #[serde(default)]
    pub triggers: Vec<String>,
    #[serde(default)]
    pub providers: Vec<ProviderCanary>,
    /// Size of each A/B download.
    #[serde(default = "default_bytes")]
    pub bytes: u32,
}

fn default_bytes() -> u32 {
    DEFAULT_BYTES
}

/// Why a JSON value is not a [`CanaryConfig`] (read as serde reads it: no unknown field,
/// `triggers`, `providers` and `bytes` optional but of their type when present).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigJsonError {
    #[error("not a JSON object")]
    NotObject,
    #[error("unknown field `{0}`")]
    Unknown(String),
    #[error("`{0}` is missing or of the wrong type")]
    Field(&'static str),
}

/// A canary on one hosting provider or CDN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderCanary {
    /// Short name: `cloudflare`, `hetzner`…
    pub name: String,
    /// A URL on that provider answering like [`super::HIT_PATH`] (CORS and Timing-Allow-Origin).
    pub url: String,
}

/// A host name (or a run of labels of one): lowercase letters, digits, '-', dots between labels.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn web_base(url: &str) -> bool {
    TargetUrl::parse(url).is_ok_and(|u| u.scheme.is_web()) && !url.ends_with('/') && url.splitn(4, '/').nth(3).is_none()
}

/// The members of an object whose keys are all in `known`.
fn members_of<'a>(v: &'a Json, known: &[&str]) -> Result<&'a [(String, Json)], ConfigJsonError> {
    let Json::Obj(members) = v else { return Err(ConfigJsonError::NotObject) };
    match members.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(ConfigJsonError::Unknown(k.clone())),
        None => Ok(members),
    }
}

fn string(v: &Json, field: &'static str) -> Result<String, ConfigJsonError> {
    v.get(field).as_str().map(String::from).ok_or(ConfigJsonError::Field(field))
}

/// The elements of `v`'s array `field`: none when absent, an error when not an array.
fn array<'a>(v: &'a Json, field: &'static str) -> Result<&'a [Json], ConfigJsonError> {
    match v.get(field) {
        Json::Arr(items) => Ok(items),
        _ if !v.has(field) => Ok(&[]),
        _ => Err(ConfigJsonError::Field(field)),
    }
}

impl ProviderCanary {
    pub fn from_json(v: &Json) -> Result<ProviderCanary, ConfigJsonError> {
        members_of(v, &["name", "url"])?;
        Ok(ProviderCanary { name: string(v, "name")?, url: string(v, "url")? })
    }
}

impl CanaryConfig {
    /// A configuration as JSON (not yet validated: see [`CanaryConfig::validate`]).
    pub fn from_json(v: &Json) -> Result<CanaryConfig, ConfigJsonError> {
        members_of(v, &["innocuous", "trigger_base", "triggers", "providers", "bytes"])?;
        let triggers = array(v, "triggers")?
            .iter()
            .map(|t| t.as_str().map(String::from).ok_or(ConfigJsonError::Field("triggers")))
            .collect::<Result<_, _>>()?;
        let providers = array(v, "providers")?.iter().map(ProviderCanary::from_json).collect::<Result<_, _>>()?;
        let bytes = match v.has("bytes") {
            false => DEFAULT_BYTES,
            true => {
                v.get("bytes").as_u64().and_then(|n| u32::try_from(n).ok()).ok_or(ConfigJsonError::Field("bytes"))?
            }
        };
        Ok(CanaryConfig {
            innocuous: string(v, "innocuous")?,
            trigger_base: string(v, "trigger_base")?,
            triggers,
            providers,
            bytes,
        })
    }

    /// What a canary configuration URL answers: the collector's `/v1/canaries` wraps it as
    /// `{"canaries": … | null}`, a lab or a file may answer the configuration itself.
    /// `Ok(None)`: none is configured (any object that is neither, as it always was).
    pub fn from_answer(v: &Json) -> Result<Option<CanaryConfig>, ConfigJsonError> {
        if let Ok(bare) = CanaryConfig::from_json(v) {
            return Ok(Some(bare));
        }
        match v {
            Json::Obj(_) if matches!(v.get("canaries"), Json::Null) => Ok(None),
            Json::Obj(_) => CanaryConfig::from_json(v.get("canaries")).map(Some),
            _ => Err(ConfigJsonError::NotObject),
        }
    }

    pub fn validate(&self) -> Result<(), CanaryError> {
        if !web_base(&self.innocuous) {
            return Err(CanaryError::Innocuous);
        }
        // No "://" at all: an empty host part, which lacks `{name}` and is refused below.
        let host_part = self.trigger_base.split("://").nth(1).unwrap_or_default();
        if !host_part.contains("{name}") || !web_base(&self.trigger_url("x")) || host_part.contains('/') {
            return Err(CanaryError::TriggerBase);
        }
        if self.triggers.len() > MAX_TRIGGERS {
            return Err(CanaryError::Trigger(format!("{} names", self.triggers.len())));
        }
        if let Some(t) = self.triggers.iter().find(|t| !is_name(t)) {
            return Err(CanaryError::Trigger(t.clone()));
        }
        if self.providers.len() > MAX_PROVIDERS {
            return Err(CanaryError::Provider(format!("{} providers", self.providers.len())));
        }
        if let Some(p) = self.providers.iter().find(|p| {
            p.name.is_empty()
                || p.name.len() > 32
                || !is_name(&p.name)
                || !TargetUrl::parse(&p.url).is_ok_and(|u| u.scheme.is_web())
        }) {
            return Err(CanaryError::Provider(p.name.clone()));
        }
        if !(1024..=MAX_DOWN_BYTES).contains(&self.bytes) {
            return Err(CanaryError::Bytes);
        }
        Ok(())
    }

    /// This configuration with a campaign's own triggers and providers, where it names any.
    pub fn for_campaign(&self, d: &crate::campaign::Descriptor) -> CanaryConfig {
        let mut c = self.clone();
        if !d.canary_triggers.is_empty() {
            c.triggers = d.canary_triggers.clone();
        }
        if !d.canary_providers.is_empty() {
            c.providers = d.canary_providers.clone();
        }
        c
    }

    /// Is `host` one of this configuration's canaries (NEL reports about others are dropped)?
    pub fn is_canary_host(&self, host: &str) -> bool {
        // A URL that does not parse (a configuration never validated) stands for the empty
        // host, which no parsed URL has (`TargetUrl` refuses one): it matches nothing real.
        let host_of = |u: &str| TargetUrl::parse(u).map(|u| u.host).unwrap_or_default();
        // `{name}` not leading the host: no suffix, and no trigger name counts as a canary.
        let trigger_suffix = host_of(&self.trigger_url("x")).strip_prefix('x').unwrap_or_default().to_string();
        host == host_of(&self.innocuous)
            || (!trigger_suffix.is_empty() && host.ends_with(&trigger_suffix))
            || self.providers.iter().any(|p| host_of(&p.url) == host)
    }

    /// The zone the trigger names live in (`https://canary-b.example` for
    /// `https://{name}.canary-b.example`). One request to it installs a Network Error Logging
    /// policy covering every trigger name below it, so that their DNS failures are reported.
    pub fn apex_url(&self) -> Option<String> {
        let (scheme, rest) = self.trigger_base.split_once("://")?;
        Some(format!("{scheme}://{}", rest.strip_prefix("{name}.")?))
    }

    /// The base URL under which `trigger` is sent as SNI.
    pub fn trigger_url(&self, trigger: &str) -> String {
        self.trigger_base.replace("{name}", trigger)
    }

    /// The download URL under `base` carrying `token`.
    pub fn down_url(&self, base: &str, token: &str) -> String {
        with_query(&format!("{base}{DOWN_PATH}"), &[("bytes", &self.bytes.to_string()), ("t", token)])
    }

    /// A provider canary's URL carrying `token`.
    pub fn provider_url(url: &str, token: &str) -> String {
        with_query(url, &[("t", token)])
    }
}
