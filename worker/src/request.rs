//! What handlers read from a request and the deployment: the database, `[vars]` settings,
//! per-client limits, Cloudflare's view of the client, the query string and the body.

use crate::error::{ApiError, BadInput};
use crate::store::Origin;
use crate::{body, limits};
use ajar_core::privacy::coarse_hour;
use worker::{D1Database, Date, Request, RouteContext};

pub fn now_ms() -> u64 {
    Date::now().as_millis()
}

pub fn db(ctx: &RouteContext<()>) -> Result<D1Database, ApiError> {
    ctx.env.d1("DB").map_err(|_| ApiError::NoDatabase)
}

/// A numeric `[vars]` setting of wrangler.toml.
pub fn setting(ctx: &RouteContext<()>, name: &str, default: u32) -> u32 {
    ctx.env.var(name).ok().and_then(|v| v.to_string().parse().ok()).unwrap_or(default)
}

/// Counts a request against the client's per-minute limit in `scope` (the `[vars]` setting
/// `name`, else `default`), across isolates (`limits`); returns the client (an IPv4 address or
/// an IPv6 /64), used in memory only and never stored or logged.
pub async fn limit(
    req: &Request,
    ctx: &RouteContext<()>,
    scope: &str,
    name: &str,
    default: u32,
) -> Result<String, ApiError> {
    let who = limits::client(req)?;
    limits::check(&ctx.env, scope, &who, setting(ctx, name, default)).await?;
    Ok(who)
}

/// The reads that scan every stored result (aggregates, exports): per client per minute.
pub async fn limit_reads(req: &Request, ctx: &RouteContext<()>) -> Result<(), ApiError> {
    limit(req, ctx, "reads", "READ_LIMIT_PER_MIN", 60).await.map(|_| ())
}

/// Country and ASN from Cloudflare's view of the request: nothing else about the client.
pub fn origin(req: &Request) -> Origin {
    let cf = req.cf();
    Origin {
        country: cf.and_then(|c| c.country()).filter(|c| c.len() == 2).unwrap_or_else(|| "ZZ".into()),
        asn: cf.and_then(|c| c.asn()).unwrap_or(0),
        received_hour: coarse_hour(now_ms()),
    }
}

/// The query string as `Q`; a refusal names the parameter at fault (`asn: invalid digit…`).
pub fn query<Q: serde::de::DeserializeOwned>(req: &Request) -> Result<Q, ApiError> {
    let url = req.url().map_err(|e| ApiError::BadQuery(BadInput::Url(e)))?;
    let pairs = url.query_pairs();
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() { "query".to_string() } else { path };
        ApiError::BadQuery(BadInput::Param { field, error: e.into_inner() })
    })
}

/// A request body of at most `limit` bytes (reading stops past it).
pub async fn body(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    body::read(req, limit).await.map_err(|e| match e {
        body::BodyError::TooLarge => ApiError::TooLarge(limit),
        body::BodyError::Read(e) => ApiError::BadQuery(BadInput::BodyUnread(e)),
    })
}

/// A control request's body (at most 20 URLs).
pub const MAX_SMALL_BODY: usize = 256 * 1024;

/// Reports come as JSON only (not as a form or text a page could post without a preflight).
pub fn require_json(req: &Request) -> Result<(), ApiError> {
    // No content type: not JSON, refused.
    let kind = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    // `split` yields at least one piece, so the default is never taken.
    let essence = kind.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/json" {
        Ok(())
    } else {
        Err(ApiError::NotJson)
    }
}
