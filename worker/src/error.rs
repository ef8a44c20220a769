//! Every way a request can fail, and the one place they become status codes.

use ajar_core::report::ReportError;
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadReport(#[from] ReportError),
    #[error("{1}")]
    BadCampaign(String, String),
    #[error("{0}")]
    BadOoniRun(ajar_core::oonirun::OoniRunError),
    #[error("body: larger than {0} bytes")]
    TooLarge(usize),
    #[error("content-type: reports are sent as application/json")]
    NotJson,
    #[error("campaign: this campaign's embed does not measure in this country")]
    EmbedSkipped,
    #[error("campaign: no active campaign with that id")]
    UnknownCampaign,
    #[error("{0}")]
    BadQuery(#[from] BadInput),
    #[error("not found")]
    NotFound,
    #[error("the owner token does not match")]
    Forbidden,
    #[error("too many requests: try again in a minute")]
    RateLimited,
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
    #[error("this collector has no database bound as DB")]
    NoDatabase,
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadReport(ReportError::TooLarge) | ApiError::TooLarge(_) => 413,
            ApiError::NotJson => 415,
            ApiError::EmbedSkipped => 403,
            ApiError::BadReport(ReportError::UnknownSchema(_)) => 422,
            ApiError::BadReport(_)
            | ApiError::BadCampaign(..)
            | ApiError::BadOoniRun(_)
            | ApiError::UnknownCampaign
            | ApiError::BadQuery(_) => 400,
            ApiError::Forbidden => 403,
            ApiError::NotFound => 404,
            ApiError::RateLimited => 429,
            ApiError::Storage(_) | ApiError::NoDatabase => 503,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        match self {
            ApiError::BadReport(e) => json!({"error": e.to_string(), "field": e.field()}),
            ApiError::BadCampaign(field, _) => json!({"error": self.to_string(), "field": field}),
            ApiError::BadOoniRun(e) => {
                json!({"error": self.to_string(), "field": e.field(), "unsupported": e.unsupported()})
            }
            ApiError::UnknownCampaign | ApiError::EmbedSkipped => {
                json!({"error": self.to_string(), "field": "campaign"})
            }
            ApiError::TooLarge(_) => json!({"error": self.to_string(), "field": "body"}),
            ApiError::NotJson => json!({"error": self.to_string(), "field": "content-type"}),
            // Its messages start with the name of what is at fault (`urls: at most 20…`).
            ApiError::BadQuery(e) => {
                let message = e.to_string();
                match message.split_once(": ") {
                    Some((field, _)) if is_field_path(field) => json!({"error": message, "field": field}),
                    _ => json!({"error": message}),
                }
            }
            other => json!({"error": other.to_string()}),
        }
    }
}

/// What is wrong with a request's query, body or headers (a 400). Each message but a NEL
/// report's starts with the name of what is at fault, which the answer repeats as `field`.
#[derive(Debug, Error)]
pub enum BadInput {
    /// A control request with more URLs than it takes.
    #[error("urls: at most {} per request", crate::control::MAX_TARGETS)]
    TooManyUrls,
    /// A control request for a URL of no bundled list or campaign.
    #[error("urls: {0} is not in the named list or campaign")]
    UrlOutOfScope(String),
    #[error("body: {0}")]
    BodyNotUtf8(#[source] std::str::Utf8Error),
    #[error("body: {0}")]
    BodyNotJson(#[source] serde_json::Error),
    /// The body's stream failed (the runtime's message).
    #[error("body: {0}")]
    BodyUnread(String),
    #[error("{0}")]
    Nel(#[source] ajar_core::nel::NelError),
    #[error("format: must be jsonl, csv or ooni")]
    Format,
    #[error("after: not a cursor")]
    Cursor,
    #[error("window: must be hour, day or all")]
    Window,
    #[error(
        "cf-connecting-ip: missing or not an address (requests reach the collector through Cloudflare, which sets it)"
    )]
    NoClientAddress,
    /// The request's URL does not parse.
    #[error("query: {0}")]
    Url(#[source] worker::Error),
    /// A query parameter that does not read as its type; `field` is its name (`query` if none).
    #[error("{field}: {error}")]
    Param { field: String, error: serde_urlencoded::de::Error },
}

fn is_field_path(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.[]-".contains(&b))
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Storage(StorageError::Runtime(e))
    }
}

/// What failed behind a 503 (`storage failed: …`, the text the client reads): the collector's
/// storage, or a service or setting it relies on. The underlying error is kept whole (as
/// `source()` and in the text), not flattened into a string.
#[derive(Debug, Error)]
pub enum StorageError {
    /// D1, the assets, a Durable Object, the edge cache: the runtime's own error.
    #[error("{0}")]
    Runtime(#[source] worker::Error),
    /// A stored row that does not read back (a campaign's descriptor).
    #[error("{0}")]
    Unreadable(#[source] serde_json::Error),
    /// A report's write not answered within the collector's wait (`coalesce`).
    #[error("the database did not answer in time")]
    Timeout,
    /// A report's batch given up or its writer cancelled before the outcome came (`coalesce`).
    #[error("the write was interrupted; please retry")]
    Interrupted,
    #[error("no random source")]
    NoRandom(#[source] getrandom::Error),
    #[error("the CANARIES setting: {0}")]
    CanariesNotJson(#[source] serde_json::Error),
    #[error("the CANARIES setting: {0}")]
    CanariesInvalid(#[source] ajar_core::canary::CanaryError),
    #[error("rate limiter: {0}")]
    Limiter(#[source] worker::Error),
    #[error("rate limiter: status {0}")]
    LimiterStatus(u16),
    #[error("rate limiter: unreadable answer")]
    LimiterAnswer,
    /// The control's checks, run side by side, did not come back together.
    #[error("control failed")]
    Control,
}
