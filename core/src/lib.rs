//! ajar's core: everything that decides, nothing that does I/O.
//!
//! Data flows one way: list → plan → probes → evidence → verdicts → report →
//! aggregates, and the source tree follows it: `lists/`, `plan/` (with `config.rs` and
//! `pace.rs`), `evidence/`, `verdicts/`, `reports/`, `aggregates/`; `canary/` for ajar's own
//! canary hosts, `shared/` for what every stage uses.
//!
//! The plan tells an adapter which probe to run; the adapter reports back an
//! [`observation::Observation`] with the time it took; [`infer`] turns the
//! evidence into a [`verdict::Finding`]. Time is always injected as
//! milliseconds, so every rule is tested natively and deterministically.

// Each stage is a folder; its modules are re-exported here, so every path is
// `ajar_core::<module>` whatever folder holds it.

// 1. What is measured.
mod lists;
pub use lists::{bundled, campaign, category, country, csv, list, oonirun};

// 2. The plan: which probe runs next, paced by the run's own answers.
pub mod config;
pub mod pace;
pub mod plan;

// 3. What the probes saw.
mod evidence;
pub use evidence::{doh, image_header, nel, observation};

// 4. Evidence → verdicts and patterns.
mod verdicts;
pub use verdicts::{infer, patterns, verdict};

// 5. The report a visitor may send.
mod reports;
pub use reports::{ooni, report, strict};

// 6. Many reports → findings.
mod aggregates;
pub use aggregates::{aggregate, explore};

// ajar's own canary hosts: SNI A/B, provider canaries, Resource Timing.
pub mod canary;

// Shared by every stage.
mod shared;
pub use shared::{cloudflare_ranges, http1, json, limits, privacy, punycode, url};
