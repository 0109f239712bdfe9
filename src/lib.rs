//! Overlap: Python's concurrency lessons, measured on the visitor's own cores.
//!
//! [`engine`] is the computation (workload kernels, execution models, timing harness, statistics)
//! and knows no browser types, so `cargo test` checks it natively. `web` is the thin browser
//! shell on top: the Yew UI, the engine worker and the rayon pool it starts.

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod web;
