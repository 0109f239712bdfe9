//! Lessons 6 and 7: concurrent requests beat sequential ones, and a bounded pool caps them.

use crate::engine::io::{Builtin, IoModel, IoRun};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{io, io_run, spread_of};
use super::super::{Grade, Lesson, Outcome, Words};

const ONE_AT_A_TIME: usize = 0;
const ALL_AT_ONCE: usize = 1;

const FETCH_CLAIMS: &[Claim] = &[
    Claim {
        id: "fetch.faster",
        says: "16 requests all at once finish at least 3 times as fast as one at a time",
        measure: Measure::Faster {
            base: ONE_AT_A_TIME,
            step: ALL_AT_ONCE,
        },
        bound: Bound::AtLeast(3.0),
        margin: 1.0,
        role: Role::Claim,
        why: "The waits overlap: one latency instead of sixteen, so up to 16×. A browser \
              answers a page's requests a few at a time, which keeps it under 16×; below 2× the \
              waits would hardly overlap at all.",
    },
    Claim {
        id: "fetch.one-ok",
        says: "every request one at a time came back",
        measure: Measure::Lost {
            step: ONE_AT_A_TIME,
        },
        bound: Bound::AtMost(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "A failed request is not a wait: the times would compare other things.",
    },
    Claim {
        id: "fetch.all-ok",
        says: "every request all at once came back",
        measure: Measure::Lost { step: ALL_AT_ONCE },
        bound: Bound::AtMost(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "A failed request is not a wait: the times would compare other things.",
    },
];

pub(super) const FETCH: Lesson = Lesson {
    slug: "fetch",
    title: "Sixteen requests: one at a time, or all at once?",
    setup: "16 requests go to the page's own service worker, which answers each after 200 ms: \
            first one after another, then all at once (the model of `asyncio.gather`), on one \
            thread.",
    claim: "Sixteen requests of 200 ms take 3.2 s one after another and about 0.2 s all at \
            once, on a single thread.",
    folklore: None,
    explanation: "While a request waits for its answer, nothing needs the CPU. \
                  asyncio.gather starts every request and waits for all of them together, \
                  so the waits overlap. No second core, no thread: one event loop.",
    python: r#"import asyncio, time
import aiohttp

async def main(urls):
    async with aiohttp.ClientSession() as session:
        async def get(url):
            async with session.get(url) as response:
                return await response.text()

        start = time.perf_counter()
        for url in urls:
            await get(url)                     # one at a time
        print(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*map(get, urls))  # all at once
        print(time.perf_counter() - start)"#,
    question: "16 requests of 200 ms each, all at once on one thread, take about…",
    options: [
        "3.2 s: one thread can only wait for one",
        "0.2 s: the waits overlap",
        "1.6 s: half and half",
    ],
    answer: 1,
    needs_pool: false,
    claims: FETCH_CLAIMS,
    steps: |_| {
        vec![
            io(
                "One at a time".into(),
                IoModel::Sequential,
                1,
                Builtin::default(),
            ),
            io(
                "All at once (gather)".into(),
                IoModel::Gather,
                1,
                Builtin::default(),
            ),
        ]
    },
    words: fetch_words,
    grade: fetch_grade,
    timeline: None,
    about_s: 4,
};

fn fetch_grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    let at_once = io_run(outcomes.get(ALL_AT_ONCE)?).ok()?.summary.wall_ms;
    let option = match at_once {
        ms if ms < 600.0 => 1,
        ms if (1_000.0..=2_200.0).contains(&ms) => 2,
        ms if ms > 2_500.0 => 0,
        _ => return None,
    };
    Some(Grade {
        option,
        measured: format!("16 requests all at once took {:.2} s", at_once / 1e3),
    })
}

fn fetch_words(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Result<Words, String> {
    let (s, g) = (
        io_run(&outcomes[ONE_AT_A_TIME])?,
        io_run(&outcomes[ALL_AT_ONCE])?,
    );
    let n = s.requests.len();
    Ok(format!(
        "{n} requests: one at a time {:.0} ms, all at once {:.0} ms — {:.1}× faster on one thread.",
        s.summary.wall_ms,
        g.summary.wall_ms,
        s.summary.wall_ms / g.summary.wall_ms.max(1e-9)
    )
    .into())
}

/// The bounded lesson's pool sizes, and the time each should take: ⌈16 / k⌉ latencies of the
/// built-in targets' 200 ms (`Builtin::default()`; a test checks the engine's own ideal agrees).
const BOUNDS: [usize; 3] = [2, 4, 8];
pub(crate) const BOUNDED_IDEAL_MS: [f64; 3] = [1_600.0, 800.0, 400.0];

const fn near_ideal(id: &'static str, says: &'static str, step: usize) -> Claim {
    Claim {
        id,
        says,
        measure: Measure::OverIdeal {
            step,
            ideal_ms: BOUNDED_IDEAL_MS[step],
        },
        bound: Bound::AtMost(1.3),
        margin: 0.2,
        role: Role::Claim,
        why: "At most k requests wait at once, so 16 take ⌈16/k⌉ latencies and a little more. \
              Half as long again would mean requests queued beyond the bound.",
    }
}

const BOUNDED_CLAIMS: &[Claim] = &[
    near_ideal(
        "bounded.k2",
        "at most 2 at a time take about 8 latencies",
        0,
    ),
    near_ideal(
        "bounded.k4",
        "at most 4 at a time take about 4 latencies",
        1,
    ),
    near_ideal(
        "bounded.k8",
        "at most 8 at a time take about 2 latencies",
        2,
    ),
];

pub(super) const BOUNDED: Lesson = Lesson {
    slug: "bounded",
    title: "What does a pool of k do to sixteen requests?",
    setup: "16 requests of 200 ms each go through a pool that lets at most 2, then 4, then 8 \
            of them wait at once.",
    claim: "ThreadPoolExecutor(max_workers=k) finishes N requests of latency L in about \
            ⌈N/k⌉·L: at most k requests a latency.",
    folklore: None,
    explanation: "A pool of k workers, or a semaphore of k, lets only k requests wait at \
                  once. That protects the server and your memory, and it caps throughput \
                  at k requests per latency.",
    python: r#"import urllib.request
from concurrent.futures import ThreadPoolExecutor

def get(url):
    with urllib.request.urlopen(url) as response:
        return response.read()

for k in (2, 4, 8):
    with ThreadPoolExecutor(max_workers=k) as pool:
        list(pool.map(get, urls))  # about ceil(16 / k) * 0.2 s"#,
    question: "16 requests of 200 ms with at most 4 at a time take about…",
    options: ["0.2 s", "0.8 s", "3.2 s"],
    answer: 1,
    needs_pool: false,
    claims: BOUNDED_CLAIMS,
    steps: |_| {
        BOUNDS
            .into_iter()
            .map(|k| {
                io(
                    format!("At most {k} at a time"),
                    IoModel::Bounded,
                    k,
                    Builtin::default(),
                )
            })
            .collect()
    },
    words: bounded_words,
    grade: bounded_grade,
    timeline: None,
    about_s: 4,
};

fn bounded_grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    // The question is about at most 4 at a time: the second step.
    let four = io_run(outcomes.get(1)?).ok()?.summary.wall_ms;
    let option = match four {
        ms if ms < 400.0 => 0,
        ms if (500.0..=1_200.0).contains(&ms) => 1,
        ms if ms > 2_400.0 => 2,
        _ => return None,
    };
    Some(Grade {
        option,
        measured: format!("at most 4 at a time took {:.2} s", four / 1e3),
    })
}

fn bounded_words(_: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let runs: Vec<&IoRun> = outcomes.iter().map(io_run).collect::<Result<_, _>>()?;
    let parts: Vec<String> = runs
        .iter()
        .zip(["bounded.k2", "bounded.k4", "bounded.k8"])
        .map(|(r, id)| {
            let per_s = r.requests.len() as f64 / (r.summary.wall_ms / 1e3);
            let over = spread_of(judged, id).map_or(f64::NAN, |s| s.median);
            format!(
                "k = {}: {:.0} ms ({per_s:.0} requests/s, {over:.2}× the ideal)",
                r.workers, r.summary.wall_ms
            )
        })
        .collect();
    Ok(format!(
        "{}: throughput grows with k, about k requests per 200 ms.",
        parts.join("; ")
    )
    .into())
}
