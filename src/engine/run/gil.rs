//! A global interpreter lock that behaves like CPython's (`Python/ceval_gil.c`).
//!
//! A thread must hold the GIL to compute. A thread that wants it waits up to the switch interval
//! (`sys.getswitchinterval()`, 5 ms by default); if the holder has not let go by then, the waiter
//! sets a drop request. The holder polls that request at its checkpoints (CPython's "eval
//! breaker", between bytecodes), releases the GIL and, as CPython does since 3.2 (FORCE_SWITCHING),
//! waits until another thread has actually taken it before competing again. So k threads take
//! turns: at most one computes at any moment, and CPU-bound work gets no faster.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;

/// CPython's default switch interval.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// Longest a waiter that has asked for the GIL spins for it before sleeping again: far longer
/// than a holder takes to reach its next checkpoint (tens of microseconds).
const SPIN_AT_MOST: Duration = Duration::from_millis(1);

#[derive(Debug, Default)]
struct State {
    locked: bool,
    /// Which thread holds (or last held) the lock.
    holder: Option<usize>,
    /// Counts acquisitions by a thread other than the previous holder.
    switches: u64,
    /// When the current holder took the lock, by the clock.
    held_since: f64,
    holds: Vec<Hold>,
}

/// One stretch of time a thread held the GIL, in clock milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub worker: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

/// What the GIL saw during a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GilStats {
    /// Times the GIL passed from one thread to another.
    pub handoffs: u64,
    /// Total time threads spent waiting for the GIL, in milliseconds.
    pub wait_ms: f64,
    /// Drop requests made by waiting threads whose interval ran out.
    pub drop_requests: u64,
    /// Who held the GIL when, in order: the only time a GIL thread computes, unless its tasks
    /// let go of the GIL to compute.
    pub holds: Vec<Hold>,
    /// The tasks let go of the GIL while they computed (see
    /// [`RunConfig::releases_gil`](crate::engine::run::models::RunConfig::releases_gil)): the
    /// threads held it only between tasks, and computed outside the holds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub released_in_tasks: bool,
}

impl GilStats {
    /// Milliseconds each of `workers` threads held the GIL.
    pub fn held_ms(&self, workers: usize) -> Vec<f64> {
        let mut held = vec![0.0; workers];
        for hold in &self.holds {
            if let Some(total) = held.get_mut(hold.worker) {
                *total += hold.end_ms - hold.start_ms;
            }
        }
        held
    }
}

pub struct Gil {
    state: Mutex<State>,
    /// Signalled when the GIL is released.
    released: Condvar,
    /// Signalled when a thread takes the GIL (for the releaser's forced switch).
    taken: Condvar,
    drop_request: AtomicBool,
    /// `State::locked`, readable without the mutex: a waiter that has asked for the GIL watches
    /// it for the few microseconds until the holder's next checkpoint.
    locked: AtomicBool,
    interval: Duration,
    clock: Clock,
    /// Time spent waiting, in microseconds (an integer, so threads can add to it atomically).
    wait_us: AtomicU64,
    drop_requests: AtomicU64,
}

