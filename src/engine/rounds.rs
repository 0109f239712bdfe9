//! The measurement protocol the lessons conclude from, built to give the right answer on a busy
//! machine: the steps run interleaved, round by round (A B C, A B C, …, never A A A B B B), so a
//! slow spell of the machine lands on every step of a round alike; a ratio to the baseline is
//! taken within each round; the median ratio over the rounds is the figure, and the spread of the
//! middle half of the rounds says how sure it is. At least [`MIN_ROUNDS`] rounds, more while the
//! verdict is unsettled (the spread straddles a claim's bound) or while fewer than
//! [`MIN_ROUNDS`] are kept (a lesson sets aside a round whose one-thread run ran slower than a
//! core can: `lessons::set_aside`), up to [`MAX_ROUNDS`] or the time budget, and never more once
//! it has settled either way on enough rounds. Where it is still unsettled, the
//! verdict is [`Verdict::TooBusy`]: the machine was too busy to tell, which is said as such rather
//! than as "not as claimed".

use std::fmt;

/// Rounds made before any verdict.
pub const MIN_ROUNDS: usize = 5;
/// Rounds made at most while the verdict is unsure.
pub const MAX_ROUNDS: usize = 15;
/// Wall time after which no new round starts while the verdict is unsure.
pub const BUDGET_MS: f64 = 45_000.0;

/// A ratio measured over rounds: its median, and the middle half of the rounds around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    /// The lower and upper quartiles of the per-round ratios.
    pub low: f64,
    pub high: f64,
    pub rounds: usize,
}

impl Spread {
    /// The spread of per-round `values`; `None` if there are none or any is not a finite number.
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Spread {
            median: quantile(&sorted, 0.5),
            low: quantile(&sorted, 0.25),
            high: quantile(&sorted, 0.75),
            rounds: sorted.len(),
        })
    }

    /// Where the spread lies against a claim that `holds` for a ratio: every ratio of the middle
    /// half holds, none does, or some do.
    pub fn judge(&self, holds: impl Fn(f64) -> bool) -> Verdict {
        match (holds(self.low), holds(self.median), holds(self.high)) {
            (true, true, true) => Verdict::Holds,
            (false, false, false) => Verdict::Fails,
            _ => Verdict::TooBusy,
        }
    }
}

impl fmt::Display for Spread {
    /// `1.83× (1.71–1.90 over 5 rounds)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.2}× ({:.2}–{:.2} over {} rounds)",
            self.median, self.low, self.high, self.rounds
        )
    }
}

/// Linear interpolation between the closest ranks of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (below, above) = (at.floor() as usize, at.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
}

/// What a measurement says of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Fails,
    /// The spread straddles the threshold: more rounds, or a quieter machine, would tell.
    TooBusy,
}

impl From<bool> for Verdict {
    /// A claim judged without rounds: it holds or it does not.
    fn from(holds: bool) -> Self {
        if holds {
            Verdict::Holds
        } else {
            Verdict::Fails
        }
    }
}

impl Verdict {
    /// The `data-verdict` value: `holds`, `fails` or `too-busy`.
    pub fn slug(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::TooBusy => "too-busy",
        }
    }

    /// Every part of a claim must hold; one that fails fails it; otherwise it is unsure.
    pub fn all(verdicts: &[Verdict]) -> Verdict {
        if verdicts.contains(&Verdict::Fails) {
            Verdict::Fails
        } else if verdicts.iter().all(|v| *v == Verdict::Holds) {
            Verdict::Holds
        } else {
            Verdict::TooBusy
        }
    }
}

/// The order the steps of `rounds` rounds run in: every step once per round, in step order.
pub fn schedule(steps: usize, rounds: usize) -> Vec<(usize, usize)> {
    (0..rounds)
        .flat_map(|round| (0..steps).map(move |step| (round, step)))
        .collect()
}

/// Per-round ratios `baseline[i] / step[i]` (a speedup) over the rounds both have.
pub fn ratios(baseline_ms: &[f64], step_ms: &[f64]) -> Vec<f64> {
    baseline_ms
        .iter()
        .zip(step_ms)
        .map(|(base, step)| base / step)
        .collect()
}

/// Whether to run another round after `made`, of which `kept` count (the others were set aside:
/// see `lessons::set_aside`): below [`MIN_ROUNDS`] made always; then, below [`MAX_ROUNDS`] made
/// and within [`BUDGET_MS`], only while fewer than [`MIN_ROUNDS`] are kept or the verdict is
/// unsettled ([`Verdict::TooBusy`]). A round set aside is made again in its place, within the
/// same limits.
///
/// Symmetric: a verdict that has settled either way ends the rounds. Rounds made only while a
/// claim did not hold (as this once did) keep sampling until a spell of quiet rounds says
/// "holds": retry until it passes. A busy spell that made a lesson fail at 5 rounds is what the
/// margin past each bound is for (see the lessons' claims), not more rounds.
pub fn another_round(made: usize, kept: usize, verdict: Verdict, elapsed_ms: f64) -> bool {
    made < MIN_ROUNDS
        || (made < MAX_ROUNDS
            && elapsed_ms < BUDGET_MS
            && (kept < MIN_ROUNDS || verdict == Verdict::TooBusy))
}

