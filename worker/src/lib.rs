//! The collector: takes reports, keeps no one's identity, answers reads.
//!
//! One route table; handlers return `Result<(json, status), ApiError>` and
//! [`http::answer`] maps errors to status codes in one place.

mod error;
mod http;
mod store;

use ajar_core::privacy::coarse_hour;
use ajar_core::report::{Report, MAX_BODY_BYTES};
use error::ApiError;
use serde_json::json;
use store::Origin;
use worker::{event, Context, Date, Env, Request, Response, Result, RouteContext, Router};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .options("/v1/*path", |_, _| http::preflight())
        .get("/v1/whoami", |req, _| http::answer(Ok((whoami(&req), 200))))
        .post_async("/v1/reports", |mut req, ctx| async move {
            http::answer(post_report(&mut req, &ctx).await)
        })
        .get_async("/v1/reports/:id", |_, ctx| async move {
            http::answer(get_report(&ctx).await)
        })
        .or_else_any_method("/v1/*path", |_, _| {
            http::json(&json!({"error": "no such endpoint"}), 404)
        })
        .run(req, env)
        .await
}

fn now_ms() -> u64 {
    Date::now().as_millis()
}

/// Country and ASN from Cloudflare's view of the request: nothing else about the client.
fn origin(req: &Request) -> Origin {
    let cf = req.cf();
    Origin {
        country: cf
            .and_then(|c| c.country())
            .filter(|c| c.len() == 2)
            .unwrap_or_else(|| "ZZ".into()),
        asn: cf.and_then(|c| c.asn()).unwrap_or(0),
        received_hour: coarse_hour(now_ms()),
    }
}

fn whoami(req: &Request) -> serde_json::Value {
    let o = origin(req);
    json!({"country": o.country, "asn": o.asn})
}

async fn post_report(
    req: &mut Request,
    ctx: &RouteContext<()>,
) -> std::result::Result<(serde_json::Value, u16), ApiError> {
    let declared: usize = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if declared > MAX_BODY_BYTES {
        return Err(ApiError::BadReport(
            ajar_core::report::ReportError::TooLarge,
        ));
    }
    let body = req
        .bytes()
        .await
        .map_err(|e| ApiError::Storage(e.to_string()))?;
    let report = Report::from_json(&body, now_ms())?;
    let db = ctx.env.d1("DB").map_err(|_| ApiError::NoDatabase)?;
    let stored = store::insert(&db, &report, &origin(req)).await?;
    Ok((
        json!({"id": report.id, "stored": stored, "duplicate": !stored}),
        if stored { 201 } else { 200 },
    ))
}

async fn get_report(
    ctx: &RouteContext<()>,
) -> std::result::Result<(serde_json::Value, u16), ApiError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    if !ajar_core::privacy::is_report_id(&id) {
        return Err(ApiError::NotFound);
    }
    let db = ctx.env.d1("DB").map_err(|_| ApiError::NoDatabase)?;
    Ok((store::get(&db, &id).await?, 200))
}
