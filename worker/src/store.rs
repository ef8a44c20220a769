//! D1 storage of reports: one row per report, idempotent by id; results expanded into
//! their own table in bulk by the minute cron, and read, expanded or not, through a view.

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
    // Serialising plain data cannot fail.
    JsValue::from_str(&serde_json::to_string(&v).unwrap_or_default())
}

/// Per-result rows are not written on the way in: writing 50-odd index entries per request
/// halved ingest. [`expand`] moves pending results into `results_expanded` in bulk, once a
/// minute (the cron); reads never write: they select from `results`, a view (migration 0006)
/// of expanded and pending results alike; `crate::coalesce` writes many reports' statements in one batch
/// (a D1 batch is one transaction: each report is stored whole or not at all).
///
/// The statements that store a report: one row holding its head and, awaiting expansion, the
/// validated body exactly as it came (`pending`: no JSON work at all on the way in); plus its
/// canary results when it has some. The first one's `changes` is 0 if a report with this id
/// was already stored.
pub fn statements(
    db: &D1Database,
    report: &Report,
    raw: &str,
    origin: &Origin,
) -> worker::Result<Vec<D1PreparedStatement>> {
    let head = db
        .prepare(
            "INSERT OR IGNORE INTO reports (id, created_hour, received_hour, country, asn, software, browser, list, campaign, result_count, patterns, pending) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
            s(raw),
        ])?;
    let mut batch = vec![head];
    if !report.canaries.is_empty() {
        // Only the report whose head row was just written stores canary rows: a replay (same
        // id, any body) finds a head row that is not this body awaiting expansion, and adds
        // nothing, not even rows at indexes the first copy did not have.
        batch.push(
            db.prepare(
                "INSERT OR IGNORE INTO canary_results (report_id, idx, kind, name, verdict, phase, confidence, kbps, ratio, token, country, asn, created_hour, campaign) \
                 SELECT ?1, CAST(key AS INTEGER), value ->> '$.kind', value ->> '$.name', value ->> '$.verdict', value ->> '$.phase', \
                        round(value ->> '$.confidence', 3), value ->> '$.kbps', value ->> '$.ratio', value ->> '$.token', \
                        ?2, ?3, ?4, ?5 FROM json_each(?6, '$.canaries') \
                 WHERE EXISTS (SELECT 1 FROM reports WHERE id = ?1 AND pending = ?6 AND country = ?2 AND asn = ?3)",
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

/// Reports expanded per transaction.
const EXPAND_CHUNK: u32 = 400;

/// Moves pending results into the `results_expanded` table, `EXPAND_CHUNK` reports per transaction,
/// until none is pending. Each chunk inserts the rows and clears `pending` atomically, and
/// inserts are keyed, so concurrent or interrupted expansions neither lose nor double rows.
pub async fn expand(db: &D1Database) -> Result<u32, ApiError> {
    let chunk = "SELECT id FROM reports WHERE pending IS NOT NULL ORDER BY id LIMIT ?1";
    let mut moved = 0;
    loop {
        let insert = db
            .prepare(format!(
                "INSERT OR IGNORE INTO results_expanded (report_id, idx, url, category, verdict, confidence, clues, probes, prefixes, country, asn, created_hour, campaign) \
                 SELECT r.id, CAST(j.key AS INTEGER), j.value ->> '$.url', j.value ->> '$.category', j.value ->> '$.verdict', \
                        round(j.value ->> '$.confidence', 3), coalesce(j.value -> '$.clues', '[]'), coalesce(j.value -> '$.probes', '[]'), \
                        coalesce(j.value -> '$.prefixes', '[]'), r.country, r.asn, r.created_hour, r.campaign \
                 FROM reports r, json_each(r.pending, '$.results') j WHERE r.id IN ({chunk})"
            ))
            .bind(&[JsValue::from(EXPAND_CHUNK)])?;
        let clear = db
            .prepare(format!("UPDATE reports SET pending = NULL WHERE id IN ({chunk})"))
            .bind(&[JsValue::from(EXPAND_CHUNK)])?;
        let outcome = db.batch(vec![insert, clear]).await?;
        let cleared = outcome.get(1).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        moved += cleared as u32;
        if cleared < EXPAND_CHUNK as usize {
            return Ok(moved);
        }
    }
}

/// A report as published (crate::publish): its published results, how many are withheld, and
/// (only when at least one result is published) its network, hour, software, browser, list,
/// campaign and the patterns, naming only published targets. `NotFound` for an unknown id.
pub async fn get(db: &D1Database, id: &str) -> Result<Value, ApiError> {
    let head = db
        .prepare("SELECT id, created_hour, received_hour, country, asn, software, browser, list, campaign, result_count, patterns FROM reports WHERE id = ?1")
        .bind(&[s(id)])?
        .first::<Value>(None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let sql = format!(
        "SELECT url, category, verdict, confidence, clues, probes, prefixes, {} AS published \
         FROM results WHERE report_id = ?1 ORDER BY idx",
        crate::publish::is_published("results")
    );
    let rows: Vec<Value> = db.prepare(sql).bind(&[s(id)])?.all().await?.results()?;
    let parse = |v: &Value| v.as_str().and_then(|t| serde_json::from_str::<Value>(t).ok()).unwrap_or(Value::Null);
    let (published, withheld): (Vec<&Value>, Vec<&Value>) =
        rows.iter().partition(|r| r["published"].as_f64().is_some_and(|v| v >= 1.0));
    let results: Vec<Value> = published
        .iter()
        .map(|r| {
            json!({"url": r["url"], "category": r["category"], "verdict": r["verdict"], "confidence": r["confidence"],
                   "clues": parse(&r["clues"]), "probes": parse(&r["probes"]), "prefixes": parse(&r["prefixes"])})
        })
        .collect();
    if results.is_empty() {
        return Ok(json!({"id": head["id"], "results": [], "withheld": withheld.len()}));
    }
    let shown: Vec<&Value> = published.iter().map(|r| &r["url"]).collect();
    let patterns: Vec<Value> = match parse(&head["patterns"]) {
        Value::Array(all) => all
            .into_iter()
            .filter_map(|mut p| {
                let targets: Vec<Value> =
                    p["targets"].as_array()?.iter().filter(|t| shown.contains(t)).cloned().collect();
                (!targets.is_empty()).then(|| {
                    p["targets"] = Value::Array(targets);
                    p
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut out = head;
    out["patterns"] = Value::Array(patterns);
    out["results"] = Value::Array(results);
    out["withheld"] = json!(withheld.len());
    Ok(out)
}
