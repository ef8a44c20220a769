//! Every way a request can fail, and the one place they become status codes.

use ajar_core::report::ReportError;
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadReport(#[from] ReportError),
    #[error("no report with that id")]
    NotFound,
    #[error("storage failed: {0}")]
    Storage(String),
    #[error("this collector has no database bound as DB")]
    NoDatabase,
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadReport(ReportError::TooLarge) => 413,
            ApiError::BadReport(ReportError::UnknownSchema(_)) => 422,
            ApiError::BadReport(_) => 400,
            ApiError::NotFound => 404,
            ApiError::Storage(_) | ApiError::NoDatabase => 503,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        match self {
            ApiError::BadReport(e) => json!({"error": e.to_string(), "field": e.field()}),
            other => json!({"error": other.to_string()}),
        }
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Storage(e.to_string())
    }
}
