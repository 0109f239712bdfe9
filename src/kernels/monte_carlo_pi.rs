//! Monte Carlo π: throw random points at the unit square and count those inside the quarter
//! circle. Each task has its own seeded generator, so the answer never depends on which thread
//! ran which task.

use std::ops::Range;

use super::{decode_pairs, encode_pairs, share, TaskList, SEED, TASKS};
use crate::rng::SplitMix64;
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{no_checkpoint, Checked, Interrupted, Workload};

pub const LIMITS: Limits = Limits {
    min: 1_000,
    max: 10_000_000_000,
    default: 150_000_000,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonteCarloPi {
    points: u64,
}

impl MonteCarloPi {
    pub fn new(points: u64) -> Result<Self, SizeError> {
        Ok(MonteCarloPi {
            points: LIMITS.check(points)?,
        })
    }

    /// π estimated from the per-task hit counts.
    pub fn estimate(&self, hits: &[u64]) -> f64 {
        4.0 * hits.iter().sum::<u64>() as f64 / self.points as f64
    }
}

impl Workload for MonteCarloPi {
    fn task_count(&self) -> usize {
        TASKS
    }

    fn run_task(&self, index: usize) -> u64 {
        let points = share(self.points, TASKS as u64, index as u64);
        hits(index as u64, points.end - points.start)
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let points = share(self.points, TASKS as u64, index as u64);
        hits_checking_in(index as u64, points.end - points.start, checkpoint)
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("monte-carlo-pi")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|i| {
            let points = share(self.points, TASKS as u64, i as u64);
            [i as u64, points.end - points.start]
        }))
    }
}

/// Points inside the quarter circle among `points` drawn from task `task`'s own stream.
pub fn hits(task: u64, points: u64) -> u64 {
    hits_checking_in(task, points, &no_checkpoint).unwrap_or_default()
}

/// Points drawn between GIL checkpoints: tens of microseconds.
const POINTS_PER_CHECK_IN: u64 = 16_384;

/// [`hits`], checking in with the GIL every `POINTS_PER_CHECK_IN` points.
pub fn hits_checking_in<C: Fn() -> Checked + ?Sized>(
    task: u64,
    points: u64,
    checkpoint: &C,
) -> Result<u64, Interrupted> {
    let mut rng = SplitMix64::stream(SEED, task);
    let mut hits = 0;
    let mut left = points;
    while left > 0 {
        let batch = left.min(POINTS_PER_CHECK_IN);
        for _ in 0..batch {
            let (x, y) = (rng.next_f64(), rng.next_f64());
            hits += u64::from(x * x + y * y < 1.0);
            // Keeps this loop scalar; it compiles to nothing. With simd128, LLVM vectorises it two
            // points at a time, judging `i64x2.mul` cheap, but x64 has no 64-bit lane multiply and
            // V8 emulates each with about ten instructions
            // (https://github.com/Lokathor/wide/issues/102). Measured in V8 for 30M points: 145 ms
            // vectorised, 111 ms scalar; in the bench, 1.35x native became 1.02-1.18x. Natively,
            // x86-64 vectorised it too (SSE2 pmuludq), and scalar runs it as fast: 150M points in
            // 630 ms against 624 ms, medians of six. Rust has no per-loop switch for the
            // vectoriser, and building the module without simd128 cost matmul 1.65x.
            std::hint::black_box(());
            // What V8 still does here that native does not: a test and a taken branch after each
            // of the two integer-to-float conversions (wasm's is unsigned, and LLVM turns a signed
            // one of `>> 11` back into it), and a stack check every two points. Two ways round
            // the branches, measured against this loop in Chromium (A/B, interleaved, 9 and 11
            // rounds): a signed conversion of the arithmetic shift plus a masked 1.0 for the top
            // bit (bit for bit the same) ran 1.09x (1.07-1.10) as long; 52-bit floats made from
            // bits (1.0's exponent, less 1.0) ran 1.06x (1.02-1.12) as long, and slower natively
            // too. The branches are predicted; on this machine they are not what costs.
            // Also measured, and not kept: two points a turn by hand in SIMD128 (four of the
            // generator's outputs per turn, the 64-bit multiplies as `i64x2.mul` or as 32-bit
            // `extmul` and `i32x4.mul`, floats made by the 2^52 and 2^84 exponent trick; the same
            // hits, bit for bit) ran 1.12x and 1.50x as long as this loop in Node 20's V8 (7
            // rounds). Four points a turn of the loop, and a signed conversion kept signed by
            // an opaque zero, ran 0.93x and 0.96x as long there, but 1.02x (0.92-1.05) and 1.04x
            // (0.96-1.05) in Chromium 156 (9 rounds A/B against native).
        }
        left -= batch;
        checkpoint()?;
    }
    Ok(hits)
}

/// The process side: (task number, points) per task; the number picks the random stream.
pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_pairs(bytes, |&[task, points]| hits(task, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_pi() {
        let work = MonteCarloPi::new(2_000_000).unwrap();
        let hits: Vec<u64> = (0..TASKS).map(|i| work.run_task(i)).collect();
        let pi = work.estimate(&hits);
        assert!((pi - std::f64::consts::PI).abs() < 0.01, "{pi}");
    }
}
