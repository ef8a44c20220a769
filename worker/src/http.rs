//! Response helpers: JSON bodies, CORS for partner sites, security headers; the one
//! place where errors become status codes.

use crate::error::ApiError;
use crate::export::{Format, Page};
use worker::{Headers, Response, Result};

/// What a handler answers.
pub enum Reply {
    Json(serde_json::Value, u16),
    /// JSON offered as a file (`filename`), with a header listing what it leaves out.
    Download {
        value: serde_json::Value,
        filename: String,
        not_expressed: Vec<String>,
    },
    Export(Page),
    Empty,
}

/// Headers every API answer carries: partners may post from their pages; nothing is cached,
/// sniffed or referred.
fn headers() -> Result<Headers> {
    let h = Headers::new();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")?;
    h.set("Access-Control-Allow-Headers", "content-type, authorization")?;
    h.set("Access-Control-Expose-Headers", "x-next-cursor, link, content-disposition, x-ajar-not-expressed")?;
    h.set("Access-Control-Max-Age", "86400")?;
    h.set("Cache-Control", "no-store")?;
    h.set("X-Content-Type-Options", "nosniff")?;
    h.set("Referrer-Policy", "no-referrer")?;
    h.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")?;
    Ok(h)
}

pub fn preflight() -> Result<Response> {
    Ok(Response::empty()?.with_status(204).with_headers(headers()?))
}

fn json(value: &serde_json::Value, status: u16) -> Result<Response> {
    let h = headers()?;
    h.set("Content-Type", "application/json")?;
    Ok(Response::from_json(value)?.with_status(status).with_headers(h))
}

fn download(value: &serde_json::Value, filename: &str, not_expressed: &[String]) -> Result<Response> {
    let h = headers()?;
    h.set("Content-Type", "application/json")?;
    h.set("Content-Disposition", &format!("attachment; filename=\"{filename}\""))?;
    // Header values are one line of visible ASCII; each item is ajar's own text.
    let list: Vec<String> =
        not_expressed.iter().map(|s| s.replace(|c: char| !c.is_ascii_graphic() && c != ' ', " ")).collect();
    h.set("X-Ajar-Not-Expressed", &list.join("; "))?;
    Ok(Response::from_json(value)?.with_headers(h))
}

fn export(page: Page) -> Result<Response> {
    let h = headers()?;
    h.set(
        "Content-Type",
        match page.format {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Jsonl | Format::Ooni => "application/x-ndjson",
        },
    )?;
    if let Some(next) = &page.next {
        h.set("X-Next-Cursor", next)?;
        h.set("Link", &format!("<?after={next}>; rel=\"next\""))?;
    }
    Ok(Response::ok(page.body)?.with_headers(h))
}

/// The content-blocker bait (`ajar_core::config::bait_url`): a one-pixel GIF any page may
/// load. A browser whose content blocker refuses it has its fast failures judged with care.
pub fn bait() -> Result<Response> {
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";
    let h = headers()?;
    h.set("Content-Type", "image/gif")?;
    h.set("Cross-Origin-Resource-Policy", "cross-origin")?;
    Ok(Response::from_bytes(GIF.to_vec())?.with_headers(h))
}

/// Turns a handler's outcome into a response, errors mapped in one place.
pub fn answer(outcome: std::result::Result<Reply, ApiError>) -> Result<Response> {
    match outcome {
        Ok(Reply::Json(value, status)) => json(&value, status),
        Ok(Reply::Download { value, filename, not_expressed }) => download(&value, &filename, &not_expressed),
        Ok(Reply::Export(page)) => export(page),
        Ok(Reply::Empty) => preflight(),
        Err(e) => json(&e.body(), e.status()),
    }
}
