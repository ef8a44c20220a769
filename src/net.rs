//! Small CORS fetch helpers for the app's own requests (lists, collector, outside view).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode, Response};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    #[error("could not reach {0}")]
    Unreachable(String),
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
}

/// GET or POST (when `body` is given) with credentials omitted; returns status and text.
pub async fn request(url: &str, body: Option<&str>) -> Result<(u16, String), NetError> {
    let unreachable = || NetError::Unreachable(url.to_string());
    let window = web_sys::window().ok_or_else(unreachable)?;
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    if let Some(b) = body {
        init.set_method("POST");
        init.set_body(&wasm_bindgen::JsValue::from_str(b));
        if let Ok(h) = web_sys::Headers::new() {
            let _ = h.set("content-type", "application/json");
            init.set_headers(&h);
        }
    }
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| unreachable())?;
    let resp: Response = resp.dyn_into().map_err(|_| unreachable())?;
    let text = match resp.text() {
        // A body that cannot be read is empty text: the status still decides.
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((resp.status(), text))
}

/// Like [`request`], but a non-2xx status is an error.
pub async fn fetch_ok(url: &str, body: Option<&str>) -> Result<String, NetError> {
    let (status, text) = request(url, body).await?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(NetError::Status { url: url.to_string(), status, body: text.chars().take(300).collect() })
    }
}
