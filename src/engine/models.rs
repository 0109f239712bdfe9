//! Execution models: the same tasks, run the way a Python construct would run them.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::gil::{Gil, GilStats, DEFAULT_SWITCH_INTERVAL};
use super::harness::Clock;
use super::workload::Workload;

/// How the tasks of a workload are executed. The serde names are the `data-model` attribute
/// values the results table carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One thread, one task after another: the baseline every speedup is measured against.
    Sequential,
    /// Shared-memory threads with no global lock (rayon): what Python 3.13's free-threaded build,
    /// or any GIL-free language, gets. Uses the rayon pool it is called in.
    FreeThreads,
    /// One thread per pool thread, all contending for one global lock with CPython's 5 ms switch
    /// interval: `threading` on a standard CPython. See [`run_gil_threads`].
    GilThreads,
}

impl Model {
    /// The value of the results table's `data-model` attribute.
    pub fn slug(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::FreeThreads => "free-threads",
            Model::GilThreads => "gil-threads",
        }
    }

    /// Whether this model runs on the threads of a rayon pool (which must be started first).
    pub fn uses_pool(self) -> bool {
        match self {
            Model::Sequential => false,
            Model::FreeThreads | Model::GilThreads => true,
        }
    }

    /// Runs every task of `work` and returns the results in task order. `clock` is for models
    /// that keep time themselves (the GIL's switch interval).
    pub fn run<W: Workload + ?Sized>(self, work: &W, clock: Clock) -> Vec<u64> {
        match self {
            Model::Sequential => (0..work.task_count()).map(|i| run_one(work, i)).collect(),
            // with_max_len(1): every task is its own stealable job, so an idle thread can always
            // take the next one (the pool.map picture, with chunksize 1).
            Model::FreeThreads => (0..work.task_count())
                .into_par_iter()
                .with_max_len(1)
                .map(|i| run_one(work, i))
                .collect(),
            Model::GilThreads => run_gil_threads(work, DEFAULT_SWITCH_INTERVAL, clock).0,
        }
    }

    /// Runs task 0 once, untimed, through the same per-task function [`Model::run`] uses, so
    /// that function is optimised before timing starts (see [`run_one`]).
    pub fn warm_up<W: Workload + ?Sized>(self, work: &W) {
        if work.task_count() == 0 {
            return;
        }
        match self {
            Model::Sequential | Model::FreeThreads => {
                run_one(work, 0);
            }
            Model::GilThreads => {
                run_one_checkpointed(work, 0, &|| {});
            }
        }
    }
}

/// Runs one task behind a call that is never inlined, for every model alike.
///
/// Browsers compile wasm in tiers and never swap the code of a call already running: V8 starts
/// with baseline (Liftoff) code and optimises a function only once it is called again
/// (<https://v8.dev/blog/wasm-dynamic-tiering>). Had the task loop been inlined into one long call,
/// it would run baseline code to the end, about 5x slower, and the sequential baseline would look
/// slow next to rayon's per-task calls. One call per task puts every model on optimised code after
/// the first few tasks, and [`Model::warm_up`] makes an untimed call before timing starts.
#[inline(never)]
pub fn run_one<W: Workload + ?Sized>(work: &W, index: usize) -> u64 {
    work.run_task(index)
}

/// [`run_one`] with GIL checkpoints, likewise never inlined.
#[inline(never)]
fn run_one_checkpointed<W: Workload + ?Sized>(
    work: &W,
    index: usize,
    checkpoint: &dyn Fn(),
) -> u64 {
    work.run_task_with_checkpoints(index, checkpoint)
}

