//! `GET /v1/aggregates`: per target, network and window, counts per verdict with the
//! anomaly/confirmed flags computed in `ajar_core::aggregate`, and the waves: DNS removals,
//! other techniques, and address ranges (from the prefixes blocked results name).

use crate::error::{ApiError, BadInput};
use ajar_core::aggregate::{add_range_waves, aggregate, Aggregates, CountRow, PrefixRow, RULES};
use ajar_core::verdict::Verdict;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    /// `hour`, `day` or `all` (default).
    pub window: Option<String>,
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub url: Option<String>,
    pub category: Option<String>,
    pub campaign: Option<String>,
    /// Only reports created at or after this hour (`YYYY-MM-DDTHH:00:00Z`).
    pub since: Option<String>,
}

pub async fn query(db: &D1Database, q: &Query) -> Result<Aggregates, ApiError> {
    let bucket = match q.window.as_deref() {
        None | Some("all") => "'all'",
        Some("day") => "substr(created_hour, 1, 10)",
        Some("hour") => "substr(created_hour, 1, 13)",
        Some(_) => return Err(ApiError::BadQuery(BadInput::Window)),
    };
    // Network filters apply after aggregation: a cell's baseline is every *other* network.
    let mut filter = String::new();
    let mut binds: Vec<JsValue> = Vec::new();
    for (column, value) in [("url", &q.url), ("category", &q.category), ("campaign", &q.campaign)] {
        if let Some(v) = value {
            binds.push(JsValue::from_str(v));
            filter.push_str(&format!(" AND {column} = ?{}", binds.len()));
        }
    }
    if let Some(since) = &q.since {
        binds.push(JsValue::from_str(since));
        filter.push_str(&format!(" AND created_hour >= ?{}", binds.len()));
    }
    let sql = format!(
        "SELECT country, asn, url, category, {bucket} AS bucket, verdict, COUNT(*) AS reports, MIN(created_hour) AS first_hour \
         FROM results WHERE 1 = 1{filter} GROUP BY country, asn, url, bucket, verdict"
    );
    let rows: Vec<CountRow> = db.prepare(sql).bind(&binds)?.all().await?.results()?;
    let mut agg = aggregate(&rows, &RULES);
    // The address ranges blocked results name (constant verdict names, not input).
    let blocked: Vec<String> =
        Verdict::ALL.iter().filter(|v| v.is_blocked()).map(|v| format!("'{}'", v.as_str())).collect();
    let sql = format!(
        "SELECT country, asn, url, {bucket} AS bucket, j.value AS prefix, COUNT(DISTINCT report_id) AS reports \
         FROM results, json_each(results.prefixes) AS j WHERE verdict IN ({}){filter} \
         GROUP BY country, asn, url, bucket, prefix",
        blocked.join(", ")
    );
    let prefixes: Vec<PrefixRow> = db.prepare(sql).bind(&binds)?.all().await?.results()?;
    add_range_waves(&mut agg, &prefixes, &RULES);
    agg.cells.retain(|c| {
        q.country.as_ref().is_none_or(|cc| cc.eq_ignore_ascii_case(&c.country)) && q.asn.is_none_or(|a| a == c.asn)
    });
    agg.waves.retain(|w| {
        q.country.as_ref().is_none_or(|cc| cc.eq_ignore_ascii_case(&w.country)) && q.asn.is_none_or(|a| a == w.asn)
    });
    Ok(agg)
}
