//! The page's watch over a run on the engine worker, as a state machine: events in (a word from
//! the engine, Cancel given, the engine saying it heard Cancel, a timer firing), decisions out
//! (wait this long, look once more, stop the engine, take it for dead). The browser side
//! (`src/web/client/engine_worker.rs`) only wires its timer and messages to it; every timing is
//! here, tested on a fake clock below.
//!
//! Two watches keep a run from holding the page for ever, whatever happens in the engine:
//! - **Silence.** The engine posts progress every 50 ms while it runs (from inside long tasks
//!   too), so [`Timings::silence_ms`] without a word means it died where nothing could report it
//!   (an out-of-memory trap inside a promise callback) or is stuck: the run ends as a fault and the
//!   engine is replaced. An engine with no pool computes on its only thread and is silent until it
//!   is done, so it is never taken for dead.
//! - **Cancel.** A run stops by itself within milliseconds of Cancel, and the engine says at once
//!   that it heard it. One that does not say so within [`Timings::cancel_grace_ms`] (its thread is
//!   inside a CPU-bound task of an async coroutine, which no message interrupts, as `task.cancel()`
//!   waits for an `await`) is stopped by terminating it; one that heard it but has not ended
//!   [`Timings::stopping_ms`] after Cancel is stopped the same way.
//!
//! The page waits for that word rather than for the run's end because on a loaded machine the
//! messages themselves are slow: on two cores whose pool threads compute, WebKit took 10 to 40 ms
//! to deliver a reply the engine had sent 15 ms after Cancel, and an engine that stopped in time
//! was terminated for it. And before deciding, the page takes one last look at what is already
//! queued for it ([`Decision::LookAgain`]): a page busy past a deadline finds the timer and the
//! engine's answer both waiting, and the timer may run first.

/// Every timing of the watch, in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timings {
    /// How long a running engine with a pool may say nothing before it is taken for dead. A last
    /// resort (a trap is reported at once): longer, by a wide margin for slow laptops, than the
    /// longest stretch the engine's own thread computes without a word, the processes model's
    /// untimed first task, which is about 11 s for sha256 at a billion blocks on a 2-core machine.
    pub silence_ms: f64,
    /// How long after Cancel the engine has to say it heard it.
    pub cancel_grace_ms: f64,
    /// How long after Cancel a run the engine said is stopping has to end. Runs end within 100 ms
    /// (their tasks check in every few microseconds); the rest is for a loaded machine's slow
    /// messages and a processes run's workers being terminated.
    pub stopping_ms: f64,
    /// How often a run with no Cancel pending looks at its silence.
    pub tick_ms: f64,
}

/// The timings the page uses (tuned from CI incidents: see the module doc).
pub const TIMINGS: Timings = Timings {
    silence_ms: 90_000.0,
    cancel_grace_ms: 60.0,
    stopping_ms: 300.0,
    tick_ms: 1_000.0,
};

// The engine hears Cancel before it must have stopped, and reports far more often than silence
// is counted.
const _: () = assert!(TIMINGS.cancel_grace_ms < TIMINGS.stopping_ms);
const _: () = assert!(TIMINGS.tick_ms < TIMINGS.silence_ms / 10.0);

