//! The classic CPU-bound loop: count to N.
//!
//! In Python it is `while n > 0: n -= 1`, the textbook example where two threads under the GIL are
//! no faster than one while two processes are twice as fast. Here the count is split into
//! [`TASKS`] equal tasks so the models have something to share out.

use std::hint::black_box;
use std::ops::Range;

use super::{decode_numbers, encode_numbers, TaskList};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{no_checkpoint, Checked, Interrupted, Workload};

/// How the count is split. Fixed (not derived from the thread count) so every model runs the same
/// tasks; 64 is enough to balance up to 16+ threads without making tasks tiny.
pub const TASKS: usize = 64;

/// Increments between GIL checkpoints: about 25 µs of counting, fine-grained next to the 5 ms
/// switch interval, as CPython's check between bytecodes is.
const CHECKPOINT_EVERY: u64 = 1 << 16;

/// Accepted sizes. The upper limit keeps a sequential run under about half a minute.
pub const LIMITS: Limits = Limits {
    min: 1_000,
    max: 20_000_000_000,
    default: 2_000_000_000,
};

/// Count to `n`, one increment at a time.
///
/// Two things make this loop what the lessons need. It must not fold to `n` (the optimiser would
/// replace the loop with its result, leaving nothing to parallelise), and every model must run
/// the same instructions at the same speed per core: the sequential run on the engine's thread,
/// pool threads, and worker processes in their own instances.
///
/// `black_box(counter)` on every step once did the first and not the second. On wasm it is a
/// store of the counter to the shadow stack in linear memory and a reload, and each engine
/// compiled that pair its own way (profiled with `perf` on the live JIT code, issue 30): V8 and
/// SpiderMonkey store and reload on every step, so the loop ran at the CPU's store-to-load
/// forwarding latency (about 5 cycles a step on this Intel core, about 1 on cores that rename
/// memory, such as AMD's); JavaScriptCore's optimising tier drops the reload and its first tier
/// keeps it; and SpiderMonkey gave the engine thread's copy of the loop (inlined into the
/// checkpointed task) an extra spill that the process worker's copy (inlined into `decode`) did
/// not have. One count ran at 0.4 to 2.7 ns a step by engine, tier and thread, and k processes
/// could beat the engine thread's sequential run by more than k.
///
/// Here the counter stays in a register. Each step also folds the counter into `trail` (rotate,
/// then xor), a chain LLVM can neither sum in closed form nor vectorise, so the loop stays one
/// step at a time; only the final trail leaves, through one `black_box`. Never inlined, so every
/// caller, in every model, runs this one function.
#[inline(never)]
pub fn count_to(n: u64) -> u64 {
    let mut counter = 0u64;
    let mut trail = 0u64;
    while counter < n {
        counter += 1;
        trail = trail.rotate_left(1) ^ counter;
    }
    black_box(trail);
    counter
}

/// Count to `n` in steps of [`CHECKPOINT_EVERY`] through [`count_to`], calling `checkpoint` after
/// each: the one way every model counts a task (processes pass a checkpoint that never stops).
fn count_checking_in(n: u64, checkpoint: &dyn Fn() -> Checked) -> Result<u64, Interrupted> {
    let mut left = n;
    let mut counted = 0;
    while left > 0 {
        let step = left.min(CHECKPOINT_EVERY);
        counted += count_to(step);
        left -= step;
        checkpoint()?;
    }
    Ok(counted)
}

/// Count to `total`, split into [`TASKS`] (or fewer, for tiny totals) near-equal tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountLoop {
    total: u64,
}

impl CountLoop {
    /// A count of `total`, rejected with the limit it breaks if out of [`LIMITS`].
    pub fn new(total: u64) -> Result<Self, SizeError> {
        LIMITS.check(total)?;
        Ok(CountLoop { total })
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The share of the count that task `index` does: the remainder goes to the first tasks.
    pub fn task_len(&self, index: usize) -> u64 {
        let tasks = self.task_count() as u64;
        let base = self.total / tasks;
        let extra = u64::from((index as u64) < self.total % tasks);
        base + extra
    }
}

impl Workload for CountLoop {
    fn task_count(&self) -> usize {
        TASKS.min(self.total as usize)
    }

    fn run_task(&self, index: usize) -> u64 {
        count_checking_in(self.task_len(index), &no_checkpoint).unwrap_or_default()
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        count_checking_in(self.task_len(index), checkpoint)
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("count")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_numbers(tasks.map(|i| self.task_len(i)))
    }
}

/// The process side: one count per task, counted as every other model counts it.
pub fn decode(bytes: &[u8]) -> Result<TaskList<u64>, DecodeError> {
    decode_numbers(bytes, |&n| {
        count_checking_in(n, &no_checkpoint).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_exactly() {
        assert_eq!(count_to(0), 0);
        assert_eq!(count_to(12_345), 12_345);
    }

    #[test]
    fn tasks_cover_the_whole_count() {
        for total in [LIMITS.min, 1_001, 64_000, 99_999, 1_000_003] {
            let work = CountLoop::new(total).unwrap();
            let sum: u64 = (0..work.task_count()).map(|i| work.task_len(i)).sum();
            assert_eq!(sum, total, "total {total}");
            let lens: Vec<u64> = (0..work.task_count()).map(|i| work.task_len(i)).collect();
            let spread = lens.iter().max().unwrap() - lens.iter().min().unwrap();
            assert!(spread <= 1, "tasks of {total} are uneven: {lens:?}");
        }
    }

    #[test]
    fn checkpointed_tasks_count_the_same_and_check_in_often() {
        use std::cell::Cell;
        let work = CountLoop::new(1_000_000).unwrap();
        let calls = Cell::new(0u32);
        for index in [0, work.task_count() - 1] {
            let before = calls.get();
            let got = work.run_task_with_checkpoints(index, &|| {
                calls.set(calls.get() + 1);
                Ok(())
            });
            assert_eq!(got, Ok(work.run_task(index)));
            assert!(calls.get() - before >= 1);
        }
        let big = CountLoop::new(64 * 1_000_000).unwrap();
        calls.set(0);
        let _ = big.run_task_with_checkpoints(0, &|| {
            calls.set(calls.get() + 1);
            Ok(())
        });
        assert_eq!(calls.get() as u64, 1_000_000u64.div_ceil(CHECKPOINT_EVERY));
    }

    #[test]
    fn sizes_outside_the_limits_are_refused_with_the_limit() {
        let err = CountLoop::new(999).unwrap_err();
        assert_eq!(err, SizeError::TooSmall { min: LIMITS.min });
        let err = CountLoop::new(LIMITS.max + 1).unwrap_err();
        assert_eq!(err, SizeError::TooLarge { max: LIMITS.max });
        assert!(CountLoop::new(LIMITS.default).is_ok());
    }
}
