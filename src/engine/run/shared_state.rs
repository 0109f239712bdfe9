//! Shared state between threads, and what goes wrong without a lock: the `threading.Lock` and
//! `threading.Condition` lessons. Threads are spawned with `rayon::scope` into the current pool,
//! as the other models do, so the demos run natively and on the browser's pool alike.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;
use crate::engine::run::control::RunControl;
use crate::engine::run::gil::{Gil, DEFAULT_SWITCH_INTERVAL};

/// How the counter is incremented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Increment {
    /// `with lock: counter += 1`: read and write happen as one step.
    Locked,
    /// `counter = counter + 1` with no lock on free threads (free-threaded CPython 3.13t): an
    /// atomic read, then a separate atomic write. Each is safe on its own, but another thread can
    /// write between them, and its update is lost.
    ReadThenWrite,
    /// The same under a GIL, as CPython with the GIL runs `counter += 1`: only the thread holding
    /// it runs, and it lets go only where the interpreter checks in, at calls and at the loop's
    /// backward jump, never between this read and write. So nothing is lost, which is why so
    /// many Python users never see the race.
    GilReadThenWrite,
    /// Under a GIL with a call between the read and the write (`v = counter; f(); counter =
    /// v + 1`): a switch can fall there, and the other thread's updates in its turn are
    /// overwritten.
    GilReadCallWrite,
}

/// What the counter ended at, against what it should have, and how much the threads counted at
/// the same time. A race needs them to: on a busy machine one thread may count its share while
/// the other waits for a core, and the operating system's time slices (milliseconds) rarely
/// fall inside one read-then-write, so nothing is lost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CounterOutcome {
    pub expected: u64,
    pub counted: u64,
    /// The share of each thread's stretches of `CANCEL_EVERY` increments during which another
    /// thread's increments showed up in the counter: near 1 for threads running side by side,
    /// near 0 for threads taking turns (the GIL's turns, or a busy machine's time slices), 0 if
    /// one counted everything before the other began. 1 for the locked counter, not sampled.
    pub together: f64,
}

impl CounterOutcome {
    pub fn lost_updates(&self) -> u64 {
        self.expected - self.counted
    }
}

/// How many increments or items go by between two looks at Cancel.
const CANCEL_EVERY: u64 = 1 << 16;

