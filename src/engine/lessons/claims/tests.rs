//! Claims judged, figures compared, and the rounds protocol run against made-up machines.

use super::*;
use crate::engine::rng::SplitMix64;
use crate::engine::rounds::{another_round, MAX_ROUNDS};

const AT_LEAST: Claim = Claim {
    id: "test.at-least",
    says: "{k} workers reach three quarters",
    measure: Measure::Faster { base: 0, step: 1 },
    bound: Bound::AtLeast(0.75),
    margin: 0.1,
    role: Role::Claim,
    why: "",
};

fn spread(values: &[f64]) -> Spread {
    Spread::of(values).unwrap()
}

#[test]
fn a_claim_holds_fails_or_cannot_tell_by_where_the_middle_half_lies() {
    assert_eq!(
        AT_LEAST.judge(&spread(&[0.8, 0.9, 0.85, 0.95, 0.9])),
        Verdict::Holds
    );
    // Under the bound, but not by the margin: not "fails".
    assert_eq!(
        AT_LEAST.judge(&spread(&[0.7, 0.7, 0.72, 0.7, 0.71])),
        Verdict::TooBusy
    );
    assert_eq!(
        AT_LEAST.judge(&spread(&[0.6, 0.55, 0.6, 0.62, 0.5])),
        Verdict::Fails
    );
    assert_eq!(
        AT_LEAST.judge(&spread(&[0.6, 0.9, 0.7, 0.8, 0.75])),
        Verdict::TooBusy
    );
    let at_most = Claim {
        bound: Bound::AtMost(1.25),
        margin: 0.15,
        ..AT_LEAST
    };
    assert_eq!(at_most.judge(&spread(&[1.0, 0.98, 1.02])), Verdict::Holds);
    assert_eq!(at_most.judge(&spread(&[1.3, 1.32, 1.35])), Verdict::TooBusy);
    assert_eq!(at_most.judge(&spread(&[1.9, 1.95, 1.92])), Verdict::Fails);
    let lost = Claim {
        bound: Bound::MoreThan(0.0),
        margin: 0.0,
        ..AT_LEAST
    };
    assert_eq!(lost.judge(&spread(&[0.0])), Verdict::Fails);
    assert_eq!(lost.judge(&spread(&[0.3])), Verdict::Holds);
}

fn timed(rounds_ms: &[f64]) -> Option<StepFigures> {
    Some(StepFigures {
        rounds_ms: rounds_ms.to_vec(),
        ..StepFigures::default()
    })
}

#[test]
fn faster_compares_speedups_each_over_its_own_baseline_round_by_round() {
    // The browser: every step against the first, round by round; a slow second round
    // changes nothing.
    let steps = [
        timed(&[1_000.0, 2_000.0]),
        timed(&[520.0, 1_040.0]),
        timed(&[500.0, 1_000.0]),
    ];
    let v = values(Measure::Faster { base: 0, step: 1 }, &steps).unwrap();
    assert!(
        v.iter().all(|x| (x - 1_000.0 / 520.0).abs() < 1e-9),
        "{v:?}"
    );
    // Processes against free threads: their speedups' ratio, free_ms / processes_ms.
    let v = values(Measure::Faster { base: 2, step: 1 }, &steps).unwrap();
    assert!(v.iter().all(|x| (x - 500.0 / 520.0).abs() < 1e-9), "{v:?}");
    // CPython's capacity step brings its own baseline (one thread hashing): its speedup is
    // over that, not over the count.
    let mut cpython = steps.clone();
    cpython[2] = Some(StepFigures {
        rounds_ms: vec![100.0, 100.0],
        baseline_rounds_ms: Some(vec![190.0, 180.0]),
        ..StepFigures::default()
    });
    let v = values(Measure::Faster { base: 2, step: 1 }, &cpython).unwrap();
    assert!((v[0] - (1_000.0 / 520.0) / 1.9).abs() < 1e-9, "{v:?}");
    assert!((v[1] - (2_000.0 / 1_040.0) / 1.8).abs() < 1e-9, "{v:?}");
    // A step without figures (CPython has no counterpart): not judged.
    let mut missing = steps.to_vec();
    missing[2] = None;
    assert_eq!(values(Measure::Faster { base: 2, step: 1 }, &missing), None);
    let judged = judge(&[AT_LEAST], &missing[..1]);
    assert_eq!((judged[0].spread, judged[0].verdict), (None, None));
}

