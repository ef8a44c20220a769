//! What every stage uses: the small JSON reader, URLs and Punycode, the privacy rules,
//! per-client request limits that keep no address, and for the control its HTTP/1.1 framing
//! and Cloudflare's address ranges.

pub mod cloudflare_ranges;
pub mod http1;
pub mod json;
pub mod limits;
pub mod privacy;
pub mod punycode;
pub mod url;
