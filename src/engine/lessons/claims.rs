//! What each lesson claims, as data: which of its steps a claim compares, the bound the
//! comparison must meet, the margin past the bound within which "not as claimed" is not said, and
//! why the bound is where it is. The engine judges every lesson with these (from the browser's
//! rounds and from CPython's line alike), the page shows them (and puts them in data attributes,
//! which the tests read), and `scripts/cpython-figures.sh` keeps CPython's own figures beside
//! them, which the native tests judge with the same claims.
//!
//! A claim is judged on the spread of its per-round values ([`Spread`]): it holds when the whole
//! middle half of the rounds meets the bound, fails when the whole middle half misses it by more
//! than the margin, and is unsettled (too busy to tell) otherwise. Claims about what the machine
//! must give for the lesson to tell anything ([`Role::Needs`], such as k workers really running at
//! once) make the lesson "too busy to tell" when they do not hold, whatever the rest says; and a
//! step that ran more than k times faster than one worker on k workers ([`beyond_cores`]) makes
//! the figures no result at all.

use super::outcome::{Outcome, Probe, Step};
use crate::engine::protocol::SharedOutcome;
use crate::engine::rounds::{self, Spread, Verdict};
use crate::engine::run::models::Model;

/// The bound a claim's figure must meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
    /// Strictly more: something was lost at all.
    MoreThan(f64),
}

impl Bound {
    pub fn threshold(self) -> f64 {
        match self {
            Bound::AtLeast(t) | Bound::AtMost(t) | Bound::MoreThan(t) => t,
        }
    }

    /// `at-least` or `at-most`, for data attributes.
    pub fn slug(self) -> &'static str {
        match self {
            Bound::AtLeast(_) => "at-least",
            Bound::AtMost(_) => "at-most",
            Bound::MoreThan(_) => "more-than",
        }
    }

    /// `≥ 0.75` or `≤ 1.10`.
    pub fn describe(self) -> String {
        match self {
            Bound::AtLeast(t) => format!("\u{2265} {t:.2}"),
            Bound::AtMost(t) => format!("\u{2264} {t:.2}"),
            Bound::MoreThan(t) => format!("> {t}"),
        }
    }

    fn met(self, x: f64) -> bool {
        match self {
            Bound::AtLeast(t) => x >= t,
            Bound::AtMost(t) => x <= t,
            Bound::MoreThan(t) => x > t,
        }
    }

    /// Missed by more than `margin`.
    fn missed_beyond(self, x: f64, margin: f64) -> bool {
        match self {
            Bound::AtLeast(t) => x < t - margin,
            Bound::AtMost(t) => x > t + margin,
            Bound::MoreThan(t) => x <= t - margin,
        }
    }
}

/// What a claim measures from the lesson's steps (named by their place in the lesson's steps),
/// round by round where the steps ran in rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// How many times faster `step` ran than `base`: per round, `step`'s speedup over its
    /// baseline divided by `base`'s. A step's baseline is the lesson's first step, unless it
    /// brings one of its own (CPython's capacity step hashes on one thread, then on k). With the
    /// first step as `base` this is `base_ms / step_ms`.
    Faster { base: usize, step: usize },
    /// How many times sooner `step` gave its first result than `base`, per round.
    SoonerFirst { base: usize, step: usize },
    /// `step`'s time over `ideal_ms`.
    OverIdeal { step: usize, ideal_ms: f64 },
    /// The share of `step`'s updates, items or requests that did not come through.
    Lost { step: usize },
    /// The share of `step`'s coroutines that waited at the same time.
    AtOnce { step: usize },
    /// Bytes `step` copied to and from its worker processes.
    Copied { step: usize },
}

impl Measure {
    /// The steps it reads.
    pub fn steps(self) -> Vec<usize> {
        match self {
            Measure::Faster { base, step } | Measure::SoonerFirst { base, step } => {
                vec![base, step]
            }
            Measure::OverIdeal { step, .. }
            | Measure::Lost { step }
            | Measure::AtOnce { step }
            | Measure::Copied { step } => vec![step],
        }
    }

