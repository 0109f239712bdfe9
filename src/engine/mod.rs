//! The browser-free core: everything here builds and tests natively.

pub mod capability;
pub mod experiment;
pub mod gil;
pub mod harness;
pub mod kernels;
pub mod models;
pub mod protocol;
pub mod rng;
pub mod shared_state;
pub mod size;
pub mod stats;
pub mod workload;
