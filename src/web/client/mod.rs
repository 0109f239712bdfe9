//! The page's client of the engine: everything the UI needs to get a run done on the engine
//! worker, and nothing it draws.
//!
//! - [`engine_worker`]: starts the engine worker, sends it typed [`crate::engine::protocol`]
//!   messages and watches it (Cancel acknowledged, silence, deadline).
//! - [`shared_engine`]: the one engine the page's labs share, lent to one run at a time as a
//!   [`Lease`](shared_engine::Lease), and replaced when it breaks.
//! - [`engine_targets`]: the built-in I/O targets under the engine's own name.
//! - [`rounds`]: the rounds protocol driven over the engine, for the lessons and the CPU lab.
//! - `bench`: the hooks `scripts/bench.sh` drives (feature `bench` only).

#[cfg(feature = "bench")]
pub mod bench;
mod engine_targets;
pub mod engine_worker;
pub mod python;
pub mod python_run;
pub mod rounds;
pub mod shared_engine;
