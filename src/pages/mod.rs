pub mod canaries;
pub mod explorer;
pub mod methodology;
pub mod results;
pub mod start;
pub mod submit;
