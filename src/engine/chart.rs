//! Arithmetic the charts share: axis ticks and which rows to draw when there are too many.

/// A round step (1, 2 or 5 times a power of ten) giving at most `ticks` steps up to `max`.
pub fn nice_step(max: f64, ticks: usize) -> f64 {
    if !(max.is_finite() && max > 0.0) || ticks == 0 {
        return 1.0;
    }
    let rough = max / ticks as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= rough)
        .unwrap_or(10.0 * magnitude)
}

/// The ticks from 0 to `max` inclusive of the last one not beyond it.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    let step = nice_step(max, count);
    (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|&t| t <= max * (1.0 + 1e-9))
        .collect()
}

/// At most `limit` of `n` row indices, evenly spread and always including the first and last,
/// so a chart of thousands of rows keeps its shape.
pub fn sample(n: usize, limit: usize) -> Vec<usize> {
    if n <= limit || limit < 2 {
        return (0..n.min(limit)).collect();
    }
    (0..limit).map(|i| i * (n - 1) / (limit - 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_few() {
        assert_eq!(nice_step(1000.0, 5), 200.0);
        assert_eq!(nice_step(3300.0, 6), 1000.0);
        assert_eq!(nice_step(212.0, 5), 50.0);
        assert_eq!(nice_step(0.7, 4), 0.2);
        assert_eq!(nice_step(0.0, 4), 1.0);
        assert_eq!(nice_step(f64::NAN, 4), 1.0);
        assert_eq!(ticks(1000.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(ticks(950.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0]);
    }

    #[test]
    fn samples_keep_both_ends_and_never_exceed_the_limit() {
        assert_eq!(sample(5, 10), [0, 1, 2, 3, 4]);
        let s = sample(5000, 100);
        assert_eq!(s.len(), 100);
        assert_eq!((s[0], s[99]), (0, 4999));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(0, 100), Vec::<usize>::new());
    }
}