    /// For data attributes: `faster 0 1`, `lost 2`, ….
    pub fn describe(self) -> String {
        match self {
            Measure::Faster { base, step } => format!("faster {base} {step}"),
            Measure::SoonerFirst { base, step } => format!("sooner-first {base} {step}"),
            Measure::OverIdeal { step, ideal_ms } => format!("over-ideal {step} {ideal_ms}"),
            Measure::Lost { step } => format!("lost {step}"),
            Measure::AtOnce { step } => format!("at-once {step}"),
            Measure::Copied { step } => format!("copied {step}"),
        }
    }
}

/// What part a claim plays in the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// What the lesson teaches: together they are the verdict.
    Claim,
    /// What this machine must give for the claims to tell anything: unless it holds, the lesson
    /// is too busy to tell.
    Needs,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Claim {
    /// `gil.threads`: the lesson's slug, then the claim's name.
    pub id: &'static str,
    /// What it says, with `{k}` for the lesson's k.
    pub says: &'static str,
    pub measure: Measure,
    pub bound: Bound,
    /// How far past the bound the middle half must lie before "not as claimed" is said.
    pub margin: f64,
    pub role: Role,
    /// Why the bound is where it is.
    pub why: &'static str,
}

impl Claim {
    /// What it says, for `k` workers.
    pub fn says_for(&self, k: usize) -> String {
        self.says.replace("{k}", &k.to_string())
    }

    /// Where "not as claimed" starts, past the margin: `< 0.65`.
    pub fn fails_where(&self) -> String {
        match self.bound {
            Bound::AtLeast(t) => format!("< {:.2}", t - self.margin),
            Bound::AtMost(t) => format!("> {:.2}", t + self.margin),
            Bound::MoreThan(t) => format!("\u{2264} {}", t - self.margin),
        }
    }

    /// Where `spread` lies against the bound: the whole middle half meets it, misses it by more
    /// than the margin, or neither.
    pub fn judge(&self, spread: &Spread) -> Verdict {
        if [spread.low, spread.median, spread.high]
            .iter()
            .all(|&x| self.bound.met(x))
        {
            Verdict::Holds
        } else if [spread.low, spread.median, spread.high]
            .iter()
            .all(|&x| self.bound.missed_beyond(x, self.margin))
        {
            Verdict::Fails
        } else {
            Verdict::TooBusy
        }
    }
}

/// One step's figures, in the terms claims are judged in: from the browser's outcome or from
/// CPython's line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepFigures {
    /// Each round's time, in round order (one for a step measured once).
    pub rounds_ms: Vec<f64>,
    /// Each round's time of the step's own one-worker baseline, where it brings one.
    pub baseline_rounds_ms: Option<Vec<f64>>,
    /// Each round's time to the first result.
    pub first_result_ms: Vec<f64>,
    /// Of how many updates, items or requests, how many did not come through.
    pub lost: Option<(u64, u64)>,
    /// Coroutines waiting at once, and of how many.
    pub at_once: Option<(u64, u64)>,
    pub copied_bytes: Option<u64>,
}

