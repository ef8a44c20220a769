//! `GET /v1/export`: anonymised results as JSONL, CSV or OONI measurements (JSONL), a page at a
//! time (keyset pagination: `after` is the cursor the previous page returned).

use crate::error::{ApiError, BadInput};
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::D1Database;

pub const MAX_PAGE: u32 = 5000;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub format: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
    pub campaign: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Jsonl,
    Csv,
    Ooni,
}

pub struct Page {
    pub body: String,
    pub format: Format,
    /// Pass as `after` for the next page; `None` on the last.
    pub next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Row {
    report_id: String,
    idx: u32,
    url: String,
    category: String,
    verdict: String,
    confidence: f64,
    clues: String,
    prefixes: String,
    country: String,
    asn: u32,
    created_hour: String,
    campaign: Option<String>,
    /// The OONI format's only: the probes and the report's software and browser.
    #[serde(default)]
    probes: String,
    #[serde(default)]
    software: String,
    #[serde(default)]
    browser: String,
}

pub async fn page(db: &D1Database, q: &Query) -> Result<Page, ApiError> {
    let format = match q.format.as_deref() {
        None | Some("jsonl") => Format::Jsonl,
        Some("csv") => Format::Csv,
        Some("ooni") => Format::Ooni,
        Some(_) => return Err(ApiError::BadQuery(BadInput::Format)),
    };
    let limit = q.limit.unwrap_or(1000).clamp(1, MAX_PAGE);
    let (after_id, after_idx) = match q.after.as_deref() {
        None => (String::new(), -1i64),
        Some(c) => {
            let (id, idx) = c.split_once('.').ok_or(ApiError::BadQuery(BadInput::Cursor))?;
            (id.to_string(), idx.parse::<i64>().map_err(|_| ApiError::BadQuery(BadInput::Cursor))?)
        }
    };
    let columns = "results.report_id AS report_id, idx, url, category, verdict, confidence, clues, prefixes, \
                   results.country AS country, results.asn AS asn, results.created_hour AS created_hour, results.campaign AS campaign";
    // Only published results (crate::publish), in every format.
    let published = crate::publish::is_published("results");
    let mut sql = if format == Format::Ooni {
        // A browser_web measurement is a timed fetch of a web input: WebSocket and STUN/TURN
        // results, and results without a timed fetch, are left out of this format
        // (docs/report.md), here, so that pages stay full.
        format!(
            "SELECT {columns}, probes, reports.software AS software, reports.browser AS browser \
             FROM results JOIN reports ON reports.id = results.report_id \
             WHERE (results.report_id > ?1 OR (results.report_id = ?1 AND idx > ?2)) AND {published} \
             AND (url LIKE 'http://%' OR url LIKE 'https://%') \
             AND EXISTS (SELECT 1 FROM json_each(results.probes) p WHERE p.value ->> '$.probe' = 'fetch' \
                         AND p.value ->> '$.outcome' IN ('ok', 'error', 'timeout') AND p.value ->> '$.ms' IS NOT NULL)"
        )
    } else {
        format!("SELECT {columns} FROM results WHERE (report_id > ?1 OR (report_id = ?1 AND idx > ?2)) AND {published}")
    };
    let mut binds = vec![JsValue::from_str(&after_id), JsValue::from_f64(after_idx as f64)];
    for (column, value) in [("campaign", &q.campaign), ("country", &q.country)] {
        if let Some(v) = value {
            binds.push(JsValue::from_str(v));
            sql.push_str(&format!(" AND results.{column} = ?{}", binds.len()));
        }
    }
    binds.push(JsValue::from(limit));
    sql.push_str(&format!(" ORDER BY results.report_id, idx LIMIT ?{}", binds.len()));
    let rows: Vec<Row> = db.prepare(sql).bind(&binds)?.all().await?.results()?;
    let next =
        (rows.len() as u32 == limit).then(|| rows.last().map(|r| format!("{}.{}", r.report_id, r.idx))).flatten();
    let mut body = String::new();
    if format == Format::Csv {
        body.push_str("report_id,idx,created_hour,country,asn,url,category,verdict,confidence,campaign\n");
    }
    for r in &rows {
        match format {
            Format::Jsonl => body.push_str(&jsonl(r).to_string()),
            Format::Ooni => match ooni(r) {
                Some(m) => body.push_str(&m.to_string()),
                None => continue,
            },
            Format::Csv => body.push_str(&csv(r)),
        }
        body.push('\n');
    }
    Ok(Page { body, format, next })
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn jsonl(r: &Row) -> Value {
    json!({"report_id": r.report_id, "idx": r.idx, "created_hour": r.created_hour, "country": r.country, "asn": r.asn,
           "url": r.url, "category": r.category, "verdict": r.verdict, "confidence": r.confidence,
           "clues": parse(&r.clues), "prefixes": parse(&r.prefixes), "campaign": r.campaign})
}

/// An OONI `browser_web` measurement (`ajar_core::ooni`); `None` for a result it cannot carry.
fn ooni(r: &Row) -> Option<Value> {
    ajar_core::ooni::measurement(&ajar_core::ooni::Row {
        report_id: &r.report_id,
        idx: r.idx,
        url: &r.url,
        category: &r.category,
        verdict: &r.verdict,
        confidence: r.confidence,
        clues: &r.clues,
        probes: &r.probes,
        prefixes: &r.prefixes,
        country: &r.country,
        asn: r.asn,
        created_hour: &r.created_hour,
        campaign: r.campaign.as_deref(),
        software: &r.software,
        browser: &r.browser,
    })
}

fn csv(r: &Row) -> String {
    let q = ajar_core::csv::quote;
    format!(
        "{},{},{},{},{},{},{},{},{},{}",
        r.report_id,
        r.idx,
        r.created_hour,
        r.country,
        r.asn,
        q(&r.url),
        q(&r.category),
        r.verdict,
        r.confidence,
        q(r.campaign.as_deref().unwrap_or(""))
    )
}
