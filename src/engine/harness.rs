//! The timing harness: repeat a run, time each repeat with an injected clock, and check that every
//! repeat computed the same answer (a wrong fast answer is worse than a slow right one).

use std::fmt;

use super::models::Model;
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

/// The wall time of each repeat and the checksum they all agreed on.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub samples_ms: Vec<f64>,
    pub checksum: Checksum,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HarnessError {
    BadRepeats(u32),
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
            HarnessError::Inconsistent { first, repeat, got } => write!(
                f,
                "repeat {repeat} computed checksum {got}, but the first computed {first}"
            ),
        }
    }
}

impl std::error::Error for HarnessError {}

/// Runs `work` under `model` `repeats` times, timing each run with `clock`.
pub fn measure<W: Workload + ?Sized>(
    work: &W,
    model: Model,
    repeats: u32,
    clock: Clock,
) -> Result<Measurement, HarnessError> {
    if repeats == 0 || repeats > MAX_REPEATS {
        return Err(HarnessError::BadRepeats(repeats));
    }
    model.warm_up(work);
    let mut samples_ms = Vec::with_capacity(repeats as usize);
    let mut agreed: Option<Checksum> = None;
    for repeat in 0..repeats as usize {
        let start = clock();
        let results = model.run(work, clock);
        let elapsed = clock() - start;
        let checksum = Checksum::of(&results);
        match agreed {
            None => agreed = Some(checksum),
            Some(first) if first != checksum => {
                return Err(HarnessError::Inconsistent {
                    first,
                    repeat,
                    got: checksum,
                })
            }
            Some(_) => {}
        }
        samples_ms.push(elapsed);
    }
    Ok(Measurement {
        samples_ms,
        checksum: agreed.expect("repeats >= 1"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kernels::count::CountLoop;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock that advances 10 ms every time it is read (only this test reads it).
    fn ticking() -> f64 {
        static NOW: AtomicU64 = AtomicU64::new(0);
        NOW.fetch_add(10, Ordering::SeqCst) as f64
    }

    #[test]
    fn times_every_repeat_with_the_injected_clock() {
        let work = CountLoop::new(10_000).unwrap();
        let m = measure(&work, Model::Sequential, 3, ticking).unwrap();
        assert_eq!(m.samples_ms, vec![10.0; 3]);
        assert_eq!(
            m.checksum,
            Checksum::of(&Model::Sequential.run(&work, system_clock))
        );
    }

    #[test]
    fn refuses_silly_repeat_counts() {
        let work = CountLoop::new(10_000).unwrap();
        let clock = system_clock;
        assert_eq!(
            measure(&work, Model::Sequential, 0, clock),
            Err(HarnessError::BadRepeats(0))
        );
        assert_eq!(
            measure(&work, Model::Sequential, MAX_REPEATS + 1, clock),
            Err(HarnessError::BadRepeats(MAX_REPEATS + 1))
        );
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
        let err = measure(
            &Drifting(AtomicU64::new(0)),
            Model::Sequential,
            2,
            system_clock,
        )
        .unwrap_err();
        assert!(matches!(err, HarnessError::Inconsistent { repeat: 1, .. }));
    }

    #[test]
    fn system_clock_moves_forward() {
        let a = system_clock();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(system_clock() - a >= 4.0);
    }
}
