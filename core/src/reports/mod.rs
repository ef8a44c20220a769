//! Stage 5, what a visitor may send: the report format and its validation ([`report`]),
//! the strict JSON reader the collector takes it in with ([`strict`]), and one stored
//! result as an OONI measurement ([`ooni`]).

pub mod ooni;
pub mod report;
pub mod strict;
