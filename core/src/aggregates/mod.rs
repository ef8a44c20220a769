//! Stage 6, many reports → findings: the collector's aggregates ([`aggregate`]) and the
//! explorer's views of them ([`explore`]).

pub mod aggregate;
pub mod explore;
