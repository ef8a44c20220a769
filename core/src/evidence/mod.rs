//! Stage 3, what the probes saw: an adapter's [`observation::Observation`] per probe, and
//! the readers for what comes back from outside the page (DoH answers, image headers,
//! Network Error Logging reports about canary hosts).

pub mod doh;
pub mod image_header;
pub mod nel;
pub mod observation;
