//! Lesson 12: two locks taken in opposite orders deadlock; one order, or a timeout with
//! back-off, does not.

use crate::engine::protocol::{SharedDemo, SharedOutcome};
use crate::engine::run::deadlock::{LockOrder, WaitFor, WATCHDOG_MS};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::outcomes;
use super::super::{group, Grade, Lesson, Outcome, Probe, Step, Words};

/// Rounds per thread: each holds its first lock 2 ms, so one order takes about 0.2 s.
const ROUNDS: u64 = 50;

const OPPOSITE: usize = 0;
const ONE_ORDER: usize = 1;
const TIMEOUT: usize = 2;

const CLAIMS: &[Claim] = &[
    Claim {
        id: "deadlock.opposite",
        says: "in opposite orders, the threads stop short of their rounds",
        measure: Measure::Lost { step: OPPOSITE },
        bound: Bound::MoreThan(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "Each holds its first lock while it waits for its second, which the other holds: \
              neither can go on, and only the watchdog ends it. CPython here: 0 of 100 rounds \
              (python/measured/deadlock.json), the two threads stuck for good.",
    },
    Claim {
        id: "deadlock.one-order",
        says: "in one order, every round takes both locks",
        measure: Measure::Lost { step: ONE_ORDER },
        bound: Bound::AtMost(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "Whoever holds A can always get B: nobody holds B while waiting for A. CPython here: \
              100 of 100.",
    },
    Claim {
        id: "deadlock.timeout",
        says: "with acquire(timeout=…) and back-off, every round takes both locks",
        measure: Measure::Lost { step: TIMEOUT },
        bound: Bound::AtMost(0.0),
        margin: 0.0,
        role: Role::Claim,
        why: "A thread that cannot get its second lock in time lets go of its first, so the \
              other can finish its round. CPython here: 100 of 100, after 55 timeouts.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "deadlock",
    title: "What happens when two threads take two locks?",
    setup: "Two threads each take locks A and B 50 times, holding the first 2 ms (the work \
            between them) before taking the second, on real threads of this page's pool. \
            Thread 0 takes A, then B. Thread 1 takes B, then A; then A, then B, as thread 0 \
            does; then B, then A again, but with `acquire(timeout=0.02)` for the second lock, \
            letting go of the first and backing off when it times out. A watchdog ends a run \
            in which nothing has moved for 0.5 s, and says who held what.",
    claim: "Two threads taking two locks in opposite orders can stop for ever, each holding the \
            lock the other waits for; taking locks in one global order, or with a timeout that \
            lets go and backs off, cannot.",
    folklore: None,
    explanation: "A deadlock needs four things at once: locks held exclusively, held while \
                  waiting for another, never taken away, and a cycle of threads each waiting \
                  for the next. Here thread 0 holds A and waits for B while thread 1 holds B and \
                  waits for A. CPython's `lock.acquire()` waits for ever, and nothing inside the \
                  program notices: the process sits idle until someone kills it (py-spy dump or \
                  faulthandler show where each thread waits). Break any one condition and it \
                  cannot happen: take locks in one global order (by name, by id) so no cycle can \
                  form, or take the second with `acquire(timeout=…)` and let go of the first on \
                  a timeout. Backing off by a time that differs by thread keeps the two from \
                  colliding again and again (a livelock).",
    python: r#"import threading, time

a, b = threading.Lock(), threading.Lock()

def take_both(first, second):
    for _ in range(50):
        with first:
            time.sleep(0.002)  # the work between the two
            with second:       # waits for ever if the other holds it and wants ours
                pass

t0 = threading.Thread(target=take_both, args=(a, b), daemon=True)
t1 = threading.Thread(target=take_both, args=(b, a), daemon=True)  # the opposite order
t0.start(); t1.start()
t0.join(timeout=2); t1.join(timeout=2)
print('deadlocked' if t0.is_alive() and t1.is_alive() else 'finished')"#,
    question: "Thread 0 takes lock A then lock B, thread 1 takes B then A, fifty times each, \
               holding the first a moment. The program…",
    options: [
        "finishes: the threads take turns at the locks",
        "stops for good: each thread holds the lock the other waits for",
        "raises an error when a lock is already taken",
    ],
    answer: 1,
    needs_pool: true,
    claims: CLAIMS,
    steps: |_| {
        let locks = |label: &str, order| Step {
            first_result: false,
            label: label.into(),
            probe: Probe::Shared(SharedDemo::TwoLocks {
                order,
                rounds: ROUNDS,
            }),
        };
        vec![
            locks(
                "Opposite orders: thread 1 takes B, then A",
                LockOrder::Opposite,
            ),
            locks("One order: both take A, then B", LockOrder::OneOrder),
            locks(
                "Opposite orders, acquire(timeout=0.02) with back-off",
                LockOrder::TimeoutAndBackOff,
            ),
        ]
    },
    words,
    grade,
    timeline: Some(OPPOSITE),
    about_s: 3,
};

/// A run of two locks: rounds done of those asked, timeouts retried, and the deadlock's cycle.
fn two_locks(outcome: &Outcome) -> Result<(u64, u64, u64, &[WaitFor]), String> {
    match outcome {
        Outcome::Shared(SharedOutcome::TwoLocks {
            expected,
            completed,
            retries,
            waits_for,
            ..
        }) => Ok((*completed, *expected, *retries, waits_for)),
        other => Err(format!("expected two locks, got {}", other.kind())),
    }
}

/// "thread 0 held A and waited for B, thread 1 held B and waited for A".
pub fn describe_cycle(cycle: &[WaitFor]) -> String {
    cycle
        .iter()
        .map(|w| {
            format!(
                "thread {} held {} and waited for {}",
                w.thread, w.holds, w.wants
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    let (completed, expected, _, cycle) = two_locks(outcomes.get(OPPOSITE)?).ok()?;
    let option = if completed == expected {
        0
    } else if !cycle.is_empty() {
        1
    } else {
        return None;
    };
    Some(Grade {
        option,
        measured: format!(
            "in opposite orders the threads took both locks in {} of {} rounds{}",
            group(completed),
            group(expected),
            if cycle.is_empty() {
                ""
            } else {
                ", then stopped, each waiting for the other"
            }
        ),
    })
}

fn words(_: usize, all: &[Outcome], _: &[Judged]) -> Result<Words, String> {
    let [opposite, one, timeout] = outcomes::<3>(all)?;
    let (done, of, _, cycle) = two_locks(opposite)?;
    let (one_done, one_of, _, _) = two_locks(one)?;
    let (timeout_done, timeout_of, retries, _) = two_locks(timeout)?;
    let stuck = if cycle.is_empty() {
        "and never stuck".to_string()
    } else {
        format!(
            "then stuck: {}; the watchdog ended it after {:.1} s without a round done",
            describe_cycle(cycle),
            WATCHDOG_MS / 1e3
        )
    };
    Ok(format!(
        "Opposite orders: {} of {} rounds took both locks, {stuck}. One order: {} of {}. \
         Opposite orders with a timeout and back-off: {} of {}, after {} timeouts let go and \
         tried again.",
        group(done),
        group(of),
        group(one_done),
        group(one_of),
        group(timeout_done),
        group(timeout_of),
        group(retries),
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rounds::Verdict;

    fn run(completed: u64, retries: u64, deadlocked: bool) -> Outcome {
        let waits_for = |thread, holds: &str, wants: &str| WaitFor {
            thread,
            holds: holds.into(),
            wants: wants.into(),
        };
        Outcome::Shared(SharedOutcome::TwoLocks {
            order: LockOrder::Opposite,
            expected: 100,
            completed,
            retries,
            waits_for: if deadlocked {
                vec![waits_for(0, "A", "B"), waits_for(1, "B", "A")]
            } else {
                Vec::new()
            },
            ms: 700.0,
        })
    }

    #[test]
    fn opposite_orders_deadlock_and_the_cures_finish() {
        let lesson = crate::engine::lessons::find("deadlock").unwrap();
        let as_cpython = [run(0, 0, true), run(100, 0, false), run(100, 55, false)];
        let c = lesson.conclude(2, &as_cpython).unwrap();
        assert!(c.holds(), "{}", c.line);
        assert_eq!(c.grade.unwrap().option, lesson.answer);
        assert_eq!(
            c.line,
            "Opposite orders: 0 of 100 rounds took both locks, then stuck: thread 0 held A and \
             waited for B, thread 1 held B and waited for A; the watchdog ended it after 0.5 s \
             without a round done. One order: 100 of 100. Opposite orders with a timeout and \
             back-off: 100 of 100, after 55 timeouts let go and tried again."
        );
        // Opposite orders that happened to finish: not as claimed, and graded so.
        let lucky = [run(100, 0, false), run(100, 0, false), run(100, 3, false)];
        let c = lesson.conclude(2, &lucky).unwrap();
        assert_eq!(c.verdict, Verdict::Fails, "{}", c.line);
        assert_eq!(c.grade.unwrap().option, 0);
        // A cure that stopped short fails too.
        let stuck = [run(0, 0, true), run(40, 0, true), run(100, 55, false)];
        assert_eq!(lesson.conclude(2, &stuck).unwrap().verdict, Verdict::Fails);
    }
}
