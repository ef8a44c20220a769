//! The publication rule, one for every endpoint that serves results (docs/report.md, "What is
//! published"): a result is published only when its cell (country, ASN, URL) holds results from
//! at least `RULES.min_reports` distinct reports. `/v1/aggregates` applies the same minimum to
//! each cell of the window asked for.

use ajar_core::aggregate::RULES;

/// A condition true when the `results` row aliased `row` is in a published cell.
pub fn is_published(row: &str) -> String {
    format!(
        "(SELECT COUNT(DISTINCT o.report_id) FROM results o \
         WHERE o.url = {row}.url AND o.country = {row}.country AND o.asn = {row}.asn) >= {}",
        RULES.min_reports
    )
}
