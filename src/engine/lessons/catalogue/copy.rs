//! Lesson 3: processes pay to copy their data; threads that share memory copy nothing.

use crate::engine::rounds::Verdict;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, RunConfig};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{cpu, mib, speedup, spread_of, trace, verdict_of};
use super::super::{Grade, Lesson, Outcome, Words};
use super::gil::{CAPACITY, TAKING_TURNS};

const SEQUENTIAL: usize = 0;
const GIL_THREADS: usize = 1;
const PROCESSES: usize = 2;
const FREE_THREADS: usize = 3;

const SIZE: u64 = 8_000_000;

const CLAIMS: &[Claim] = &[
    Claim {
        id: "copy.capacity",
        says: "{k} free threads, which really run at once, sort faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: FREE_THREADS,
        },
        bound: Bound::AtLeast(CAPACITY),
        margin: 0.0,
        role: Role::Needs,
        why: "What this machine gives k workers that run at once and copy nothing: the gain \
              the processes would have had, had copying cost nothing. CPython measures it with \
              k threads hashing, which release the GIL.",
    },
    Claim {
        id: "copy.threads",
        says: "{k} GIL threads, sharing memory, are no faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: GIL_THREADS,
        },
        bound: Bound::AtMost(TAKING_TURNS),
        margin: 0.15,
        role: Role::Claim,
        why: "Sharing memory spares the copying, but under the GIL the threads still sort one \
              at a time.",
    },
    Claim {
        id: "copy.processes",
        says: "{k} processes reach at most nine tenths of what {k} free threads reach",
        measure: Measure::Faster {
            base: FREE_THREADS,
            step: PROCESSES,
        },
        bound: Bound::AtMost(0.9),
        margin: 0.1,
        role: Role::Claim,
        why: "Every chunk is packed, copied to a process and unpacked, and its sorted copy \
              comes back the same way, while free threads read the numbers where they are. \
              CPython's pickle costs far more per number than the browser's copy, so its \
              processes lose most of the gain (see the CPython column) and the browser's lose \
              less; at or above what free threads reach, copying would cost nothing.",
    },
    Claim {
        id: "copy.copied",
        says: "the processes copied the numbers there and back",
        measure: Measure::Copied { step: PROCESSES },
        bound: Bound::AtLeast(1.0),
        margin: 0.0,
        role: Role::Claim,
        why: "Bytes sent to and from the worker processes: processes share nothing.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "copy",
    title: "What does sending data to processes cost?",
    setup: "8 million numbers, in 64 chunks, are sorted four ways: on one thread; on k threads \
            under a GIL, which read the numbers where they are; on k worker processes, which are \
            sent every chunk and send its sorted copy back; and on k free threads (as \
            free-threaded Python 3.13t), which share the numbers and run at once.",
    claim: "Processes share nothing, so every input and result is pickled, sent and \
            unpickled; with large data that copying eats the gain.",
    folklore: None,
    explanation: "A process pool sends each chunk of work to a worker as bytes (pickle in \
                  Python, postMessage here) and the result back the same way. Threads read \
                  the same memory and copy nothing, but under the GIL they sort one at a time. \
                  Sorting 8 million numbers in chunks of one task each makes the copying plain \
                  to see: it runs sequentially, on k GIL threads, on k processes, and on k free \
                  threads (as free-threaded 3.13t), which share memory and run at once.",
    python: r#"import random, time
from multiprocessing import Pool

if __name__ == '__main__':
    data = [random.random() for _ in range(8_000_000)]
    chunks = [data[i:i + 250_000] for i in range(0, len(data), 250_000)]
    start = time.perf_counter()
    with Pool(2) as pool:
        # every chunk is pickled to a worker and its result pickled back
        runs = list(pool.imap(sorted, chunks, chunksize=1))
    print(time.perf_counter() - start)"#,
    question: "Sorting on k processes, which are sent the numbers, against k free threads, \
               which share them and run at once…",
    options: [
        "processes are about as fast as the free threads",
        "processes are slower: copying the data costs time",
        "processes are faster: no shared memory to fight over",
    ],
    answer: 1,
    needs_pool: true,
    claims: CLAIMS,
    steps: |k| {
        let sort = |label: String, run| cpu(label, "merge-sort", SIZE, 3, run);
        let one_by_one = |model| RunConfig::new(model, k).with_style(MapStyle::Imap, Some(1));
        vec![
            sort("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
            sort(
                format!("{k} GIL threads, sharing memory"),
                one_by_one(Model::GilThreads),
            ),
            sort(
                format!("{k} processes, copying"),
                one_by_one(Model::Processes),
            ),
            sort(
                format!("{k} free threads (as 3.13t), sharing memory"),
                one_by_one(Model::FreeThreads),
            ),
        ]
    },
    words,
    grade,
    timeline: Some(PROCESSES),
    about_s: 30,
};

fn grade(k: usize, _: &[Outcome], judged: &[Judged]) -> Option<Grade> {
    let share = spread_of(judged, "copy.processes").ok()?.median;
    let option = match share {
        s if s <= 0.9 => 1,
        s if s < 1.1 => 0,
        _ => 2,
    };
    Some(Grade {
        option,
        measured: format!(
            "{k} processes reached {:.0} % of what {k} free threads reached",
            share * 100.0
        ),
    })
}

fn words(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let processes = speedup(outcomes, SEQUENTIAL, PROCESSES)?;
    let threads = spread_of(judged, "copy.threads")?;
    let share = spread_of(judged, "copy.processes")?;
    let free = spread_of(judged, "copy.capacity")?;
    let copy = trace(&outcomes[PROCESSES])?.copy.unwrap_or_default();
    let processes_words = match verdict_of(judged, "copy.processes") {
        Some(Verdict::Holds) => "the copying costs them",
        Some(Verdict::Fails) => "as if copying cost nothing",
        _ => "unclear",
    };
    Ok(format!(
        "{k} processes: {processes} while copying {} ({:.0} ms packing and unpacking) — {:.0} % \
         of what {k} free threads sharing memory reach ({:.2}\u{d7}): {processes_words}. {k} GIL \
         threads sharing memory: {threads}, sorting one at a time.",
        mib(copy.bytes_copied() as f64),
        copy.serialize_ms + copy.deserialize_ms,
        share.median * 100.0,
        free.median,
    )
    .into())
}
