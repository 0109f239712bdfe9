//! Execution models: the ways a Python construct runs the same tasks ([`Model`]), their settings
//! ([`RunConfig`]) checked against the workload and the pool ([`Resolved`]), and why a run could
//! not be made ([`RunError`]). [`super::runtime`] makes the runs.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::gil::DEFAULT_SWITCH_INTERVAL;
use crate::engine::run::processes::ProcessError;

/// How the tasks of a workload are executed. The serde names are the `data-model` attribute
/// values the results table carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One thread, one task after another: the baseline every speedup is measured against.
    Sequential,
    /// k threads contending for one global lock with CPython's switch interval: `threading` on a
    /// standard CPython. See [`crate::engine::run::gil`].
    GilThreads,
    /// k shared-memory threads with no global lock (rayon): what Python 3.13's free-threaded
    /// build, or any GIL-free language, gets.
    FreeThreads,
    /// k isolated workers that get their tasks' arguments as bytes and send results back:
    /// `multiprocessing.Pool`. See [`crate::engine::run::processes`].
    Processes,
    /// k coroutines on one thread that take turns at yield points: `asyncio.gather`. See
    /// [`crate::engine::run::coroutines`].
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
    /// GIL threads only: each task lets go of the GIL while it computes and takes it back to
    /// return, as C code does between `Py_BEGIN_ALLOW_THREADS` and `Py_END_ALLOW_THREADS`
    /// (`hashlib` on buffers over 2 KB, `zlib`, most of NumPy). Left out of links and history
    /// when false, so what they held before reads the same.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub releases_gil: bool,
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
            releases_gil: false,
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

    /// The same run with each task letting go of the GIL while it computes (see
    /// [`RunConfig::releases_gil`]).
    pub fn releasing_gil(mut self) -> Self {
        self.releases_gil = true;
        self
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn chunksize_follows_python() {
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
}
