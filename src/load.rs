//! Why a list could not be used: [`LoadError`], whose text (English) automation and the embed
//! report; the page words it in the visitor's language (`Lang::load_error`).

use crate::net::NetError;
use ajar_core::json::JsonError;
use ajar_core::list::ListError;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The list, or a campaign's descriptor, could not be fetched (unreachable, or not 2xx).
    Fetch(NetError),
    /// A campaign's descriptor is not JSON.
    Descriptor(JsonError),
    /// A list the visitor chose or wrote: every problem, one per line.
    ListLines(ListError),
    /// A list from elsewhere (a campaign's, the embed's controls): how many problems, and the first.
    List(ListError),
}

impl From<NetError> for LoadError {
    fn from(e: NetError) -> Self {
        LoadError::Fetch(e)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Fetch(e) => e.fmt(f),
            LoadError::Descriptor(e) => e.fmt(f),
            LoadError::ListLines(ListError::Lines(lines)) => {
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    line.fmt(f)?;
                }
                Ok(())
            }
            LoadError::ListLines(e) | LoadError::List(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}
