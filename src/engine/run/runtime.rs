//! One run of every task under a model ([`Runtime::run`]): the blocking form, on the rayon pool
//! the caller is in. Also the async model's run ([`run_async`]), which the browser awaits on its
//! own event loop, and the measurement driver's [`Repeater`] for blocking runs.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::engine::clock::Clock;
use crate::engine::run::control::RunControl;
use crate::engine::run::coroutines::block_on;
use crate::engine::run::coroutines::{self, YieldNow};
use crate::engine::run::dispatch::{chunks, MapStyle};
use crate::engine::run::gil::Gil;
use crate::engine::run::harness::{measure_with, HarnessError, Measurement, Repeater, Run};
use crate::engine::run::models::{Model, Resolved, RunConfig, RunError, Spawn};
use crate::engine::run::processes::PoolRun;
#[cfg(not(target_arch = "wasm32"))]
use crate::engine::run::processes::ProcessPool;
use crate::engine::run::trace::{TaskSpan, Trace};
use crate::engine::workload::{run_one, run_one_checkpointed, Workload};

/// Where runs are made: the clock, the size of the rayon pool the caller is running in, the
/// switchboard that counts tasks and carries Cancel, and (natively) a reusable process pool.
pub struct Runtime {
    pub clock: Clock,
    /// Threads of the rayon pool runs are made in; 0 if none was started.
    pub pool_threads: usize,
    /// Shared with whoever watches the run (see [`RunControl`]).
    pub control: Arc<RunControl>,
    #[cfg(not(target_arch = "wasm32"))]
    processes: Option<ProcessPool>,
}

impl Runtime {
    pub fn new(clock: Clock, pool_threads: usize) -> Self {
        Runtime {
            clock,
            pool_threads,
            control: Arc::default(),
            #[cfg(not(target_arch = "wasm32"))]
            processes: None,
        }
    }

    /// Prepares an untimed first go: runs task 0 through the per-task function the model uses,
    /// so the browser has optimised it before timing starts (see [`run_one`]), and starts the
    /// reused process pool.
    pub fn warm_up<W: Workload + ?Sized>(
        &mut self,
        work: &W,
        config: &RunConfig,
    ) -> Result<(), RunError> {
        let resolved = config.resolve(work.task_count(), self.pool_threads)?;
        if work.task_count() == 0 {
            return Ok(());
        }
        match config.model {
            Model::Sequential | Model::FreeThreads | Model::Async => {
                run_one(work, 0);
            }
            Model::GilThreads => {
                run_one_checkpointed(work, 0, &|| {});
            }
            Model::Processes => {
                if config.spawn == Spawn::Reused {
                    self.reused_processes(resolved.workers)?;
                }
            }
        }
        Ok(())
    }

