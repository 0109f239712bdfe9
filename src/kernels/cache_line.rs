//! f64s that start on a cache line.
//!
//! wasm32's allocator (dlmalloc, `malloc_alignment` = 2 × `usize`) aligns to 8 bytes, so a
//! `Vec<f64>` there may start 8 bytes into a 16-byte block, and then one in four of a vectorised
//! loop's 16-byte loads from it straddles two 64-byte lines. glibc's malloc aligns to 16, so native
//! code never pays for that. Laid out from a line's start, both run the same loads: matmul's
//! single-thread time in Chromium fell by a median 4%, 12% and 3% in three interleaved runs (10,
//! 12 and 10 rounds, against the same build with `Vec`s).

use std::ops::{Deref, DerefMut};

/// Bytes in a cache line on the machines Overlap runs on (x86-64 and most ARM cores).
const LINE: usize = 64;
/// At most this many f64s go before the first one to reach a line's start.
const MAX_PAD: usize = LINE / std::mem::size_of::<f64>() - 1;

/// A vector of f64 whose first element sits at the start of a cache line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineAligned {
    values: Vec<f64>,
    start: usize,
}

impl LineAligned {
    /// `values`, laid out from a line's start.
    pub fn collect(values: impl ExactSizeIterator<Item = f64>) -> Self {
        let mut buffer: Vec<f64> = Vec::with_capacity(values.len() + MAX_PAD);
        // The capacity is reserved, so the buffer never moves and the padding stays right.
        let start = buffer.as_ptr().align_offset(LINE).min(MAX_PAD);
        buffer.resize(start, 0.0);
        buffer.extend(values);
        LineAligned {
            values: buffer,
            start,
        }
    }

    pub fn zeros(len: usize) -> Self {
        Self::collect(std::iter::repeat_n(0.0, len))
    }
}

impl Deref for LineAligned {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.values[self.start..]
    }
}

impl DerefMut for LineAligned {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.values[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_a_line_and_holds_exactly_the_values() {
        // Allocations of every size land at many addresses: each must start on a line.
        let kept: Vec<LineAligned> = (0..200)
            .map(|len| LineAligned::collect((0..len).map(|i| i as f64)))
            .collect();
        for (len, values) in kept.iter().enumerate() {
            assert_eq!(values.len(), len);
            assert!(values.iter().copied().eq((0..len).map(|i| i as f64)));
            if len > 0 {
                assert_eq!(values.as_ptr() as usize % LINE, 0, "{len} values");
            }
        }
    }

    #[test]
    fn zeros_can_be_written() {
        let mut row = LineAligned::zeros(5);
        row[4] = 2.5;
        assert_eq!(&row[..], &[0.0, 0.0, 0.0, 0.0, 2.5]);
    }
}
