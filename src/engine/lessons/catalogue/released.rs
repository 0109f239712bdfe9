//! Lesson 2: threads under the GIL do scale when the work lets go of it, as `hashlib` does on a
//! buffer over 2 KB (and `zlib`, and most of NumPy): the same hashing, held and released.

use crate::engine::rounds::Verdict;
use crate::engine::run::models::{Model, RunConfig};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{cpu, speedup, spread_of, verdict_of};
use super::super::{Grade, Lesson, Outcome, Words};
use super::gil::{CAPACITY, TAKING_TURNS};

/// The steps, in order: what the claims name them by.
const SEQUENTIAL: usize = 0;
const HELD: usize = 1;
const RELEASED: usize = 2;
const FREE_THREADS: usize = 3;

/// Blocks hashed: about 0.6 s on one core here, long enough for a step to outlast the machine's
/// hiccups, as the countdown lessons' count is (see `COUNT_TO`).
const BLOCKS: u64 = 1_500_000;

/// The least share of what free threads reach that GIL threads letting go of it must reach:
/// three quarters. CPython's threads hashing big buffers reach 97–105 % of what as many
/// processes reach on this project's machine (the middle halves at k = 2, 4 and 8,
/// python/measured/); threads that take turns reach about 1/k of it (half at k = 2), far below.
pub(super) const RELEASED_SHARE: f64 = 0.75;

