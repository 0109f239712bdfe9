//! Execution models: the same tasks, run the way a Python construct would run them, each giving
//! the results in task order and a [`Trace`] of the run.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::control::RunControl;
use super::coroutines::{self, YieldNow};
use super::dispatch::{chunks, MapStyle};
use super::gil::{Gil, DEFAULT_SWITCH_INTERVAL};
use super::harness::Clock;
use super::processes::ProcessError;
use super::trace::{TaskSpan, Trace};
use super::workload::Workload;

/// How the tasks of a workload are executed. The serde names are the `data-model` attribute
/// values the results table carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One thread, one task after another: the baseline every speedup is measured against.
    Sequential,
    /// k threads contending for one global lock with CPython's switch interval: `threading` on a
    /// standard CPython. See [`super::gil`].
    GilThreads,
    /// k shared-memory threads with no global lock (rayon): what Python 3.13's free-threaded
    /// build, or any GIL-free language, gets.
    FreeThreads,
    /// k isolated workers that get their tasks' arguments as bytes and send results back:
    /// `multiprocessing.Pool`. See [`super::processes`].
    Processes,
    /// k coroutines on one thread that take turns at yield points: `asyncio.gather`. See
    /// [`super::coroutines`].
    Async,
}

impl Model {
    pub const ALL: [Model; 5] = [
        Model::Sequential,
        Model::GilThreads,
        Model::FreeThreads,
        Model::Processes,
        Model::Async,
    ];

    pub fn from_slug(slug: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.slug() == slug)
    }

    /// The value of the results table's `data-model` attribute.
    pub fn slug(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::GilThreads => "gil-threads",
            Model::FreeThreads => "free-threads",
            Model::Processes => "processes",
            Model::Async => "async",
        }
    }

    /// Whether this model runs on the threads of a rayon pool (which must be started first).
    pub fn uses_pool(self) -> bool {
        matches!(self, Model::FreeThreads | Model::GilThreads)
    }

    /// The same experiment in Python, for the reader who knows Python's concurrency.
    pub fn python_analogue(self) -> &'static str {
        match self {
            Model::Sequential => "[f(t) for t in tasks]",
            Model::GilThreads => "ThreadPoolExecutor(k).map(f, tasks) on standard CPython",
            Model::FreeThreads => {
                "ThreadPoolExecutor(k).map(f, tasks) on free-threaded CPython 3.13t"
            }
            Model::Processes => "multiprocessing.Pool(k).map(f, tasks)",
            Model::Async => "await asyncio.gather(*(worker() for _ in range(k)))",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Sequential => "Sequential",
            Model::GilThreads => "GIL threads",
            Model::FreeThreads => "Free threads (rayon)",
            Model::Processes => "Processes",
            Model::Async => "Async (one thread)",
        })
    }
}

/// Whether a processes run starts its own workers or uses a pool that is already running.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spawn {
    /// `with Pool(k) as pool:` around every run: the start-up cost is part of the run.
    PerRun,
    /// One pool made once and used for every run.
    #[default]
    Reused,
}

/// Most workers (threads, processes or coroutines) a run may ask for.
pub const MAX_WORKERS: usize = 64;

/// The GIL switch intervals accepted, in milliseconds (`sys.setswitchinterval` takes any
/// positive number; below 0.1 ms the lock does little but change hands).
pub const SWITCH_INTERVAL_MS: (f64, f64) = (0.1, 1_000.0);

/// One run's settings. Fields a model does not use are ignored by it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunConfig {
    pub model: Model,
    /// k: threads, processes or coroutines. Sequential always uses one.
    pub workers: usize,
    pub style: MapStyle,
    /// Tasks per chunk handed to a worker; `None` is Python's default for `style`.
    pub chunksize: Option<usize>,
    pub switch_interval_ms: f64,
    pub spawn: Spawn,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            model: Model::Sequential,
            workers: 1,
            style: MapStyle::Map,
            chunksize: None,
            switch_interval_ms: DEFAULT_SWITCH_INTERVAL.as_secs_f64() * 1_000.0,
            spawn: Spawn::Reused,
        }
    }
}

impl RunConfig {
    pub fn new(model: Model, workers: usize) -> Self {
        RunConfig {
            model,
            workers,
            ..RunConfig::default()
        }
    }

    pub fn with_style(mut self, style: MapStyle, chunksize: Option<usize>) -> Self {
        self.style = style;
        self.chunksize = chunksize;
        self
    }

