//! Lesson 11: shared state needs a lock.

use crate::engine::protocol::{SharedDemo, SharedOutcome};
use crate::engine::run::shared_state::Increment;

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::outcomes;
use super::super::{group, Grade, Lesson, Outcome, Probe, Step, Words};

/// Increments per thread for the lesson's GIL counters.
const GIL_COUNTS: u64 = 30_000_000;

const fn lost(
    id: &'static str,
    says: &'static str,
    step: usize,
    bound: Bound,
    why: &'static str,
) -> Claim {
    Claim {
        id,
        says,
        measure: Measure::Lost { step },
        bound,
        margin: 0.0,
        role: Role::Claim,
        why,
    }
}

const CLAIMS: &[Claim] = &[
    lost(
        "lock.bare",
        "under a GIL, counter += 1 loses no update",
        0,
        Bound::AtMost(0.0),
        "CPython switches threads only where the interpreter checks in, never inside \
         `counter += 1` (3.10 and later).",
    ),
    lost(
        "lock.call",
        "with a call between the read and the write, updates are lost",
        1,
        Bound::MoreThan(0.0),
        "A switch can fall at the call, between the read and the write.",
    ),
    lost(
        "lock.free",
        "free threads lose updates",
        2,
        Bound::MoreThan(0.0),
        "Threads that run at once read and write the counter between each other's reads and \
         writes (free-threaded 3.13t; a GIL build cannot run this step).",
    ),
    lost(
        "lock.locked",
        "with a lock, no update is lost",
        3,
        Bound::AtMost(0.0),
        "The lock makes the read and the write one step.",
    ),
    lost(
        "lock.queue",
        "the queue hands every item to exactly one consumer",
        4,
        Bound::AtMost(0.0),
        "queue.Queue is a lock and two conditions: a producer waits while it is full, a \
         consumer while it is empty.",
    ),
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "lock",
    title: "Do two threads lose updates to a shared counter?",
    setup: "Two threads each add to one shared counter many times: under a GIL with `counter += \
            1`, under a GIL with a call between the read and the write, as free threads (as \
            free-threaded Python 3.13t), and with a lock. Then a producer and two consumers \
            share a queue.Queue(16).",
    claim: "A read and a write of shared state from several threads lose updates whenever \
            a thread switch falls between them; with a lock they never do. A queue built on \
            a lock and conditions hands every item to exactly one consumer.",
    folklore: None,
    explanation: "`counter += 1` is a read, an add and a write. If another thread writes \
                  between this thread's read and write, an update is lost. Under CPython's \
                  GIL a switch only happens where the interpreter checks in, at calls and \
                  loop ends, never inside `counter += 1` (3.10 and later): so a bare \
                  `counter += 1` loses nothing, which is why so many never see this race. \
                  Put a call between the read and the write, or run free-threaded CPython \
                  (3.13t), and updates are lost. A lock makes the read and the write one \
                  step. queue.Queue is a lock plus two conditions (not full, not empty): \
                  producers wait while it is full, consumers while it is empty.",
    python: r#"import threading

counter = 0
lock = threading.Lock()

def tick():
    pass  # any call: CPython may switch threads here

def add(n, mode):
    global counter
    for _ in range(n):
        if mode == 'bare':
            counter += 1  # under the GIL no switch falls inside this line
        elif mode == 'call':
            v = counter; tick(); counter = v + 1  # a switch can fall between read and write
        else:
            with lock:
                v = counter; tick(); counter = v + 1

for mode in ('bare', 'call', 'lock'):
    counter = 0
    threads = [threading.Thread(target=add, args=(1_000_000, mode)) for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(mode, counter)  # bare and lock: 2_000_000; call: less"#,
    question: "Two threads each run `v = counter; tick(); counter = v + 1` a million times \
               without a lock. The counter ends at…",
    options: [
        "exactly 2 000 000",
        "less than 2 000 000",
        "more than 2 000 000",
    ],
    answer: 1,
    needs_pool: true,
    claims: CLAIMS,
    steps: |_| {
        let counter = |label: &str, increment, per_thread| Step {
            first_result: false,
            label: label.into(),
            probe: Probe::Shared(SharedDemo::Counter {
                increment,
                per_thread,
            }),
        };
        vec![
            // Long enough for dozens of 5 ms turns: in the browser 2 million increments
            // take under one switch interval, and a thread that never switches loses nothing.
            counter(
                "GIL threads: counter += 1",
                Increment::GilReadThenWrite,
                GIL_COUNTS,
            ),
            counter(
                "GIL threads: v = counter; f(); counter = v + 1",
                Increment::GilReadCallWrite,
                GIL_COUNTS,
            ),
            counter(
                "free threads (3.13t): counter += 1",
                Increment::ReadThenWrite,
                5_000_000,
            ),
            counter("with lock: counter += 1", Increment::Locked, 5_000_000),
            Step {
                first_result: false,
                label: "producer/consumer through queue.Queue(16)".into(),
                probe: Probe::Shared(SharedDemo::Queue {
                    items: 100_000,
                    capacity: 16,
                }),
            },
        ]
    },
    words,
    grade,
    timeline: None,
    about_s: 6,
};

fn grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    // The question is about the read, a call, then the write: the second step.
    let Outcome::Shared(SharedOutcome::Counter {
        expected, counted, ..
    }) = outcomes.get(1)?
    else {
        return None;
    };
    let option = match counted.cmp(expected) {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => 1,
        std::cmp::Ordering::Greater => 2,
    };
    Some(Grade {
        option,
        measured: format!(
            "with a call between the read and the write, the counter ended at {} of {}",
            group(*counted),
            group(*expected)
        ),
    })
}

