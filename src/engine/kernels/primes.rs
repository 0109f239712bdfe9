//! Counting primes by trial division over ranges: honest CPU work whose tasks get dearer towards
//! the top of the range, as `sum(map(is_prime, range(lo, hi)))` does.

use super::{share, TASKS};
use crate::engine::size::{Limits, SizeError};
use crate::engine::workload::Workload;

pub const LIMITS: Limits = Limits {
    min: 100,
    max: 200_000_000,
    default: 6_000_000,
};

pub fn is_prime(n: u64) -> bool {
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
        share(self.below, TASKS as u64, index as u64)
            .filter(|&n| is_prime(n))
            .count() as u64
    }
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
}
