pub mod canaries;
pub mod explorer;
pub mod explorer_canaries;
pub mod explorer_charts;
pub mod methodology;
pub mod results;
pub mod start;
pub mod submit;
