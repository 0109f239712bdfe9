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
/// B is kept packed four rows at a time (see `packed_index`), as BLAS packs its panels.
pub struct MatMul {
    n: usize,
    a: LineAligned,
    b: LineAligned,
}

/// A and B, row by row, from the kernel's seed: what [`MatMul::new`] builds, before packing.
#[cfg(test)]
fn generated(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64::new(SEED);
    let mut matrix = || (0..n * n).map(|_| rng.next_f64() * 2.0 - 1.0).collect();
    (matrix(), matrix())
}

/// Where B's row k, column j goes once packed for [`MatMul::row_checking_in`], which adds four
/// rows of B (k to k + 3) into a row of C at once: each group of four rows is stored column pair
/// by column pair, `b[k][j], b[k][j+1], b[k+1][j], b[k+1][j+1], …, b[k+3][j+1]`, 64 bytes, a
/// cache line (an odd n ends each group with its last column's four values); rows past the last
/// whole group follow as they are. The same n × n numbers, so the same bytes to copy to a
/// process.
///
/// Why: row by row, each pass over C loaded from four rows of B, four streams 8 KB apart at the
/// default n. Packed, it reads one stream, a cache line at a time. In Chromium, 11 rounds each
/// timing both builds and native: packed over row-by-row wasm 0.85× (0.77–0.89), wasm over
/// native 1.55× (1.33–1.81) before and 1.20× (1.03–1.40) after. Natively it ran as before (157
/// ms, medians of five, both ways). Why V8 gains and native does not is not pinned down: V8
/// still computes each of the four addresses with its own `lea`.
fn packed_index(n: usize, k: usize, j: usize) -> usize {
    let (blocked, paired) = (n - n % 4, n - n % 2);
    if k >= blocked {
        return k * n + j;
    }
    let (group, r) = (k / 4 * 4 * n, k % 4);
    if j < paired {
        group + j / 2 * 8 + r * 2 + j % 2
    } else {
        group + 4 * paired + r
    }
}

/// `rows` (B row by row) packed.
#[cfg(test)]
fn pack(n: usize, rows: &[f64]) -> Vec<f64> {
    let mut packed = vec![f64::NAN; n * n];
    for (i, &x) in rows.iter().enumerate() {
        packed[packed_index(n, i / n, i % n)] = x;
    }
    packed
}

impl MatMul {
    pub fn new(n: u64) -> Result<Self, SizeError> {
        let n = LIMITS.check(n)? as usize;
        let mut rng = SplitMix64::new(SEED);
        let mut next = || rng.next_f64() * 2.0 - 1.0;
        let a = LineAligned::collect((0..n * n).map(|_| next()));
        // Written straight to its packed place: no second copy of B, even for a moment.
        let mut b = LineAligned::zeros(n * n);
        for k in 0..n {
            for j in 0..n {
                b[packed_index(n, k, j)] = next();
            }
        }
        Ok(MatMul { n, a, b })
    }

