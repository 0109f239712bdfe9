//! Naive recursive Fibonacci over a list of mixed n: the `pool.map(fib, numbers)` example.
//! Task costs are uneven (fib(n) costs about 1.6 times fib(n - 1)), which is what makes chunk
//! sizes and `imap_unordered` interesting.

use std::hint::black_box;
use std::ops::Range;

use super::{decode_numbers, encode_numbers, TaskList};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{Checked, Interrupted, Workload};

pub const LIMITS: Limits = Limits {
    min: 10,
    max: 40,
    default: 34,
};

/// The classic exponential recursion, kept recursive on purpose. Callers hide `n` from the
/// optimizer with one `black_box` at the top; one per call would put every argument through
/// memory, which in wasm means the shadow stack in linear memory and made the browser 3× slower
/// than native on this kernel alone.
///
/// Why wasm times this below native (the bench's ratio ran 0.66–0.96): Chromium's V8 inlines
/// wasm calls, this recursive one included, so it makes fewer calls than native does; LLVM never
/// inlines a function into itself. Measured in Chromium 156 on this machine, fib at the bench
/// size, 4 interleaved launches each: 397–573 ms as shipped, 733–851 ms with
/// `--js-flags=--no-wasm-inlining`, and native 745–795 ms in the same minutes. Without the
/// inlining the two compile to the same loop (one call per turn, `fib(n - 2)` becoming the next
/// turn), differing only in how a call is made: native (`objdump -d`) pushes three callee-saved
/// registers and calls indirectly through the GOT (position-independent code), V8's TurboFan
/// (`node --print-wasm-code`, V8 11, which did not inline here) spills `n` and the sum to its
/// frame and checks the stack limit each turn; Node ran that loop at native's speed (731–758 ms
/// against 695–807). A native build calling directly (`-Z plt=yes`) was not faster (1.11× the
/// indirect one's time, 0.83–1.38 over 9 interleaved pairs). The kernel stays as it is: the
/// exponential recursion is what it teaches, and both columns time that same work.
pub fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

/// Below this n a call runs to the end without checking in with the GIL: fib(20) is some 20 000
/// calls, tens of microseconds, as fine as CPython's eval breaker next to a 5 ms switch interval.
const CHECK_IN_AT: u64 = 20;

/// [`fib`] checking in after every subtree of `n <= CHECK_IN_AT`.
pub fn fib_checking_in<C: Fn() -> Checked + ?Sized>(
    n: u64,
    checkpoint: &C,
) -> Result<u64, Interrupted> {
    if n <= CHECK_IN_AT {
        let value = fib(n);
        checkpoint()?;
        Ok(value)
    } else {
        Ok(fib_checking_in(n - 1, checkpoint)? + fib_checking_in(n - 2, checkpoint)?)
    }
}

/// fib over `largest - (i % 6)` for i in 0..60: ten rounds of six different sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fib {
    largest: u64,
}

const TASKS: usize = 60;

impl Fib {
    pub fn new(largest: u64) -> Result<Self, SizeError> {
        Ok(Fib {
            largest: LIMITS.check(largest)?,
        })
    }

    pub fn n(&self, index: usize) -> u64 {
        self.largest - (index % 6) as u64
    }
}

impl Workload for Fib {
    fn task_count(&self) -> usize {
        TASKS
    }

    fn run_task(&self, index: usize) -> u64 {
        fib(black_box(self.n(index)))
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        fib_checking_in(black_box(self.n(index)), checkpoint)
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("fib")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_numbers(tasks.map(|i| self.n(i)))
    }
}

/// The process side: one n per task, refused above the limit (fib is exponential in n).
pub fn decode(bytes: &[u8]) -> Result<TaskList<u64>, DecodeError> {
    let list = decode_numbers(bytes, |&n| fib(black_box(n)))?;
    match list.args.iter().find(|&&n| n > LIMITS.max) {
        Some(n) => Err(DecodeError(format!(
            "fib({n}) is past the limit of {}",
            LIMITS.max
        ))),
        None => Ok(list),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_mixed_tasks() {
        assert_eq!(
            (0..10).map(fib).collect::<Vec<_>>(),
            [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
        );
        assert_eq!(fib(30), 832_040);
        let work = Fib::new(20).unwrap();
        assert_eq!(work.run_task(0), fib(20));
        assert_eq!(work.run_task(5), fib(15));
        assert_eq!(work.run_task(6), fib(20));
    }
}
