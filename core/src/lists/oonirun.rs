//! OONI Run v2 descriptors (ooni/spec `backends/bk-005-ooni-run-v2.md`) in and out.
//!
//! In: a descriptor's Web Connectivity inputs become a campaign's targets; everything ajar
//! cannot honour (other tests, translations, icons, run modes, dynamic lists…) is listed in
//! [`Imported::unsupported`], never silently dropped. Out: any campaign as a descriptor OONI
//! Probe can run (one `web_connectivity` nettest with the campaign's web targets), with what
//! the descriptor cannot express listed in [`Exported::not_expressed`].

use crate::campaign::{CampaignError, Descriptor, MAX_SPAN_MS};
use crate::list::Target;
use crate::privacy::{coarse_hour, parse_hour};
use crate::url::TargetUrl;
use serde::Serialize;
use serde_json::{json, Map, Value};
use thiserror::Error;

const HOUR_MS: u64 = 3_600_000;
/// A descriptor without `expiration_date` becomes a campaign of this length.
pub const DEFAULT_SPAN_MS: u64 = 30 * 24 * HOUR_MS;
/// How a campaign with a list URL names it in `targets_name` (a backend-defined string in
/// bk-005; only ajar's import knows this one).
pub const LIST_URL_TARGETS: &str = "ajar:list_url:";

/// Something in a descriptor that the campaign made from it does not keep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unsupported {
    /// Path of the field (`icon`, `nettests[1]`, `nettests[0].inputs[2]`).
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub descriptor: Descriptor,
    pub unsupported: Vec<Unsupported>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum OoniRunError {
    #[error("body: not an OONI Run v2 descriptor: {0}")]
    Malformed(String),
    #[error("{field}: {problem}")]
    Field { field: String, problem: String },
    #[error("is_expired: the OONI Run link is expired")]
    Expired,
    #[error("nettests: no web_connectivity input ajar can measure ({} field(s) not honoured)", .0.len())]
    NoWebInputs(Vec<Unsupported>),
    #[error("{0}")]
    Campaign(#[from] CampaignError),
}

impl OoniRunError {
    pub fn field(&self) -> String {
        match self {
            OoniRunError::Malformed(_) => "body".into(),
            OoniRunError::Field { field, .. } => field.clone(),
            OoniRunError::Expired => "is_expired".into(),
            OoniRunError::NoWebInputs(_) => "nettests".into(),
            OoniRunError::Campaign(e) => match e.field().as_str() {
                // The campaign's fields as the descriptor names them.
                "starts_hour" | "expires_hour" => "expiration_date".into(),
                "targets" => "nettests".into(),
                other => other.into(),
            },
        }
    }

    /// What was not honoured, for a refusal that has such a list.
    pub fn unsupported(&self) -> &[Unsupported] {
        match self {
            OoniRunError::NoWebInputs(u) => u,
            _ => &[],
        }
    }
}

fn field(field: impl Into<String>, problem: &str) -> OoniRunError {
    OoniRunError::Field { field: field.into(), problem: problem.into() }
}

/// An ISO 8601 UTC time (`2026-12-01T00:00:00Z`, `…00.000Z`, `…+00:00`, or no zone) as unix
/// ms, rounded up to the hour (a campaign's window is in hours).
pub fn parse_time_ceil_hour(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 19 || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (head, rest) = text.split_at_checked(13)?;
    let on_hour = parse_hour(&format!("{head}:00:00Z"))?;
    let (mm_ss, zone) = rest.split_at_checked(6)?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit());
    let (m, s) = (mm_ss.get(1..3)?, mm_ss.get(4..6)?);
    if !digits(m) || !digits(s) || m > "59" || s > "60" {
        return None;
    }
    let (fraction, tz) = match zone.strip_prefix('.') {
        Some(f) => f.split_at(f.bytes().take_while(u8::is_ascii_digit).count()),
        None => ("", zone),
    };
    if !matches!(tz, "" | "Z" | "+00:00" | "-00:00") || (zone.starts_with('.') && fraction.is_empty()) {
        return None;
    }
    let past_hour = m != "00" || s != "00" || fraction.bytes().any(|c| c != b'0');
    Some(on_hour + if past_hour { HOUR_MS } else { 0 })
}

/// Fields bk-005 defines that the campaign does not keep, and why.
fn reason_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "name_intl" | "short_description_intl" | "description_intl" => {
            "a campaign has one name and description; the app translates only its own interface"
        }
        "icon" | "color" | "animation" => "ajar shows no icon, colour or animation per campaign",
        "author" => "ajar keeps no author: the owner is whoever holds the owner token",
        "oonirun_link_id" | "date_created" | "date_updated" | "revision" | "is_mine" => {
            "set by OONI's backend; ajar issues its own id and owner token"
        }
        _ => return None,
    })
}