fn words(_: usize, all: &[Outcome], _: &[Judged]) -> Result<Words, String> {
    let [bare, call, free, locked, queue] = outcomes::<5>(all)?;
    let lost = |o: &Outcome| match o {
        Outcome::Shared(SharedOutcome::Counter {
            expected, counted, ..
        }) => Ok((*expected, expected - counted)),
        other => Err(format!("expected a counter, got {}", other.kind())),
    };
    let share = |(expected, lost): (u64, u64)| {
        if lost == 0 {
            format!("none of {}", group(expected))
        } else {
            format!(
                "{} of {} ({:.0} %)",
                group(lost),
                group(expected),
                100.0 * lost as f64 / expected as f64
            )
        }
    };
    // A race needs its threads to count at the same time. On a busy machine the free threads may
    // only take turns on one core, whose time slices rarely split a read-then-write; the GIL's
    // threads may never switch at all. Then nothing is lost, and "lost none" says nothing about
    // the claim: what the claims cannot see, so it is said here.
    let together = |o: &Outcome| match o {
        Outcome::Shared(SharedOutcome::Counter {
            together: Some(together),
            ..
        }) => *together,
        _ => 1.0,
    };
    let (call_apart, free_apart) = (together(call) == 0.0, together(free) < 0.5);
    let (bare, call, free, locked) = (lost(bare)?, lost(call)?, lost(free)?, lost(locked)?);
    let unseen = (call.1 == 0 && call_apart) || (free.1 == 0 && free_apart);
    let (items, delivered) = match queue {
        Outcome::Shared(SharedOutcome::Queue {
            items,
            per_consumer,
            sum,
            expected_sum,
            ..
        }) => (
            *items,
            per_consumer.iter().sum::<u64>() == *items && sum == expected_sum,
        ),
        other => return Err(format!("expected a queue, got {}", other.kind())),
    };
    let line = format!(
        "Under a GIL, counter += 1 lost {} (as CPython: no switch falls inside it); with a call \
         between the read and the write it lost {}; free threads (as 3.13t) lost {}; with a \
         lock, {}. The queue delivered {} items {}.",
        share(bare),
        share(call),
        share(free),
        share(locked),
        group(items),
        if delivered { "once each" } else { "WRONGLY" },
    );
    // Only where nothing else went wrong: a lost update under a lock is a failure however busy.
    let cannot_tell = (unseen && bare.1 == 0 && locked.1 == 0 && delivered).then(|| {
        "The racing threads hardly ran at the same time, so nothing could be lost: this machine \
         was too busy to tell. Run again, ideally with other programs closed."
            .to_string()
    });
    Ok(Words { line, cannot_tell })
}
