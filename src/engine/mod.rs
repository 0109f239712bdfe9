//! The browser-free core: everything here builds and tests natively.

pub mod capability;
pub mod chart;
pub mod clock;
pub mod cpu_settings;
pub mod experiment;
pub mod history;
pub mod io;
pub mod kernels;
pub mod lessons;
pub mod picture;
pub mod protocol;
pub mod rng;
pub mod run;
pub mod share;
pub mod size;
pub mod stats;
pub mod status;
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
