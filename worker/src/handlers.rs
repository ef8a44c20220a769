//! The API's handlers, one per route of `lib.rs`: reports, the reads (aggregates, export),
//! campaigns, the control, canaries and NEL, and what the deployment tells the app.

use crate::error::{ApiError, BadInput};
use crate::http::{self, Reply};
use crate::request::{body, db, limit, limit_reads, now_ms, origin, query, require_json, setting, MAX_SMALL_BODY};
use crate::{aggregates, campaigns, canaries, coalesce, control, export, limits, store};
use ajar_core::report::{Report, ReportError, MAX_BODY_BYTES};
use serde_json::json;
use worker::{Request, Response, Result, RouteContext};

type Outcome = std::result::Result<Reply, ApiError>;

pub fn whoami(req: &Request) -> serde_json::Value {
    let o = origin(req);
    json!({"country": o.country, "asn": o.asn})
}

/// What this deployment allows, for the app it serves (read from the page's own origin,
/// never from a collector a link names): `unattended_runs` is the `UNATTENDED_RUNS = "1"`
/// setting that lets `?autorun=1` start a run with no click (labs and benchmarks only).
/// `controls`: the deployment's control targets (`CONTROLS`, comma-separated URLs: rarely
/// blocked hosts on other networks, and a STUN server that tells a blocked call server from
/// a browser or network that lets no STUN through); the app adds its collector.
pub fn settings(ctx: &RouteContext<()>) -> serde_json::Value {
    let unattended = ctx.env.var("UNATTENDED_RUNS").map(|v| v.to_string() == "1").unwrap_or(false);
    let controls: Vec<String> = ctx
        .env
        .var("CONTROLS")
        .map(|v| v.to_string())
        // Not set: no controls but the collector itself.
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|u| ajar_core::url::TargetUrl::parse(u).is_ok())
        .map(String::from)
        .collect();
    json!({"unattended_runs": unattended, "controls": controls})
}

pub async fn post_report(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    let who = limit(req, ctx, "reports", "RATE_LIMIT_PER_MIN", 60).await?;
    require_json(req)?;
    let raw = body(req, MAX_BODY_BYTES).await.map_err(|e| match e {
        ApiError::TooLarge(_) => ApiError::BadReport(ReportError::TooLarge),
        other => other,
    })?;
    let report = Report::from_json(&raw, now_ms())?;
    // Parsed as JSON above, so UTF-8.
    let raw = std::str::from_utf8(&raw).map_err(|e| ApiError::BadQuery(BadInput::BodyNotUtf8(e)))?;
    let db = db(ctx)?;
    let origin = origin(req);
    if let Some(campaign) = &report.campaign {
        let Some(descriptor) = campaigns::accepting(&db, campaign, now_ms()).await? else {
            return Err(ApiError::UnknownCampaign);
        };
        // The embed keeps away from these countries; a report that got through anyway
        // (a failed country lookup, an old loader) is not stored.
        let skip = &descriptor.embed_skip_countries;
        let unknown = origin.country == "ZZ" && !skip.is_empty();
        if report.software.starts_with(EMBED_SOFTWARE) && (unknown || skip.contains(&origin.country)) {
            return Err(ApiError::EmbedSkipped);
        }
        // A client's share of a campaign first (so that one over its share does not use up the
        // campaign's quota), then the campaign's own: it takes CAMPAIGN_LIMIT_PER_MIN /
        // CAMPAIGN_CLIENT_LIMIT_PER_MIN clients (50 by default) to use up a campaign's minute.
        let share = setting(ctx, "CAMPAIGN_CLIENT_LIMIT_PER_MIN", 12);
        limits::check(&ctx.env, "campaign-client", &format!("{campaign}\u{0}{who}"), share).await?;
        limits::check(&ctx.env, "campaign", campaign, setting(ctx, "CAMPAIGN_LIMIT_PER_MIN", 600)).await?;
    }
    let id = report.id.clone();
    let row = coalesce::Row { report, raw: raw.to_string(), origin };
    let faults = coalesce::Faults { stall_write_every: setting(ctx, "FAULT_STALL_WRITE_EVERY", 0).into() };
    let stored = coalesce::insert(&db, row, faults).await?;
    Ok(Reply::Json(json!({"id": id, "stored": stored, "duplicate": !stored}), if stored { 201 } else { 200 }))
}

/// How the embed's reports name their software (`ajar-embed/<version>`).
const EMBED_SOFTWARE: &str = "ajar-embed/";

pub async fn get_report(ctx: &RouteContext<()>) -> Outcome {
    // The route has `:id`; an empty id matches nothing (404).
    let id = ctx.param("id").cloned().unwrap_or_default();
    if !ajar_core::privacy::is_report_id(&id) {
        return Err(ApiError::NotFound);
    }
    Ok(Reply::Json(store::get(&db(ctx)?, &id).await?, 200))
}

