//! The Mandelbrot set, one task per row: costs vary a lot between rows (rows through the set
//! iterate to the limit), and the picture shows which worker drew what.

use std::ops::Range;

use super::{decode_pairs, encode_pairs, TaskList};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{digest_u64s, no_checkpoint, Checked, Interrupted, Workload};

pub const LIMITS: Limits = Limits {
    min: 8,
    max: 4_096,
    default: 1_500,
};

/// Escape-time limit: points still bounded after this many steps count as inside.
pub const MAX_ITER: u32 = 500;

/// Pixels between GIL checkpoints: at most 64 × 500 iterations, tens of microseconds.
pub(crate) const PIXELS_PER_CHECK_IN: usize = 64;

/// The view: x in [-2.2, 0.8], y in [-1, 1], so height = width * 2 / 3.
const X0: f64 = -2.2;
const X1: f64 = 0.8;
const Y0: f64 = -1.0;
const Y1: f64 = 1.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mandelbrot {
    width: usize,
    height: usize,
}

impl Mandelbrot {
    pub fn new(width: u64) -> Result<Self, SizeError> {
        let width = LIMITS.check(width)? as usize;
        Ok(Mandelbrot {
            width,
            height: (width * 2 / 3).max(1),
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// The real part of column `x`'s point (its pixel's centre).
    pub fn cr(&self, x: usize) -> f64 {
        X0 + (X1 - X0) * (x as f64 + 0.5) / self.width as f64
    }

    /// The imaginary part of row `y`'s points.
    pub fn ci(&self, y: usize) -> f64 {
        Y0 + (Y1 - Y0) * (y as f64 + 0.5) / self.height as f64
    }

    /// Escape times of row `y`, left to right.
    pub fn escape_row(&self, y: usize) -> Vec<u32> {
        self.escape_row_checking_in(y, &no_checkpoint)
            .unwrap_or_default()
    }

    /// [`Mandelbrot::escape_row`], checking in with the GIL every `PIXELS_PER_CHECK_IN` pixels.
    pub fn escape_row_checking_in<C: Fn() -> Checked + ?Sized>(
        &self,
        y: usize,
        checkpoint: &C,
    ) -> Result<Vec<u32>, Interrupted> {
        let ci = self.ci(y);
        let mut row = Vec::with_capacity(self.width);
        for x in 0..self.width {
            row.push(escape_time(self.cr(x), ci));
            if x % PIXELS_PER_CHECK_IN == PIXELS_PER_CHECK_IN - 1 {
                checkpoint()?;
            }
        }
        Ok(row)
    }

    /// The whole picture as RGBA bytes, row by row, for display.
    pub fn rgba(&self) -> Vec<u8> {
        (0..self.height)
            .flat_map(|y| self.escape_row(y))
            .flat_map(colour)
            .collect()
    }
}

pub fn escape_time(cr: f64, ci: f64) -> u32 {
    let (mut zr, mut zi) = (0.0f64, 0.0f64);
    for i in 0..MAX_ITER {
        let (zr2, zi2) = (zr * zr, zi * zi);
        if zr2 + zi2 > 4.0 {
            return i;
        }
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
    }
    MAX_ITER
}

/// Inside is black; outside shades from deep blue to pale yellow with the escape time.
pub fn colour(iterations: u32) -> [u8; 4] {
    if iterations >= MAX_ITER {
        return [0, 0, 0, 255];
    }
    let t = (iterations as f64 / 64.0).min(1.0).sqrt();
    let mix = |a: f64, b: f64| (a + (b - a) * t) as u8;
    [mix(20.0, 250.0), mix(30.0, 235.0), mix(110.0, 150.0), 255]
}

impl Workload for Mandelbrot {
    fn task_count(&self) -> usize {
        self.height
    }

    fn run_task(&self, index: usize) -> u64 {
        digest_u64s(self.escape_row(index).into_iter().map(u64::from))
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
        Some("mandelbrot")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|row| [self.width as u64, row as u64]))
    }
}

/// The process side: (image width, row) per task.
pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_rows(bytes, |&[width, row]| {
        let image = Mandelbrot::new(width).expect("checked when decoded");
        image.run_task(row as usize)
    })
}

/// The process side of both Mandelbrot kernels: (image width, row) per task, which `run` draws.
/// Widths outside the limits and rows below the image are refused rather than drawn.
pub(crate) fn decode_rows(
    bytes: &[u8],
    run: fn(&[u64; 2]) -> u64,
) -> Result<TaskList<[u64; 2]>, DecodeError> {
    let list = decode_pairs(bytes, run)?;
    for &[width, row] in &list.args {
        let image = Mandelbrot::new(width).map_err(|e| DecodeError(e.to_string()))?;
        if row >= image.height as u64 {
            return Err(DecodeError(format!("row {row} is below the image")));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points_and_picture_size() {
        assert_eq!(escape_time(0.0, 0.0), MAX_ITER, "the origin is inside");
        assert_eq!(escape_time(-1.0, 0.0), MAX_ITER, "so is -1");
        assert!(escape_time(2.0, 2.0) <= 1, "far points escape at once");
        let m = Mandelbrot::new(30).unwrap();
        assert_eq!((m.width(), m.height()), (30, 20));
        assert_eq!(m.rgba().len(), 30 * 20 * 4);
        // The middle rows cross the set; the picture is symmetric about the real axis.
        assert_eq!(m.escape_row(0), m.escape_row(19));
        assert!(m.escape_row(10).contains(&MAX_ITER));
    }
}