    /// Checks the settings against the limits for `tasks` tasks and a rayon pool of
    /// `pool_threads`, and settles the worker count and chunksize.
    pub fn resolve(&self, tasks: usize, pool_threads: usize) -> Result<Resolved, ConfigError> {
        let workers = match self.model {
            Model::Sequential => 1,
            _ if self.workers == 0 => return Err(ConfigError::NoWorkers),
            _ if self.workers > MAX_WORKERS => {
                return Err(ConfigError::TooManyWorkers {
                    asked: self.workers,
                    max: MAX_WORKERS,
                })
            }
            model if model.uses_pool() && pool_threads == 0 => {
                return Err(ConfigError::NoThreadPool(model))
            }
            model if model.uses_pool() && self.workers > pool_threads => {
                return Err(ConfigError::MoreThreadsThanThePool {
                    asked: self.workers,
                    pool: pool_threads,
                })
            }
            _ => self.workers,
        };
        let (low, high) = SWITCH_INTERVAL_MS;
        let interval = self.switch_interval_ms;
        if !(low..=high).contains(&interval) {
            return Err(ConfigError::SwitchInterval(interval));
        }
        let chunksize = match self.chunksize {
            Some(0) => return Err(ConfigError::ChunksizeZero),
            // Larger than the task list is allowed, as in Python: one chunk holds everything.
            Some(asked) => asked.min(tasks.max(1)),
            // Threads take one task at a time unless told otherwise: `ThreadPoolExecutor.map`
            // submits every item as its own future, and rayon steals single tasks. Chunking
            // pays off where each hand-over is a message: between processes.
            None if self.model.uses_pool() => 1,
            None => self.style.default_chunksize(tasks, workers),
        };
        // Sequential and async take one task at a time whatever the chunksize says.
        let chunksize = match self.model {
            Model::Sequential | Model::Async => 1,
            _ => chunksize,
        };
        Ok(Resolved {
            workers,
            chunksize,
            switch_interval: Duration::from_secs_f64(interval / 1_000.0),
        })
    }
}

/// A [`RunConfig`] checked against the limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resolved {
    pub workers: usize,
    pub chunksize: usize,
    pub switch_interval: Duration,
}