/// A campaign from an OONI Run v2 descriptor, starting at the hour of `now_ms`.
pub fn import(body: &[u8], now_ms: u64) -> Result<Imported, OoniRunError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| OoniRunError::Malformed(e.to_string()))?;
    let Value::Object(obj) = v else {
        return Err(OoniRunError::Malformed("expected a JSON object".into()));
    };
    let mut unsupported = Vec::new();
    let mut skip = |f: String, reason: &str| unsupported.push(Unsupported { field: f, reason: reason.into() });
    let text = |key: &str| -> Result<Option<String>, OoniRunError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(field(key, "expected a string")),
        }
    };
    let name = text("name")?.ok_or_else(|| field("name", "required"))?;
    let short = text("short_description")?;
    let description = match (text("description")?, short) {
        (Some(d), Some(_)) => {
            skip("short_description".into(), "a campaign has one description: `description` was kept");
            d
        }
        (Some(d), None) => d,
        (None, Some(s)) => s,
        (None, None) => String::new(),
    };
    match obj.get("is_expired") {
        Some(Value::Bool(true)) => return Err(OoniRunError::Expired),
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(_) => return Err(field("is_expired", "expected a boolean")),
    }
    let start = now_ms - now_ms % HOUR_MS;
    let mut end = match text("expiration_date")? {
        Some(t) => parse_time_ceil_hour(&t)
            .ok_or_else(|| field("expiration_date", "expected an ISO 8601 UTC time (2026-12-01T00:00:00Z)"))?,
        None => {
            skip("expiration_date".into(), "absent: the campaign runs 30 days (an ajar campaign has an end)");
            start + DEFAULT_SPAN_MS
        }
    };
    if end > start + MAX_SPAN_MS {
        skip("expiration_date".into(), "more than a year away: the campaign runs a year, ajar's longest");
        end = start + MAX_SPAN_MS;
    }
    if end <= now_ms {
        return Err(OoniRunError::Campaign(CampaignError::Over));
    }
    for key in obj.keys() {
        let known = ["name", "short_description", "description", "is_expired", "expiration_date", "nettests"];
        if known.contains(&key.as_str()) {
            continue;
        }
        skip(key.clone(), reason_for(key).unwrap_or("not an OONI Run v2 field ajar knows"));
    }
    let nettests = match obj.get("nettests") {
        Some(Value::Array(n)) => n,
        _ => return Err(field("nettests", "required: an array of nettests")),
    };
    let mut targets: Vec<Target> = Vec::new();
    let mut list_url = None;
    for (i, nettest) in nettests.iter().enumerate() {
        let at = format!("nettests[{i}]");
        let Value::Object(n) = nettest else {
            return Err(field(at, "expected an object"));
        };
        let test_name = n.get("test_name").and_then(Value::as_str).unwrap_or_default();
        if test_name != "web_connectivity" {
            skip(at, &format!("{test_name}: not a test a browser can run (ajar measures web inputs)"));
            continue;
        }
        for key in n.keys() {
            let reason = match key.as_str() {
                "test_name" | "inputs" | "inputs_extra" => continue,
                "targets_name" => {
                    match n.get(key).and_then(Value::as_str).and_then(|t| t.strip_prefix(LIST_URL_TARGETS)) {
                        Some(url) if list_url.is_none() && targets.is_empty() => {
                            list_url = Some(url.to_string());
                            continue;
                        }
                        _ => "a list OONI's backend generates: ajar cannot generate it; give `inputs`",
                    }
                }
                "is_background_run_enabled" | "is_manual_run_enabled" => {
                    "ajar runs when a visitor opens the link (or a partner's embed runs it); run modes are not kept"
                }
                "options" | "backend_options" => "Web Connectivity options do not apply to a browser's probes",
                _ => "not an OONI Run v2 field ajar knows",
            };
            skip(format!("{at}.{key}"), reason);
        }
        let inputs = match n.get("inputs") {
            None | Some(Value::Null) => {
                if list_url.is_none() {
                    skip(at, "no inputs: OONI Probe would test its own list here; ajar needs the URLs");
                }
                continue;
            }
            Some(Value::Array(a)) => a,
            Some(_) => return Err(field(format!("{at}.inputs"), "expected an array of URLs")),
        };
        let extras = match n.get("inputs_extra") {
            None | Some(Value::Null) => None,
            Some(Value::Array(e)) => Some(e),
            Some(_) => {
                skip(format!("{at}.inputs_extra"), "not an array of objects: categories are MISC");
                None
            }
        };
        for (j, input) in inputs.iter().enumerate() {
            let here = format!("{at}.inputs[{j}]");
            let Some(url) = input.as_str().map(str::trim) else {
                skip(here, "not a string");
                continue;
            };
            if !TargetUrl::parse(url).is_ok_and(|u| u.scheme.is_web()) || url.len() > crate::list::MAX_URL_LEN {
                skip(here, "not an http(s) URL with a host name ajar can measure");
                continue;
            }
            if targets.iter().any(|t| t.url == url) {
                skip(here, "a duplicate of an earlier input");
                continue;
            }
            let extra = extras.and_then(|e| e.get(j)).and_then(Value::as_object);
            let given = extra.and_then(|e| e.get("category_code")).and_then(Value::as_str);
            let category = match given.map(crate::category::normalise) {
                Some(Some(c)) => c,
                Some(None) => {
                    skip(format!("{at}.inputs_extra[{j}].category_code"), "not a known category code: MISC used");
                    "MISC".into()
                }
                None => "MISC".into(),
            };
            for key in extra.map(|e| e.keys().filter(|k| *k != "category_code").collect::<Vec<_>>()).unwrap_or_default()
            {
                skip(format!("{at}.inputs_extra[{j}].{key}"), "ajar keeps only category_code per input");
            }
            targets.push(Target { url: url.to_string(), category, image: None });
        }
    }
    if targets.is_empty() && list_url.is_none() {
        return Err(OoniRunError::NoWebInputs(unsupported));
    }
    let descriptor = Descriptor {
        name: name.trim().to_string(),
        description,
        targets: list_url.is_none().then_some(targets),
        list_url,
        countries: vec![],
        embed_skip_countries: vec![],
        starts_hour: coarse_hour(start),
        expires_hour: coarse_hour(end),
        canary_triggers: vec![],
        canary_providers: vec![],
        controls: vec![],
    };
    descriptor.validate()?;
    Ok(Imported { descriptor, unsupported })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub descriptor: Value,
    /// Campaign fields an OONI Run v2 descriptor has no place for.
    pub not_expressed: Vec<String>,
}

