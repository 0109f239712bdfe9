//! The timing harness: repeat a run, time each repeat with an injected clock, and check that every
//! repeat computed the same answer (a wrong fast answer is worse than a slow right one).

use std::fmt;

use super::models::{Run, RunConfig, RunError, Runtime};
use super::trace::Trace;
use super::workload::{Checksum, Workload};

/// A monotonic clock in milliseconds. A plain function, so every thread of a run can read it:
/// natively [`system_clock`]; in the browser each worker's own `performance.now()`
/// (`std::time::Instant` panics on wasm32-unknown-unknown).
pub type Clock = fn() -> f64;

/// Milliseconds since this process first asked, for native runs and tests.
#[cfg(not(target_arch = "wasm32"))]
pub fn system_clock() -> f64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1_000.0
}

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
pub fn check_repeats(repeats: u32) -> Result<(), HarnessError> {
    if repeats == 0 || repeats > MAX_REPEATS {
        return Err(HarnessError::BadRepeats(repeats));
    }
    Ok(())
}

/// Gathers the repeats of one measurement, checking that each computed what the first did. Used
/// by [`measure`] and by the browser's event-loop models, which cannot block in a loop.
#[derive(Debug, Default)]
pub struct Repeats {
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

/// Runs `work` as `config` says, `repeats` times after an untimed warm-up, timing each run with
/// the runtime's clock and counting its tasks on the runtime's [`super::control::RunControl`].
pub fn measure<W: Workload + ?Sized>(
    work: &W,
    config: &RunConfig,
    repeats: u32,
    runtime: &mut Runtime,
) -> Result<Measurement, HarnessError> {
    check_repeats(repeats)?;
    runtime.control.plan(repeats as usize * work.task_count());
    runtime.warm_up(work, config)?;
    let mut gathered = Repeats::default();
    for _ in 0..repeats {
        gathered.add(runtime.run(work, config)?)?;
    }
    Ok(gathered.finish().expect("repeats >= 1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::models::Model;
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

    #[test]
    fn system_clock_moves_forward() {
        let a = system_clock();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(system_clock() - a >= 4.0);
    }
}