    /// Row `i` of A·B. i-k-j order walks B in the order it is stored, which caches well.
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
        let mut c = LineAligned::zeros(n);
        let blocked = n - n % 4;
        let paired = n - n % 2;
        let (groups, tail) = self.b.split_at(blocked * n);
        for (group, k) in groups.chunks_exact(4 * n).zip((0..blocked).step_by(4)) {
            let (a0, a1, a2, a3) = (a[k], a[k + 1], a[k + 2], a[k + 3]);
            let (pairs, odd) = group.split_at(4 * paired);
            let (c_pairs, c_odd) = c.split_at_mut(paired);
            add_pairs(c_pairs, [a0, a1, a2, a3], pairs);
            for (c, b) in c_odd.iter_mut().zip(odd.chunks_exact(4)) {
                *c = *c + a0 * b[0] + a1 * b[1] + a2 * b[2] + a3 * b[3];
            }
            // Every 64 rows, as 64 is a multiple of 4.
            if (k + 4) % ROWS_OF_B_PER_CHECK_IN == 0 {
                checkpoint()?;
            }
        }
        for (&a, b) in a[blocked..].iter().zip(tail.chunks_exact(n)) {
            for (c, &b) in c.iter_mut().zip(b) {
                *c += a * b;
            }
        }
        Ok(c)
    }

    /// The row one row of B at a time, from B as generated (`rows`, unpacked): the reference
    /// [`MatMul::row_checking_in`] must equal.
    #[cfg(test)]
    fn row_one_by_one(&self, rows: &[f64], i: usize) -> Vec<f64> {
        let n = self.n;
        let mut c = vec![0.0; n];
        for (k, &a) in self.a[i * n..(i + 1) * n].iter().enumerate() {
            for (c, &b) in c.iter_mut().zip(&rows[k * n..(k + 1) * n]) {
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

/// `c += a0·b0 + a1·b1 + a2·b2 + a3·b3` for each column pair of C (two numbers) and its eight
/// numbers of a packed group of B, added in that order: the same bits on every target. Written
/// with the target's 128-bit lanes, as LLVM vectorises the packed loop only by shuffling pairs
/// apart and together again (natively it stayed scalar, and ran 209 ms against 157).
#[cfg(target_arch = "wasm32")]
fn add_pairs(c: &mut [f64], a: [f64; 4], pairs: &[f64]) {
    use core::arch::wasm32::{f64x2_add, f64x2_mul, f64x2_splat, v128, v128_load, v128_store};
    let [a0, a1, a2, a3] = a.map(|x| f64x2_splat(x));
    for (c, b) in c.chunks_exact_mut(2).zip(pairs.chunks_exact(8)) {
        // SAFETY: `c` is 2 numbers (16 bytes) and `b` 8 (64), so every load and the store is
        // in bounds; v128_load and v128_store take unaligned addresses.
        unsafe {
            let (p, q) = (b.as_ptr() as *const v128, c.as_mut_ptr() as *mut v128);
            let mut x = v128_load(q);
            x = f64x2_add(x, f64x2_mul(a0, v128_load(p)));
            x = f64x2_add(x, f64x2_mul(a1, v128_load(p.add(1))));
            x = f64x2_add(x, f64x2_mul(a2, v128_load(p.add(2))));
            x = f64x2_add(x, f64x2_mul(a3, v128_load(p.add(3))));
            v128_store(q, x);
        }
    }
}

/// [`add_pairs`] in SSE2, which every x86-64 has.
#[cfg(target_arch = "x86_64")]
fn add_pairs(c: &mut [f64], a: [f64; 4], pairs: &[f64]) {
    use core::arch::x86_64::{_mm_add_pd, _mm_loadu_pd, _mm_mul_pd, _mm_set1_pd, _mm_storeu_pd};
    // SAFETY: SSE2 is part of every x86-64; `c` is 2 numbers and `b` 8, so every unaligned load
    // and the store is in bounds.
    unsafe {
        let [a0, a1, a2, a3] = a.map(|x| _mm_set1_pd(x));
        for (c, b) in c.chunks_exact_mut(2).zip(pairs.chunks_exact(8)) {
            let (p, q) = (b.as_ptr(), c.as_mut_ptr());
            let mut x = _mm_loadu_pd(q);
            x = _mm_add_pd(x, _mm_mul_pd(a0, _mm_loadu_pd(p)));
            x = _mm_add_pd(x, _mm_mul_pd(a1, _mm_loadu_pd(p.add(2))));
            x = _mm_add_pd(x, _mm_mul_pd(a2, _mm_loadu_pd(p.add(4))));
            x = _mm_add_pd(x, _mm_mul_pd(a3, _mm_loadu_pd(p.add(6))));
            _mm_storeu_pd(q, x);
        }
    }
}

/// [`add_pairs`] one number at a time, for the targets without lanes written here.
#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
fn add_pairs(c: &mut [f64], [a0, a1, a2, a3]: [f64; 4], pairs: &[f64]) {
    for (c, b) in c.chunks_exact_mut(2).zip(pairs.chunks_exact(8)) {
        c[0] = c[0] + a0 * b[0] + a1 * b[2] + a2 * b[4] + a3 * b[6];
        c[1] = c[1] + a0 * b[1] + a1 * b[3] + a2 * b[5] + a3 * b[7];
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
        let (a, b) = generated(5);
        for i in 0..5 {
            let row = m.row(i);
            for (j, &got) in row.iter().enumerate() {
                let want: f64 = (0..5).map(|k| a[i * 5 + k] * b[k * 5 + j]).sum();
                assert!((got - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn packing_keeps_every_number_of_b_once() {
        for n in [2, 3, 5, 6, 8] {
            let (_, b) = generated(n);
            let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut packed = bits(&pack(n, &b));
            assert_eq!(bits(&MatMul::new(n as u64).unwrap().b), packed);
            let mut rows = bits(&b);
            assert_eq!(packed.len(), n * n);
            packed.sort_unstable();
            rows.sort_unstable();
            assert_eq!(packed, rows, "n = {n}");
        }
        // n = 5: rows 0 to 3 column pair by column pair, then column 4 alone, then row 4.
        let b: Vec<f64> = (0..25).map(f64::from).collect();
        let packed = pack(5, &b);
        assert_eq!(packed[..8], [0.0, 1.0, 5.0, 6.0, 10.0, 11.0, 15.0, 16.0]);
        assert_eq!(packed[16..20], [4.0, 9.0, 14.0, 19.0]);
        assert_eq!(packed[20..], [20.0, 21.0, 22.0, 23.0, 24.0]);
    }

    #[test]
    fn four_rows_at_a_time_give_the_same_bits_as_one() {
        for n in [2, 3, 4, 5, 7, 64, 67, 130] {
            let m = MatMul::new(n).unwrap();
            let (_, b) = generated(n as usize);
            for i in 0..n as usize {
                let (got, want) = (m.row(i), m.row_one_by_one(&b, i));
                let bits = |row: &[f64]| row.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n = {n}, row {i}");
            }
        }
    }
}
