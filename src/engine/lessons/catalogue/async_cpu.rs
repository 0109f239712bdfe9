//! Lesson 8: async does not speed up CPU work, however many cores there are.

use crate::engine::rounds::Verdict;
use crate::engine::run::models::{Model, RunConfig};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{countdown, spread_of, verdict_of};
use super::super::{Grade, Lesson, Outcome, Words};
use super::gil::{shared_or_taking_turns, CAPACITY, TAKING_TURNS};

const SEQUENTIAL: usize = 0;
const COROUTINES: usize = 1;
const PROCESSES: usize = 2;

const CLAIMS: &[Claim] = &[
    Claim {
        id: "async-cpu.capacity",
        says: "{k} processes, which run at once, count faster than one loop",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: PROCESSES,
        },
        bound: Bound::AtLeast(CAPACITY),
        margin: 0.0,
        role: Role::Needs,
        why: "The cores the coroutines leave unused, measured in the same rounds with worker \
              processes (which every browser can start). CPython measures it with k threads \
              hashing, which release the GIL. Without them, \"no faster\" would say nothing.",
    },
    Claim {
        id: "async-cpu.coroutines",
        says: "{k} coroutines are no faster than one loop",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: COROUTINES,
        },
        bound: Bound::AtMost(TAKING_TURNS),
        margin: 0.15,
        role: Role::Claim,
        why: "Coroutines take turns on one thread, so they gain nothing but what the machine's \
              noise gives them: as much as threads under a GIL (see the GIL lesson's bound).",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "async-cpu",
    title: "Do coroutines speed up CPU work?",
    setup: "The countdown (1 000 000 000 steps) runs on one thread, split among k coroutines on \
            one event loop (each awaits every few tens of microseconds, as `asyncio.sleep(0)` \
            does), and on k worker processes, which show what k cores give.",
    claim: "Coroutines take turns on one thread: for pure computation, k coroutines are \
            no faster than one loop.",
    folklore: None,
    explanation: "async code overlaps waiting, not computing. A coroutine that computes \
                  holds the event loop until it reaches an await; the others wait. However \
                  many coroutines share the work, one thread does all of it, while k worker \
                  processes show what the machine's other cores could have done.",
    python: r#"import asyncio

async def count(n):
    while n > 0:
        n -= 1
        if n % 100_000 == 0:
            await asyncio.sleep(0)  # let the others run

async def main(N, K):
    await asyncio.gather(*(count(N // K) for _ in range(K)))

asyncio.run(main(100_000_000, 4))"#,
    question: "Splitting the countdown among k coroutines makes it…",
    options: [
        "about k times faster",
        "about as fast as one loop",
        "impossible: coroutines cannot compute",
    ],
    answer: 1,
    needs_pool: false,
    claims: CLAIMS,
    steps: |k| {
        vec![
            countdown("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
            countdown(format!("{k} coroutines"), RunConfig::new(Model::Async, k)),
            countdown(
                format!("{k} processes: what {k} cores give"),
                RunConfig::new(Model::Processes, k),
            ),
        ]
    },
    words,
    grade,
    timeline: Some(COROUTINES),
    about_s: 12,
};

fn grade(k: usize, _: &[Outcome], judged: &[Judged]) -> Option<Grade> {
    let coroutines = spread_of(judged, "async-cpu.coroutines").ok()?.median;
    let option = shared_or_taking_turns(coroutines, k)?;
    Some(Grade {
        option,
        measured: format!("{k} coroutines ran {coroutines:.2}\u{d7} as fast as one loop"),
    })
}

fn words(k: usize, _: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let coroutines = spread_of(judged, "async-cpu.coroutines")?;
    let cores = spread_of(judged, "async-cpu.capacity")?;
    let said = match verdict_of(judged, "async-cpu.coroutines") {
        Some(Verdict::Fails) => "faster than one thread can be",
        _ => "one thread, however many coroutines share it",
    };
    Ok(format!(
        "{k} coroutines: {coroutines} — {said}; {k} processes on the same count: {:.2}\u{d7}.",
        cores.median
    )
    .into())
}
