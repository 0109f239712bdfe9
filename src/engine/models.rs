//! Execution models: the same tasks, run the way a Python construct would run them.

use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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
}

impl Model {
    /// The value of the results table's `data-model` attribute.
    pub fn slug(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::FreeThreads => "free-threads",
        }
    }

    /// Runs every task of `work` and returns the results in task order.
    pub fn run<W: Workload>(self, work: &W) -> Vec<u64> {
        match self {
            Model::Sequential => (0..work.task_count()).map(|i| run_one(work, i)).collect(),
            // with_max_len(1): every task is its own stealable job, so an idle thread can always
            // take the next one (the pool.map picture, with chunksize 1).
            Model::FreeThreads => (0..work.task_count())
                .into_par_iter()
                .with_max_len(1)
                .map(|i| run_one(work, i))
                .collect(),
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
/// the first few tasks, and [`crate::engine::harness::measure`] makes an untimed warm-up call.
#[inline(never)]
pub fn run_one<W: Workload>(work: &W, index: usize) -> u64 {
    work.run_task(index)
}

impl Model {
    /// The same experiment in Python, for the reader who knows Python's concurrency.
    pub fn python_analogue(self) -> &'static str {
        match self {
            Model::Sequential => "[f(t) for t in tasks]",
            Model::FreeThreads => "ThreadPoolExecutor(k).map(f, tasks) on free-threaded 3.13t",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Sequential => "Sequential",
            Model::FreeThreads => "Free threads (rayon)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::count::CountLoop;
    use crate::engine::workload::Checksum;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn every_thread_count_gives_the_sequential_checksum() {
        for total in [1_000, 64_001, 5_000_000] {
            let work = CountLoop::new(total).unwrap();
            let sequential = Model::Sequential.run(&work);
            assert_eq!(sequential.iter().sum::<u64>(), total);
            for threads in 1..=4 {
                let parallel = pool(threads).install(|| Model::FreeThreads.run(&work));
                assert_eq!(
                    Checksum::of(&parallel),
                    Checksum::of(&sequential),
                    "total {total}, {threads} threads"
                );
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
        let ran_on = pool(4).install(|| Model::FreeThreads.run(&WhoRan));
        let mut distinct = ran_on.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() > 1, "all tasks ran on {distinct:?}");
        assert!(distinct.iter().all(|&t| t < 4));
    }

    #[test]
    fn slugs_match_the_serde_names() {
        for model in [Model::Sequential, Model::FreeThreads] {
            let json = serde_json::to_string(&model).unwrap();
            assert_eq!(json, format!("\"{}\"", model.slug()));
        }
    }
}