#[test]
fn a_need_that_does_not_hold_makes_the_lesson_too_busy_whatever_the_claims_say() {
    let need = Claim {
        role: Role::Needs,
        ..AT_LEAST
    };
    let judged = |need_values: &[f64], claim_values: &[f64]| {
        let one = |claim: Claim, v: &[f64]| Judged {
            claim,
            spread: Some(spread(v)),
            verdict: Some(claim.judge(&spread(v))),
        };
        vec![one(need, need_values), one(AT_LEAST, claim_values)]
    };
    assert_eq!(verdict(&judged(&[0.9], &[0.9])), Verdict::Holds);
    assert_eq!(verdict(&judged(&[0.9], &[0.5])), Verdict::Fails);
    assert_eq!(verdict(&judged(&[0.5], &[0.5])), Verdict::TooBusy);
    assert_eq!(verdict(&judged(&[0.5], &[0.9])), Verdict::TooBusy);
}

/// Makes rounds of `next` as the lessons do (judged after each, another while
/// `go_on(rounds, verdict)`), and gives the verdict it stops at and the rounds made.
fn protocol(
    mut next: impl FnMut() -> f64,
    go_on: impl Fn(usize, Verdict) -> bool,
) -> (Verdict, usize) {
    let mut made = Vec::new();
    loop {
        made.push(next());
        let verdict = AT_LEAST.judge(&spread(&made));
        if !go_on(made.len(), verdict) {
            return (verdict, made.len());
        }
    }
}

fn symmetric(rounds: usize, verdict: Verdict) -> bool {
    another_round(rounds, rounds, verdict, 0.0)
}

/// The rule the lessons had: more rounds while the claim did not hold.
fn until_it_holds(rounds: usize, verdict: Verdict) -> bool {
    rounds < crate::engine::rounds::MIN_ROUNDS || (verdict != Verdict::Holds && rounds < MAX_ROUNDS)
}

#[test]
fn a_settled_failure_ends_the_rounds_instead_of_sampling_until_it_holds() {
    // Four busy rounds and a quiet one, then the machine quietens: at 5 rounds the claim
    // fails beyond its margin. Sampling on until it holds turns that into "holds" at 15.
    let stream = || {
        let mut at = 0;
        move || {
            at += 1;
            if at <= 4 {
                0.6
            } else {
                0.95
            }
        }
    };
    assert_eq!(protocol(stream(), symmetric), (Verdict::Fails, 5));
    assert_eq!(protocol(stream(), until_it_holds), (Verdict::Holds, 15));
    // And the mirror image: a settled "holds" ends the rounds just the same.
    let mut at = 0;
    let mirror = move || {
        at += 1;
        if at <= 4 {
            0.95
        } else {
            0.6
        }
    };
    assert_eq!(protocol(mirror, symmetric), (Verdict::Holds, 5));
}

/// Per-round values with this machine's noise around `median`: most rounds within ±5 %,
/// one in five disturbed by up to ±30 % (a busy spell, a step landing on the slower core).
fn noisy(seed: u64, median: f64) -> impl FnMut() -> f64 {
    let mut rng = SplitMix64::new(seed);
    move || {
        let uniform = |rng: &mut SplitMix64| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let wide = uniform(&mut rng) < 0.2;
        let spread = if wide { 0.3 } else { 0.05 };
        median * (1.0 + spread * (2.0 * uniform(&mut rng) - 1.0))
    }
}

#[test]
fn a_claim_false_on_the_data_is_never_concluded_holds_by_resampling() {
    // The claim is false beyond its margin (true median 0.6 < 0.75 - 0.1), the rounds as
    // noisy as this machine's: across 10 000 runs of the protocol, never "holds".
    let mut counts = [0usize; 3];
    for seed in 0..10_000 {
        let (verdict, rounds) = protocol(noisy(seed, 0.6), symmetric);
        assert_ne!(verdict, Verdict::Holds, "seed {seed} after {rounds} rounds");
        counts[verdict as usize] += 1;
    }
    // Mostly settled at the first look.
    assert!(counts[Verdict::Fails as usize] > 9_000, "{counts:?}");
    // And a claim true on the data (median 0.9) is never concluded "fails".
    for seed in 0..10_000 {
        let (verdict, rounds) = protocol(noisy(seed, 0.9), symmetric);
        assert_ne!(verdict, Verdict::Fails, "seed {seed} after {rounds} rounds");
    }
}
