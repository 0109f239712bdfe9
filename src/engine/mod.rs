//! The browser-free core: everything here builds and tests natively.
//!
//! # Map
//!
//! In layers, each using only those above it (`scripts/import-cycles.py`, run by the lint, checks
//! that no two files use each other). [`size`], [`rng`], [`wire`], [`quote`], [`workload`] and
//! [`kernels`] are the crate `overlap-kernels` (`src/kernels/`), re-exported here: the work that
//! is timed, which the browser build optimises for speed and the rest for size.
//!
//! - **Foundations.** [`clock`] (the [`Clock`](clock::Clock) every thread reads), [`size`],
//!   [`rng`], [`wire`] (the bytes processes exchange), [`stats`] (median, spread, Amdahl fit),
//!   [`status`] (where a lab's run stands), [`refusals`] (what a form's reader refuses),
//!   [`quote`] (the visitor's text inside a message, cut short), [`capability`] (whether this
//!   page can run threads, and why not).
//! - **Work.** [`workload`]: the [`Workload`](workload::Workload) trait (a job split into
//!   independent tasks, like the iterable handed to `Pool.map`), its
//!   [`Checksum`](workload::Checksum), and [`run_one`](workload::run_one), the one call through
//!   which every model runs a task. [`kernels`]: the ten kernels and their registry.
//! - **Running.** [`run`]: the execution models ([`Model`](run::models::Model),
//!   [`RunConfig`](run::models::RunConfig)), one run of them
//!   ([`Runtime`](run::runtime::Runtime)), the GIL, coroutines, worker processes, `map`/`imap`
//!   semantics, traces, and the one measurement driver
//!   ([`measure_with`](run::harness::measure_with)) over a
//!   [`Repeater`](run::harness::Repeater). [`io`]: the I/O lab's request models over a
//!   [`Transport`](io::Transport), and its form.
//! - **Labs.** [`rounds`] (the interleaved rounds every comparison is measured in),
//!   [`experiment`] (a sweep's plan and [`Report`](experiment::Report)),
//!   [`cpu_settings`] (the CPU form and its reader), [`lessons`] (twelve claims, each measured and
//!   concluded), [`chart`] (chart geometry), [`picture`] (the Mandelbrot image).
//! - **Formats that leave the page.** [`protocol`] (messages between the page and the engine
//!   worker), [`share`] (links, exports, and runs as trace files for Perfetto), [`history`]
//!   (what localStorage keeps), each versioned and pinned field by field; and [`watchdog`], the
//!   page's watch over a run on the engine worker (Cancel obeyed in time, silence), as a state
//!   machine on a fake clock.
//! - **Across machines.** [`classroom`]: a class's result links read into one comparison, and
//!   the link that carries its medians.
//! - **Addresses.** [`route`]: which place of the page an address shows (a lesson, a lab, the
//!   classroom view, the history), and whether embedded.
//!
//! # One kernel under one model
//!
//! The count kernel on two free threads, checked against the sequential answer as every run is:
//!
//! ```
//! use overlap::engine::clock::system_clock;
//! use overlap::engine::kernels;
//! use overlap::engine::run::models::{Model, RunConfig};
//! use overlap::engine::run::runtime::{measure, Runtime};
//!
//! let work = kernels::build("count", 10_000_000).unwrap();
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let (sequential, threads) = pool.install(|| {
//!     let mut runtime = Runtime::new(system_clock, 2);
//!     let mut run = |model, k| measure(&*work, &RunConfig::new(model, k), 3, &mut runtime);
//!     (run(Model::Sequential, 1).unwrap(), run(Model::FreeThreads, 2).unwrap())
//! });
//! assert_eq!(threads.checksum, sequential.checksum);
//! assert_eq!(threads.samples_ms().len(), 3);
//! assert_eq!(threads.median_trace().workers, 2);
//! ```

pub mod capability;
pub mod chart;
pub mod classroom;
pub mod clock;
pub mod cpu_settings;
pub mod experiment;
pub mod history;
pub mod io;
pub mod lessons;
pub mod picture;
pub mod protocol;
pub mod python;
pub mod refusals;
pub mod rounds;
pub mod route;
pub mod run;
pub mod share;
pub mod state;
pub mod stats;
pub mod status;
pub mod watchdog;

// The work that is timed, a crate of its own (see its docs), under the paths it always had.
pub use overlap_kernels as kernels;
pub use overlap_kernels::{quote, rng, size, wire, workload};

/// A rayon pool of exactly `threads`, for unit tests of the threaded models.
#[cfg(test)]
pub(crate) fn test_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}