pub(super) const CLAIMS: &[Claim] = &[
    Claim {
        id: "released.capacity",
        says: "{k} free threads, which really run at once, run faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: FREE_THREADS,
        },
        bound: Bound::AtLeast(CAPACITY),
        margin: 0.0,
        role: Role::Needs,
        why: "What this machine gives k workers that run at once, measured in the same rounds: \
              below 1.4×, threads that take turns cannot be told from threads that run \
              together. CPython measures the same with k processes hashing.",
    },
    Claim {
        id: "released.held",
        says: "{k} GIL threads that hold the GIL while they hash are no faster than one thread",
        measure: Measure::Faster {
            base: SEQUENTIAL,
            step: HELD,
        },
        bound: Bound::AtMost(TAKING_TURNS),
        margin: 0.15,
        role: Role::Claim,
        why: "Threads that take turns gain nothing but what the machine's noise gives them: the \
              same bound as the GIL lesson's. CPython's threads hashing in 96-byte pieces (each \
              call under 2 KB holds the GIL, and so does the loop around it) run 0.83× \
              (0.78–1.09) as fast as one thread doing the same at k = 2 on this project's \
              machine.",
    },
    Claim {
        id: "released.released",
        says: "{k} GIL threads that let go of it while they hash reach at least three quarters \
               of what {k} free threads reach",
        measure: Measure::Faster {
            base: FREE_THREADS,
            step: RELEASED,
        },
        bound: Bound::AtLeast(RELEASED_SHARE),
        margin: 0.10,
        role: Role::Claim,
        why: "A thread holds the GIL only to start a task and to hand back its result, \
              microseconds of each task's milliseconds: the hashing itself runs at once on \
              every core, as free threads' does. Judged against free threads in the same \
              round, not against the cores the browser reports. Threads that take turns reach \
              about 1/k of it; CPython's threads hashing 4 MB buffers reach about all of what \
              as many processes reach.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "released",
    title: "Can threads hash faster under the GIL?",
    setup: "SHA-256 over 1 500 000 blocks (each of 64 tasks chains `digest = sha256(digest + \
            block)` over its share) runs four ways: on one thread; on k threads under one lock \
            with CPython's 5 ms switch interval, holding it while they hash, as a loop of small \
            `hashlib` calls does; on k threads under the same lock that let go of it for each \
            task's hashing and take it back to return the digest, as one `hashlib.sha256` call \
            on a buffer over 2 KB does; and on k free threads that run at once (as \
            free-threaded Python 3.13t), which show what k cores give. k is what this machine \
            gains up to, measured first.",
    claim: "Threads under the GIL do speed up work that lets go of the GIL while it computes: \
            two threads hashing big buffers with `hashlib` take about half as long as one, \
            while two threads hashing in small pieces take as long as one.",
    folklore: Some(
        "CPU-bound work needs processes, even work done in an external library such as \
         NumPy: under the GIL, threads run one at a time and cannot speed it up.",
    ),
    explanation: "The GIL guards the interpreter, not the machine: C code that touches no \
                  Python objects may let go of it while it computes \
                  (`Py_BEGIN_ALLOW_THREADS`). `hashlib` does so for any buffer over 2 KB, \
                  `zlib` while it compresses, most of NumPy while it loops over arrays, and \
                  every blocking read or sleep. Threads calling such code hash, compress or \
                  multiply at once on separate cores, and a thread pool is the cheap way to \
                  use them: no process to start, nothing to copy. Hashing in small pieces, \
                  each call holds the GIL, as does the Python loop around it, and the threads \
                  take turns again. So \"CPU-bound needs processes\" is true of work written in \
                  Python, not of work done in C that releases the GIL.",
    python: r#"import hashlib, time
from concurrent.futures import ThreadPoolExecutor

BUFFER = bytes(4 << 20)  # over 2 KB: hashlib lets go of the GIL while it hashes

def hash_buffers(_):
    for _ in range(48):
        hashlib.sha256(BUFFER).digest()

def hash_pieces(_):  # 96-byte calls: each holds the GIL, as does the loop
    digest = bytes(32)
    for i in range(250_000):
        digest = hashlib.sha256(digest + i.to_bytes(8, 'little') * 8).digest()

if __name__ == '__main__':
    for work in (hash_buffers, hash_pieces):
        for k in (1, 2):
            start = time.perf_counter()
            with ThreadPoolExecutor(k) as pool:
                list(pool.map(work, range(2)))
            print(work.__name__, k, 'threads', time.perf_counter() - start)"#,
    question: "With k GIL threads that let go of the GIL while they hash, the hashing will \
               take…",
    options: [
        "about 1/k of the time: the threads hash at once",
        "about as long as one thread: the GIL lets one thread run at a time",
        "longer than one thread: the threads fight over the GIL",
    ],
    answer: 0,
    needs_pool: true,
    claims: CLAIMS,
    steps: |k| {
        let hash = |label: String, run| cpu(label, "sha256", BLOCKS, 3, run);
        vec![
            hash("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
            hash(
                format!("{k} GIL threads, holding the GIL"),
                RunConfig::new(Model::GilThreads, k),
            ),
            hash(
                format!("{k} GIL threads, letting go of it (as hashlib)"),
                RunConfig::new(Model::GilThreads, k).releasing_gil(),
            ),
            hash(
                format!("{k} free threads (as 3.13t): what {k} cores give"),
                RunConfig::new(Model::FreeThreads, k),
            ),
        ]
    },
    words,
    grade,
    timeline: Some(RELEASED),
    about_s: 15,
};

/// The option the releasing threads' speedup bears out: as long as one thread (1) within
/// 0.8–1.25, at once (0) from 0.6·k past that, longer (2) below 0.8; between, neither.
fn option_for(speedup: f64, k: usize) -> Option<usize> {
    if (0.8..=TAKING_TURNS).contains(&speedup) {
        Some(1)
    } else if speedup >= 0.6 * k as f64 {
        Some(0)
    } else if speedup < 0.8 {
        Some(2)
    } else {
        None
    }
}

fn grade(k: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    let released = speedup(outcomes, SEQUENTIAL, RELEASED).ok()?.median;
    Some(Grade {
        option: option_for(released, k)?,
        measured: format!(
            "{k} GIL threads letting go of it ran {released:.2}\u{d7} as fast as one thread"
        ),
    })
}

fn words(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let held = spread_of(judged, "released.held")?;
    let share = spread_of(judged, "released.released")?;
    let capacity = spread_of(judged, "released.capacity")?;
    let released = speedup(outcomes, SEQUENTIAL, RELEASED)?;
    let held_words = match verdict_of(judged, "released.held") {
        Some(Verdict::Holds) => "no faster than one thread: they take turns",
        Some(Verdict::Fails) => "faster than threads that take turns can be",
        _ => "unclear",
    };
    let released_words = match verdict_of(judged, "released.released") {
        Some(Verdict::Holds) => "they hash at once, as free threads do",
        Some(Verdict::Fails) => "well short of what the cores give",
        _ => "unclear",
    };
    Ok(format!(
        "{k} GIL threads letting go of it while they hash: {released} — {:.0} % of what {k} \
         free threads reach ({:.2}\u{d7}, which is what this machine's cores give): \
         {released_words}. {k} GIL threads holding it: {held} — {held_words}.",
        share.median * 100.0,
        capacity.median,
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_split_the_speedups_between_them() {
        assert_eq!(option_for(1.9, 2), Some(0));
        assert_eq!(option_for(1.3, 2), Some(0));
        assert_eq!(option_for(1.2, 2), Some(1));
        assert_eq!(option_for(1.0, 2), Some(1));
        assert_eq!(option_for(0.7, 2), Some(2));
        assert_eq!(option_for(1.4, 4), None);
        assert_eq!(option_for(2.5, 4), Some(0));
    }
}
