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

/// Amdahl's law fitted to a thread sweep: the share of the work that did not parallelise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AmdahlFit {
    /// Between 0 (everything parallelised) and 1 (nothing did).
    pub serial_fraction: f64,
}

impl AmdahlFit {
    /// Least-squares fit to `(threads, speedup)` points. Amdahl's law,
    /// `S(k) = 1 / (s + (1 - s) / k)`, is linear in `s` once rearranged:
    /// `1/S - 1/k = s * (1 - 1/k)`, so `s = Σxy / Σx²` with `x = 1 - 1/k`, `y = 1/S - 1/k`.
    /// Points at k = 1 say nothing about `s` (x = 0). `None` without a usable k > 1 point.
    pub fn fit(points: &[(usize, f64)]) -> Option<AmdahlFit> {
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &(threads, speedup) in points {
            if threads < 2 || !speedup.is_finite() || speedup <= 0.0 {
                continue;
            }
            let inv_k = 1.0 / threads as f64;
            let x = 1.0 - inv_k;
            let y = 1.0 / speedup - inv_k;
            sxy += x * y;
            sxx += x * x;
        }
        (sxx > 0.0).then(|| AmdahlFit {
            // Slower-than-serial runs (y > x) would give s > 1: the law has no room for them.
            serial_fraction: (sxy / sxx).clamp(0.0, 1.0),
        })
    }

    /// The speedup this fit predicts at `threads`.
    pub fn speedup(&self, threads: usize) -> f64 {
        let k = threads.max(1) as f64;
        1.0 / (self.serial_fraction + (1.0 - self.serial_fraction) / k)
    }
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

    fn amdahl_points(serial: f64, ks: impl Iterator<Item = usize>) -> Vec<(usize, f64)> {
        let law = AmdahlFit {
            serial_fraction: serial,
        };
        ks.map(|k| (k, law.speedup(k))).collect()
    }

    #[test]
    fn amdahl_recovers_the_serial_fraction_of_exact_data() {
        for serial in [0.0, 0.05, 0.1, 0.5, 1.0] {
            let fit = AmdahlFit::fit(&amdahl_points(serial, 1..=16)).unwrap();
            assert!(
                (fit.serial_fraction - serial).abs() < 1e-12,
                "{serial}: {fit:?}"
            );
        }
    }

    #[test]
    fn amdahl_fit_tolerates_noise() {
        // ±3 % multiplicative noise, alternating, around s = 0.2.
        let noisy: Vec<(usize, f64)> = amdahl_points(0.2, 1..=8)
            .into_iter()
            .enumerate()
            .map(|(i, (k, s))| (k, s * if i % 2 == 0 { 1.03 } else { 0.97 }))
            .collect();
        let fit = AmdahlFit::fit(&noisy).unwrap();
        assert!((fit.serial_fraction - 0.2).abs() < 0.03, "{fit:?}");
    }

    #[test]
    fn amdahl_predicts_and_handles_edge_cases() {
        let fit = AmdahlFit {
            serial_fraction: 0.5,
        };
        assert!((fit.speedup(1) - 1.0).abs() < 1e-12);
        assert!((fit.speedup(2) - 4.0 / 3.0).abs() < 1e-12);
        assert_eq!(AmdahlFit::fit(&[]), None);
        assert_eq!(
            AmdahlFit::fit(&[(1, 1.0)]),
            None,
            "k = 1 alone says nothing"
        );
        assert_eq!(AmdahlFit::fit(&[(2, f64::NAN), (3, 0.0)]), None);
        // GIL-like data (no faster, even slower with more threads) pins s at 1.
        let gil = AmdahlFit::fit(&[(2, 0.95), (4, 0.9)]).unwrap();
        assert_eq!(gil.serial_fraction, 1.0);
        // Superlinear data pins s at 0.
        assert_eq!(AmdahlFit::fit(&[(2, 2.2)]).unwrap().serial_fraction, 0.0);
    }
}