impl StepFigures {
    /// What the browser measured for `step`.
    pub fn of_outcome(outcome: &Outcome) -> StepFigures {
        match outcome {
            Outcome::Cpu {
                samples_ms,
                first_results_ms,
                trace,
                ..
            } => StepFigures {
                rounds_ms: samples_ms.clone(),
                first_result_ms: first_results_ms.clone(),
                copied_bytes: trace.copy.as_ref().map(|c| c.bytes_copied() as u64),
                ..StepFigures::default()
            },
            Outcome::Io(run) => StepFigures {
                rounds_ms: vec![run.figure_ms()],
                lost: Some((run.summary.failed as u64, run.requests.len() as u64)),
                at_once: Some((run.summary.max_in_flight as u64, run.requests.len() as u64)),
                ..StepFigures::default()
            },
            Outcome::Shared(SharedOutcome::Counter {
                expected, counted, ..
            }) => StepFigures {
                lost: Some((expected.saturating_sub(*counted), *expected)),
                ..StepFigures::default()
            },
            Outcome::Shared(SharedOutcome::Queue {
                items,
                per_consumer,
                sum,
                expected_sum,
                ..
            }) => {
                let delivered = per_consumer.iter().sum::<u64>() == *items && sum == expected_sum;
                StepFigures {
                    lost: Some((if delivered { 0 } else { *items }, *items)),
                    ..StepFigures::default()
                }
            }
            Outcome::Shared(SharedOutcome::TwoLocks {
                expected,
                completed,
                ..
            }) => StepFigures {
                lost: Some((expected.saturating_sub(*completed), *expected)),
                ..StepFigures::default()
            },
            Outcome::Shared(_) => StepFigures::default(),
        }
    }
}

/// Per-round values of `measure` over `steps`; `None` where a step it reads has no figures.
pub fn values(measure: Measure, steps: &[Option<StepFigures>]) -> Option<Vec<f64>> {
    let at = |i: usize| steps.get(i).and_then(Option::as_ref);
    let first = at(0)?;
    // Each round's speedup of step `i` over its own baseline, else over the first step.
    let speedups = |i: usize| -> Option<Vec<f64>> {
        let step = at(i)?;
        let baseline = step.baseline_rounds_ms.as_ref().unwrap_or(&first.rounds_ms);
        let v: Vec<f64> = baseline
            .iter()
            .zip(&step.rounds_ms)
            .map(|(b, s)| b / s)
            .collect();
        (!v.is_empty()).then_some(v)
    };
    let per_round = |a: Vec<f64>, b: Vec<f64>, f: fn(f64, f64) -> f64| -> Option<Vec<f64>> {
        let v: Vec<f64> = a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect();
        (!v.is_empty()).then_some(v)
    };
    match measure {
        Measure::Faster { base, step } => per_round(speedups(base)?, speedups(step)?, |b, s| s / b),
        Measure::SoonerFirst { base, step } => per_round(
            at(base)?.first_result_ms.clone(),
            at(step)?.first_result_ms.clone(),
            |b, s| b / s,
        ),
        Measure::OverIdeal { step, ideal_ms } => {
            let v: Vec<f64> = at(step)?.rounds_ms.iter().map(|ms| ms / ideal_ms).collect();
            (!v.is_empty()).then_some(v)
        }
        Measure::Lost { step } => {
            let (lost, of) = at(step)?.lost?;
            Some(vec![lost as f64 / of.max(1) as f64])
        }
        Measure::AtOnce { step } => {
            let (at_once, of) = at(step)?.at_once?;
            Some(vec![at_once as f64 / of.max(1) as f64])
        }
        Measure::Copied { step } => Some(vec![at(step)?.copied_bytes? as f64]),
    }
}

/// A claim with what the figures say of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub claim: Claim,
    /// `None` when a step it reads has no figures (CPython has no counterpart of it).
    pub spread: Option<Spread>,
    pub verdict: Option<Verdict>,
}

/// Every claim judged on `steps` (one entry per step of the lesson, `None` for a step without
/// figures).
pub fn judge(claims: &[Claim], steps: &[Option<StepFigures>]) -> Vec<Judged> {
    claims
        .iter()
        .map(|claim| {
            let spread = values(claim.measure, steps).and_then(|v| Spread::of(&v));
            Judged {
                claim: *claim,
                verdict: spread.as_ref().map(|s| claim.judge(s)),
                spread,
            }
        })
        .collect()
}

