//! Lesson 4: a reused pool beats spawning one per batch.

use crate::engine::run::models::{Model, RunConfig, Spawn};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{cpu, median, much_same_or_less, spread_of, trace};
use super::super::{Grade, Lesson, Outcome, Words};

const FRESH: usize = 0;
const REUSED: usize = 1;

const CLAIMS: &[Claim] = &[Claim {
    id: "reuse.faster",
    says: "one pool of {k}, reused, runs a small batch at least twice as fast as a new pool",
    measure: Measure::Faster {
        base: FRESH,
        step: REUSED,
    },
    bound: Bound::AtLeast(2.0),
    margin: 0.5,
    role: Role::Claim,
    why: "A new pool starts k workers for every batch (an interpreter each in CPython, an \
          instance of the module each here), which costs more than a small batch of work, and \
          more the larger k is. Below 1.5× the start-up would be cheap next to the work.",
}];

pub(super) const LESSON: Lesson = Lesson {
    slug: "reuse",
    title: "A new pool per batch, or one pool reused?",
    setup: "A small batch of work (the primes below 200 000, on k worker processes) runs \
            round after round: each time on a new pool of k processes started for it, and on one \
            pool started once and kept.",
    claim: "Starting processes is expensive: make the pool once and reuse it, instead of \
            `with Pool()` around every small batch.",
    folklore: None,
    explanation: "A new process must start an interpreter and import your modules; here a \
                  new worker must start and instantiate its own copy of the WebAssembly \
                  module. For small batches of work that start-up dwarfs the work itself.",
    python: r#"from multiprocessing import Pool

def is_prime(n): ...

# A new pool per batch: the start-up is paid every time
for batch in batches:
    with Pool(2) as pool:
        pool.map(is_prime, batch)

# One pool, reused: paid once
with Pool(2) as pool:
    for batch in batches:
        pool.map(is_prime, batch)"#,
    question: "For a small batch (primes below 200 000), spawning the workers each time is…",
    options: [
        "about as fast: starting a worker is cheap",
        "much slower: the start-up costs more than the work",
        "faster: fresh workers have clean memory",
    ],
    answer: 1,
    needs_pool: false,
    claims: CLAIMS,
    steps: |k| {
        let run = |spawn| RunConfig {
            spawn,
            ..RunConfig::new(Model::Processes, k)
        };
        vec![
            cpu(
                format!("A new pool of {k} per batch"),
                "primes",
                200_000,
                5,
                run(Spawn::PerRun),
            ),
            cpu(
                format!("One pool of {k}, reused"),
                "primes",
                200_000,
                5,
                run(Spawn::Reused),
            ),
        ]
    },
    words,
    grade,
    timeline: None,
    about_s: 4,
};

fn grade(k: usize, _: &[Outcome], judged: &[Judged]) -> Option<Grade> {
    let faster = spread_of(judged, "reuse.faster").ok()?.median;
    let option = much_same_or_less(faster)?;
    Some(Grade {
        option,
        measured: format!(
            "a new pool of {k} per batch took {faster:.1}\u{d7} as long as one pool reused"
        ),
    })
}

fn words(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let (fresh, reused) = (median(&outcomes[FRESH])?, median(&outcomes[REUSED])?);
    let spawn_ms = trace(&outcomes[FRESH])?
        .copy
        .as_ref()
        .map_or(0.0, |c| c.spawn_ms);
    let faster = spread_of(judged, "reuse.faster")?;
    Ok(format!(
        "A new pool of {k} per batch: {fresh:.0} ms a batch ({spawn_ms:.0} ms of it starting \
         workers); one pool reused: {reused:.0} ms — {faster} faster."
    )
    .into())
}
