pub mod results;
pub mod start;
pub mod submit;