/// Each thread of the current rayon pool adds 1 to a shared counter `per_thread` times, or fewer
/// once `control` is cancelled.
/// The GIL variants take turns with CPython's 5 ms switch interval, timed on `clock`.
pub fn count_together(
    increment: Increment,
    per_thread: u64,
    clock: Clock,
    control: &RunControl,
) -> CounterOutcome {
    let threads = rayon::current_num_threads();
    let locked = Mutex::new(0u64);
    let racy = AtomicU64::new(0);
    let gil = Gil::new(DEFAULT_SWITCH_INTERVAL, clock);
    let under_gil = matches!(
        increment,
        Increment::GilReadThenWrite | Increment::GilReadCallWrite
    );
    // Start together, or a fast thread may finish before the next begins and hide the race.
    let start = Barrier::new(threads);
    // Each thread's lowest and highest value read from the racy counter.
    let seen = Mutex::new(Vec::with_capacity(threads));
    rayon::scope(|scope| {
        for me in 0..threads {
            let (locked, racy, start, gil, seen) = (&locked, &racy, &start, &gil, &seen);
            scope.spawn(move |_| {
                start.wait();
                if under_gil {
                    gil.acquire(me);
                }
                // Stretches of CANCEL_EVERY increments, and those in which the counter moved
                // by more than this thread's own: another thread counted meanwhile.
                let (mut stretches, mut shared, mut before) = (0u64, 0u64, None);
                for i in 0..per_thread {
                    if i % CANCEL_EVERY == 0 {
                        if control.is_cancelled() {
                            break;
                        }
                        let now = racy.load(Ordering::Relaxed);
                        if let Some(before) = before {
                            stretches += 1;
                            shared += u64::from(now.wrapping_sub(before) > CANCEL_EVERY);
                        }
                        before = Some(now);
                    }
                    // lesson: lock
                    match increment {
                        Increment::Locked => *lock(locked) += 1,
                        Increment::ReadThenWrite => {
                            let seen = racy.load(Ordering::Relaxed);
                            racy.store(seen + 1, Ordering::Relaxed);
                        }
                        Increment::GilReadThenWrite => {
                            let seen = racy.load(Ordering::Relaxed);
                            racy.store(seen + 1, Ordering::Relaxed);
                            gil.checkpoint(me); // the loop's backward jump
                        }
                        Increment::GilReadCallWrite => {
                            let seen = racy.load(Ordering::Relaxed);
                            gil.checkpoint(me); // the call between: a switch may fall here
                            racy.store(seen + 1, Ordering::Relaxed);
                            gil.checkpoint(me); // the loop's backward jump
                        }
                    }
                    // end lesson
                }
                if under_gil {
                    gil.release();
                }
                lock(seen).push((stretches, shared));
            });
        }
    });
    let counted = match increment {
        Increment::Locked => *lock(&locked),
        _ => racy.load(Ordering::Relaxed),
    };
    let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    let (stretches, shared) = seen.iter().fold((0, 0), |(n, s), (stretches, shared)| {
        (n + stretches, s + shared)
    });
    let together = if increment == Increment::Locked || stretches == 0 {
        1.0
    } else {
        shared as f64 / stretches as f64
    };
    CounterOutcome {
        expected: per_thread * threads as u64,
        counted,
        together,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a thread panicked; the count itself is still readable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A bounded FIFO queue built from one lock and two conditions, as `queue.Queue(maxsize)` is:
/// `put` waits while it is full, `get` waits while it is empty.
pub struct BoundedQueue<T> {
    items: Mutex<(VecDeque<T>, bool)>,
    not_full: Condvar,
    not_empty: Condvar,
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    pub fn new(capacity: usize) -> Self {
        BoundedQueue {
            items: Mutex::new((VecDeque::with_capacity(capacity), false)),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn put(&self, item: T) {
        let mut guard = lock(&self.items);
        while guard.0.len() >= self.capacity {
            guard = self.not_full.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        guard.0.push_back(item);
        drop(guard);
        self.not_empty.notify_one();
    }

    /// The next item, or `None` once the queue is closed and drained.
    pub fn get(&self) -> Option<T> {
        let mut guard = lock(&self.items);
        loop {
            if let Some(item) = guard.0.pop_front() {
                drop(guard);
                self.not_full.notify_one();
                return Some(item);
            }
            if guard.1 {
                return None;
            }
            guard = self
                .not_empty
                .wait(guard)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// No more puts: consumers drain what is left, then get `None` (the sentinel pattern).
    pub fn close(&self) {
        lock(&self.items).1 = true;
        self.not_empty.notify_all();
    }
}

/// What the consumers of a producer/consumer run took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerTally {
    /// Items each consumer took.
    pub per_consumer: Vec<u64>,
    /// Sum of every item taken.
    pub sum: u64,
}

/// Why a producer/consumer run cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsTwoThreads;

impl std::fmt::Display for NeedsTwoThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "producer/consumer needs at least 2 threads: one producer, one consumer"
        )
    }
}

impl std::error::Error for NeedsTwoThreads {}

/// One producer puts `0..items` into a queue of `capacity`; the other threads of the current pool
/// consume until it is closed. Every party blocks on the queue, so each needs its own thread: a
/// 1-thread pool would run the producer alone until the queue filled, and wait forever. Once
/// `control` is cancelled the producer stops putting and closes the queue.
pub fn produce_and_consume(
    items: u64,
    capacity: usize,
    control: &RunControl,
) -> Result<ConsumerTally, NeedsTwoThreads> {
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return Err(NeedsTwoThreads);
    }
    let consumers = threads - 1;
    let queue = BoundedQueue::new(capacity);
    let taken: Vec<Mutex<(u64, u64)>> = (0..consumers).map(|_| Mutex::new((0, 0))).collect();
    rayon::scope(|scope| {
        let (queue, taken) = (&queue, &taken);
        for slot in taken {
            scope.spawn(move |_| {
                while let Some(item) = queue.get() {
                    let mut tally = lock(slot);
                    tally.0 += 1;
                    tally.1 += item;
                }
            });
        }
        scope.spawn(move |_| {
            for item in 0..items {
                if item % CANCEL_EVERY == 0 && control.is_cancelled() {
                    break;
                }
                queue.put(item);
            }
            queue.close();
        });
    });
    let tallies: Vec<(u64, u64)> = taken.iter().map(|t| *lock(t)).collect();
    Ok(ConsumerTally {
        per_consumer: tallies.iter().map(|t| t.0).collect(),
        sum: tallies.iter().map(|t| t.1).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use crate::engine::test_pool as pool;

    #[test]
    fn the_locked_counter_never_loses_an_update() {
        for threads in 1..=4 {
            let outcome = pool(threads).install(|| {
                count_together(
                    Increment::Locked,
                    50_000,
                    system_clock,
                    &RunControl::default(),
                )
            });
            assert_eq!(outcome.expected, 50_000 * threads as u64);
            assert_eq!(outcome.lost_updates(), 0, "{threads} threads");
        }
    }

    #[test]
    fn how_much_threads_counted_at_once_is_measured() {
        // One thread: nothing to interleave with.
        let alone = pool(1).install(|| {
            count_together(
                Increment::ReadThenWrite,
                1_000_000,
                system_clock,
                &RunControl::default(),
            )
        });
        assert_eq!(alone.together, 0.0);
        assert_eq!(alone.lost_updates(), 0);
        let racing = pool(2).install(|| {
            count_together(
                Increment::ReadThenWrite,
                5_000_000,
                system_clock,
                &RunControl::default(),
            )
        });
        // A lost update means they counted at the same time.
        assert!(
            racing.lost_updates() == 0 || racing.together > 0.0,
            "{racing:?}"
        );
        assert!((0.0..=1.0).contains(&racing.together));
    }

    #[test]
    fn one_thread_cannot_race_itself() {
        let outcome = pool(1).install(|| {
            count_together(
                Increment::ReadThenWrite,
                100_000,
                system_clock,
                &RunControl::default(),
            )
        });
        assert_eq!(outcome.lost_updates(), 0);
    }

    #[test]
    fn the_racy_counter_never_counts_more_than_it_should() {
        // Whether updates are lost depends on timing, so only the bound is certain.
        let outcome = pool(4).install(|| {
            count_together(
                Increment::ReadThenWrite,
                100_000,
                system_clock,
                &RunControl::default(),
            )
        });
        // A thread that read long ago and writes late can undo any number of the others'
        // updates, so the count may fall below one thread's worth; it can never exceed the
        // expected total, and the first write leaves at least 1.
        assert!(outcome.counted <= outcome.expected);
        assert!(
            outcome.counted >= 1,
            "the counter was written at least once"
        );
    }

    #[test]
    fn every_item_is_consumed_exactly_once() {
        for (threads, capacity) in [(2, 1), (3, 4), (4, 16)] {
            let tally = pool(threads)
                .install(|| produce_and_consume(10_000, capacity, &RunControl::default()))
                .unwrap();
            assert_eq!(tally.per_consumer.iter().sum::<u64>(), 10_000);
            assert_eq!(tally.sum, (0..10_000).sum::<u64>());
            assert_eq!(tally.per_consumer.len(), threads - 1);
        }
    }

    #[test]
    fn under_a_gil_the_race_needs_a_switch_between_read_and_write() {
        let control = RunControl::default();
        let bare = pool(2).install(|| {
            count_together(
                Increment::GilReadThenWrite,
                2_000_000,
                system_clock,
                &control,
            )
        });
        assert_eq!(
            bare.lost_updates(),
            0,
            "CPython's counter += 1 under the GIL"
        );
        let call = pool(2).install(|| {
            count_together(
                Increment::GilReadCallWrite,
                2_000_000,
                system_clock,
                &control,
            )
        });
        assert!(
            call.lost_updates() > 0,
            "a call between read and write: {call:?}"
        );
    }

    #[test]
    fn a_cancel_stops_the_counter_and_the_producer() {
        let cancelled = RunControl::default();
        cancelled.cancel();
        let outcome = pool(2)
            .install(|| count_together(Increment::Locked, 10_000_000, system_clock, &cancelled));
        assert_eq!(outcome.counted, 0);
        let tally = pool(2)
            .install(|| produce_and_consume(10_000_000, 4, &cancelled))
            .unwrap();
        assert_eq!(tally.per_consumer, [0]);
    }

    #[test]
    fn producer_consumer_refuses_a_single_thread() {
        let err = pool(1)
            .install(|| produce_and_consume(10, 1, &RunControl::default()))
            .unwrap_err();
        assert!(err.to_string().contains("at least 2 threads"));
    }

    #[test]
    fn a_full_queue_blocks_the_producer_until_a_consumer_takes() {
        let queue = BoundedQueue::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..100 {
                    queue.put(i);
                }
                queue.close();
            });
            let got: Vec<i32> = std::iter::from_fn(|| queue.get()).collect();
            assert_eq!(got, (0..100).collect::<Vec<_>>(), "FIFO, nothing lost");
        });
    }
}