pub async fn get_aggregates(req: &Request, ctx: &RouteContext<()>) -> Outcome {
    limit_reads(req, ctx).await?;
    let q: aggregates::Query = query(req)?;
    let agg = aggregates::query(&db(ctx)?, &q).await?;
    // Serialising plain data cannot fail.
    Ok(Reply::Json(serde_json::to_value(agg).unwrap_or_default(), 200))
}

pub async fn get_export(req: &Request, ctx: &RouteContext<()>) -> Outcome {
    limit_reads(req, ctx).await?;
    let q: export::Query = query(req)?;
    Ok(Reply::Export(export::page(&db(ctx)?, &q).await?))
}

pub async fn post_campaign(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    limit(req, ctx, "campaigns", "RATE_LIMIT_PER_MIN", 60).await?;
    let created = campaigns::create(&db(ctx)?, &body(req, MAX_BODY_BYTES).await?, now_ms()).await?;
    Ok(Reply::Json(created, 201))
}

/// OONI Run v2 in: a campaign from a descriptor (docs/report.md).
pub async fn post_oonirun(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    limit(req, ctx, "campaigns", "RATE_LIMIT_PER_MIN", 60).await?;
    let created = campaigns::create_from_oonirun(&db(ctx)?, &body(req, MAX_BODY_BYTES).await?, now_ms()).await?;
    Ok(Reply::Json(created, 201))
}

/// OONI Run v2 out: any campaign as a descriptor OONI Probe can run.
pub async fn get_oonirun(ctx: &RouteContext<()>) -> Outcome {
    // The route has `:id`; an empty id matches nothing (404).
    let id = ctx.param("id").cloned().unwrap_or_default();
    let (value, not_expressed) = campaigns::oonirun(&db(ctx)?, &id, now_ms()).await?;
    let filename = format!("ajar-campaign-{}.oonirun.json", id.replace(|c: char| !c.is_ascii_alphanumeric(), ""));
    Ok(Reply::Download { value, filename, not_expressed })
}

pub async fn get_campaign(ctx: &RouteContext<()>) -> Outcome {
    // The route has `:id`; an empty id matches nothing (404).
    let id = ctx.param("id").cloned().unwrap_or_default();
    Ok(Reply::Json(campaigns::get(&db(ctx)?, &id, now_ms()).await?, 200))
}

pub async fn put_campaign(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    // The route has `:id`; an empty id matches nothing (404).
    let id = ctx.param("id").cloned().unwrap_or_default();
    // Owner-token guesses: per client, and per campaign from any number of clients.
    limit(req, ctx, "token", "TOKEN_LIMIT_PER_MIN", 10).await?;
    let campaign: String = id.chars().take(64).collect();
    limits::check(&ctx.env, "token-campaign", &campaign, setting(ctx, "TOKEN_LIMIT_PER_CAMPAIGN_PER_MIN", 30)).await?;
    // No header: an empty token, which matches no campaign's (403).
    let auth = req.headers().get("authorization").ok().flatten().unwrap_or_default();
    let token = auth.strip_prefix("Bearer ").unwrap_or_default().to_string();
    let body = body(req, MAX_BODY_BYTES).await?;
    Ok(Reply::Json(campaigns::update(&db(ctx)?, &id, &token, &body, now_ms()).await?, 200))
}

/// Targets a control request may name: those of the bundled list or the campaign it names
/// (any, in the lab).
async fn allowed_targets(
    ctx: &RouteContext<()>,
    list: Option<&str>,
    campaign: Option<&str>,
) -> std::result::Result<Vec<String>, ApiError> {
    if let Some(id) = campaign {
        return campaigns::target_urls(&db(ctx)?, id).await;
    }
    let Some(id) =
        list.filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    else {
        return Ok(Vec::new());
    };
    let assets = ctx.env.assets("ASSETS").map_err(|_| ApiError::NotFound)?;
    let mut resp = assets.fetch(format!("https://assets.local/lists/{id}.csv"), None).await?;
    if resp.status_code() != 200 {
        return Ok(Vec::new());
    }
    let text = resp.text().await?;
    // A bundled list that does not parse allows nothing: every URL is refused as not in it.
    Ok(ajar_core::list::List::parse(&text).map(|l| l.targets.into_iter().map(|t| t.url).collect()).unwrap_or_default())
}

