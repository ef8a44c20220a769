//! A campaign as the app and the embed read it from the collector: its descriptor, and its
//! list (inline targets, or fetched from its list URL), validated like any list.

use crate::load::LoadError;
use crate::net::fetch_ok;
use ajar_core::json::Json;
use ajar_core::list::{List, ListError};

/// The descriptor (`GET /v1/campaigns/:id`, with `active`) and the campaign's list.
pub async fn load(collector: &str, id: &str) -> Result<(Json, List), LoadError> {
    let text = fetch_ok(&format!("{collector}/v1/campaigns/{id}"), None).await?;
    let descriptor = Json::parse(&text).map_err(LoadError::Descriptor)?;
    let list = match (descriptor.has("targets"), descriptor.get("list_url").as_str()) {
        (true, _) => List::from_json(descriptor.get("targets")),
        (false, Some(url)) => List::parse(&fetch_ok(url, None).await?),
        (false, None) => Err(ListError::Empty),
    };
    Ok((descriptor, list.map_err(LoadError::List)?))
}