/// The campaign as an OONI Run v2 descriptor (bk-005 §3.0) for OONI Probe.
pub fn export(d: &Descriptor, now_ms: u64) -> Exported {
    let mut not_expressed = Vec::new();
    let mut nettest = Map::new();
    nettest.insert("test_name".into(), json!("web_connectivity"));
    if let Some(targets) = &d.targets {
        let web: Vec<&Target> =
            targets.iter().filter(|t| TargetUrl::parse(&t.url).is_ok_and(|u| u.scheme.is_web())).collect();
        if web.len() < targets.len() {
            not_expressed.push("targets: WebSocket and STUN/TURN targets (web_connectivity takes URLs)".into());
        }
        if targets.iter().any(|t| t.image.is_some()) {
            not_expressed.push("targets[].image".into());
        }
        nettest.insert("inputs".into(), json!(web.iter().map(|t| &t.url).collect::<Vec<_>>()));
        let extras: Vec<Value> = web.iter().map(|t| json!({"category_code": t.category})).collect();
        nettest.insert("inputs_extra".into(), Value::Array(extras));
    } else if let Some(url) = &d.list_url {
        nettest.insert("targets_name".into(), json!(format!("{LIST_URL_TARGETS}{url}")));
        not_expressed.push("list_url: only ajar's import reads it (as targets_name); OONI's backend does not".into());
    }
    nettest.insert("is_manual_run_enabled".into(), json!(true));
    nettest.insert("is_background_run_enabled".into(), json!(false));
    for (name, empty) in [
        ("countries", d.countries.is_empty()),
        ("embed_skip_countries", d.embed_skip_countries.is_empty()),
        ("canary_triggers", d.canary_triggers.is_empty()),
        ("canary_providers", d.canary_providers.is_empty()),
        ("controls", d.controls.is_empty()),
    ] {
        if !empty {
            not_expressed.push(name.into());
        }
    }
    not_expressed.push("starts_hour".into());
    let short: String = d.description.lines().next().unwrap_or_default().chars().take(140).collect();
    let expired = parse_hour(&d.expires_hour).is_some_and(|end| end <= now_ms);
    let mut out = Map::new();
    out.insert("name".into(), json!(d.name));
    if !short.is_empty() {
        out.insert("short_description".into(), json!(short));
    }
    out.insert("description".into(), json!(d.description));
    out.insert("expiration_date".into(), json!(d.expires_hour));
    out.insert("is_expired".into(), json!(expired));
    out.insert("nettests".into(), json!([Value::Object(nettest)]));
    Exported { descriptor: Value::Object(out), not_expressed }
}

#[cfg(test)]
#[path = "oonirun_tests.rs"]
mod tests;
