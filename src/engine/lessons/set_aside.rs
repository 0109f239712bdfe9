//! Rounds set aside. Every ratio of a round is taken against that round's one-thread run. A
//! lesson's capacity step (k free threads, what k cores give: the step a [`Role::Needs`] claim
//! measures against the one-thread first step) uses every core the round has, fast and slow;
//! when it reads faster than its cores can give over that one-thread run
//! ([`rounds::beyond_cores`]), it is the one-thread run that ran slow (a busy core took it, or a
//! slower one: on this project's 2-vCPU CI machine one vCPU at times hashes sha256 at half the
//! other's pace, and the released lesson's two threads once read 2.46× "on 2 cores"; see
//! `run/sequential.rs`). Such a round is no sample of the machine, and every ratio in it is
//! taken against that broken baseline, so the lesson sets the round aside, says so, and makes
//! another in its place (within the rounds' limits, [`rounds::another_round`]); the claims are
//! judged on the rounds kept.
//!
//! Only the capacity step decides, never a step a claim is about: a round is never left out for
//! what the step under test read. A one-core step (coroutines) reading past one core can be the
//! step's luck as well as the baseline's, and a claim that such a step is no faster must be able
//! to fail on it. Rounds that read slow or fast within the cores are the noise the middle half
//! is for. Where every round reads past its cores, none is set aside: the lesson's check on the
//! medians ([`claims::beyond_cores`]) then says the figures are no result. CPython's committed
//! lines are judged on all their rounds: their baseline is a process's own.

use super::claims::{self, Claim, Measure, Role, StepFigures};
use super::outcome::{Outcome, Step};
use crate::engine::rounds;

/// A round set aside: its index among the rounds made, the step that read past its cores and
/// its speedup there, and every step's time in that round, in step order.
#[derive(Clone, Debug, PartialEq)]
pub struct SetAside {
    pub round: usize,
    pub label: String,
    pub speedup: f64,
    pub cores: usize,
    pub rounds_ms: Vec<f64>,
}

/// Which rounds of `outcomes` (one per step of `lesson_steps`, each with every round made) are
/// kept and which set aside; every round is kept where all would be set aside.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub kept: Vec<usize>,
    pub set_aside: Vec<SetAside>,
}

/// The rounds of `outcomes` to keep and to set aside (see the module note), for a lesson of
/// `claims` and `lesson_steps`.
pub fn split(claims: &[Claim], lesson_steps: &[Step], outcomes: &[Outcome]) -> Split {
    let figures = claims::of_outcomes(outcomes);
    let made = figures
        .first()
        .and_then(|f| f.as_ref())
        .map_or(0, |f| f.rounds_ms.len());
    let set_aside: Vec<SetAside> = (0..made)
        .filter_map(|round| past_cores_in(claims, lesson_steps, &figures, round))
        .collect();
    if set_aside.len() == made {
        return Split {
            kept: (0..made).collect(),
            set_aside: Vec::new(),
        };
    }
    Split {
        kept: (0..made)
            .filter(|r| set_aside.iter().all(|s| s.round != *r))
            .collect(),
        set_aside,
    }
}

/// The capacity steps of a lesson: those a claim it [`Role::Needs`] measures against the first
/// step.
fn capacity_steps(claims: &[Claim]) -> impl Iterator<Item = usize> + '_ {
    claims
        .iter()
        .filter(|c| c.role == Role::Needs)
        .filter_map(|c| match c.measure {
            Measure::Faster { base: 0, step } => Some(step),
            _ => None,
        })
}

