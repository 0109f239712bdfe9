//! The timing harness: the one measurement driver ([`measure_with`]). It checks the request,
//! plans the progress count, warms up, then repeats a run, timing each repeat with an injected
//! clock and checking that every repeat computed the same answer (a wrong fast answer is worse
//! than a slow right one). How a repeat runs is the [`Repeater`]'s business: blocking on the
//! rayon pool ([`Runtime`](super::runtime::Runtime)), or, in the browser, as coroutines on the engine worker's event loop
//! or on worker processes fed by `postMessage`.

use std::fmt;

use crate::engine::run::control::RunControl;
use crate::engine::run::models::{Resolved, RunConfig, RunError};
use crate::engine::run::trace::Trace;
use crate::engine::workload::{Checksum, Workload};

/// Most repeats one request may ask for.
pub const MAX_REPEATS: u32 = 50;

/// The checksum every repeat agreed on and each repeat's trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub checksum: Checksum,
    pub traces: Vec<Trace>,
}

impl Measurement {
    /// The wall time of each repeat, in order.
    pub fn samples_ms(&self) -> Vec<f64> {
        self.traces.iter().map(|trace| trace.wall_ms).collect()
    }

    /// The trace of the repeat whose time was the median (the lower middle for an even count).
    pub fn median_trace(&self) -> &Trace {
        let mut by_time: Vec<&Trace> = self.traces.iter().collect();
        by_time.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
        by_time[(by_time.len() - 1) / 2]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum HarnessError {
    BadRepeats(u32),
    Run(RunError),
    /// Two repeats of the same run disagreed: the model is broken, whatever the timing says.
    Inconsistent {
        first: Checksum,
        repeat: usize,
        got: Checksum,
    },
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::BadRepeats(n) => {
                write!(f, "repeats must be between 1 and {MAX_REPEATS}, not {n}")
            }
            HarnessError::Run(err) => err.fmt(f),
            HarnessError::Inconsistent { first, repeat, got } => write!(
                f,
                "repeat {repeat} computed checksum {got}, but the first computed {first}"
            ),
        }
    }
}

impl std::error::Error for HarnessError {}

impl From<RunError> for HarnessError {
    fn from(err: RunError) -> Self {
        HarnessError::Run(err)
    }
}

/// Refuses a repeat count outside `1..=MAX_REPEATS`.
fn check_repeats(repeats: u32) -> Result<(), HarnessError> {
    if repeats == 0 || repeats > MAX_REPEATS {
        return Err(HarnessError::BadRepeats(repeats));
    }
    Ok(())
}

/// Gathers the repeats of one measurement, checking that each computed what the first did.
#[derive(Debug, Default)]
struct Repeats {
    agreed: Option<Checksum>,
    traces: Vec<Trace>,
}

impl Repeats {
    pub fn add(&mut self, run: Run) -> Result<(), HarnessError> {
        let checksum = Checksum::of(&run.results);
        match self.agreed {
            None => self.agreed = Some(checksum),
            Some(first) if first != checksum => {
                return Err(HarnessError::Inconsistent {
                    first,
                    repeat: self.traces.len(),
                    got: checksum,
                })
            }
            Some(_) => {}
        }
        self.traces.push(run.trace);
        Ok(())
    }

    /// The measurement, or `None` if no repeat was added.
    pub fn finish(self) -> Option<Measurement> {
        Some(Measurement {
            checksum: self.agreed?,
            traces: self.traces,
        })
    }
}

/// One run: the results in task order and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub results: Vec<u64>,
    pub trace: Trace,
}

/// How each repeat of a measurement is made. The driver calls [`Repeater::warm_up`] once, untimed,
/// then [`Repeater::repeat`] once per repeat; both get the settings already resolved against the
/// workload and the pool.
// The futures are never sent between threads (the browser's repeaters hold JS values), so the
// `Send` bound this lint asks about is not wanted.
#[allow(async_fn_in_trait)]
pub trait Repeater {
    /// Untimed preparation: optimise the task function (see [`crate::engine::workload::run_one`]),
    /// start a reused pool.
    async fn warm_up(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        resolved: &Resolved,
    ) -> Result<(), RunError>;

