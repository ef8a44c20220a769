//! D1 storage of reports: one atomic batch per report, idempotent by id.

use crate::error::ApiError;
use ajar_core::report::Report;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// Where a report came from, as Cloudflare saw it: the only network facts kept.
#[derive(Debug, Clone)]
pub struct Origin {
    pub country: String,
    pub asn: u32,
    pub received_hour: String,
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}
fn opt(v: &Option<String>) -> JsValue {
    v.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}
fn js(v: impl serde::Serialize) -> JsValue {
    JsValue::from_str(&serde_json::to_string(&v).unwrap_or_default())
}

/// The two statements that store a report whatever its size: its head, and its results
/// as one JSON array expanded by SQLite's `json_each`. The first one's `changes` is 0 if a
/// report with this id was already stored.
///
/// `raw` is the body the report was parsed and validated from: SQLite reads the results out
/// of it directly (`json_each(raw, '$.results')`), so the collector never serialises them again.
pub fn statements(
    db: &D1Database,
    report: &Report,
    raw: &str,
    origin: &Origin,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    let head = db
        .prepare(
            "INSERT OR IGNORE INTO reports (id, created_hour, received_hour, country, asn, software, browser, list, campaign, result_count, patterns) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&[
            s(&report.id),
            s(&report.created_hour),
            s(&origin.received_hour),
            s(&origin.country),
            JsValue::from(origin.asn),
            s(&report.software),
            s(&report.browser),
            s(&report.list),
            opt(&report.campaign),
            JsValue::from(report.results.len() as u32),
            js(&report.patterns),
        ])?;
    let results = db
        .prepare(
            "INSERT OR IGNORE INTO results (report_id, idx, url, category, verdict, confidence, clues, probes, prefixes, country, asn, created_hour, campaign) \
             SELECT ?1, CAST(key AS INTEGER), value ->> '$.url', value ->> '$.category', value ->> '$.verdict', \
                    round(value ->> '$.confidence', 3), coalesce(value -> '$.clues', '[]'), coalesce(value -> '$.probes', '[]'), \
                    coalesce(value -> '$.prefixes', '[]'), \
                    ?2, ?3, ?4, ?5 FROM json_each(?6, '$.results')",
        )
        .bind(&[
            s(&report.id),
            s(&origin.country),
            JsValue::from(origin.asn),
            s(&report.created_hour),
            opt(&report.campaign),
            // The validated body as it came: SQLite expands its results.
            s(raw),
        ])?;
    let mut batch = vec![head, results];
    if !report.canaries.is_empty() {
        // Only the first report with this id stores anything (the head's INSERT OR IGNORE
        // decides; these rows share its primary key space).
        batch.push(
            db.prepare(
                "INSERT OR IGNORE INTO canary_results (report_id, idx, kind, name, verdict, phase, confidence, kbps, ratio, token, country, asn, created_hour, campaign) \
                 SELECT ?1, CAST(key AS INTEGER), value ->> '$.kind', value ->> '$.name', value ->> '$.verdict', value ->> '$.phase', \
                        round(value ->> '$.confidence', 3), value ->> '$.kbps', value ->> '$.ratio', value ->> '$.token', \
                        ?2, ?3, ?4, ?5 FROM json_each(?6, '$.canaries')",
            )
            .bind(&[
                s(&report.id),
                s(&origin.country),
                JsValue::from(origin.asn),
                s(&report.created_hour),
                opt(&report.campaign),
                s(raw),
            ])?,
        );
    }
    Ok(batch)
}

/// Stores the report whole or not at all (one D1 batch is one transaction). Returns false
/// if a report with this id was already stored.
///
/// Each request writes its own batch. Grouping concurrent requests into one transaction
/// was tried and refused by workerd: waking one request from another's context cancels it
/// ("promise resolved from a different request context"). Batching across requests needs a
/// Durable Object or a Queue consumer as the single writer.
pub async fn insert(db: &D1Database, report: &Report, raw: &str, origin: &Origin) -> Result<bool, ApiError> {
    let outcome = db.batch(statements(db, report, raw, origin)?).await?;
    let inserted = outcome.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    Ok(inserted > 0)
}

/// A stored report as the collector keeps it (network facts from `cf`, no visitor data).
pub async fn get(db: &D1Database, id: &str) -> Result<Value, ApiError> {
    let head = db
        .prepare("SELECT id, created_hour, received_hour, country, asn, software, browser, list, campaign, result_count, patterns FROM reports WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<Value>(None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rows: Vec<Value> = db
        .prepare("SELECT url, category, verdict, confidence, clues, probes, prefixes FROM results WHERE report_id = ?1 ORDER BY idx")
        .bind(&[s(id)])?
        .all()
        .await?
        .results()?;
    let parse = |v: &Value| v.as_str().and_then(|t| serde_json::from_str::<Value>(t).ok()).unwrap_or(Value::Null);
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"url": r["url"], "category": r["category"], "verdict": r["verdict"], "confidence": r["confidence"],
                   "clues": parse(&r["clues"]), "probes": parse(&r["probes"]), "prefixes": parse(&r["prefixes"])})
        })
        .collect();
    let mut out = head;
    out["patterns"] = parse(&out["patterns"]);
    out["results"] = Value::Array(results);
    Ok(out)
}
