//! Dense f64 matrix multiply C = A·B, one task per row of C. Every row is computed by the same
//! sequence of operations on any thread, so results are bit-identical across models.

use crate::engine::rng::SplitMix64;
use crate::engine::size::{Limits, SizeError};
use crate::engine::workload::{digest_u64s, Workload};

use super::SEED;

pub const LIMITS: Limits = Limits {
    min: 2,
    max: 2_048,
    default: 1_024,
};

pub struct MatMul {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl MatMul {
    pub fn new(n: u64) -> Result<Self, SizeError> {
        let n = LIMITS.check(n)? as usize;
        let mut rng = SplitMix64::new(SEED);
        let mut matrix =
            || -> Vec<f64> { (0..n * n).map(|_| rng.next_f64() * 2.0 - 1.0).collect() };
        let a = matrix();
        let b = matrix();
        Ok(MatMul { n, a, b })
    }

    /// Row `i` of A·B. i-k-j order walks B row by row, which caches well.
    pub fn row(&self, i: usize) -> Vec<f64> {
        let n = self.n;
        let mut c = vec![0.0; n];
        for (k, &a) in self.a[i * n..(i + 1) * n].iter().enumerate() {
            for (c, &b) in c.iter_mut().zip(&self.b[k * n..(k + 1) * n]) {
                *c += a * b;
            }
        }
        c
    }
}

impl Workload for MatMul {
    fn task_count(&self) -> usize {
        self.n
    }

    fn run_task(&self, index: usize) -> u64 {
        digest_u64s(self.row(index).into_iter().map(f64::to_bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_textbook_definition() {
        let m = MatMul::new(5).unwrap();
        for i in 0..5 {
            let row = m.row(i);
            for (j, &got) in row.iter().enumerate() {
                let want: f64 = (0..5).map(|k| m.a[i * 5 + k] * m.b[k * 5 + j]).sum();
                assert!((got - want).abs() < 1e-12);
            }
        }
    }
}