/// How far along a run of rounds is, never going back: `rounds` made so far (fractional within a
/// round) of at least `asked`. The rounds asked for fill nine tenths; the extra rounds a wide
/// spread asks for, whose number is not known ahead, fill half of what is left each.
pub fn progress(rounds: f64, asked: usize) -> f64 {
    let asked = asked.max(1) as f64;
    if rounds <= asked {
        0.9 * rounds.max(0.0) / asked
    } else {
        1.0 - 0.1 * 0.5f64.powf(rounds - asked)
    }
}

/// How far past k a speedup on k cores may read before it is no result: a little for the noise
/// of a ratio taken within one round, never the 1.4× to 1.8× past k that a slow baseline gave
/// (Firefox and WebKit once ran the sequential count slower than a worker process did).
pub const BEYOND_CORES: f64 = 1.2;

/// Whether `speedup` on `cores` cores is more than any machine gives: the baseline it was taken
/// against ran slow, so it is a broken baseline, never a result.
pub fn beyond_cores(speedup: f64, cores: usize) -> bool {
    speedup > BEYOND_CORES * cores.max(1) as f64
}

/// Whether `speedup` on `cores` cores reads more than they give as a lesson prints it (two
/// decimals): 1.004× prints as 1.00×, and a sentence saying "read 1.00×, more than 1 core
/// gives" tells a student nothing true. Past the cores, but not [`beyond_cores`], the lesson
/// says to read the figure as about `cores`×.
pub fn reads_past_cores(speedup: f64, cores: usize) -> bool {
    (speedup * 100.0).round() / 100.0 > cores.max(1) as f64
}

/// A spread is wide when its middle half spans more than this share of its median.
pub const WIDE: f64 = 0.10;

impl Spread {
    /// Whether the middle half of the rounds spans more than [`WIDE`] of the median.
    pub fn is_wide(&self) -> bool {
        self.high - self.low > WIDE * self.median.abs()
    }
}

