//! Stage 4, evidence → verdict: the rules ([`infer`]), the verdicts and clues they give
//! ([`verdict`]), and the patterns across a run's targets ([`patterns`]).

pub mod infer;
pub mod patterns;
pub mod verdict;
