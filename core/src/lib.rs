//! ajar's core: everything that decides, nothing that does I/O.
//!
//! Data flows one way: list → plan → probes → evidence → verdicts → report.
//! The plan tells an adapter which probe to run; the adapter reports back an
//! [`observation::Observation`] with the time it took; [`infer`] turns the
//! evidence into a [`verdict::Finding`]. Time is always injected as
//! milliseconds, so every rule is tested natively and deterministically.

pub mod aggregate;
pub mod campaign;
pub mod canary;
pub mod category;
pub mod config;
pub mod country;
pub mod csv;
pub mod doh;
pub mod explore;
pub mod image_header;
pub mod infer;
pub mod json;
pub mod limits;
pub mod list;
pub mod nel;
pub mod observation;
pub mod ooni;
pub mod oonirun;
pub mod pace;
pub mod patterns;
pub mod plan;
pub mod privacy;
pub mod punycode;
pub mod report;
pub mod strict;
pub mod url;
pub mod verdict;
