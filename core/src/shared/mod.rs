//! What every stage uses: the small JSON reader, URLs and Punycode, the privacy rules, and
//! per-client request limits that keep no address.

pub mod json;
pub mod limits;
pub mod privacy;
pub mod punycode;
pub mod url;