/// What the page does next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Set the timer to fire `ms` from now (and keep waiting for messages).
    WaitMs(f64),
    /// A deadline has passed: let the messages already queued in (a zero-delay timer), then tick
    /// again before deciding.
    LookAgain,
    /// Cancel was not obeyed in time: terminate the engine, and the run ends as cancelled.
    Stop,
    /// The engine has said nothing for `ms`: take it for dead, end the run as a fault, and
    /// replace the engine.
    Silent { ms: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Cancel {
    given_ms: f64,
    /// The engine said it heard it.
    heard: bool,
    /// The deadline passed once already and the page is letting what is queued in.
    looking_again: bool,
}

/// One run's watch.
#[derive(Clone, Debug, PartialEq)]
pub struct Watchdog {
    timings: Timings,
    /// How long the engine may be silent: [`Timings::silence_ms`], or never taken for dead.
    patience_ms: f64,
    heard_ms: f64,
    cancel: Option<Cancel>,
}

impl Watchdog {
    /// The watch over a run sent at `now_ms` to an engine with `pool_threads` (0: none) that may
    /// be silent for `patience_ms`. Returns it with its first timer.
    pub fn start(
        timings: Timings,
        patience_ms: f64,
        pool_threads: usize,
        now_ms: f64,
    ) -> (Self, Decision) {
        let patience_ms = if pool_threads > 0 {
            patience_ms
        } else {
            f64::INFINITY
        };
        let watch = Watchdog {
            timings,
            patience_ms,
            heard_ms: now_ms,
            cancel: None,
        };
        (watch, Decision::WaitMs(timings.tick_ms))
    }

    /// Any word from the engine about this run, at `now_ms`.
    pub fn heard(&mut self, now_ms: f64) {
        self.heard_ms = now_ms;
    }

    /// The engine says it heard Cancel, at `now_ms`. `given_ms` is when the page gave it, if the
    /// page has seen its own Cancel yet (it may still be queued behind this answer to it).
    pub fn stopping(&mut self, now_ms: f64, given_ms: Option<f64>) {
        self.heard(now_ms);
        let cancel = self.cancel.get_or_insert(Cancel {
            given_ms: given_ms.unwrap_or(now_ms),
            heard: false,
            looking_again: false,
        });
        cancel.heard = true;
        cancel.looking_again = false;
    }

    /// Cancel given at `given_ms`, seen at `now_ms`. A new timer if this is the first Cancel; a
    /// second one changes nothing (the first one's deadline stands).
    pub fn cancel_given(&mut self, given_ms: f64, now_ms: f64) -> Option<Decision> {
        if self.cancel.is_some() {
            return None;
        }
        let cancel = Cancel {
            given_ms,
            heard: false,
            looking_again: false,
        };
        self.cancel = Some(cancel);
        Some(Decision::WaitMs(self.deadline(&cancel) - now_ms))
    }

    /// The timer fired at `now_ms`.
    pub fn tick(&mut self, now_ms: f64) -> Decision {
        let timings = self.timings;
        if let Some(cancel) = self.cancel {
            let deadline = self.deadline(&cancel);
            if now_ms >= deadline {
                if cancel.looking_again {
                    return Decision::Stop;
                }
                self.cancel = Some(Cancel {
                    looking_again: true,
                    ..cancel
                });
                return Decision::LookAgain;
            }
        }
        let silent = now_ms - self.heard_ms;
        if silent >= self.patience_ms {
            return Decision::Silent { ms: silent };
        }
        Decision::WaitMs(match self.cancel {
            Some(cancel) => (self.deadline(&cancel) - now_ms).clamp(1.0, timings.tick_ms),
            None => timings.tick_ms,
        })
    }

    /// Whether Cancel has been given (or heard of) for this run.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some()
    }

    fn deadline(&self, cancel: &Cancel) -> f64 {
        cancel.given_ms
            + if cancel.heard {
                self.timings.stopping_ms
            } else {
                self.timings.cancel_grace_ms
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reaches the page, at a time on the fake clock.
    #[derive(Clone, Copy, Debug)]
    enum Ev {
        /// Progress from the engine.
        Word,
        /// The visitor presses Cancel.
        Cancel,
        /// The engine says it heard Cancel.
        Stopping,
        /// The run's reply.
        Reply,
    }

    /// How the run ended, and when.
    #[derive(Debug, PartialEq)]
    enum End {
        Reply(f64),
        Stop(f64),
        Silent(f64, f64),
    }

    /// Plays `script` against a watch as the page's loop does: a message already queued when a
    /// timer is due goes first (a zero-delay timer runs after what is waiting).
    fn play(script: &[(f64, Ev)], pool_threads: usize) -> End {
        let (mut watch, first) = Watchdog::start(TIMINGS, TIMINGS.silence_ms, pool_threads, 0.0);
        let mut timer_at = match first {
            Decision::WaitMs(ms) => ms,
            other => panic!("first decision {other:?}"),
        };
        let mut given = None;
        let mut messages = script.iter().peekable();
        loop {
            match messages.peek() {
                Some(&&(t, ev)) if t <= timer_at => {
                    messages.next();
                    match ev {
                        Ev::Word => watch.heard(t),
                        Ev::Reply => return End::Reply(t),
                        Ev::Stopping => watch.stopping(t, given),
                        Ev::Cancel => {
                            given = Some(t);
                            if let Some(Decision::WaitMs(ms)) = watch.cancel_given(t, t) {
                                timer_at = t + ms;
                            }
                        }
                    }
                }
                _ => match watch.tick(timer_at) {
                    Decision::WaitMs(ms) => timer_at += ms,
                    Decision::LookAgain => {}
                    Decision::Stop => return End::Stop(timer_at),
                    Decision::Silent { ms } => return End::Silent(timer_at, ms),
                },
            }
        }
    }

    /// Progress every 50 ms from `from` to `to`.
    fn words(from: f64, to: f64) -> Vec<(f64, Ev)> {
        (0..)
            .map(|i| from + 50.0 * f64::from(i))
            .take_while(|&t| t < to)
            .map(|t| (t, Ev::Word))
            .collect()
    }

    fn with(mut script: Vec<(f64, Ev)>, more: &[(f64, Ev)]) -> Vec<(f64, Ev)> {
        script.extend_from_slice(more);
        script.sort_by(|a, b| a.0.total_cmp(&b.0));
        script
    }

    #[test]
    fn a_run_that_reports_ends_with_its_reply_however_long() {
        let script = with(words(0.0, 600_000.0), &[(600_000.0, Ev::Reply)]);
        assert_eq!(play(&script, 4), End::Reply(600_000.0));
    }

    #[test]
    fn an_engine_with_a_pool_silent_past_its_patience_is_taken_for_dead() {
        let script = with(words(0.0, 2_000.0), &[(500_000.0, Ev::Reply)]);
        let End::Silent(at, ms) = play(&script, 2) else {
            panic!("not silent");
        };
        assert!(ms >= TIMINGS.silence_ms, "{ms}");
        // Found within a tick of the patience running out, counted from the last word.
        assert!(at - 1_950.0 < TIMINGS.silence_ms + TIMINGS.tick_ms, "{at}");
    }

    #[test]
    fn an_engine_without_a_pool_is_never_taken_for_dead() {
        // It computes on its only thread, so it cannot speak until it is done.
        assert_eq!(play(&[(600_000.0, Ev::Reply)], 0), End::Reply(600_000.0));
    }

    #[test]
    fn a_cancel_heard_in_time_lets_the_run_end_by_itself() {
        let script = with(
            words(0.0, 1_000.0),
            &[
                (1_000.0, Ev::Cancel),
                (1_015.0, Ev::Stopping),
                (1_250.0, Ev::Reply),
            ],
        );
        assert_eq!(play(&script, 2), End::Reply(1_250.0));
    }

    #[test]
    fn a_cancel_never_heard_stops_the_engine_at_the_grace() {
        // A coroutine's CPU-bound task: no message gets in, and none comes out.
        let script = [(1_000.0, Ev::Cancel), (9_000.0, Ev::Reply)];
        assert_eq!(
            play(&script, 2),
            End::Stop(1_000.0 + TIMINGS.cancel_grace_ms)
        );
    }

    #[test]
    fn a_cancel_heard_but_not_obeyed_stops_the_engine_at_the_stopping_deadline() {
        let script = with(
            words(0.0, 5_000.0),
            &[(1_000.0, Ev::Cancel), (1_010.0, Ev::Stopping)],
        );
        assert_eq!(play(&script, 2), End::Stop(1_000.0 + TIMINGS.stopping_ms));
    }

    #[test]
    fn an_answer_to_cancel_before_the_page_saw_its_own_cancel_counts_from_the_answer() {
        let mut watch = Watchdog::start(TIMINGS, TIMINGS.silence_ms, 2, 0.0).0;
        watch.stopping(1_000.0, None);
        assert!(watch.cancelled());
        // The Cancel itself, seen now, changes nothing: the engine already heard it.
        assert_eq!(watch.cancel_given(990.0, 1_001.0), None);
        assert_eq!(watch.tick(1_299.0), Decision::WaitMs(1.0));
        assert_eq!(watch.tick(1_300.0), Decision::LookAgain);
        assert_eq!(watch.tick(1_300.0), Decision::Stop);
    }

    #[test]
    fn past_a_deadline_the_page_looks_at_what_is_queued_before_it_decides() {
        let deadline = 1_000.0 + TIMINGS.cancel_grace_ms;
        // Both the timer and the engine's word are waiting when the page gets to them.
        let script = [
            (1_000.0, Ev::Cancel),
            (deadline, Ev::Stopping),
            (1_200.0, Ev::Reply),
        ];
        assert_eq!(play(&script, 2), End::Reply(1_200.0));
        // A word that comes after the look is too late.
        let script = [(1_000.0, Ev::Cancel), (deadline + 1.0, Ev::Stopping)];
        assert_eq!(play(&script, 2), End::Stop(deadline));
    }

    #[test]
    fn a_second_cancel_does_not_move_the_deadline() {
        let script = [(1_000.0, Ev::Cancel), (1_040.0, Ev::Cancel)];
        assert_eq!(
            play(&script, 2),
            End::Stop(1_000.0 + TIMINGS.cancel_grace_ms)
        );
    }
}
