//! Stage 1, what is measured: test lists (Citizen Lab CSV, ajar's JSON, OONI Run v2
//! descriptors), their category and country codes, campaigns that share a list, and the
//! index of the lists bundled with ajar.

pub mod bundled;
pub mod campaign;
pub mod category;
pub mod country;
pub mod csv;
pub mod list;
pub mod oonirun;