/// Threads under a GIL: one worker per thread of the current rayon pool, each taking the next
/// task from a shared queue (as `ThreadPoolExecutor` threads do) but computing only while it holds
/// the GIL. Returns the results in task order and what the GIL saw.
pub fn run_gil_threads<W: Workload + ?Sized>(
    work: &W,
    switch_interval: Duration,
    clock: Clock,
) -> (Vec<u64>, GilStats) {
    let threads = rayon::current_num_threads();
    let gil = Gil::new(switch_interval, clock);
    let next_task = AtomicUsize::new(0);
    let results: Vec<AtomicU64> = (0..work.task_count()).map(|_| AtomicU64::new(0)).collect();
    rayon::scope(|scope| {
        for me in 0..threads {
            let (gil, next_task, results) = (&gil, &next_task, &results);
            scope.spawn(move |_| {
                gil.acquire(me);
                loop {
                    let index = next_task.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = results.get(index) else {
                        break;
                    };
                    let result = run_one_checkpointed(work, index, &|| gil.checkpoint(me));
                    slot.store(result, Ordering::Relaxed);
                }
                gil.release();
            });
        }
    });
    let results = results.into_iter().map(AtomicU64::into_inner).collect();
    (results, gil.stats())
}

impl Model {
    /// The same experiment in Python, for the reader who knows Python's concurrency.
    pub fn python_analogue(self) -> &'static str {
        match self {
            Model::Sequential => "[f(t) for t in tasks]",
            Model::FreeThreads => "ThreadPoolExecutor(k).map(f, tasks) on free-threaded 3.13t",
            Model::GilThreads => "ThreadPoolExecutor(k).map(f, tasks) on standard CPython",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Sequential => "Sequential",
            Model::FreeThreads => "Free threads (rayon)",
            Model::GilThreads => "GIL threads",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::harness::system_clock;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::test_pool as pool;
    use crate::engine::workload::Checksum;

    #[test]
    fn every_thread_count_gives_the_sequential_checksum() {
        for total in [1_000, 64_001, 5_000_000] {
            let work = CountLoop::new(total).unwrap();
            let sequential = Model::Sequential.run(&work, system_clock);
            assert_eq!(sequential.iter().sum::<u64>(), total);
            for threads in 1..=4 {
                for model in [Model::FreeThreads, Model::GilThreads] {
                    let got = pool(threads).install(|| model.run(&work, system_clock));
                    assert_eq!(
                        Checksum::of(&got),
                        Checksum::of(&sequential),
                        "total {total}, {model} with {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn free_threads_really_use_the_pool() {
        // Each task records the rayon thread it ran on; with 4 threads and 64 tasks that each
        // sleep briefly, more than one thread must have taken part.
        struct WhoRan;
        impl Workload for WhoRan {
            fn task_count(&self) -> usize {
                64
            }
            fn run_task(&self, _: usize) -> u64 {
                std::thread::sleep(std::time::Duration::from_millis(1));
                rayon::current_thread_index().unwrap_or(usize::MAX) as u64
            }
        }
        let ran_on = pool(4).install(|| Model::FreeThreads.run(&WhoRan, system_clock));
        let mut distinct = ran_on.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() > 1, "all tasks ran on {distinct:?}");
        assert!(distinct.iter().all(|&t| t < 4));
    }

    #[test]
    fn slugs_match_the_serde_names() {
        for model in [Model::Sequential, Model::FreeThreads, Model::GilThreads] {
            let json = serde_json::to_string(&model).unwrap();
            assert_eq!(json, format!("\"{}\"", model.slug()));
        }
    }

    #[test]
    fn gil_threads_take_turns_when_the_run_outlasts_the_interval() {
        // Tens of milliseconds of counting against a 1 ms interval: the second thread must ask
        // for the GIL and get it, many times.
        let work = CountLoop::new(30_000_000).unwrap();
        let (results, stats) =
            pool(2).install(|| run_gil_threads(&work, Duration::from_millis(1), system_clock));
        let sequential = Model::Sequential.run(&work, system_clock);
        assert_eq!(Checksum::of(&results), Checksum::of(&sequential));
        assert!(stats.drop_requests > 0, "{stats:?}");
        assert!(stats.handoffs >= 2, "{stats:?}");
        assert!(stats.wait_ms > 0.0, "{stats:?}");
    }

    #[test]
    fn one_gil_thread_never_hands_off() {
        let work = CountLoop::new(20_000_000).unwrap();
        let (_, stats) =
            pool(1).install(|| run_gil_threads(&work, DEFAULT_SWITCH_INTERVAL, system_clock));
        assert_eq!(stats.handoffs, 0);
        assert_eq!(stats.drop_requests, 0);
    }
}
