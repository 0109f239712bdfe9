//! Summaries of repeated timings. Medians, not means: one run disturbed by the machine should not
//! move the figure a student reads.

use serde::{Deserialize, Serialize};

/// The median and range of a set of wall times in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub repeats: usize,
}

impl Summary {
    /// `None` for no samples or any sample that is not a finite, non-negative time.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite() || *s < 0.0) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            repeats: sorted.len(),
        })
    }

    /// Half the range as a share of the median: a rough "± x %" for the table.
    pub fn relative_spread(&self) -> f64 {
        if self.median > 0.0 {
            (self.max - self.min) / 2.0 / self.median
        } else {
            0.0
        }
    }
}

/// How many times faster `time` is than `baseline` (both wall times).
pub fn speedup(baseline: f64, time: f64) -> Option<f64> {
    (baseline > 0.0 && time > 0.0).then(|| baseline / time)
}

/// Speedup per thread: 1.0 means every thread pulled its full weight.
pub fn efficiency(speedup: f64, threads: usize) -> f64 {
    speedup / threads.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap().median, 2.5);
        assert_eq!(Summary::of(&[7.0]).unwrap().median, 7.0);
    }

    #[test]
    fn one_outlier_does_not_move_the_median() {
        let s = Summary::of(&[100.0, 101.0, 99.0, 5_000.0, 100.0]).unwrap();
        assert_eq!(s.median, 100.0);
        assert_eq!(s.min, 99.0);
        assert_eq!(s.max, 5_000.0);
        assert_eq!(s.repeats, 5);
    }

    #[test]
    fn refuses_empty_or_invalid_samples() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
        assert_eq!(Summary::of(&[1.0, -2.0]), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn spread_is_half_the_range_over_the_median() {
        let s = Summary::of(&[90.0, 100.0, 110.0]).unwrap();
        assert!((s.relative_spread() - 0.1).abs() < 1e-12);
        assert_eq!(Summary::of(&[0.0]).unwrap().relative_spread(), 0.0);
    }

    #[test]
    fn speedup_and_efficiency() {
        assert_eq!(speedup(200.0, 100.0), Some(2.0));
        assert_eq!(speedup(100.0, 0.0), None);
        assert_eq!(speedup(0.0, 100.0), None);
        assert_eq!(efficiency(1.8, 2), 0.9);
        assert_eq!(efficiency(1.0, 0), 1.0);
    }
}
