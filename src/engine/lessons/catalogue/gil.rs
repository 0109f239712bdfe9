//! Lesson 1: threads under a GIL against processes, with free threads as what k cores give.

use crate::engine::rounds::Verdict;
use crate::engine::run::models::{Model, RunConfig};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{countdown, speedup, spread_of, verdict_of};
use super::super::{Grade, Lesson, Outcome, Words};

/// The steps, in order: what the claims name them by.
const SEQUENTIAL: usize = 0;
const GIL_THREADS: usize = 1;
const PROCESSES: usize = 2;
const FREE_THREADS: usize = 3;

/// What the machine must give k workers that really run at once for the lesson to tell GIL
/// threads from them: shared by every lesson that measures it.
pub(super) const CAPACITY: f64 = 1.4;
/// The most GIL threads may gain and still be "no faster than one thread": shared with the
/// lessons whose threads or coroutines take turns on one interpreter.
pub(super) const TAKING_TURNS: f64 = 1.25;

pub(super) const CLAIMS: &[Claim] = &[
    Claim {
        id: "gil.capacity",
        says: "{k} free threads, which really run at once, run faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: FREE_THREADS,
        },
        bound: Bound::AtLeast(CAPACITY),
        margin: 0.0,
        role: Role::Needs,
        why: "What this machine gives k workers that run at once, measured in the same rounds: \
              below 1.4×, threads that take turns cannot be told from threads that run together. \
              CPython measures the same with k threads hashing, which release the GIL.",
    },
    Claim {
        id: "gil.threads",
        says: "{k} GIL threads are no faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: GIL_THREADS,
        },
        bound: Bound::AtMost(TAKING_TURNS),
        margin: 0.15,
        role: Role::Claim,
        why: "Threads that take turns gain nothing but what the machine's noise gives them. \
              1.25, not 1.10: this project's machine has two cores that run CPython up to 40 % \
              apart, a one-thread run lands on either, and the middle half of CPython's own GIL \
              threads' rounds reaches 1.15 there (python/measured/). Past 1.4× they would be \
              running at once.",
    },
    Claim {
        id: "gil.processes",
        says: "{k} processes reach at least two thirds of what {k} free threads reach",
        measure: Measure::Faster {
            base: FREE_THREADS,
            step: PROCESSES,
        },
        bound: Bound::AtLeast(0.65),
        margin: 0.10,
        role: Role::Claim,
        why: "Processes each have their own interpreter and GIL, so they use the cores as free \
              threads do, less what sending their work and results costs. Judged against what \
              free threads reach in the same round, not against the cores the browser reports, \
              which may be invented or include slower cores. Two thirds, not three quarters: \
              CPython's own processes reach about all of it on this project's machine, but the \
              middle half of their rounds reaches below three quarters at k = 2, its one-thread \
              runs landing on either of two cores that run CPython up to 40 % apart. Threads \
              that take turns reach about half of it at k = 2, and less at larger k.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "gil",
    title: "Threads or processes for CPU work?",
    setup: "A countdown of 1 000 000 000 steps (`while n > 0: n -= 1`), split into 64 tasks, \
            runs four ways: on one thread; on k threads that take turns under one lock with \
            CPython's 5 ms switch interval, as CPython's threads take turns under the GIL; on k \
            worker processes, each with its own memory; and on k free threads that run at once \
            (as free-threaded Python 3.13t), which show what k cores give. k is what this \
            machine gains up to, measured first.",
    claim: "Two CPython threads counting down take as long as one thread doing both halves, \
            while two processes take about half as long.",
    folklore: None,
    explanation: "CPython lets one thread run Python bytecode at a time: a thread must hold \
                  the global interpreter lock (GIL), and gives it up every 5 ms so others \
                  get a turn. For pure computation, threads take turns instead of running \
                  together. Processes each have their own interpreter and their own GIL, so \
                  they run on separate cores. Here the same countdown runs sequentially, on \
                  k threads that take turns under one lock with CPython's switch interval, \
                  on k worker processes, and on k free threads (as free-threaded 3.13t), which \
                  show what k cores give on this machine.",
    python: r#"import time
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

def count(n):
    while n > 0:
        n -= 1

if __name__ == '__main__':
    N, K = 100_000_000, 2
    for Pool in (ThreadPoolExecutor, ProcessPoolExecutor):
        start = time.perf_counter()
        with Pool(K) as pool:
            list(pool.map(count, [N // K] * K))
        print(Pool.__name__, time.perf_counter() - start)"#,
    question: "With k threads under a GIL, the countdown will take…",
    options: [
        "about 1/k of the time: threads share the work",
        "about as long as one thread, or longer",
        "it depends on the size of N",
    ],
    answer: 1,
    needs_pool: true,
    claims: CLAIMS,
    steps: |k| {
        vec![
            countdown("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
            countdown(
                format!("{k} GIL threads"),
                RunConfig::new(Model::GilThreads, k),
            ),
            countdown(
                format!("{k} processes"),
                RunConfig::new(Model::Processes, k),
            ),
            countdown(
                format!("{k} free threads (as 3.13t): what {k} cores give"),
                RunConfig::new(Model::FreeThreads, k),
            ),
        ]
    },
    words,
    grade,
    timeline: Some(GIL_THREADS),
    about_s: 15,
};

/// The option a speedup of k workers that may take turns bears out, for the lessons that ask
/// "shares the work (0) or no faster (1)?": no faster up to [`TAKING_TURNS`], shared from 0.6·k;
/// between them, neither.
pub(super) fn shared_or_taking_turns(speedup: f64, k: usize) -> Option<usize> {
    if speedup <= TAKING_TURNS {
        Some(1)
    } else if speedup >= 0.6 * k as f64 {
        Some(0)
    } else {
        None
    }
}

fn grade(k: usize, _: &[Outcome], judged: &[Judged]) -> Option<Grade> {
    let threads = spread_of(judged, "gil.threads").ok()?.median;
    let option = shared_or_taking_turns(threads, k)?;
    Some(Grade {
        option,
        measured: format!("{k} GIL threads ran {threads:.2}\u{d7} as fast as one thread"),
    })
}

fn words(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let threads = spread_of(judged, "gil.threads")?;
    let share = spread_of(judged, "gil.processes")?;
    let processes = speedup(outcomes, SEQUENTIAL, PROCESSES)?;
    let capacity = spread_of(judged, "gil.capacity")?;
    let threads_words = match verdict_of(judged, "gil.threads") {
        Some(Verdict::Holds) => "no faster than one thread",
        Some(Verdict::Fails) => "faster than threads that take turns can be",
        _ => "unclear",
    };
    let processes_words = match verdict_of(judged, "gil.processes") {
        Some(Verdict::Holds) => "they use the cores",
        Some(Verdict::Fails) => "well short of what the cores give",
        _ => "unclear",
    };
    Ok(format!(
        "{k} GIL threads: {threads} — {threads_words}. {k} processes: {processes} — {:.0} % of \
         what {k} free threads reach ({:.2}\u{d7}, which is what this machine's cores give): \
         {processes_words}.",
        share.median * 100.0,
        capacity.median,
    )
    .into())
}