impl Gil {
    pub fn new(interval: Duration, clock: Clock) -> Self {
        Gil {
            state: Mutex::new(State::default()),
            released: Condvar::new(),
            taken: Condvar::new(),
            drop_request: AtomicBool::new(false),
            locked: AtomicBool::new(false),
            interval,
            clock,
            wait_us: AtomicU64::new(0),
            drop_requests: AtomicU64::new(0),
        }
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // A poisoned state only means another thread panicked; the data is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until thread `me` holds the GIL.
    pub fn acquire(&self, me: usize) {
        let started = (self.clock)();
        let mut state = self.lock_state();
        while state.locked {
            let switches_before = state.switches;
            let (next, timeout) = self
                .released
                .wait_timeout(state, self.interval)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            // The interval ran out and nobody switched: ask the holder to let go.
            if timeout.timed_out() && state.locked && state.switches == switches_before {
                self.drop_request.store(true, Ordering::Release);
                self.drop_requests.fetch_add(1, Ordering::Relaxed);
                // The holder lets go at its next checkpoint, microseconds away: watch for it
                // instead of sleeping on the condition. Waking a sleeping thread costs a
                // browser's worker far more than that (a tenth of the turn was seen), and
                // CPython's own hand-off costs microseconds; no core is idle to spin on meanwhile
                // but the one this thread would otherwise sleep on.
                drop(state);
                self.watch_for_release();
                state = self.lock_state();
            }
        }
        state.locked = true;
        self.locked.store(true, Ordering::Release);
        if state.holder.is_some_and(|previous| previous != me) {
            state.switches += 1;
        }
        state.holder = Some(me);
        state.held_since = (self.clock)();
        self.drop_request.store(false, Ordering::Release);
        self.taken.notify_all();
        drop(state);
        let waited_us = ((self.clock)() - started).max(0.0) * 1_000.0;
        self.wait_us.fetch_add(waited_us as u64, Ordering::Relaxed);
    }

    pub fn release(&self) {
        let mut state = self.lock_state();
        self.let_go(&mut state);
        drop(state);
        self.released.notify_one();
    }

    /// Unlocks and records the hold that ends now.
    fn let_go(&self, state: &mut State) {
        state.locked = false;
        self.locked.store(false, Ordering::Release);
        if let Some(worker) = state.holder {
            let hold = Hold {
                worker,
                start_ms: state.held_since,
                end_ms: (self.clock)(),
            };
            state.holds.push(hold);
        }
    }

    /// Spins until the GIL is released, for at most [`SPIN_AT_MOST`].
    fn watch_for_release(&self) {
        let deadline = (self.clock)() + SPIN_AT_MOST.as_secs_f64() * 1_000.0;
        let mut spins = 0u32;
        while self.locked.load(Ordering::Acquire) {
            std::hint::spin_loop();
            spins = spins.wrapping_add(1);
            // Reading the clock costs more than a spin: look at it now and then.
            if spins % 1_024 == 0 {
                let left_ms = deadline - (self.clock)();
                if left_ms.is_nan() || left_ms <= 0.0 {
                    return;
                }
            }
        }
    }

    /// The eval breaker: cheap unless a waiting thread has asked for the GIL. Then thread `me`
    /// hands it over, waits until another thread has taken it, and queues up again.
    #[inline]
    pub fn checkpoint(&self, me: usize) {
        if self.drop_request.load(Ordering::Acquire) {
            self.yield_to_waiter(me);
        }
    }

    #[cold]
    fn yield_to_waiter(&self, me: usize) {
        let mut state = self.lock_state();
        let switches_before = state.switches;
        self.let_go(&mut state);
        self.released.notify_one();
        // FORCE_SWITCHING: without it the releasing thread would usually win the lock straight
        // back. Bounded by the interval in case the waiter has gone.
        let deadline = (self.clock)() + self.interval.as_secs_f64() * 1_000.0;
        while state.switches == switches_before && !state.locked {
            let left_ms = deadline - (self.clock)();
            if left_ms.is_nan() || left_ms <= 0.0 {
                break;
            }
            state = self
                .taken
                .wait_timeout(state, Duration::from_secs_f64(left_ms / 1_000.0))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        drop(state);
        self.acquire(me);
    }

    /// What the GIL saw, with hold times relative to `origin_ms` on the clock.
    pub fn stats(&self, origin_ms: f64) -> GilStats {
        let state = self.lock_state();
        GilStats {
            handoffs: state.switches,
            wait_ms: self.wait_us.load(Ordering::Relaxed) as f64 / 1e3,
            drop_requests: self.drop_requests.load(Ordering::Relaxed),
            holds: state
                .holds
                .iter()
                .map(|h| Hold {
                    worker: h.worker,
                    start_ms: h.start_ms - origin_ms,
                    end_ms: h.end_ms - origin_ms,
                })
                .collect(),
            released_in_tasks: false,
        }
    }
}
