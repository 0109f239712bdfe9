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
use crate::engine::run::gil::{Gil, GilStats};
use crate::engine::run::harness::{measure_with, HarnessError, Measurement, Repeater, Run};
use crate::engine::run::models::{Model, Resolved, RunConfig, RunError, Spawn};
use crate::engine::run::processes::PoolRun;
#[cfg(not(target_arch = "wasm32"))]
use crate::engine::run::processes::ProcessPool;
use crate::engine::run::sequential::run_sequential;
use crate::engine::run::trace::{TaskSpan, Trace};
use crate::engine::workload::{run_one_checkpointed, Checked, Workload};

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
    /// so the browser has optimised it before timing starts (see [`run_one`](crate::engine::workload::run_one)), and starts the
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
            // Every model but processes runs its tasks through the checkpointed call: that is the
            // one to optimise.
            Model::Sequential | Model::FreeThreads | Model::GilThreads | Model::Async => {
                let control = Arc::clone(&self.control);
                if run_one_checkpointed(work, 0, &|| control.checkpoint()).is_err() {
                    return Err(RunError::Cancelled);
                }
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
                let (results, spans) =
                    run_sequential(work, clock, origin, control, self.pool_threads);
                (results, trace(spans, None, clock() - origin))
            }
            Model::FreeThreads => {
                let (results, spans) = run_threads(
                    work,
                    workers,
                    chunksize,
                    clock,
                    origin,
                    control,
                    ThreadsUnder::NoGil,
                );
                (results, trace(spans, None, clock() - origin))
            }
            // lesson: gil released
            Model::GilThreads => {
                let gil = Gil::new(switch_interval, clock);
                let under = ThreadsUnder::Gil {
                    gil: &gil,
                    released_in_tasks: config.releases_gil,
                };
                let (results, spans) =
                    run_threads(work, workers, chunksize, clock, origin, control, under);
                let wall = clock() - origin;
                let stats = GilStats {
                    released_in_tasks: config.releases_gil,
                    ..gil.stats(origin)
                };
                (results, trace(spans, Some(stats), wall))
            }
            // end lesson
            Model::Async => coroutines::block_on(run_async(
                work,
                workers,
                style,
                clock,
                control,
                YieldNow::default,
                &|| control.checkpoint(),
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
    checkpoint: &dyn Fn() -> Checked,
) -> (Vec<u64>, Trace)
where
    W: Workload + ?Sized,
    Y: Fn() -> F,
    F: Future<Output = ()>,
{
    let origin = clock();
    let (results, spans) = coroutines::gather(
        work,
        workers,
        clock,
        origin,
        control,
        yield_point,
        checkpoint,
    )
    .await;
    let wall = clock() - origin;
    let trace = Trace::new(workers, style, 1, wall, spans, None, None);
    (results, trace)
}

/// Whether [`run_threads`]'s threads compute under a GIL, and whether each task lets go of it.
#[derive(Clone, Copy)]
enum ThreadsUnder<'a> {
    NoGil,
    Gil {
        gil: &'a Gil,
        /// Each task lets go of the GIL while it computes (see [`RunConfig::releases_gil`]).
        released_in_tasks: bool,
    },
}

impl<'a> ThreadsUnder<'a> {
    fn gil(self) -> Option<&'a Gil> {
        match self {
            ThreadsUnder::NoGil => None,
            ThreadsUnder::Gil { gil, .. } => Some(gil),
        }
    }
}

/// k workers on the current rayon pool, each taking the next chunk from a shared queue (as pool
/// workers do) until none is left. With a GIL, a worker computes only while it holds it, and
/// hands it over at the checkpoints inside each task; or, where the tasks release the GIL, it
/// holds the GIL only between tasks. Needs `workers` ≤ the pool's threads: a GIL worker blocks,
/// and blocked jobs must not wait for a thread that never frees up.
fn run_threads<W: Workload + ?Sized>(
    work: &W,
    workers: usize,
    chunksize: usize,
    clock: Clock,
    origin: f64,
    control: &RunControl,
    under: ThreadsUnder<'_>,
) -> (Vec<u64>, Vec<TaskSpan>) {
    let chunks = chunks(work.task_count(), chunksize);
    let next_chunk = AtomicUsize::new(0);
    let done: Mutex<Vec<(u64, TaskSpan)>> = Mutex::new(Vec::with_capacity(work.task_count()));
    rayon::scope(|scope| {
        for me in 0..workers {
            let (chunks, next_chunk, done) = (&chunks, &next_chunk, &done);
            scope.spawn(move |_| {
                let mut mine = Vec::new();
                // lesson: gil released
                if let Some(gil) = under.gil() {
                    gil.acquire(me);
                }
                while let Some(chunk) = chunks.get(next_chunk.fetch_add(1, Ordering::Relaxed)) {
                    for task in chunk.clone() {
                        if control.is_cancelled() {
                            break;
                        }
                        let (result, span) = TaskSpan::time(task, me, clock, origin, || {
                            let free =
                                || run_one_checkpointed(work, task, &|| control.checkpoint());
                            match under {
                                ThreadsUnder::NoGil => free(),
                                // As hashlib does on a buffer over 2 KB: let go of the GIL for
                                // the work (Py_BEGIN_ALLOW_THREADS), take it back to return.
                                ThreadsUnder::Gil {
                                    gil,
                                    released_in_tasks: true,
                                } => {
                                    gil.release();
                                    let result = free();
                                    gil.acquire(me);
                                    result
                                }
                                // Pure Python: compute holding the GIL, hand it over when asked.
                                ThreadsUnder::Gil { gil, .. } => {
                                    run_one_checkpointed(work, task, &|| {
                                        control.checkpoint()?;
                                        gil.checkpoint(me);
                                        Ok(())
                                    })
                                }
                            }
                        });
                        let Ok(result) = result else { break };
                        mine.push((result, span));
                        control.tasks_done(1);
                    }
                }
                if let Some(gil) = under.gil() {
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
mod tests;