    /// Runs every task of `work` as `config` says.
    pub fn run<W: Workload + ?Sized>(
        &mut self,
        work: &W,
        config: &RunConfig,
    ) -> Result<Run, RunError> {
        let Resolved {
            workers,
            chunksize,
            switch_interval,
        } = config.resolve(work.task_count(), self.pool_threads)?;
        let clock = self.clock;
        let style = config.style;
        let origin = clock();
        let trace =
            |spans, gil, wall| Trace::new(workers, style, chunksize, wall, spans, gil, None);
        let control = Arc::clone(&self.control);
        let control = &*control;
        let (results, trace) = match config.model {
            Model::Sequential => {
                let (results, spans) = (0..work.task_count())
                    .take_while(|_| !control.is_cancelled())
                    .map(|task| {
                        let done = TaskSpan::time(task, 0, clock, origin, || run_one(work, task));
                        control.tasks_done(1);
                        done
                    })
                    .unzip();
                (results, trace(spans, None, clock() - origin))
            }
            Model::FreeThreads => {
                let (results, spans) =
                    run_threads(work, workers, chunksize, clock, origin, control, None);
                (results, trace(spans, None, clock() - origin))
            }
            // lesson: gil
            Model::GilThreads => {
                let gil = Gil::new(switch_interval, clock);
                let (results, spans) =
                    run_threads(work, workers, chunksize, clock, origin, control, Some(&gil));
                let wall = clock() - origin;
                (results, trace(spans, Some(gil.stats(origin)), wall))
            }
            // end lesson
            Model::Async => coroutines::block_on(run_async(
                work,
                workers,
                style,
                clock,
                control,
                YieldNow::default,
            )),
            Model::Processes => {
                let plan = PoolRun {
                    workers,
                    style,
                    chunksize,
                    origin_ms: origin,
                    spawn_ms: 0.0,
                };
                self.run_processes(work, config.spawn, plan)?
            }
        };
        if control.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        Ok(Run { results, trace })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn reused_processes(&mut self, workers: usize) -> Result<&ProcessPool, RunError> {
        if self
            .processes
            .as_ref()
            .is_none_or(|p| p.workers() < workers)
        {
            self.processes = None;
            let pool = ProcessPool::spawn(workers, self.clock)
                .map_err(|e| RunError::Unsupported(format!("could not start workers: {e}")))?;
            self.processes = Some(pool);
        }
        Ok(self.processes.as_ref().expect("just started"))
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn run_processes<W: Workload + ?Sized>(
        &mut self,
        work: &W,
        spawn: Spawn,
        plan: PoolRun,
    ) -> Result<(Vec<u64>, Trace), RunError> {
        let clock = self.clock;
        Ok(match spawn {
            Spawn::Reused => {
                let control = Arc::clone(&self.control);
                let pool = self.reused_processes(plan.workers)?;
                pool.run(work, plan, &control)?
            }
            Spawn::PerRun => {
                let pool = ProcessPool::spawn(plan.workers, clock)
                    .map_err(|e| RunError::Unsupported(format!("could not start workers: {e}")))?;
                let plan = PoolRun {
                    spawn_ms: clock() - plan.origin_ms,
                    ..plan
                };
                let outcome = pool.run(work, plan, &self.control)?;
                // Shutting the pool down is part of `with Pool(k)`, so part of the run.
                drop(pool);
                let (results, mut trace) = outcome;
                trace.wall_ms = clock() - plan.origin_ms;
                (results, trace)
            }
        })
    }

    #[cfg(target_arch = "wasm32")]
    fn reused_processes(&mut self, _workers: usize) -> Result<(), RunError> {
        Err(processes_elsewhere())
    }

    #[cfg(target_arch = "wasm32")]
    fn run_processes<W: Workload + ?Sized>(
        &mut self,
        _work: &W,
        _spawn: Spawn,
        _plan: PoolRun,
    ) -> Result<(Vec<u64>, Trace), RunError> {
        Err(processes_elsewhere())
    }
}

#[cfg(target_arch = "wasm32")]
fn processes_elsewhere() -> RunError {
    RunError::Unsupported(
        "processes run in Web Workers of their own, started by the page's runtime, not here".into(),
    )
}

/// The async model's run: `asyncio.gather` over `workers` coroutines, each awaiting
/// `yield_point` after every task. Natively the event loop is [`coroutines::block_on`] with
/// [`YieldNow`]; the browser awaits it on its engine worker's own event loop, with a yield point
/// that lets messages (Cancel) in.
pub async fn run_async<W, Y, F>(
    work: &W,
    workers: usize,
    style: MapStyle,
    clock: Clock,
    control: &RunControl,
    yield_point: Y,
) -> (Vec<u64>, Trace)
where
    W: Workload + ?Sized,
    Y: Fn() -> F,
    F: Future<Output = ()>,
{
    let origin = clock();
    let (results, spans) =
        coroutines::gather(work, workers, clock, origin, control, yield_point).await;
    let wall = clock() - origin;
    let trace = Trace::new(workers, style, 1, wall, spans, None, None);
    (results, trace)
}

/// k workers on the current rayon pool, each taking the next chunk from a shared queue (as pool
/// workers do) until none is left. With a GIL, a worker computes only while it holds it, and
/// hands it over at the checkpoints inside each task. Needs `workers` ≤ the pool's threads: a
/// GIL worker blocks, and blocked jobs must not wait for a thread that never frees up.
fn run_threads<W: Workload + ?Sized>(
    work: &W,
    workers: usize,
    chunksize: usize,
    clock: Clock,
    origin: f64,
    control: &RunControl,
    gil: Option<&Gil>,
) -> (Vec<u64>, Vec<TaskSpan>) {
    let chunks = chunks(work.task_count(), chunksize);
    let next_chunk = AtomicUsize::new(0);
    let done: Mutex<Vec<(u64, TaskSpan)>> = Mutex::new(Vec::with_capacity(work.task_count()));
    rayon::scope(|scope| {
        for me in 0..workers {
            let (chunks, next_chunk, done) = (&chunks, &next_chunk, &done);
            scope.spawn(move |_| {
                let mut mine = Vec::new();
                // lesson: gil
                if let Some(gil) = gil {
                    gil.acquire(me);
                }
                while let Some(chunk) = chunks.get(next_chunk.fetch_add(1, Ordering::Relaxed)) {
                    for task in chunk.clone() {
                        if control.is_cancelled() {
                            break;
                        }
                        mine.push(TaskSpan::time(task, me, clock, origin, || match gil {
                            Some(gil) => run_one_checkpointed(work, task, &|| gil.checkpoint(me)),
                            None => run_one(work, task),
                        }));
                        control.tasks_done(1);
                    }
                }
                if let Some(gil) = gil {
                    gil.release();
                }
                // end lesson
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(_, span)| span.task);
    done.into_iter().unzip()
}

/// [`measure_with`] on the blocking [`Runtime`]: its pool, its control, its clock.
pub fn measure(
    work: &dyn Workload,
    config: &RunConfig,
    repeats: u32,
    runtime: &mut Runtime,
) -> Result<Measurement, HarnessError> {
    let (pool_threads, control) = (
        runtime.pool_threads,
        std::sync::Arc::clone(&runtime.control),
    );
    block_on(measure_with(
        work,
        config,
        repeats,
        pool_threads,
        &control,
        runtime,
    ))
}

impl Repeater for Runtime {
    async fn warm_up(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        _: &Resolved,
    ) -> Result<(), RunError> {
        Runtime::warm_up(self, work, config)
    }

    async fn repeat(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        _: &Resolved,
    ) -> Result<Run, RunError> {
        self.run(work, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::run::processes::IN_FLIGHT_PER_WORKER;
    use crate::engine::test_pool as pool;
    use crate::engine::workload::Checksum;
    use std::time::Duration;

    const IN_FLIGHT: usize = 2 * IN_FLIGHT_PER_WORKER;

    /// Runs `config` in a rayon pool of exactly `threads`.
    fn run_in_pool<W: Workload + ?Sized>(work: &W, config: &RunConfig, threads: usize) -> Run {
        pool(threads).install(|| {
            let mut runtime = Runtime::new(system_clock, threads);
            runtime.warm_up(work, config).unwrap();
            runtime.run(work, config).unwrap()
        })
    }

    #[test]
    fn every_model_and_worker_count_gives_the_sequential_checksum() {
        for total in [1_000, 64_001, 5_000_000] {
            let work = CountLoop::new(total).unwrap();
            let sequential = run_in_pool(&work, &RunConfig::default(), 1).results;
            assert_eq!(sequential.iter().sum::<u64>(), total);
            for workers in 1..=4 {
                for model in Model::ALL {
                    let got = run_in_pool(&work, &RunConfig::new(model, workers), workers);
                    assert_eq!(
                        Checksum::of(&got.results),
                        Checksum::of(&sequential),
                        "total {total}, {model} with {workers} workers"
                    );
                }
            }
        }
    }

    #[test]
    fn free_threads_really_use_the_pool() {
        // Each task sleeps briefly; with 4 workers more than one must have taken part, and the
        // trace must say which ran what.
        struct Sleepy;
        impl Workload for Sleepy {
            fn task_count(&self) -> usize {
                64
            }
            fn run_task(&self, _: usize) -> u64 {
                std::thread::sleep(Duration::from_millis(1));
                rayon::current_thread_index().unwrap_or(usize::MAX) as u64
            }
        }
        let config = RunConfig::new(Model::FreeThreads, 4).with_style(MapStyle::Imap, None);
        let run = run_in_pool(&Sleepy, &config, 4);
        let mut workers: Vec<usize> = run.trace.tasks.iter().map(|s| s.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        assert!(workers.len() > 1, "all tasks ran on {workers:?}");
        assert!(run.results.iter().all(|&t| t < 4));
        assert_eq!(run.trace.busy_ms.len(), 4);
        assert!(run.trace.utilisation() > 0.3, "{}", run.trace.utilisation());
    }

    #[test]
    fn gil_threads_take_turns_when_the_run_outlasts_the_interval() {
        // Tens of milliseconds of counting against a 1 ms interval: the second thread must ask
        // for the GIL and get it, many times, and the holds never overlap.
        let work = CountLoop::new(30_000_000).unwrap();
        let config = RunConfig {
            switch_interval_ms: 1.0,
            ..RunConfig::new(Model::GilThreads, 2)
        };
        let run = run_in_pool(&work, &config, 2);
        assert_eq!(run.results.iter().sum::<u64>(), 30_000_000);
        let gil = run.trace.gil.as_ref().unwrap();
        assert!(gil.drop_requests > 0, "{gil:?}");
        assert!(gil.handoffs >= 2, "{gil:?}");
        assert!(gil.wait_ms > 0.0, "{gil:?}");
        assert!(gil.holds.iter().any(|h| h.worker == 1) && gil.holds.iter().any(|h| h.worker == 0));
        for pair in gil.holds.windows(2) {
            assert!(pair[1].start_ms >= pair[0].end_ms - 1e-9, "{pair:?}");
        }
        // Busy time is time holding the GIL: together never more than the wall time.
        let busy: f64 = run.trace.busy_ms.iter().sum();
        assert!(
            busy <= run.trace.wall_ms + 1e-6,
            "{busy} > {}",
            run.trace.wall_ms
        );
    }

    #[test]
    fn one_gil_thread_never_hands_off() {
        let work = CountLoop::new(20_000_000).unwrap();
        let run = run_in_pool(&work, &RunConfig::new(Model::GilThreads, 1), 1);
        let gil = run.trace.gil.unwrap();
        assert_eq!(gil.handoffs, 0);
        assert_eq!(gil.drop_requests, 0);
    }

    #[test]
    fn async_coroutines_interleave_on_one_thread() {
        let work = CountLoop::new(6_400_000).unwrap();
        let run = run_in_pool(&work, &RunConfig::new(Model::Async, 3), 1);
        let workers: Vec<usize> = run.trace.tasks.iter().take(6).map(|s| s.worker).collect();
        assert_eq!(workers, [0, 1, 2, 0, 1, 2]);
        let busy: f64 = run.trace.busy_ms.iter().sum();
        assert!(
            busy <= run.trace.wall_ms + 1e-6,
            "one thread: {busy} > {}",
            run.trace.wall_ms
        );
    }

    #[test]
    fn processes_report_copies_and_spawning_per_run_costs_a_start() {
        let work = CountLoop::new(640_000).unwrap();
        for spawn in [Spawn::Reused, Spawn::PerRun] {
            let config = RunConfig {
                spawn,
                ..RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, Some(4))
            };
            let run = run_in_pool(&work, &config, 1);
            assert_eq!(run.results.iter().sum::<u64>(), 640_000);
            let copy = run.trace.copy.unwrap();
            assert_eq!(copy.messages, 16);
            assert!(
                copy.bytes_sent >= 64 * 8 && copy.bytes_received >= 64 * 8,
                "{copy:?}"
            );
            assert_eq!(
                spawn == Spawn::PerRun,
                copy.spawn_ms > 0.0,
                "{spawn:?}: {copy:?}"
            );
            assert!(run.trace.first_result_ms <= run.trace.wall_ms);
        }
    }

    #[test]
    fn imap_streams_and_map_returns_all_at_once() {
        let work = CountLoop::new(64_000).unwrap();
        // imap streams its first result long before map's single list arrives.
        let streaming = run_in_pool(
            &work,
            &RunConfig::new(Model::FreeThreads, 2).with_style(MapStyle::Imap, None),
            2,
        );
        assert!(streaming.trace.first_result_ms < streaming.trace.wall_ms);
        let whole = run_in_pool(
            &work,
            &RunConfig::new(Model::FreeThreads, 2).with_style(MapStyle::Map, Some(8)),
            2,
        );
        assert_eq!(
            whole.trace.first_result_ms,
            whole
                .trace
                .tasks
                .iter()
                .map(|s| s.end_ms)
                .fold(0.0, f64::max)
        );
    }

    /// Tasks that ask their own run to stop when task `at` starts, counting how many ran.
    struct CancelsAt {
        control: Arc<RunControl>,
        at: usize,
        ran: AtomicUsize,
    }

    impl Workload for CancelsAt {
        fn task_count(&self) -> usize {
            64
        }
        fn run_task(&self, index: usize) -> u64 {
            self.ran.fetch_add(1, Ordering::Relaxed);
            if index == self.at {
                self.control.cancel();
            }
            index as u64
        }
    }

    #[test]
    fn a_cancel_stops_every_model_before_its_next_task() {
        for model in [
            Model::Sequential,
            Model::FreeThreads,
            Model::GilThreads,
            Model::Async,
        ] {
            pool(2).install(|| {
                let mut runtime = Runtime::new(system_clock, 2);
                let work = CancelsAt {
                    control: Arc::clone(&runtime.control),
                    at: 10,
                    ran: AtomicUsize::new(0),
                };
                let got = runtime.run(&work, &RunConfig::new(model, 2));
                assert_eq!(got, Err(RunError::Cancelled), "{model}");
                // Task 10 and at most one task already under way on the other worker.
                let ran = work.ran.load(Ordering::Relaxed);
                assert!((11..=12).contains(&ran), "{model} ran {ran} tasks");
                assert_eq!(runtime.control.progress().done, ran, "{model}");
            });
        }
    }

    #[test]
    fn a_cancelled_process_pool_is_left_ready_for_the_next_run() {
        let work = CountLoop::new(20_000_000_000).unwrap();
        let config = RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, Some(1));
        let mut runtime = Runtime::new(system_clock, 0);
        runtime.warm_up(&work, &config).unwrap();
        let control = Arc::clone(&runtime.control);
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            control.cancel();
        });
        let started = system_clock();
        assert_eq!(runtime.run(&work, &config), Err(RunError::Cancelled));
        // Only the chunks already in flight finish: 2 per worker, not all 64.
        assert!(
            runtime.control.progress().done <= IN_FLIGHT,
            "{:?}",
            runtime.control.progress()
        );
        assert!(system_clock() - started < 30_000.0);
        canceller.join().unwrap();

        runtime.control = Arc::default();
        let small = CountLoop::new(640_000).unwrap();
        let run = runtime.run(&small, &config).unwrap();
        assert_eq!(run.results.iter().sum::<u64>(), 640_000);
    }
}
