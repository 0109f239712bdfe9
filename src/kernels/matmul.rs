//! Dense f64 matrix multiply C = A·B, one task per row of C. Every row is computed by the same
//! sequence of operations on any thread, so results are bit-identical across models.

use std::ops::Range;

use crate::cache_line::LineAligned;
use crate::rng::SplitMix64;
use crate::size::{Limits, SizeError};
use crate::wire::{DecodeError, Reader, Writer};
use crate::workload::{digest_u64s, no_checkpoint, Checked, Interrupted, Workload};

use super::SEED;

pub const LIMITS: Limits = Limits {
    min: 2,
    max: 2_048,
    default: 1_024,
};

/// Rows of B between GIL checkpoints: 64 × n multiply-adds, tens of microseconds at n = 2 048.
const ROWS_OF_B_PER_CHECK_IN: usize = 64;

/// Rows of A times all of B. Built whole, `a` has all n rows; decoded in a process, only the rows
/// of the tasks it was sent. Each starts on a cache line, as does each row of C: in wasm a `Vec`
/// may start mid-line, and the row's 16-byte loads then straddle lines (see [`LineAligned`]).
pub struct MatMul {
    n: usize,
    a: LineAligned,
    b: LineAligned,
}

impl MatMul {
    pub fn new(n: u64) -> Result<Self, SizeError> {
        let n = LIMITS.check(n)? as usize;
        let mut rng = SplitMix64::new(SEED);
        let mut matrix = || LineAligned::collect((0..n * n).map(|_| rng.next_f64() * 2.0 - 1.0));
        let a = matrix();
        let b = matrix();
        Ok(MatMul { n, a, b })
    }

    /// Row `i` of A·B. i-k-j order walks B row by row, which caches well.
    pub fn row(&self, i: usize) -> LineAligned {
        self.row_checking_in(i, &no_checkpoint).unwrap_or_default()
    }

    /// [`MatMul::row`], checking in with the GIL every `ROWS_OF_B_PER_CHECK_IN` rows of B.
    ///
    /// Four rows of B go through each pass over the row of C, so each element of C is loaded
    /// and stored once per four multiply-adds instead of once per one. Each element still gets
    /// its additions one at a time in the order of k, so the results are bit for bit those of
    /// the one-row loop (`row_one_by_one`, which the tests compare against).
    pub fn row_checking_in<C: Fn() -> Checked + ?Sized>(
        &self,
        i: usize,
        checkpoint: &C,
    ) -> Result<LineAligned, Interrupted> {
        let n = self.n;
        let a = &self.a[i * n..(i + 1) * n];
        let b = |k: usize| &self.b[k * n..(k + 1) * n];
        let mut c = LineAligned::zeros(n);
        let blocked = n - n % 4;
        for k in (0..blocked).step_by(4) {
            let (a0, a1, a2, a3) = (a[k], a[k + 1], a[k + 2], a[k + 3]);
            let rows = b(k).iter().zip(b(k + 1)).zip(b(k + 2)).zip(b(k + 3));
            for (c, (((&b0, &b1), &b2), &b3)) in c.iter_mut().zip(rows) {
                *c = *c + a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
            }
            // Every 64 rows, as 64 is a multiple of 4.
            if (k + 4) % ROWS_OF_B_PER_CHECK_IN == 0 {
                checkpoint()?;
            }
        }
        for (k, &a) in a.iter().enumerate().skip(blocked) {
            for (c, &b) in c.iter_mut().zip(b(k)) {
                *c += a * b;
            }
        }
        Ok(c)
    }

    /// The row one row of B at a time: the reference [`MatMul::row_checking_in`] must equal.
    #[cfg(test)]
    fn row_one_by_one(&self, i: usize) -> Vec<f64> {
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
        self.a.len() / self.n
    }

    fn run_task(&self, index: usize) -> u64 {
        digest_u64s(self.row(index).iter().map(|x| x.to_bits()))
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let row = self.row_checking_in(index, checkpoint)?;
        Ok(digest_u64s(row.iter().map(|x| x.to_bits())))
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("matmul")
    }

    /// The chunk's rows of A and all of B, once per chunk, as pickle sends an object that one
    /// message refers to many times. With chunksize 1 every task pays for a copy of B: the classic
    /// reason to raise the chunksize, or to share the matrix instead of sending it.
    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        let n = self.n;
        Writer::new()
            .u64(n as u64)
            .f64s(&self.a[tasks.start * n..tasks.end * n])
            .f64s(&self.b)
            .finish()
    }
}

/// The process side: n, the chunk's rows of A, then B.
pub fn decode(bytes: &[u8]) -> Result<MatMul, DecodeError> {
    let mut reader = Reader::new(bytes);
    let n = reader.u64()?;
    LIMITS.check(n).map_err(|e| DecodeError(e.to_string()))?;
    let n = n as usize;
    let (a, b) = (reader.f64s_line_aligned()?, reader.f64s_line_aligned()?);
    reader.end()?;
    if a.len() % n != 0 || b.len() != n * n {
        return Err(DecodeError(format!(
            "{} and {} numbers are not rows of A and all of B for n = {n}",
            a.len(),
            b.len()
        )));
    }
    Ok(MatMul { n, a, b })
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

    #[test]
    fn four_rows_at_a_time_give_the_same_bits_as_one() {
        for n in [2, 3, 4, 5, 7, 64, 67, 130] {
            let m = MatMul::new(n).unwrap();
            for i in 0..n as usize {
                let (got, want) = (m.row(i), m.row_one_by_one(i));
                let bits = |row: &[f64]| row.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n = {n}, row {i}");
            }
        }
    }
}
