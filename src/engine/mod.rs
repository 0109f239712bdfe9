//! The browser-free core: everything here builds and tests natively.

pub mod capability;
pub mod count;
pub mod experiment;
pub mod gil;
pub mod harness;
pub mod models;
pub mod protocol;
pub mod size;
pub mod stats;
pub mod workload;