pub async fn post_control(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    limit(req, ctx, "control", "CONTROL_LIMIT_PER_MIN", 20).await?;
    let var = |name: &str| ctx.env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.is_empty());
    let cfg = control::Config {
        doh: var("CONTROL_DOH").unwrap_or_else(|| "https://cloudflare-dns.com/dns-query".into()),
        timeout_ms: setting(ctx, "CONTROL_TIMEOUT_MS", 5000),
        allow_private: var("CONTROL_ALLOW_PRIVATE").as_deref() == Some("1"),
        connect: var("CONTROL_CONNECT"),
        subrequests: setting(ctx, "CONTROL_SUBREQUESTS", 50),
    };
    let body: control::Body = serde_json::from_slice(&body(req, MAX_SMALL_BODY).await?)
        .map_err(|e| ApiError::BadQuery(BadInput::BodyNotJson(e)))?;
    let (urls, list, campaign) = match body {
        control::Body::Scoped { urls, list, campaign } => (urls, list, campaign),
        control::Body::Bare(urls) => (urls, None, None),
    };
    if urls.len() > control::MAX_TARGETS {
        return Err(ApiError::BadQuery(BadInput::TooManyUrls));
    }
    // The lab: any target, not only those of a bundled list or a campaign.
    if var("CONTROL_ANY_TARGET").as_deref() != Some("1") {
        let mut allowed = allowed_targets(ctx, list.as_deref(), campaign.as_deref()).await?;
        // An https page measures a plain-HTTP target over https: that equivalent is in scope too.
        let secure: Vec<String> =
            allowed.iter().filter_map(|u| ajar_core::url::TargetUrl::parse(u).ok()?.secure_equivalent(u)).collect();
        allowed.extend(secure);
        // The deployment's own controls: the app asks for their known images too.
        let settings = settings(ctx);
        let controls = settings.get("controls").and_then(|c| c.as_array()).into_iter().flatten();
        allowed.extend(controls.filter_map(|u| u.as_str()).map(String::from));
        if let Some(u) = urls.iter().find(|u| !allowed.contains(u)) {
            return Err(ApiError::BadQuery(BadInput::UrlOutOfScope(u.clone())));
        }
    }
    Ok(Reply::Json(control::check(&cfg, urls, now_ms()).await?, 200))
}

/// A canary path, on whichever host reached this Worker. NEL reports go to the collector's
/// own origin (`COLLECTOR_ORIGIN`, else this request's), not to the canary host itself.
pub async fn serve_canary(req: &Request, ctx: &RouteContext<()>) -> Result<Response> {
    let url = req.url()?;
    // The download canary sends up to 4 MiB: per client per minute.
    if url.path().starts_with("/__canary/down") {
        if let Err(e) = limit(req, ctx, "canary-down", "CANARY_LIMIT_PER_MIN", 30).await {
            return http::answer(Err(e));
        }
    }
    let here = url.origin().ascii_serialization();
    let collector = ctx.env.var("COLLECTOR_ORIGIN").map(|v| v.to_string()).unwrap_or(here);
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let db = ctx.env.d1("DB").ok();
    // No host: matches no configured canary host (served, not recorded).
    let host = url.host_str().unwrap_or_default().to_string();
    let config = canaries::configured(&ctx.env).ok().flatten();
    canaries::serve(db.as_ref(), config.as_ref(), &path, &host, &format!("{collector}/v1/nel"), &origin(req)).await
}

#[derive(serde::Deserialize, Default)]
struct CampaignQuery {
    campaign: Option<String>,
}

/// The canary configuration for the app: the collector's, with a campaign's own triggers
/// and providers when it names some; `{"canaries": null}` when none is configured.
pub async fn get_canaries(req: &Request, ctx: &RouteContext<()>) -> Outcome {
    let q: CampaignQuery = query(req)?;
    let Some(base) = canaries::configured(&ctx.env)? else {
        return Ok(Reply::Json(json!({"canaries": null}), 200));
    };
    let config = match q.campaign.filter(|c| !c.is_empty()) {
        Some(id) => base.for_campaign(&campaigns::descriptor(&db(ctx)?, &id).await?),
        None => base,
    };
    Ok(Reply::Json(json!({"canaries": config}), 200))
}

pub async fn post_nel(req: &mut Request, ctx: &RouteContext<()>) -> Outcome {
    limit(req, ctx, "nel", "RATE_LIMIT_PER_MIN", 60).await?;
    let Some(config) = canaries::configured(&ctx.env)? else {
        return Err(ApiError::NotFound);
    };
    let body = body(req, ajar_core::nel::MAX_NEL_BYTES).await?;
    let kept = canaries::nel(&db(ctx)?, &config, &body, &origin(req)).await?;
    Ok(Reply::Json(json!({"kept": kept}), 200))
}

pub async fn get_canary_aggregates(req: &Request, ctx: &RouteContext<()>) -> Outcome {
    limit_reads(req, ctx).await?;
    let q: canaries::Query = query(req)?;
    Ok(Reply::Json(canaries::aggregates(&db(ctx)?, &q).await?, 200))
}
