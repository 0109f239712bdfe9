//! Two threads and two locks: the deadlock lesson. Thread 0 takes lock A then lock B, holding A
//! a moment first (as real code does work between the two); thread 1 takes them in the order the
//! [`LockOrder`] says. Taken in opposite orders, each can end up holding the lock the other waits
//! for, and both wait for ever: CPython's `lock.acquire()` has no way out. Here a watchdog inside
//! the waits sees the cycle (who holds what, who waits for what) and, once nothing has moved for
//! [`WATCHDOG_MS`], ends the run with that picture, as a person would kill the stuck program.
//! The cures run to completion: one order for everyone, or `acquire(timeout=…)` that lets go of
//! the first lock and backs off.
//!
//! The locks are a mutex-guarded table of owners and one condition variable, not `std` mutexes,
//! so that a wait can give up (the watchdog, Cancel, a timeout) and the table says who holds
//! what. Threads run on the current rayon pool, which needs at least two.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;
use crate::engine::run::control::RunControl;

/// The order thread 1 takes the two locks in, and how it takes the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockOrder {
    /// Thread 1 takes B then A, the opposite of thread 0: `with b: with a:`.
    Opposite,
    /// Both take A then B: whoever holds A can always get B.
    OneOrder,
    /// Opposite orders, but each thread takes its second lock with `acquire(timeout=…)`; on a
    /// timeout it lets go of the first, backs off a moment, and tries the round again.
    TimeoutAndBackOff,
}

/// How long a thread holds its first lock before it takes the second: the work between them.
pub const HOLD_MS: u64 = 2;
/// `acquire(timeout=0.02)`.
pub const TIMEOUT_MS: f64 = 20.0;
/// How long both threads may wait on each other, nothing done, before the watchdog ends the run.
pub const WATCHDOG_MS: f64 = 500.0;
/// How often a waiting thread looks up (for the watchdog, Cancel or its timeout).
const LOOK_EVERY: Duration = Duration::from_millis(5);

const NAMES: [&str; 2] = ["A", "B"];

/// One thread's place in a deadlock: the lock it held and the lock it waited for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitFor {
    pub thread: usize,
    pub holds: String,
    pub wants: String,
}

/// What a run of the two threads came to.
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLocksOutcome {
    /// Rounds asked for, both threads together, and rounds that took both locks.
    pub expected: u64,
    pub completed: u64,
    /// Timeouts a thread let go of its first lock after, and tried again.
    pub retries: u64,
    /// Where the watchdog found the threads when it ended the run: empty if it never had to.
    pub waits_for: Vec<WaitFor>,
}

#[derive(Default)]
struct Table {
    /// Who holds lock A and lock B.
    owner: [Option<usize>; 2],
    /// The lock each thread waits for.
    wants: [Option<usize>; 2],
}

/// Why an acquire gave up.
enum GaveUp {
    TimedOut,
    /// The watchdog ended the run, or Cancel did.
    Stopped,
}

struct Locks<'a> {
    table: Mutex<Table>,
    freed: Condvar,
    /// Rounds completed so far: the watchdog's sign of life.
    progress: AtomicU64,
    stop: AtomicBool,
    deadlock: Mutex<Vec<WaitFor>>,
    clock: Clock,
    control: &'a RunControl,
}

impl Locks<'_> {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `lock.acquire()` (or with a timeout) by thread `me`; gives up when the watchdog or Cancel
    /// ends the run.
    fn acquire(&self, me: usize, lock: usize, timeout_ms: Option<f64>) -> Result<(), GaveUp> {
        let started = (self.clock)();
        let mut table = self.table();
        table.wants[me] = Some(lock);
        let (mut seen, mut since) = (self.progress.load(Ordering::Relaxed), started);
        let outcome = loop {
            // Once the run is ended, nobody takes a lock, even one just let go.
            if self.stop.load(Ordering::Relaxed) || self.control.is_cancelled() {
                break Err(GaveUp::Stopped);
            }
            if table.owner[lock].is_none() {
                table.owner[lock] = Some(me);
                break Ok(());
            }
            let now = (self.clock)();
            if timeout_ms.is_some_and(|t| now - started >= t) {
                break Err(GaveUp::TimedOut);
            }
            // The watchdog: a cycle of threads each waiting for a lock another holds, and no
            // round done for WATCHDOG_MS.
            let progress = self.progress.load(Ordering::Relaxed);
            if progress != seen {
                (seen, since) = (progress, now);
            } else if now - since >= WATCHDOG_MS {
                if let Some(cycle) = cycle(&table) {
                    *self.deadlock.lock().unwrap_or_else(|e| e.into_inner()) = cycle;
                    self.stop.store(true, Ordering::Relaxed);
                    self.freed.notify_all();
                    break Err(GaveUp::Stopped);
                }
            }
            table = self
                .freed
                .wait_timeout(table, LOOK_EVERY)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        table.wants[me] = None;
        outcome
    }

    fn release(&self, lock: usize) {
        self.table().owner[lock] = None;
        self.freed.notify_all();
    }
}

