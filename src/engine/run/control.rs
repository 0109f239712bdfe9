//! What a run shares with whoever is watching it: how many tasks are done, and whether it has
//! been asked to stop.
//!
//! Atomics, so the threads of a run count their tasks and the thread that watches (the browser's
//! engine worker, which reports progress every 50 ms and passes on Cancel) reads and writes it
//! without a lock and without stopping anybody. A run that waits (the I/O lab's requests) can
//! also await the Cancel itself ([`RunControl::cancelled`]) and drop what it was waiting for.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;

use futures::task::AtomicWaker;

use serde::{Deserialize, Serialize};

use crate::engine::workload::{Checked, Interrupted};

/// Tasks done out of tasks planned, over every repeat of a measurement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

impl Progress {
    /// Done as a fraction of the total, 0 to 1 (0 until the run has planned its tasks, so a bar
    /// never jumps to full and back).
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).min(1.0)
        }
    }
}

/// The shared switchboard of one measurement.
#[derive(Debug, Default)]
pub struct RunControl {
    done: AtomicUsize,
    total: AtomicUsize,
    cancelled: AtomicBool,
    /// Whoever awaits [`RunControl::cancelled`].
    on_cancel: AtomicWaker,
}

impl RunControl {
    /// Starts counting afresh towards `total` tasks. A Cancel already given still stands.
    pub fn plan(&self, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// `tasks` more tasks are done.
    pub fn tasks_done(&self, tasks: usize) {
        self.done.fetch_add(tasks, Ordering::Relaxed);
    }

    pub fn progress(&self) -> Progress {
        Progress {
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    /// Asks the run to stop: every model checks before it starts a task, and the threads' tasks
    /// check part-way too ([`RunControl::checkpoint`]).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
        self.on_cancel.wake();
    }

    /// Resolves once the run is cancelled (at once if it already is). One waiter at a time.
    pub async fn cancelled(&self) {
        poll_fn(|cx| {
            self.on_cancel.register(cx.waker());
            if self.is_cancelled() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// A task's checkpoint for Cancel: a long task (sha256 over a billion blocks is seconds per
    /// task) stops within tens of microseconds of a Cancel instead of running to its end.
    pub fn checkpoint(&self) -> Checked {
        if self.is_cancelled() {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_towards_the_plan_and_remembers_a_cancel() {
        let control = RunControl::default();
        assert_eq!(control.progress().fraction(), 0.0);
        control.plan(8);
        control.tasks_done(2);
        assert_eq!(control.progress(), Progress { done: 2, total: 8 });
        assert_eq!(control.progress().fraction(), 0.25);
        assert!(!control.is_cancelled());
        control.cancel();
        control.plan(4);
        assert!(control.is_cancelled(), "a new plan does not undo a cancel");
        assert_eq!(control.progress().done, 0);
    }
}