/// Round `round` when a capacity step of it read past its cores over the round's one-thread
/// run: the one furthest past them.
fn past_cores_in(
    claims: &[Claim],
    lesson_steps: &[Step],
    figures: &[Option<StepFigures>],
    round: usize,
) -> Option<SetAside> {
    let time = |step: usize| figures.get(step)?.as_ref()?.rounds_ms.get(round).copied();
    let base = time(0)?;
    let (label, speedup, cores) = claims::on_cores_after_one_thread(lesson_steps, figures)
        .filter(|(i, _)| capacity_steps(claims).any(|c| c == *i))
        .filter_map(|(i, cores)| Some((i, base / time(i)?, cores)))
        .filter(|(_, speedup, cores)| rounds::beyond_cores(*speedup, *cores))
        .max_by(|a, b| (a.1 / a.2 as f64).total_cmp(&(b.1 / b.2 as f64)))
        .map(|(i, speedup, cores)| (lesson_steps[i].label.clone(), speedup, cores))?;
    Some(SetAside {
        round,
        label,
        speedup,
        cores,
        rounds_ms: (0..lesson_steps.len())
            .map(|i| time(i).unwrap_or(f64::NAN))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lessons::find;
    use crate::engine::lessons::outcome::tests::rounds;
    use crate::engine::rounds::Verdict;

    /// Lesson `slug`'s steps at k = 2 and its rounds, given as each round's times in step
    /// order, split.
    fn split_of<const N: usize>(slug: &str, by_round: &[[f64; N]]) -> (Vec<Step>, Split) {
        let lesson = find(slug).unwrap();
        let steps = (lesson.steps)(2);
        assert_eq!(steps.len(), N);
        let outcomes: Vec<Outcome> = (0..N)
            .map(|step| rounds(&by_round.iter().map(|r| r[step]).collect::<Vec<_>>()))
            .collect();
        let split = split(lesson.claims, &steps, &outcomes);
        (steps, split)
    }

    // The released lesson's steps: one thread, 2 GIL threads holding it, 2 letting go of it,
    // 2 free threads (what 2 cores give: its capacity step).
    const QUIET: [f64; 4] = [600.0, 610.0, 320.0, 310.0];
    const SLOW_ONE_THREAD: [f64; 4] = [900.0, 620.0, 330.0, 320.0]; // 900 / 320 = 2.81× on 2

    #[test]
    fn a_round_whose_one_thread_run_ran_slow_is_set_aside_with_what_read_past_its_cores() {
        let (steps, split) = split_of("released", &[QUIET, SLOW_ONE_THREAD, QUIET]);
        assert_eq!(split.kept, [0, 2]);
        assert_eq!(split.set_aside.len(), 1);
        let aside = &split.set_aside[0];
        assert_eq!((aside.round, aside.cores), (1, 2));
        assert_eq!(aside.label, steps[3].label, "the capacity step");
        assert!((aside.speedup - 900.0 / 320.0).abs() < 1e-9);
        assert_eq!(aside.rounds_ms, SLOW_ONE_THREAD);
    }

    #[test]
    fn only_the_capacity_step_decides_never_a_step_a_claim_is_about() {
        // The releasing step read 2.61× (a claim is about it); the capacity step 1.94×: kept.
        let (_, split) = split_of("released", &[QUIET, [600.0, 610.0, 230.0, 310.0]]);
        assert_eq!(split.kept, [0, 1]);
        // The async lesson's 2 coroutines reading 1.3× over one thread, more than one core
        // gives: the claim that they are no faster must be able to fail on it.
        let (_, split) = split_of("async-cpu", &[[600.0, 460.0, 310.0]; 5]);
        assert_eq!(split.kept, [0, 1, 2, 3, 4]);
        // Its capacity step (2 processes) past 2 cores: that round's one-thread run ran slow.
        let (_, split) = split_of("async-cpu", &[[600.0, 600.0, 310.0], [900.0, 890.0, 320.0]]);
        assert_eq!(split.kept, [0]);
    }

    #[test]
    fn rounds_within_what_cores_give_are_all_kept_however_they_read() {
        // 2.3× is past 2 cores but within the noise a ratio in one round may have; 0.5× reads
        // slow: neither is set aside.
        let (_, split) = split_of(
            "released",
            &[[600.0, 610.0, 320.0, 261.0], [600.0, 610.0, 320.0, 1200.0]],
        );
        assert_eq!(split.kept, [0, 1]);
        assert!(split.set_aside.is_empty());
    }

    #[test]
    fn where_every_round_reads_past_its_cores_none_is_set_aside() {
        let (_, split) = split_of("released", &[SLOW_ONE_THREAD; 3]);
        assert_eq!(split.kept, [0, 1, 2]);
        assert!(split.set_aside.is_empty());
    }

    #[test]
    fn against_a_first_step_that_is_not_one_thread_nothing_is_set_aside() {
        // The reuse lesson's first step starts a new pool per batch: any factor may beat it.
        let lesson = find("reuse").unwrap();
        let steps = (lesson.steps)(2);
        let outcomes: Vec<Outcome> = (0..steps.len())
            .map(|i| rounds(&[if i == 0 { 5000.0 } else { 100.0 }; 2]))
            .collect();
        assert!(split(lesson.claims, &steps, &outcomes).set_aside.is_empty());
    }

    /// The released lesson concluded on the rounds kept of `by_round`.
    fn concluded(by_round: &[[f64; 4]]) -> crate::engine::lessons::Conclusion {
        let (_, split) = split_of("released", by_round);
        let kept: Vec<Outcome> = (0..4)
            .map(|step| {
                rounds(
                    &split
                        .kept
                        .iter()
                        .map(|&r| by_round[r][step])
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        find("released")
            .unwrap()
            .conclude_rounds(2, &kept, split.set_aside)
            .unwrap()
    }

    #[test]
    fn the_conclusion_is_drawn_from_the_rounds_kept_and_says_what_was_set_aside() {
        let c = concluded(&[QUIET, SLOW_ONE_THREAD, QUIET, QUIET, QUIET, QUIET]);
        assert_eq!(c.verdict, Verdict::Holds, "{}", c.line);
        assert_eq!(c.beyond_cores, None);
        assert_eq!(c.set_aside.len(), 1);
        assert!(
            c.line.contains(
                "1 of 6 rounds was set aside: in it, \u{201c}2 free threads (as 3.13t): what 2 \
                 cores give\u{201d} read 2.81\u{d7} over one thread, more than 2 cores can give, \
                 so that round's one-thread run ran slower"
            ),
            "{}",
            c.line
        );
        let capacity = c.claim("released.capacity").unwrap().spread.unwrap();
        assert_eq!(capacity.rounds, 5, "judged on the rounds kept");
        assert!((capacity.median - 600.0 / 310.0).abs() < 1e-9);
    }

    #[test]
    fn fewer_rounds_kept_than_a_verdict_needs_are_too_few_to_tell() {
        let c = concluded(&[QUIET, SLOW_ONE_THREAD, QUIET, SLOW_ONE_THREAD, QUIET]);
        assert_eq!(c.verdict, Verdict::TooBusy);
        assert_eq!(c.grade, None);
        assert!(
            c.line.contains("2 of 5 rounds were set aside: in them,"),
            "{}",
            c.line
        );
        assert!(c.line.contains("read up to 2.81"), "{}", c.line);
        assert!(
            c.line.contains("The 3 rounds left are too few to tell"),
            "{}",
            c.line
        );
    }
}
