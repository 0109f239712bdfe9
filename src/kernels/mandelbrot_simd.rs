//! The Mandelbrot set again, two pixels at a time: the same picture, rows and escape counts as
//! [`crate::mandelbrot`], computed on 128-bit vectors of two `f64` (wasm's SIMD128 `f64x2`). It is
//! what a Python user gets by reaching for NumPy: the same arithmetic on whole arrays at once,
//! faster on one core before any pool is involved, and it composes with the pools as before.
//!
//! Both lanes iterate together until both have escaped; a lane that escaped stops counting (a
//! mask), so each lane's count is exactly the scalar kernel's `escape_time`. The arithmetic is
//! the scalar kernel's, operation for operation (wasm never fuses a multiply and an add, and
//! neither does rustc natively unless asked), so the counts and the checksum are identical, which
//! the tests and the bench check. Natively (the bench's reference and the tests) the two lanes
//! are SSE2, which every x86-64 has; elsewhere they are two scalar loops.

use std::ops::Range;

use super::{encode_pairs, TaskList};
use crate::mandelbrot::{
    decode_rows, escape_time, Mandelbrot, LIMITS as SCALAR_LIMITS, PIXELS_PER_CHECK_IN,
};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{digest_u64s, Checked, Interrupted, Workload};

pub const LIMITS: Limits = SCALAR_LIMITS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MandelbrotSimd {
    image: Mandelbrot,
}

impl MandelbrotSimd {
    pub fn new(width: u64) -> Result<Self, SizeError> {
        Ok(MandelbrotSimd {
            image: Mandelbrot::new(width)?,
        })
    }

    /// Escape times of row `y`, left to right, two pixels per step; an odd last pixel is scalar.
    pub fn escape_row_checking_in<C: Fn() -> Checked + ?Sized>(
        &self,
        y: usize,
        checkpoint: &C,
    ) -> Result<Vec<u32>, Interrupted> {
        let image = &self.image;
        let ci = image.ci(y);
        let width = image.width();
        let mut row = Vec::with_capacity(width);
        let mut x = 0;
        while x + 1 < width {
            row.extend(lanes::escape_pair([image.cr(x), image.cr(x + 1)], ci));
            x += 2;
            if x % PIXELS_PER_CHECK_IN == 0 {
                checkpoint()?;
            }
        }
        if x < width {
            row.push(escape_time(image.cr(x), ci));
        }
        Ok(row)
    }
}

impl Workload for MandelbrotSimd {
    fn task_count(&self) -> usize {
        self.image.height()
    }

    fn run_task(&self, index: usize) -> u64 {
        self.run_task_with_checkpoints(index, &|| Ok(()))
            .unwrap_or_default()
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let row = self.escape_row_checking_in(index, checkpoint)?;
        Ok(digest_u64s(row.into_iter().map(u64::from)))
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("mandelbrot-simd")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|row| [self.image.width() as u64, row as u64]))
    }
}

/// The process side, as the scalar kernel's: (image width, row) per task, checked.
pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_rows(bytes, |&[width, row]| {
        let image = MandelbrotSimd::new(width).expect("checked when decoded");
        image.run_task(row as usize)
    })
}

/// Two escape times at once: `escape_time(cr[0], ci)` and `escape_time(cr[1], ci)`.
#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::*;

    use crate::mandelbrot::MAX_ITER;

    pub fn escape_pair(cr: [f64; 2], ci: f64) -> [u32; 2] {
        let (cr, ci) = (f64x2(cr[0], cr[1]), f64x2_splat(ci));
        // The bound goes through black_box once, before the loop, so the loop compares against a
        // local rather than a `v128.const` operand (the only change to the loop's wasm). In
        // Chromium 156, ./scripts/bench.sh read the kernel at 1.11x native (middle half
        // 1.10-1.12) before and 1.08x (1.08-1.10) after, 7 rounds each. V8 11.3 in Node keeps the
        // constant in a register either way (--print-wasm-code), so the cost is in newer V8's
        // code, which this machine's Chromium does not print.
        let (two, four) = (f64x2_splat(2.0), std::hint::black_box(f64x2_splat(4.0)));
        let (mut zr, mut zi) = (f64x2_splat(0.0), f64x2_splat(0.0));
        // All ones in a lane still iterating; its count goes up by one per step it iterates.
        let mut iterating = i64x2_splat(-1);
        let mut count = i64x2_splat(0);
        for _ in 0..MAX_ITER {
            let (zr2, zi2) = (f64x2_mul(zr, zr), f64x2_mul(zi, zi));
            iterating = v128_andnot(iterating, f64x2_gt(f64x2_add(zr2, zi2), four));
            if !v128_any_true(iterating) {
                break;
            }
            count = i64x2_sub(count, iterating);
            zi = f64x2_add(f64x2_mul(f64x2_mul(two, zr), zi), ci);
            zr = f64x2_add(f64x2_sub(zr2, zi2), cr);
        }
        [
            i64x2_extract_lane::<0>(count) as u32,
            i64x2_extract_lane::<1>(count) as u32,
        ]
    }
}

