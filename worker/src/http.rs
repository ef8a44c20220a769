//! Response helpers: JSON bodies, CORS for partner sites, security headers.

use crate::error::ApiError;
use worker::{Headers, Response, Result};

/// Headers every API answer carries: partners may post from their pages; nothing is cached,
/// sniffed or referred.
fn headers() -> Result<Headers> {
    let h = Headers::new();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")?;
    h.set("Access-Control-Allow-Headers", "content-type")?;
    h.set("Access-Control-Max-Age", "86400")?;
    h.set("Cache-Control", "no-store")?;
    h.set("X-Content-Type-Options", "nosniff")?;
    h.set("Referrer-Policy", "no-referrer")?;
    h.set(
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'",
    )?;
    Ok(h)
}

pub fn json(value: &serde_json::Value, status: u16) -> Result<Response> {
    let headers = headers()?;
    Ok(Response::from_json(value)?
        .with_status(status)
        .with_headers(headers_with_json(headers)?))
}

fn headers_with_json(h: Headers) -> Result<Headers> {
    h.set("Content-Type", "application/json")?;
    Ok(h)
}

pub fn preflight() -> Result<Response> {
    Ok(Response::empty()?.with_status(204).with_headers(headers()?))
}

pub fn error(e: &ApiError) -> Result<Response> {
    json(&e.body(), e.status())
}

/// Turns a handler's outcome into a response, errors mapped in one place.
pub fn answer(
    outcome: std::result::Result<(serde_json::Value, u16), ApiError>,
) -> Result<Response> {
    match outcome {
        Ok((value, status)) => json(&value, status),
        Err(e) => error(&e),
    }
}
