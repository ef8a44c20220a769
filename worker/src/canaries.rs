//! Canaries on the collector. The same Worker answers the canary paths on any host routed
//! to it (deployed on a wildcard route such as `*.canary-b.example/__canary/*`), gives the
//! app its canary configuration (`GET /v1/canaries`), takes Network Error Logging reports
//! about canary hosts (`POST /v1/nel`) and aggregates canary results per network
//! (`GET /v1/aggregates/canaries`).

use crate::error::{ApiError, BadInput, StorageError};
use crate::store::Origin;
use ajar_core::canary::{self, CanaryConfig, CanaryRequest};
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Response};

/// The collector's canary configuration: the `CANARIES` var (JSON), if set and valid.
pub fn configured(env: &Env) -> Result<Option<CanaryConfig>, ApiError> {
    let Some(text) = env.var("CANARIES").ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let config: CanaryConfig =
        serde_json::from_str(&text).map_err(|e| ApiError::Storage(StorageError::CanariesNotJson(e)))?;
    config.validate().map_err(|e| ApiError::Storage(StorageError::CanariesInvalid(e)))?;
    Ok(Some(config))
}

/// A canary answer: hit or download, with Timing-Allow-Origin, CORS and NEL headers.
/// The probe token's arrival is recorded (with the network, as for reports) when `host` is
/// one of the configured canaries.
pub async fn serve(
    db: Option<&D1Database>,
    config: Option<&CanaryConfig>,
    path_and_query: &str,
    host: &str,
    nel_endpoint: &str,
    origin: &Origin,
) -> worker::Result<Response> {
    let request = match canary::parse_request(path_and_query) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Response::error(e.to_string(), 400),
        None => return Response::error("not a canary path", 404),
    };
    let ours = config.is_some_and(|c| c.is_canary_host(host));
    if let (Some(db), Some(token), true) = (db, request.token(), ours) {
        // A failed write must not fail the probe: the canary's answer is the measurement.
        if let Ok(insert) = statement(db, token, "arrived", host, None, origin) {
            let _ = insert.run().await;
        }
    }
    let body = match request {
        CanaryRequest::Hit { .. } => b"ok".to_vec(),
        CanaryRequest::Down { bytes, .. } => vec![b'a'; bytes as usize],
    };
    let headers = worker::Headers::new();
    headers.set("Content-Type", "application/octet-stream")?;
    for (k, v) in canary::response_headers(Some(nel_endpoint)) {
        headers.set(k, &v)?;
    }
    Ok(Response::from_bytes(body)?.with_headers(headers))
}

fn statement(
    db: &D1Database,
    token: &str,
    event: &str,
    host: &str,
    nel: Option<(&str, &str)>,
    origin: &Origin,
) -> Result<worker::D1PreparedStatement, ApiError> {
    let opt = |v: Option<&str>| v.map_or(JsValue::NULL, JsValue::from_str);
    Ok(db
        .prepare(
            "INSERT INTO canary_events (token, event, host, phase, error, country, asn, hour) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(&[
            token.into(),
            event.into(),
            host.into(),
            opt(nel.map(|n| n.0)),
            opt(nel.map(|n| n.1)),
            origin.country.as_str().into(),
            JsValue::from(origin.asn),
            origin.received_hour.as_str().into(),
        ])?)
}

/// Keeps the NEL reports about canary hosts: host, token, phase and error type only.
pub async fn nel(db: &D1Database, config: &CanaryConfig, body: &[u8], origin: &Origin) -> Result<usize, ApiError> {
    let events =
        ajar_core::nel::parse(body, |h| config.is_canary_host(h)).map_err(|e| ApiError::BadQuery(BadInput::Nel(e)))?;
    let statements: Vec<_> = events
        .iter()
        .map(|e| statement(db, e.token.as_deref().unwrap_or(""), "nel", &e.host, Some((&e.phase, &e.error)), origin))
        .collect::<Result<_, _>>()?;
    if !statements.is_empty() {
        db.batch(statements).await?;
    }
    Ok(events.len())
}

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub campaign: Option<String>,
}

/// Per network: how each SNI trigger and provider canary fared, how many of those probes
/// reached the canary, and the NEL error types reported for canary hosts. Cells with fewer
/// reports than the aggregates' minimum are withheld.
pub async fn aggregates(db: &D1Database, q: &Query) -> Result<Value, ApiError> {
    let min = ajar_core::aggregate::RULES.min_reports;
    let mut binds: Vec<JsValue> = vec![JsValue::from(min)];
    // The network filters, for canary results (`c`) and for NEL events (`e`) alike.
    let (mut filter, mut nel_filter) = (String::new(), String::new());
    let mut network = |column: &str, value: JsValue| {
        binds.push(value);
        filter.push_str(&format!(" AND c.{column} = ?{}", binds.len()));
        nel_filter.push_str(&format!(" AND e.{column} = ?{}", binds.len()));
    };
    if let Some(c) = &q.country {
        network("country", c.to_ascii_uppercase().as_str().into());
    }
    if let Some(a) = q.asn {
        network("asn", JsValue::from(a));
    }
    if let Some(c) = &q.campaign {
        binds.push(c.as_str().into());
        filter.push_str(&format!(" AND c.campaign = ?{}", binds.len()));
    }
    let cells: Vec<Value> = db
        .prepare(format!(
            "SELECT c.country, c.asn, c.kind, c.name, c.verdict, c.phase, COUNT(*) AS reports, \
                    SUM(EXISTS (SELECT 1 FROM canary_events e WHERE e.token = c.token AND e.event = 'arrived')) AS arrived, \
                    CAST(ROUND(AVG(c.kbps)) AS INTEGER) AS kbps \
             FROM canary_results c WHERE 1 = 1{filter} \
             GROUP BY c.country, c.asn, c.kind, c.name, c.verdict, c.phase HAVING COUNT(*) >= ?1 \
             ORDER BY c.country, c.asn, c.kind, c.name, reports DESC"
        ))
        .bind(&binds)?
        .all()
        .await?
        .results()?;
    // NEL events belong to no campaign: a campaign's aggregates have none.
    let nel: Vec<Value> = if q.campaign.is_some() {
        Vec::new()
    } else {
        db
            .prepare(format!(
                "SELECT e.country, e.asn, e.host, e.phase, e.error, COUNT(*) AS reports FROM canary_events e \
                 WHERE e.event = 'nel'{nel_filter} GROUP BY e.country, e.asn, e.host, e.phase, e.error HAVING COUNT(*) >= ?1 \
                 ORDER BY reports DESC"
            ))
            .bind(&binds)?
            .all()
            .await?
            .results()?
    };
    Ok(json!({"min_reports": min, "cells": cells, "nel": nel}))
}