#[cfg(target_arch = "x86_64")]
mod lanes {
    use core::arch::x86_64::*;

    use crate::mandelbrot::MAX_ITER;

    pub fn escape_pair(cr: [f64; 2], ci: f64) -> [u32; 2] {
        // SAFETY: SSE2 is part of every x86-64 (the target's baseline), so these instructions
        // always exist; Rust still asks for `unsafe` around intrinsics called outside a
        // `#[target_feature(enable = "sse2")]` function.
        unsafe { sse2_pair(cr, ci) }
    }

    #[target_feature(enable = "sse2")]
    fn sse2_pair(cr: [f64; 2], ci: f64) -> [u32; 2] {
        let (cr, ci) = (_mm_set_pd(cr[1], cr[0]), _mm_set1_pd(ci));
        let (two, four) = (_mm_set1_pd(2.0), _mm_set1_pd(4.0));
        let (mut zr, mut zi) = (_mm_setzero_pd(), _mm_setzero_pd());
        let mut iterating = _mm_castsi128_pd(_mm_set1_epi64x(-1));
        let mut count = _mm_setzero_si128();
        for _ in 0..MAX_ITER {
            let (zr2, zi2) = (_mm_mul_pd(zr, zr), _mm_mul_pd(zi, zi));
            iterating = _mm_andnot_pd(_mm_cmpgt_pd(_mm_add_pd(zr2, zi2), four), iterating);
            if _mm_movemask_pd(iterating) == 0 {
                break;
            }
            count = _mm_sub_epi64(count, _mm_castpd_si128(iterating));
            zi = _mm_add_pd(_mm_mul_pd(_mm_mul_pd(two, zr), zi), ci);
            zr = _mm_add_pd(_mm_sub_pd(zr2, zi2), cr);
        }
        let high = _mm_unpackhi_epi64(count, count);
        [
            _mm_cvtsi128_si64(count) as u32,
            _mm_cvtsi128_si64(high) as u32,
        ]
    }
}

#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
mod lanes {
    use crate::mandelbrot::escape_time;

    pub fn escape_pair(cr: [f64; 2], ci: f64) -> [u32; 2] {
        [escape_time(cr[0], ci), escape_time(cr[1], ci)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::no_checkpoint;
    use proptest::prelude::*;

    #[test]
    fn every_row_matches_the_scalar_kernel_odd_widths_too() {
        for width in [8, 9, 31, 96, 301] {
            let scalar = Mandelbrot::new(width).unwrap();
            let simd = MandelbrotSimd::new(width).unwrap();
            assert_eq!(simd.task_count(), scalar.task_count());
            for y in 0..scalar.height() {
                let row = simd.escape_row_checking_in(y, &no_checkpoint).unwrap();
                assert_eq!(row, scalar.escape_row(y), "width {width}, row {y}");
                assert_eq!(simd.run_task(y), scalar.run_task(y));
            }
        }
    }

    #[test]
    fn it_checks_in_every_64_pixels_and_stops_when_told() {
        let simd = MandelbrotSimd::new(300).unwrap();
        let calls = std::cell::Cell::new(0);
        simd.escape_row_checking_in(100, &|| {
            calls.set(calls.get() + 1);
            Ok(())
        })
        .unwrap();
        assert_eq!(calls.get(), 300 / 64);
        let stopped = simd.escape_row_checking_in(100, &|| Err(Interrupted));
        assert_eq!(stopped, Err(Interrupted));
    }

    #[test]
    fn processes_decode_what_the_parent_encoded() {
        let simd = MandelbrotSimd::new(90).unwrap();
        let list = decode(&simd.encode_tasks(3..7)).unwrap();
        let results: Vec<u64> = (0..list.task_count()).map(|i| list.run_task(i)).collect();
        let expected: Vec<u64> = (3..7).map(|row| simd.run_task(row)).collect();
        assert_eq!(results, expected);
        let below = MandelbrotSimd::new(90).unwrap().encode_tasks(60..61);
        assert!(decode(&below).is_err(), "row 60 of a 90 × 60 image");
        assert!(decode(&[255; 9]).is_err());
    }

    proptest! {
        // Points anywhere, the set's edge included, where one lane escapes long before the other.
        #[test]
        fn a_pair_counts_what_two_scalar_runs_count(
            a in -2.5f64..1.0, b in -2.5f64..1.0, ci in -1.5f64..1.5
        ) {
            prop_assert_eq!(lanes::escape_pair([a, b], ci), [escape_time(a, ci), escape_time(b, ci)]);
        }
    }
}