/// The threads waiting in a cycle, each for a lock the next holds, if there is one.
fn cycle(table: &Table) -> Option<Vec<WaitFor>> {
    let holder_of = |lock: usize| table.owner[lock];
    let mut path = Vec::new();
    let mut thread = (0..table.wants.len()).find(|&t| table.wants[t].is_some())?;
    loop {
        if path.iter().any(|w: &WaitFor| w.thread == thread) {
            return Some(path);
        }
        let wants = table.wants[thread]?;
        let holds = table.owner.iter().position(|o| *o == Some(thread))?;
        path.push(WaitFor {
            thread,
            holds: NAMES[holds].into(),
            wants: NAMES[wants].into(),
        });
        thread = holder_of(wants)?;
    }
}

/// Two threads of the current pool each take both locks `rounds` times, thread 1 in `order`.
/// Ends when every round is done, when the watchdog finds them deadlocked, or on Cancel.
pub fn two_locks(
    order: LockOrder,
    rounds: u64,
    clock: Clock,
    control: &RunControl,
) -> TwoLocksOutcome {
    let locks = Locks {
        table: Mutex::default(),
        freed: Condvar::new(),
        progress: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        deadlock: Mutex::default(),
        clock,
        control,
    };
    // Start together, or one thread may finish before the other begins.
    let start = Barrier::new(2);
    let retries = AtomicU64::new(0);
    rayon::scope(|scope| {
        for me in 0..2 {
            let (locks, start, retries) = (&locks, &start, &retries);
            scope.spawn(move |_| {
                start.wait();
                let tried_again = take_both(locks, me, order, rounds);
                retries.fetch_add(tried_again, Ordering::Relaxed);
            });
        }
    });
    let waits_for = locks
        .deadlock
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    TwoLocksOutcome {
        expected: 2 * rounds,
        completed: locks.progress.load(Ordering::Relaxed),
        retries: retries.load(Ordering::Relaxed),
        waits_for,
    }
}

/// Thread `me`'s rounds; returns how many times it let go after a timeout.
fn take_both(locks: &Locks<'_>, me: usize, order: LockOrder, rounds: u64) -> u64 {
    const A: usize = 0;
    const B: usize = 1;
    // lesson: deadlock
    let (first, second) = match (order, me) {
        (LockOrder::OneOrder, _) | (_, 0) => (A, B),
        _ => (B, A),
    };
    let timeout = (order == LockOrder::TimeoutAndBackOff).then_some(TIMEOUT_MS);
    let (mut done, mut retries) = (0, 0);
    while done < rounds {
        if locks.acquire(me, first, None).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(HOLD_MS)); // the work between the two
        match locks.acquire(me, second, timeout) {
            Ok(()) => {
                done += 1;
                locks.progress.fetch_add(1, Ordering::Relaxed);
                locks.release(second);
                locks.release(first);
            }
            Err(GaveUp::TimedOut) => {
                // Let go, back off a while that differs by thread, and try the round again.
                locks.release(first);
                retries += 1;
                std::thread::sleep(Duration::from_millis(1 + (me as u64 * 3 + retries) % 5));
            }
            Err(GaveUp::Stopped) => {
                locks.release(first);
                break;
            }
        }
    }
    // end lesson
    retries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use crate::engine::test_pool as pool;

    fn run(order: LockOrder, rounds: u64) -> TwoLocksOutcome {
        let control = RunControl::default();
        pool(2).install(|| two_locks(order, rounds, system_clock, &control))
    }

    #[test]
    fn opposite_orders_deadlock_and_the_watchdog_says_who_waits_for_whom() {
        let started = std::time::Instant::now();
        let out = run(LockOrder::Opposite, 20);
        assert!(out.completed < out.expected, "{out:?}");
        let mut cycle = out.waits_for.clone();
        cycle.sort_by_key(|w| w.thread);
        assert_eq!(
            cycle,
            [
                WaitFor {
                    thread: 0,
                    holds: "A".into(),
                    wants: "B".into()
                },
                WaitFor {
                    thread: 1,
                    holds: "B".into(),
                    wants: "A".into()
                },
            ]
        );
        // Ended by the watchdog, not left to hang.
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn one_order_and_timeouts_with_back_off_finish_every_round() {
        let out = run(LockOrder::OneOrder, 20);
        assert_eq!((out.completed, out.expected), (40, 40), "{out:?}");
        assert!(out.waits_for.is_empty());
        assert_eq!(out.retries, 0);
        let out = run(LockOrder::TimeoutAndBackOff, 20);
        assert_eq!((out.completed, out.expected), (40, 40), "{out:?}");
        assert!(out.waits_for.is_empty());
    }

    #[test]
    fn cancel_ends_a_deadlock_before_the_watchdog() {
        let control = RunControl::default();
        let started = std::time::Instant::now();
        let out = pool(3).install(|| {
            rayon::join(
                || two_locks(LockOrder::Opposite, 20, system_clock, &control),
                || {
                    std::thread::sleep(Duration::from_millis(50));
                    control.cancel();
                },
            )
            .0
        });
        assert!(out.waits_for.is_empty(), "{out:?}");
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn no_cycle_where_nobody_waits_on_a_holder() {
        let waiting_on_a_free_holder = Table {
            owner: [Some(0), None],
            wants: [None, Some(0)],
        };
        assert_eq!(cycle(&waiting_on_a_free_holder), None);
        let crossed = Table {
            owner: [Some(0), Some(1)],
            wants: [Some(1), Some(0)],
        };
        assert_eq!(cycle(&crossed).map(|c| c.len()), Some(2));
    }
}