/// Whether a sweep (which has no claim to judge) runs another round after `rounds`: always
/// until the `asked` rounds are made; then, as a lesson does while unsure, while any speedup's
/// spread is wide, below [`MAX_ROUNDS`] and within [`BUDGET_MS`].
pub fn another_sweep_round(
    rounds: usize,
    asked: usize,
    spreads: &[Spread],
    elapsed_ms: f64,
) -> bool {
    rounds < asked
        || (spreads.iter().any(Spread::is_wide) && rounds < MAX_ROUNDS && elapsed_ms < BUDGET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_interleave_round_by_round() {
        assert_eq!(
            schedule(3, 2),
            [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
        );
    }

    #[test]
    fn ratios_are_taken_within_each_round() {
        // The machine slows down 2× in round 2: a ratio of medians across blocks would be
        // fooled, the per-round ratio is not.
        let sequential = [500.0, 1_000.0, 500.0];
        let processes = [260.0, 520.0, 265.0];
        let r = ratios(&sequential, &processes);
        assert!(r.iter().all(|x| (1.88..1.93).contains(x)), "{r:?}");
    }

    #[test]
    fn the_spread_is_the_middle_half_around_the_median() {
        let s = Spread::of(&[1.9, 1.2, 1.85, 1.8, 1.88]).unwrap();
        assert_eq!(s.median, 1.85);
        assert_eq!((s.low, s.high), (1.8, 1.88));
        assert_eq!(s.rounds, 5);
        assert_eq!(s.to_string(), "1.85× (1.80–1.88 over 5 rounds)");
        assert!(Spread::of(&[]).is_none());
        assert!(Spread::of(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn one_slow_round_does_not_change_the_verdict() {
        // Processes on 2 cores, claim ≥ 1.5×: one round disturbed by another program.
        let s = Spread::of(&[1.86, 1.91, 0.95, 1.83, 1.88]).unwrap();
        assert_eq!(s.judge(|x| x >= 1.5), Verdict::Holds);
    }

    #[test]
    fn a_spread_across_the_threshold_is_too_busy_to_tell() {
        let noisy = Spread::of(&[1.1, 1.9, 1.3, 1.7, 1.5]).unwrap();
        assert_eq!(noisy.judge(|x| x >= 1.5), Verdict::TooBusy);
        let clear_miss = Spread::of(&[1.0, 1.05, 0.98, 1.02, 1.01]).unwrap();
        assert_eq!(clear_miss.judge(|x| x >= 1.5), Verdict::Fails);
        assert_eq!(
            Verdict::all(&[Verdict::Holds, Verdict::TooBusy]),
            Verdict::TooBusy
        );
        assert_eq!(
            Verdict::all(&[Verdict::TooBusy, Verdict::Fails]),
            Verdict::Fails
        );
        assert_eq!(
            Verdict::all(&[Verdict::Holds, Verdict::Holds]),
            Verdict::Holds
        );
    }

    #[test]
    fn a_speedup_past_its_cores_is_no_result() {
        assert!(!beyond_cores(1.95, 2));
        assert!(!beyond_cores(2.3, 2));
        assert!(beyond_cores(2.83, 2));
        assert!(beyond_cores(3.01, 2));
        assert!(beyond_cores(1.3, 1));
        assert!(beyond_cores(1.3, 0));
        // As printed, to two decimals: 1.004× reads 1.00×, not past one core; 1.006× reads 1.01×.
        assert!(!reads_past_cores(1.004, 1));
        assert!(reads_past_cores(1.006, 1));
        assert!(!reads_past_cores(1.99, 2));
        assert!(reads_past_cores(2.09, 2));
    }

    #[test]
    fn progress_never_goes_back_when_rounds_are_added() {
        let mut last = -1.0;
        for tenth in 0..=150 {
            let now = progress(tenth as f64 / 10.0, 5);
            assert!(now > last && now < 1.0, "{now} after {last} at {tenth}");
            last = now;
        }
        assert_eq!(progress(5.0, 5), 0.9);
    }

    #[test]
    fn a_sweep_adds_rounds_only_while_a_spread_is_wide() {
        let tight = Spread::of(&[1.9, 1.92, 1.95, 1.93, 1.91]).unwrap();
        let wide = Spread::of(&[1.1, 1.9, 1.3, 1.7, 1.5]).unwrap();
        assert!(!tight.is_wide() && wide.is_wide());
        assert!(
            another_sweep_round(3, 5, &[tight], 0.0),
            "the rounds asked for come first"
        );
        assert!(!another_sweep_round(5, 5, &[tight, tight], 0.0));
        assert!(another_sweep_round(5, 5, &[tight, wide], 1_000.0));
        assert!(!another_sweep_round(MAX_ROUNDS, 5, &[wide], 1_000.0));
        assert!(!another_sweep_round(5, 5, &[wide], BUDGET_MS));
        // More rounds asked for than the cap are all made.
        assert!(another_sweep_round(
            MAX_ROUNDS,
            MAX_ROUNDS + 2,
            &[tight],
            BUDGET_MS
        ));
    }

    #[test]
    fn rounds_go_on_only_while_unsure_and_within_bounds() {
        let all_kept = |made, verdict, elapsed| another_round(made, made, verdict, elapsed);
        assert!(all_kept(3, Verdict::Holds, 0.0));
        assert!(all_kept(3, Verdict::Fails, 0.0));
        assert!(!all_kept(MIN_ROUNDS, Verdict::Holds, 0.0));
        assert!(all_kept(MIN_ROUNDS, Verdict::TooBusy, 1_000.0));
        // Settled either way, the rounds end: the same for "fails" as for "holds".
        assert!(!all_kept(MIN_ROUNDS, Verdict::Fails, 1_000.0));
        assert!(!all_kept(MAX_ROUNDS, Verdict::Fails, 1_000.0));
        assert!(!all_kept(MAX_ROUNDS, Verdict::TooBusy, 1_000.0));
        assert!(!all_kept(MIN_ROUNDS, Verdict::TooBusy, BUDGET_MS));
    }

    #[test]
    fn a_round_set_aside_is_made_again_within_the_same_limits() {
        // Settled, but on fewer rounds kept than a verdict needs: another, in place of one set
        // aside.
        assert!(another_round(
            MIN_ROUNDS,
            MIN_ROUNDS - 1,
            Verdict::Holds,
            1_000.0
        ));
        assert!(!another_round(
            MIN_ROUNDS + 1,
            MIN_ROUNDS,
            Verdict::Holds,
            1_000.0
        ));
        // Never past the rounds' limits, even with none kept.
        assert!(!another_round(MAX_ROUNDS, 0, Verdict::TooBusy, 1_000.0));
        assert!(!another_round(MIN_ROUNDS, 0, Verdict::Holds, BUDGET_MS));
        assert!(another_round(MIN_ROUNDS - 1, 0, Verdict::Holds, BUDGET_MS));
    }
}
