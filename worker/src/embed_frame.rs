//! `/embed-frame`: the embed's iframe page, with the CSP that says which partners may frame it.

use worker::{Response, Result, RouteContext};

/// The embed's iframe variant, framable only by the partners the deployment lists
/// (`EMBED_FRAME_ANCESTORS`; none when empty): any other site framing it could cover the
/// reader's "Yes" with its own page.
pub async fn embed_frame(ctx: &RouteContext<()>) -> Result<Response> {
    // Not set: no partner may frame it (`'none'`).
    let ancestors = ctx.env.var("EMBED_FRAME_ANCESTORS").map(|v| v.to_string()).unwrap_or_default();
    let assets = ctx.env.assets("ASSETS")?;
    let mut page = assets.fetch("https://assets.local/embed-frame", None).await?;
    if page.status_code() != 200 {
        return Response::error("not found", 404);
    }
    let body = page.bytes().await?;
    let headers = worker::Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set("Cache-Control", "no-cache")?;
    headers.set(
        "Content-Security-Policy",
        &format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src * data:; connect-src *; frame-ancestors {}",
            frame_ancestors(&ancestors)
        ),
    )?;
    Ok(Response::from_bytes(body)?.with_headers(headers))
}

/// The CSP frame-ancestors sources of a setting: http(s) origins (a `*.` label allowed), in
/// order; anything else is dropped; `'none'` when nothing is left.
fn frame_ancestors(setting: &str) -> String {
    let ok = |s: &&str| {
        let Some((scheme, host)) = s.split_once("://") else {
            return false;
        };
        matches!(scheme, "http" | "https")
            && !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:*".contains(&b))
            && host.find('*').is_none_or(|i| i == 0 && host[1..].starts_with('.'))
    };
    let sources: Vec<&str> = setting.split_whitespace().filter(ok).collect();
    if sources.is_empty() {
        "'none'".into()
    } else {
        sources.join(" ")
    }
}