    /// One timed run of every task; `Err(RunError::Cancelled)` once Cancel is seen.
    async fn repeat(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        resolved: &Resolved,
    ) -> Result<Run, RunError>;
}

/// The measurement driver: runs `work` as `config` says, `repeats` times after an untimed
/// warm-up, on `repeater`, counting the planned tasks on `control` and stopping between repeats
/// once it is cancelled. `pool_threads` is the rayon pool the thread models may use.
pub async fn measure_with<R: Repeater + ?Sized>(
    work: &dyn Workload,
    config: &RunConfig,
    repeats: u32,
    pool_threads: usize,
    control: &RunControl,
    repeater: &mut R,
) -> Result<Measurement, HarnessError> {
    check_repeats(repeats)?;
    let resolved = config
        .resolve(work.task_count(), pool_threads)
        .map_err(RunError::from)?;
    control.plan(repeats as usize * work.task_count());
    repeater.warm_up(work, config, &resolved).await?;
    let mut gathered = Repeats::default();
    for _ in 0..repeats {
        if control.is_cancelled() {
            return Err(RunError::Cancelled.into());
        }
        gathered.add(repeater.repeat(work, config, &resolved).await?)?;
    }
    Ok(gathered.finish().expect("repeats >= 1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::run::models::Model;
    use crate::engine::run::runtime::{measure, Runtime};
    use std::sync::atomic::{AtomicU64, Ordering};

    fn sequential() -> RunConfig {
        RunConfig::new(Model::Sequential, 1)
    }

    /// A clock that advances 1 ms every time it is read (only this test reads it).
    fn ticking() -> f64 {
        static NOW: AtomicU64 = AtomicU64::new(0);
        NOW.fetch_add(1, Ordering::SeqCst) as f64
    }

    #[test]
    fn times_every_repeat_with_the_injected_clock() {
        // A sequential run reads the clock at its start, around each task and at its end.
        let work = CountLoop::new(1_000).unwrap();
        let ticks = (2 * work.task_count() + 1) as f64;
        let mut runtime = Runtime::new(ticking, 0);
        let m = measure(&work, &sequential(), 3, &mut runtime).unwrap();
        assert_eq!(m.samples_ms(), vec![ticks; 3]);
        assert_eq!(m.traces.len(), 3);
        assert_eq!(m.traces[0].tasks[1].start_ms, 3.0);
        assert_eq!(m.median_trace().wall_ms, ticks);
    }

    #[test]
    fn refuses_silly_repeat_counts() {
        let work = CountLoop::new(10_000).unwrap();
        let mut runtime = Runtime::new(system_clock, 0);
        assert_eq!(
            measure(&work, &sequential(), 0, &mut runtime),
            Err(HarnessError::BadRepeats(0))
        );
        assert_eq!(
            measure(&work, &sequential(), MAX_REPEATS + 1, &mut runtime),
            Err(HarnessError::BadRepeats(MAX_REPEATS + 1))
        );
        let too_many = RunConfig::new(Model::FreeThreads, 2);
        assert!(matches!(
            measure(&work, &too_many, 1, &mut runtime),
            Err(HarnessError::Run(RunError::Config(_)))
        ));
    }

    #[test]
    fn a_run_that_changes_its_answer_is_caught() {
        // A workload whose results drift between runs, as a racy model's would.
        struct Drifting(AtomicU64);
        impl Workload for Drifting {
            fn task_count(&self) -> usize {
                4
            }
            fn run_task(&self, _: usize) -> u64 {
                self.0.fetch_add(1, Ordering::Relaxed)
            }
        }
        let mut runtime = Runtime::new(system_clock, 0);
        let err =
            measure(&Drifting(AtomicU64::new(0)), &sequential(), 2, &mut runtime).unwrap_err();
        assert!(matches!(err, HarnessError::Inconsistent { repeat: 1, .. }));
    }
}