/// A step that ran faster than the lesson's first step by more than its cores can give (see
/// [`rounds::beyond_cores`]): a figure no machine gives, so the baseline itself ran slow
/// (another tier of the browser's compiler, a busy core). Its label and median speedup. A
/// lesson's rounds come to it with such rounds set aside where they can be
/// ([`set_aside`](super::set_aside)).
pub fn beyond_cores(lesson_steps: &[Step], steps: &[Option<StepFigures>]) -> Option<(String, f64)> {
    speedups_on_cores(lesson_steps, steps)
        .find(|(_, speedup, cores)| rounds::beyond_cores(*speedup, *cores))
        .map(|(label, speedup, _)| (label, speedup))
}

/// A step that read faster than its cores give, but not so far past them as to be no result
/// ([`beyond_cores`]): 2.2× on 2 cores, where the one-thread run ran slower than a core can
/// (a busy core, or a slower one, took it). The one furthest past its cores: its label, median
/// speedup and cores. The lesson says so beside its figures rather than let one stand as what k
/// cores give.
pub fn past_cores(
    lesson_steps: &[Step],
    steps: &[Option<StepFigures>],
) -> Option<(String, f64, usize)> {
    speedups_on_cores(lesson_steps, steps)
        .filter(|(_, speedup, cores)| rounds::reads_past_cores(*speedup, *cores))
        .max_by(|a, b| (a.1 / a.2 as f64).total_cmp(&(b.1 / b.2 as f64)))
}

/// Each step's median speedup over the lesson's first step, with its label and the cores it can
/// use: where that first step is a one-thread run and the step has no baseline of its own.
fn speedups_on_cores<'a>(
    lesson_steps: &'a [Step],
    steps: &'a [Option<StepFigures>],
) -> impl Iterator<Item = (String, f64, usize)> + 'a {
    on_cores_after_one_thread(lesson_steps, steps).filter_map(|(i, cores)| {
        let speedup = Spread::of(&values(Measure::Faster { base: 0, step: i }, steps)?)?.median;
        Some((lesson_steps[i].label.clone(), speedup, cores))
    })
}

/// The steps whose speedup over the lesson's first step is bounded by their cores, each with
/// its index and those cores: every CPU step after a first step that is a one-thread run, but
/// for a step judged against a baseline of its own.
pub fn on_cores_after_one_thread<'a>(
    lesson_steps: &'a [Step],
    steps: &'a [Option<StepFigures>],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    // Only against a one-thread run: a new pool per batch (the reuse lesson's first step) or map
    // on k threads (imap's) may be beaten by any factor.
    let sequential = |step: &Step| match &step.probe {
        Probe::Cpu(request) => request.run.model == Model::Sequential,
        _ => false,
    };
    let from_one_thread = lesson_steps.first().is_some_and(sequential);
    lesson_steps
        .iter()
        .enumerate()
        .skip(1)
        .filter(move |_| from_one_thread)
        .filter_map(|(i, step)| {
            let cores = step.cores()?;
            // Only where the lesson's first step is the baseline: a step with its own is judged
            // against that.
            let figures = steps.get(i)?.as_ref()?;
            figures.baseline_rounds_ms.is_none().then_some((i, cores))
        })
}

/// The lesson's verdict from its judged claims: too busy to tell unless every claim it
/// [`Role::Needs`] holds; otherwise every claim must hold, one that fails fails it. Claims not
/// judged (no figures) count for nothing.
pub fn verdict(judged: &[Judged]) -> Verdict {
    let needs_hold = judged
        .iter()
        .filter(|j| j.claim.role == Role::Needs)
        .all(|j| j.verdict.is_none_or(|v| v == Verdict::Holds));
    if !needs_hold {
        return Verdict::TooBusy;
    }
    let claims: Vec<Verdict> = judged
        .iter()
        .filter(|j| j.claim.role == Role::Claim)
        .filter_map(|j| j.verdict)
        .collect();
    Verdict::all(&claims)
}

/// The steps' figures from the browser's outcomes, in step order.
pub fn of_outcomes(outcomes: &[Outcome]) -> Vec<Option<StepFigures>> {
    outcomes
        .iter()
        .map(|o| Some(StepFigures::of_outcome(o)))
        .collect()
}

#[cfg(test)]
mod tests;
