//! Lesson 9: coroutines scale to thousands of tasks.

use crate::engine::io::{Builtin, IoModel};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{io, io_run, mib, outcomes, sleeps};
use super::super::{group, Grade, Lesson, Outcome, Words};

/// Coroutines that each sleep [`SLEEP_MS`], and the real requests the lesson sends afterwards
/// to show what the browser's request rate does to the same wait.
const COROUTINES: u32 = 5_000;
const SLEEP_MS: f64 = 50.0;
const REAL_REQUESTS: u32 = 1_000;

const AT_ONCE: usize = 0;
const IN_TURNS: usize = 1;

const CLAIMS: &[Claim] = &[
    Claim {
        id: "thousands.at-once",
        says: "all 5 000 coroutines waited at the same time",
        measure: Measure::AtOnce { step: AT_ONCE },
        bound: Bound::AtLeast(1.0),
        margin: 0.0,
        role: Role::Claim,
        why: "A coroutine waiting on a timer is a small object: one thread holds thousands.",
    },
    Claim {
        id: "thousands.ok",
        says: "every one of them finished",
        measure: Measure::Lost { step: AT_ONCE },
        bound: Bound::AtMost(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "A coroutine that failed did not wait.",
    },
    Claim {
        id: "thousands.faster",
        says: "all at once is at least 10 times as fast as 50 at a time",
        measure: Measure::Faster {
            base: IN_TURNS,
            step: AT_ONCE,
        },
        bound: Bound::AtLeast(10.0),
        margin: 3.0,
        role: Role::Claim,
        why: "All at once is one wait; 50 at a time is 100 waits in a row, up to 100×; \
              starting 5 000 coroutines costs some of it. Below 7× they would not be waiting \
              together.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "thousands",
    title: "Can one thread wait on thousands of coroutines?",
    setup: "5 000 coroutines each await a 50 ms timer (`asyncio.sleep`): all at once on one \
            thread, then at most 50 at a time. Then 1 000 real requests go out at once.",
    claim: "Thousands of waiting coroutines are cheap; thousands of threads are not.",
    folklore: None,
    explanation: "A coroutine is a small object on the heap; an OS thread reserves a stack \
                  (8 MiB of address space by default on Linux) and costs the scheduler. \
                  Here 5 000 coroutines each await a 50 ms timer (asyncio.sleep) at once \
                  on one thread, against at most 50 at a time: all at once is one wait, \
                  50 at a time is 100 waits in a row. Real requests are another matter: the \
                  last step sends 1 000 through the page's service worker, and the browser's \
                  rate of answering them, not the wait, sets their pace.",
    python: r#"import asyncio

async def task(i, limit=None):
    if limit is None:
        await asyncio.sleep(0.05)
    else:
        async with limit:  # at most 50 waiting at once
            await asyncio.sleep(0.05)
    return i

async def main(n, k=None):
    limit = asyncio.Semaphore(k) if k else None
    return await asyncio.gather(*(task(i, limit) for i in range(n)))

asyncio.run(main(5_000))      # all at once
asyncio.run(main(5_000, 50))  # 50 at a time"#,
    question: "5 000 coroutines each sleeping 50 ms, all waiting at once on one thread…",
    options: [
        "fail: one thread cannot hold that many",
        "finish in about one sleep, with memory to spare",
        "take 5 000 × 50 ms",
    ],
    answer: 1,
    needs_pool: false,
    claims: CLAIMS,
    steps: |_| {
        let real = Builtin {
            requests: REAL_REQUESTS,
            latency_ms: SLEEP_MS,
            bytes: 1024,
            ..Builtin::default()
        };
        vec![
            sleeps(
                "5 000 at once (gather)".into(),
                IoModel::Gather,
                1,
                COROUTINES,
                SLEEP_MS,
            ),
            sleeps(
                "At most 50 at a time (Semaphore(50))".into(),
                IoModel::Bounded,
                50,
                COROUTINES,
                SLEEP_MS,
            ),
            io(
                "1 000 real requests at once (fetch)".into(),
                IoModel::Gather,
                1,
                real,
            ),
        ]
    },
    words,
    grade,
    timeline: None,
    about_s: 9,
};

fn grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    let at_once = io_run(outcomes.first()?).ok()?;
    let seconds = at_once.summary.wall_ms / 1e3;
    let option = if at_once.summary.failed > 0 {
        0
    } else if seconds < 0.5 {
        1
    } else if seconds > 100.0 {
        2
    } else {
        return None;
    };
    Some(Grade {
        option,
        measured: format!(
            "5 000 coroutines sleeping 50 ms at once finished in {seconds:.2} s, {} of them failing",
            at_once.summary.failed
        ),
    })
}

fn words(_: usize, all: &[Outcome], _: &[Judged]) -> Result<Words, String> {
    let [gather, bounded, real] = outcomes::<3>(all)?;
    let (g, b, r) = (io_run(gather)?, io_run(bounded)?, io_run(real)?);
    let memory = g
        .memory
        .as_ref()
        .map(|m| {
            let grown = m.wasm_bytes.saturating_sub(m.wasm_before_bytes) as f64;
            format!(", the engine's memory growing by {}", mib(grown))
        })
        .unwrap_or_default();
    let (at_once, in_turns) = (g.summary.wall_ms, b.summary.wall_ms);
    let rate = r.summary.ok as f64 / (r.summary.wall_ms / 1e3).max(1e-3);
    Ok(format!(
        "{} coroutines sleeping {SLEEP_MS:.0} ms: {} waiting at once, done in {:.2} s{memory}; 50 \
         at a time: {:.1} s ({:.0}× as long, about {} sleeps in a row). {} real requests at once \
         took {:.1} s: the browser answered about {:.0} a second, and that rate, not the \
         {SLEEP_MS:.0} ms wait, set their pace. 5 000 threads would reserve some 40 GB of stack \
         address space.",
        group(u64::from(COROUTINES)),
        group(g.summary.max_in_flight as u64),
        at_once / 1e3,
        in_turns / 1e3,
        in_turns / at_once.max(1e-3),
        COROUTINES / 50,
        group(u64::from(REAL_REQUESTS)),
        r.summary.wall_ms / 1e3,
        rate
    )
    .into())
}
