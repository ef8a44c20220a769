//! Request bodies read with a bound: the reading stops as soon as a body passes its limit,
//! whatever its `content-length` says (a chunked body declares none), so no request makes
//! the isolate hold more than the limit.

use futures_util::StreamExt;
use worker::Request;

#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Read(String),
}

/// The body, if it is at most `limit` bytes.
pub async fn read(req: &mut Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared: Option<usize> = req.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream().map_err(|e| BodyError::Read(e.to_string()))?;
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if out.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