/// Settings outside the limits, each saying which limit.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    NoWorkers,
    TooManyWorkers { asked: usize, max: usize },
    MoreThreadsThanThePool { asked: usize, pool: usize },
    NoThreadPool(Model),
    ChunksizeZero,
    SwitchInterval(f64),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoWorkers => write!(f, "k must be at least 1"),
            ConfigError::TooManyWorkers { asked, max } => {
                write!(f, "k must be at most {max}, not {asked}")
            }
            ConfigError::MoreThreadsThanThePool { asked, pool } => write!(
                f,
                "k = {asked} threads need a pool of at least {asked}, and this one has {pool}"
            ),
            ConfigError::NoThreadPool(model) => {
                write!(f, "{model} need a thread pool, and none was started")
            }
            ConfigError::ChunksizeZero => write!(f, "chunksize must be at least 1"),
            ConfigError::SwitchInterval(ms) => {
                let (low, high) = SWITCH_INTERVAL_MS;
                write!(
                    f,
                    "the switch interval must be between {low} and {high} ms, not {ms}"
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why a run did not happen or did not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    Config(ConfigError),
    Process(ProcessError),
    /// The model needs something this runtime does not have (processes in the browser belong to
    /// the browser runtime, which gives each its own Web Worker).
    Unsupported(String),
    /// Stopped on request before every task had run.
    Cancelled,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Config(err) => err.fmt(f),
            RunError::Process(err) => err.fmt(f),
            RunError::Unsupported(why) => f.write_str(why),
            RunError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<ConfigError> for RunError {
    fn from(err: ConfigError) -> Self {
        RunError::Config(err)
    }
}

impl From<ProcessError> for RunError {
    fn from(err: ProcessError) -> Self {
        RunError::Process(err)
    }
}

/// One run: the results in task order and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub results: Vec<u64>,
    pub trace: Trace,
}

/// Where runs are made: the clock, the size of the rayon pool the caller is running in, the
/// switchboard that counts tasks and carries Cancel, and (natively) a reusable process pool.
pub struct Runtime {
    pub clock: Clock,
    /// Threads of the rayon pool runs are made in; 0 if none was started.
    pub pool_threads: usize,
    /// Shared with whoever watches the run (see [`RunControl`]).
    pub control: Arc<RunControl>,
    #[cfg(not(target_arch = "wasm32"))]
    processes: Option<super::processes::ProcessPool>,
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
            Model::GilThreads => {
                let gil = Gil::new(switch_interval, clock);
                let (results, spans) =
                    run_threads(work, workers, chunksize, clock, origin, control, Some(&gil));
                let wall = clock() - origin;
                (results, trace(spans, Some(gil.stats(origin)), wall))
            }
            Model::Async => coroutines::block_on(run_async(
                work,
                workers,
                style,
                clock,
                control,
                YieldNow::default,
            )),
            Model::Processes => {
                self.run_processes(work, config.spawn, workers, style, chunksize, origin)?
            }
        };
        if control.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        Ok(Run { results, trace })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn reused_processes(
        &mut self,
        workers: usize,
    ) -> Result<&super::processes::ProcessPool, RunError> {
        use super::processes::ProcessPool;
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
        workers: usize,
        style: MapStyle,
        chunksize: usize,
        origin: f64,
    ) -> Result<(Vec<u64>, Trace), RunError> {
        use super::processes::ProcessPool;
        let clock = self.clock;
        Ok(match spawn {
            Spawn::Reused => {
                let control = Arc::clone(&self.control);
                let pool = self.reused_processes(workers)?;
                pool.run(work, workers, style, chunksize, origin, 0.0, &control)?
            }
            Spawn::PerRun => {
                let pool = ProcessPool::spawn(workers, clock)
                    .map_err(|e| RunError::Unsupported(format!("could not start workers: {e}")))?;
                let spawn_ms = clock() - origin;
                let outcome = pool.run(
                    work,
                    workers,
                    style,
                    chunksize,
                    origin,
                    spawn_ms,
                    &self.control,
                )?;
                // Shutting the pool down is part of `with Pool(k)`, so part of the run.
                drop(pool);
                let (results, mut trace) = outcome;
                trace.wall_ms = clock() - origin;
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
        _workers: usize,
        _style: MapStyle,
        _chunksize: usize,
        _origin: f64,
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

/// Runs one task behind a call that is never inlined, for every model alike.
///
/// Browsers compile wasm in tiers and never swap the code of a call already running: V8 starts
/// with baseline (Liftoff) code and optimises a function only once it is called again
/// (<https://v8.dev/blog/wasm-dynamic-tiering>). Had the task loop been inlined into one long call,
/// it would run baseline code to the end, about 5x slower, and the sequential baseline would look
/// slow next to rayon's per-task calls. One call per task puts every model on optimised code after
/// the first few tasks, and [`Runtime::warm_up`] makes an untimed call before timing starts.
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
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(_, span)| span.task);
    done.into_iter().unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::harness::system_clock;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::processes::IN_FLIGHT_PER_WORKER;
    use crate::engine::test_pool as pool;
    use crate::engine::workload::Checksum;

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
    fn slugs_match_the_serde_names() {
        for model in Model::ALL {
            let json = serde_json::to_string(&model).unwrap();
            assert_eq!(json, format!("\"{}\"", model.slug()));
        }
        for style in MapStyle::ALL {
            let json = serde_json::to_string(&style).unwrap();
            assert_eq!(json, format!("\"{}\"", style.slug()));
        }
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
    fn chunksize_and_style_follow_python() {
        let work = CountLoop::new(64_000).unwrap();
        let resolve = |config: RunConfig| config.resolve(64, 4).unwrap().chunksize;
        assert_eq!(resolve(RunConfig::new(Model::Processes, 2)), 8);
        assert_eq!(resolve(RunConfig::new(Model::FreeThreads, 2)), 1);
        assert_eq!(
            resolve(RunConfig::new(Model::FreeThreads, 2).with_style(MapStyle::Imap, None)),
            1
        );
        assert_eq!(
            resolve(RunConfig::new(Model::Processes, 2).with_style(MapStyle::Map, Some(5))),
            5
        );
        assert_eq!(resolve(RunConfig::new(Model::Sequential, 9)), 1);
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

    #[test]
    fn settings_outside_the_limits_are_refused_with_the_limit() {
        let check = |config: RunConfig, pool: usize| config.resolve(64, pool).unwrap_err();
        assert_eq!(
            check(RunConfig::new(Model::Processes, 0), 2),
            ConfigError::NoWorkers
        );
        assert_eq!(
            check(RunConfig::new(Model::Async, 65), 2),
            ConfigError::TooManyWorkers { asked: 65, max: 64 }
        );
        assert_eq!(
            check(RunConfig::new(Model::GilThreads, 3), 2),
            ConfigError::MoreThreadsThanThePool { asked: 3, pool: 2 }
        );
        assert_eq!(
            check(RunConfig::new(Model::FreeThreads, 1), 0),
            ConfigError::NoThreadPool(Model::FreeThreads)
        );
        let chunky = |c| RunConfig::new(Model::Processes, 2).with_style(MapStyle::Map, Some(c));
        assert_eq!(check(chunky(0), 2), ConfigError::ChunksizeZero);
        // As in Python, a chunk may be asked to hold more than there is: it holds everything.
        assert_eq!(chunky(1_000).resolve(64, 2).unwrap().chunksize, 64);
        for ms in [0.0, -1.0, f64::NAN, 1e9] {
            let config = RunConfig {
                switch_interval_ms: ms,
                ..RunConfig::new(Model::GilThreads, 1)
            };
            let err = check(config, 1);
            assert!(err.to_string().contains("between 0.1 and 1000 ms"), "{err}");
        }
        assert!(RunConfig::new(Model::Sequential, 0).resolve(64, 0).is_ok());
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
