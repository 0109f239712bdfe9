//! Counting primes by trial division over ranges: honest CPU work whose tasks get dearer towards
//! the top of the range, as `sum(map(is_prime, range(lo, hi)))` does.

use std::ops::Range;

use super::{decode_ranges, encode_pairs, share, TaskList, TASKS};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{no_checkpoint, Checked, Interrupted, Workload};

pub const LIMITS: Limits = Limits {
    min: 100,
    max: 200_000_000,
    default: 6_000_000,
};

pub fn is_prime(n: u64) -> bool {
    match u32::try_from(n) {
        Ok(small) => is_prime_u32(small),
        Err(_) => is_prime_u64(n),
    }
}

/// The same trial division in 32-bit arithmetic, for every n the kernel's sizes reach (below
/// 200 000 000). Why it matters: natively, LLVM already divides 64-bit numbers that fit in 32
/// bits with the 32-bit instruction (x86's `div r32`, checked per division), but wasm's
/// `i64.rem_u` became a full 64-bit divide in V8, several times slower: this kernel ran 1.59× its
/// native time in Chromium (bench, one round). Asked for 32 bits, both targets divide alike.
fn is_prime_u32(n: u32) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n % 2 == 0 || n % 3 == 0 {
        return false;
    }
    let mut d: u32 = 5;
    // The square in 64 bits: near 2^32, the d just past the root squares beyond u32.
    while u64::from(d) * u64::from(d) <= u64::from(n) {
        if n % d == 0 || n % (d + 2) == 0 {
            return false;
        }
        d += 6;
    }
    true
}

fn is_prime_u64(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n % 2 == 0 || n % 3 == 0 {
        return false;
    }
    let mut d = 5;
    while d * d <= n {
        if n % d == 0 || n % (d + 2) == 0 {
            return false;
        }
        d += 6;
    }
    true
}

/// Primes below `below`, counted in [`TASKS`] equal ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Primes {
    below: u64,
}

impl Primes {
    pub fn new(below: u64) -> Result<Self, SizeError> {
        Ok(Primes {
            below: LIMITS.check(below)?,
        })
    }
}

impl Workload for Primes {
    fn task_count(&self) -> usize {
        TASKS
    }

    fn run_task(&self, index: usize) -> u64 {
        count_primes(share(self.below, TASKS as u64, index as u64))
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        count_primes_checking_in(share(self.below, TASKS as u64, index as u64), checkpoint)
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("primes")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|i| {
            let range = share(self.below, TASKS as u64, i as u64);
            [range.start, range.end]
        }))
    }
}

/// Primes in `range`.
pub fn count_primes(range: Range<u64>) -> u64 {
    count_primes_checking_in(range, &no_checkpoint).unwrap_or_default()
}

/// Numbers tested between GIL checkpoints: tens of microseconds.
const NUMBERS_PER_CHECK_IN: u64 = 512;

/// [`count_primes`], checking in with the GIL every `NUMBERS_PER_CHECK_IN` numbers.
pub fn count_primes_checking_in<C: Fn() -> Checked + ?Sized>(
    range: Range<u64>,
    checkpoint: &C,
) -> Result<u64, Interrupted> {
    let mut primes = 0;
    for n in range {
        primes += u64::from(is_prime(n));
        if n % NUMBERS_PER_CHECK_IN == NUMBERS_PER_CHECK_IN - 1 {
            checkpoint()?;
        }
    }
    Ok(primes)
}

/// The process side: one range per task.
pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_ranges(bytes, |&[start, end]| count_primes(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_known_prime_totals() {
        for (below, count) in [(100, 25), (1_000, 168), (100_000, 9_592)] {
            let work = Primes::new(below).unwrap();
            let total: u64 = (0..TASKS).map(|i| work.run_task(i)).sum();
            assert_eq!(total, count, "primes below {below}");
        }
    }

    #[test]
    fn the_32_bit_path_agrees_with_the_64_bit_one_up_to_its_edge() {
        let edge = u64::from(u32::MAX);
        // 4 294 967 291 is the largest prime below 2^32, and 65 521² the largest square of one.
        for n in (0..2_000)
            .chain(edge - 2_000..=edge + 100)
            .chain([65_521 * 65_521])
        {
            assert_eq!(is_prime(n), is_prime_u64(n), "n = {n}");
        }
        assert!(is_prime(4_294_967_291));
        assert!(!is_prime(65_521 * 65_521));
    }

    proptest::proptest! {
        #[test]
        fn any_32_bit_number_is_judged_as_the_64_bit_path_judges_it(n in 0u64..=u64::from(u32::MAX)) {
            proptest::prop_assert_eq!(is_prime(n), is_prime_u64(n));
        }
    }
}
