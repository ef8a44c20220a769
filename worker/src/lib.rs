//! The collector: takes reports, keeps no one's identity, turns many reports into findings.
//!
//! One route table (here); handlers (`handlers`, `embed_frame`) return `Result<Reply, ApiError>`
//! and [`http::answer`] maps errors to status codes in one place; what they read from a
//! request and the deployment is in `request`.

mod aggregates;
mod body;
mod campaigns;
mod canaries;
mod coalesce;
mod coalesce_queue;
mod control;
mod embed_frame;
mod error;
mod export;
mod handlers;
mod http;
mod limits;
mod publish;
mod random;
mod request;
mod store;

use embed_frame::embed_frame;
use error::ApiError;
use handlers::{
    get_aggregates, get_campaign, get_canaries, get_canary_aggregates, get_export, get_oonirun, get_report,
    post_campaign, post_control, post_nel, post_oonirun, post_report, put_campaign, serve_canary, settings, whoami,
};
use http::Reply;
use worker::{event, Context, Env, Request, Response, Result, Router};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .options("/v1/*path", |_, _| http::preflight())
        // Does nothing (not even read a body): the load benchmark's measure of the runtime itself.
        .get("/v1/ping", |_, _| http::answer(Ok(Reply::Empty)))
        .post("/v1/ping", |_, _| http::answer(Ok(Reply::Empty)))
        .get("/v1/whoami", |req, _| http::answer(Ok(Reply::Json(whoami(&req), 200))))
        .get("/ads/banner.gif", |_, _| http::bait())
        .head("/ads/banner.gif", |_, _| http::bait())
        .get("/v1/settings", |_, ctx| http::answer(Ok(Reply::Json(settings(&ctx), 200))))
        .post_async("/v1/reports", |mut req, ctx| async move { http::answer(post_report(&mut req, &ctx).await) })
        .get_async("/v1/reports/:id", |_, ctx| async move { http::answer(get_report(&ctx).await) })
        .get_async("/v1/aggregates", |req, ctx| async move { http::answer(get_aggregates(&req, &ctx).await) })
        .get_async("/v1/aggregates/canaries", |req, ctx| async move {
            http::answer(get_canary_aggregates(&req, &ctx).await)
        })
        .get_async("/v1/canaries", |req, ctx| async move { http::answer(get_canaries(&req, &ctx).await) })
        .post_async("/v1/nel", |mut req, ctx| async move { http::answer(post_nel(&mut req, &ctx).await) })
        .get_async("/__canary/:what", |req, ctx| async move { serve_canary(&req, &ctx).await })
        .get_async("/embed-frame", |_, ctx| async move { embed_frame(&ctx).await })
        .get_async("/embed-frame.html", |_, ctx| async move { embed_frame(&ctx).await })
        .get_async("/v1/export", |req, ctx| async move { http::answer(get_export(&req, &ctx).await) })
        .post_async("/v1/control", |mut req, ctx| async move { http::answer(post_control(&mut req, &ctx).await) })
        .post_async("/v1/campaigns", |mut req, ctx| async move { http::answer(post_campaign(&mut req, &ctx).await) })
        .post_async(
            "/v1/campaigns/oonirun",
            |mut req, ctx| async move { http::answer(post_oonirun(&mut req, &ctx).await) },
        )
        .get_async("/v1/campaigns/:id", |_, ctx| async move { http::answer(get_campaign(&ctx).await) })
        .get_async("/v1/campaigns/:id/oonirun", |_, ctx| async move { http::answer(get_oonirun(&ctx).await) })
        .put_async("/v1/campaigns/:id", |mut req, ctx| async move { http::answer(put_campaign(&mut req, &ctx).await) })
        .or_else_any_method("/v1/*path", |_, _| http::answer(Err(ApiError::NotFound)))
        .run(req, env)
        .await
}

/// The minute cron: pending results are expanded even when nobody reads.
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    if let Ok(db) = env.d1("DB") {
        let _ = store::expand(&db).await;
    }
}
