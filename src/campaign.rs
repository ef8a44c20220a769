//! A campaign as the app and the embed read it from the collector: its descriptor, and its
//! list (inline targets, or fetched from its list URL), validated like any list.

use crate::net::fetch_ok;
use ajar_core::list::{List, ListError};

/// The descriptor (`GET /v1/campaigns/:id`, with `active`) and the campaign's list.
pub async fn load(collector: &str, id: &str) -> Result<(serde_json::Value, List), String> {
    let text = fetch_ok(&format!("{collector}/v1/campaigns/{id}"), None).await.map_err(|e| e.to_string())?;
    let descriptor: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let list_text = match (descriptor.get("targets"), descriptor["list_url"].as_str()) {
        (Some(targets), _) => targets.to_string(),
        (None, Some(url)) => fetch_ok(url, None).await.map_err(|e| e.to_string())?,
        (None, None) => return Err(ListError::Empty.to_string()),
    };
    let list = List::parse(&list_text).map_err(|e| e.to_string())?;
    Ok((descriptor, list))
}
