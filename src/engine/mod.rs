//! The browser-free core: everything here builds and tests natively.

pub mod capability;
pub mod chart;
pub mod control;
pub mod coroutines;
pub mod dispatch;
pub mod experiment;
pub mod gil;
pub mod harness;
pub mod history;
pub mod io;
pub mod io_settings;
pub mod kernels;
pub mod lessons;
pub mod models;
pub mod picture;
pub mod processes;
pub mod protocol;
pub mod rng;
pub mod share;
pub mod shared_state;
pub mod size;
pub mod stats;
pub mod trace;
pub mod wire;
pub mod workload;

/// A rayon pool of exactly `threads`, for unit tests of the threaded models.
#[cfg(test)]
pub(crate) fn test_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}
