//! The page's handle on the engine worker (see `host.rs` for the other side). Messages both ways
//! are the typed [`ToEngine`] and [`FromEngine`], as JSON strings.
//!
//! Every run is under the watch of [`Watchdog`] ([`crate::engine::watchdog`] says what it watches
//! for and why, with its timings): this file gives it the run's messages and its timer's ticks,
//! and does what it decides.

use std::cell::Cell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event as DomEvent, MessageEvent, Worker};

use crate::engine::io::{IoReply, IoRequest};
use crate::engine::protocol::{
    FromEngine, MeasureReply, MeasureRequest, SharedDemo, SharedOutcome, ToEngine,
};
use crate::engine::run::control::Progress;
use crate::engine::watchdog::{Decision, Watchdog, TIMINGS};
use crate::web::client::engine_targets::EngineTargets;
use crate::web::platform::scripts::{module_worker, module_worker_for, send_start, ENGINE_WORKER};
use crate::web::platform::worker_api::{now_ms, sleep};

/// How a measurement ended, seen from the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Reply(MeasureReply),
    /// The engine trapped or went away; it cannot be used again (start a new one).
    Fault(String),
}

enum Ended {
    Reply(FromEngine),
    Unsent(String),
    Fault(String),
    /// Cancelled, and stopped by terminating the engine when it did not stop in time.
    Stopped,
}

pub struct EngineWorker {
    worker: Worker,
    inbox: mpsc::UnboundedReceiver<FromEngine>,
    pool_threads: usize,
    pool_start_ms: f64,
    pool_error: Option<String>,
    next_id: u32,
    /// The measurement under way, for [`Canceller`].
    current: Rc<Cell<Option<u32>>>,
    /// Whether Cancel was given since [`EngineWorker::forget_cancel`], run or no run: a run of
    /// several measurements stops between them too.
    cancel_asked: Rc<Cell<bool>>,
    /// How long a run may go without a word from the engine ([`TIMINGS`] unless told).
    patience_ms: f64,
    /// When each Cancel was given, so a run can stop the engine if it does not stop by itself.
    cancels: mpsc::UnboundedReceiver<f64>,
    cancels_sender: mpsc::UnboundedSender<f64>,
    broken: bool,
    /// Where this engine asks for the built-in targets, and how the page drops them.
    targets: EngineTargets,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(DomEvent)>,
}

/// Stops the engine's measurement under way, from anywhere on the page (a button).
#[derive(Clone)]
pub struct Canceller {
    worker: Worker,
    current: Rc<Cell<Option<u32>>>,
    asked: Rc<Cell<bool>>,
    given: mpsc::UnboundedSender<f64>,
}

impl Canceller {
    pub fn cancel(&self) {
        self.asked.set(true);
        if let Some(id) = self.current.get() {
            let message = ToEngine::Cancel { id }.to_json();
            let _ = self.worker.post_message(&JsValue::from_str(&message));
            let _ = self.given.unbounded_send(now_ms());
        }
    }
}

impl PartialEq for Canceller {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.current, &other.current)
    }
}

impl EngineWorker {
    /// Starts an engine worker with a rayon pool of `pool_threads` (0: none) and waits until it is
    /// ready. A pool that fails to start is not an error: the engine runs without one and
    /// [`EngineWorker::pool_error`] says why.
    pub async fn start(pool_threads: usize) -> Result<Self, String> {
        Self::started(module_worker_for(ENGINE_WORKER)?, pool_threads).await
    }

    /// [`EngineWorker::start`] from the engine script at `url` instead of the built-in copy. The
    /// tests start it from `/www/` this way, so the service worker scoped there controls it (a
    /// Blob worker inherits its page's controller, and the test page has none).
    pub async fn start_at(url: &str, pool_threads: usize) -> Result<Self, String> {
        Self::started(module_worker(url)?, pool_threads).await
    }

    async fn started(worker: Worker, pool_threads: usize) -> Result<Self, String> {
        let (sender, inbox) = mpsc::unbounded();
        let to_inbox = sender.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = match event.data().as_string() {
                Some(json) => FromEngine::read(&json),
                None => FromEngine::Fault {
                    message: "a message from the engine that is not text".into(),
                },
            };
            let _ = to_inbox.unbounded_send(message);
        });
        // An error the engine did not report itself: a trap, or a failed import.
        let on_error = Closure::<dyn FnMut(DomEvent)>::new(move |event: DomEvent| {
            event.prevent_default();
            let message = crate::web::platform::worker_api::error_message(&event);
            let _ = sender.unbounded_send(FromEngine::Fault { message });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let (cancels_sender, cancels) = mpsc::unbounded();
        let mut engine = EngineWorker {
            patience_ms: TIMINGS.silence_ms,
            cancels,
            cancels_sender,
            worker,
            inbox,
            pool_threads: 0,
            pool_start_ms: 0.0,
            pool_error: None,
            next_id: 1,
            current: Rc::default(),
            cancel_asked: Rc::default(),
            broken: false,
            targets: EngineTargets::new(),
            _on_message: on_message,
            _on_error: on_error,
        };
        match engine.inbox.next().await {
            Some(FromEngine::Listening) => send_start(&engine.worker, pool_threads)?,
            Some(FromEngine::Fault { message }) => return Err(message),
            _ => return Err("the engine worker went away before it started".into()),
        }
        match engine.inbox.next().await {
            Some(FromEngine::Ready {
                threads,
                pool_start_ms,
                pool_error,
            }) => {
                engine.pool_threads = threads;
                engine.pool_start_ms = pool_start_ms;
                engine.pool_error = pool_error;
                Ok(engine)
            }
            Some(FromEngine::Fault { message }) => Err(message),
            Some(other) => Err(format!(
                "the engine said {} before it was ready",
                kind(&other)
            )),
            None => Err("the engine worker went away".into()),
        }
    }

    pub fn pool_threads(&self) -> usize {
        self.pool_threads
    }

    /// Whether a run asking for a pool of `threads` can use this engine: its pool is as big, or
    /// it has none and none is asked for (or none could start).
    pub fn has_pool_for(&self, threads: usize) -> bool {
        self.pool_threads >= threads || self.pool_error.is_some()
    }

    /// How long the rayon pool took to start, in ms.
    pub fn pool_start_ms(&self) -> f64 {
        self.pool_start_ms
    }

    /// Why the pool did not start, if it did not.
    pub fn pool_error(&self) -> Option<&str> {
        self.pool_error.as_deref()
    }

    /// Waits `ms` (not [`TIMINGS`]' silence) for a word from the engine before taking it for dead.
    pub fn with_patience(mut self, ms: f64) -> Self {
        self.patience_ms = ms;
        self
    }

    /// Whether a fault has made this engine unusable.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether Cancel was given since [`EngineWorker::forget_cancel`].
    pub fn cancel_asked(&self) -> bool {
        self.cancel_asked.get()
    }

    /// A new run begins: Cancels given before it are not for it.
    pub fn forget_cancel(&self) {
        self.cancel_asked.set(false);
    }

    pub fn canceller(&self) -> Canceller {
        Canceller {
            worker: self.worker.clone(),
            current: Rc::clone(&self.current),
            asked: Rc::clone(&self.cancel_asked),
            given: self.cancels_sender.clone(),
        }
    }

    /// Measures `request`, calling `on_progress` as progress arrives (every 50 ms or so).
    pub async fn measure(
        &mut self,
        request: &MeasureRequest,
        on_progress: impl FnMut(Progress),
    ) -> Answer {
        let request = request.clone();
        let ended = self
            .exchange(|id| ToEngine::Measure { id, request }, on_progress)
            .await;
        match ended {
            Ended::Reply(FromEngine::Reply { reply, .. }) => Answer::Reply(reply),
            Ended::Reply(other) => {
                Answer::Fault(format!("the engine answered with {}", kind(&other)))
            }
            Ended::Unsent(message) => Answer::Reply(MeasureReply::Failed { message }),
            Ended::Fault(message) => Answer::Fault(message),
            Ended::Stopped => Answer::Reply(MeasureReply::Cancelled),
        }
    }

    /// Makes the I/O run `request`, built-in targets being under `targets`.
    pub async fn io(
        &mut self,
        request: &IoRequest,
        targets: &str,
        on_progress: impl FnMut(Progress),
    ) -> Result<IoReply, String> {
        let request = request.clone();
        let targets = self.targets.under(targets);
        let ended = self
            .exchange(
                |id| ToEngine::Io {
                    id,
                    request,
                    targets,
                },
                on_progress,
            )
            .await;
        match ended {
            Ended::Reply(FromEngine::IoReply { reply, .. }) => Ok(reply),
            Ended::Reply(other) => Err(format!("the engine answered with {}", kind(&other))),
            Ended::Unsent(message) => Ok(IoReply::Failed { message }),
            Ended::Fault(message) => Err(message),
            Ended::Stopped => Ok(IoReply::Cancelled),
        }
    }

    /// Runs a shared-state demo on the engine's pool.
    pub async fn shared(&mut self, demo: SharedDemo) -> Result<SharedOutcome, String> {
        match self
            .exchange(|id| ToEngine::Shared { id, demo }, |_| {})
            .await
        {
            Ended::Reply(FromEngine::SharedReply { outcome, .. }) => Ok(outcome),
            Ended::Reply(other) => Err(format!("the engine answered with {}", kind(&other))),
            Ended::Unsent(message) => Ok(SharedOutcome::Failed { message }),
            Ended::Fault(message) => Err(message),
            Ended::Stopped => Ok(SharedOutcome::Cancelled),
        }
    }

    /// Sends the message `make(id)` makes and waits for its reply, passing progress on, under
    /// the two watches of the module doc.
    async fn exchange(
        &mut self,
        make: impl FnOnce(u32) -> ToEngine,
        mut on_progress: impl FnMut(Progress),
    ) -> Ended {
        if self.broken {
            return Ended::Fault("this engine already failed".into());
        }
        let id = self.next_id;
        self.next_id += 1;
        let message = make(id);
        if let Err(e) = self
            .worker
            .post_message(&JsValue::from_str(&message.to_json()))
        {
            return Ended::Unsent(format!("{e:?}"));
        }
        // Cancels given before this run are not for it.
        while self.cancels.try_recv().is_ok() {}
        self.current.set(Some(id));
        let (mut watch, first) =
            Watchdog::start(TIMINGS, self.patience_ms, self.pool_threads, now_ms());
        let mut last = Progress::default();
        let mut tick = Box::pin(sleep(wait_ms(first)));
        let ended = loop {
            let event = select(
                self.inbox.next(),
                select(self.cancels.next(), tick.as_mut()),
            );
            let message = match event.await {
                Either::Left((message, _)) => message,
                Either::Right((Either::Left((given_ms, _)), _)) => {
                    let now = now_ms();
                    if let Some(next) = watch.cancel_given(given_ms.unwrap_or(now), now) {
                        tick = Box::pin(sleep(wait_ms(next)));
                    }
                    continue;
                }
                Either::Right((Either::Right(_tick), _)) => match watch.tick(now_ms()) {
                    Decision::Stop => break Ended::Stopped,
                    Decision::Silent { ms } => break Ended::Fault(silent_for(ms, last)),
                    next => {
                        tick = Box::pin(sleep(wait_ms(next)));
                        continue;
                    }
                },
            };
            let now = now_ms();
            watch.heard(now);
            match message {
                Some(FromEngine::Stopping { id: of }) if of == id => {
                    // The Cancel itself may still be queued behind this answer to it.
                    watch.stopping(now, self.cancels.try_recv().ok());
                }
                Some(FromEngine::Progress { id: of, progress }) if of == id => {
                    last = progress;
                    on_progress(progress)
                }
                Some(reply @ FromEngine::Reply { id: of, .. })
                | Some(reply @ FromEngine::IoReply { id: of, .. })
                | Some(reply @ FromEngine::SharedReply { id: of, .. })
                    if of == id =>
                {
                    break Ended::Reply(reply)
                }
                Some(FromEngine::Fault { message }) => break Ended::Fault(message),
                // Late news of an earlier run.
                Some(_) => {}
                None => break Ended::Fault("the engine worker went away".into()),
            }
        };
        self.current.set(None);
        if matches!(ended, Ended::Fault(_) | Ended::Stopped) {
            self.broken = true;
            self.worker.terminate();
        }
        ended
    }
}

/// How long the timer waits for a [`Decision`] that sets it: none for a last look.
fn wait_ms(decision: Decision) -> f64 {
    match decision {
        Decision::WaitMs(ms) => ms.max(0.0),
        _ => 0.0,
    }
}

/// The fault of an engine that went silent, with how far its run had got.
fn silent_for(ms: f64, last: Progress) -> String {
    let got = if last.total > 0 {
        format!("with {} of {} done", last.done, last.total)
    } else {
        "before it had done anything".to_string()
    };
    format!(
        "the engine stopped answering ({:.0} s without a word, {got}): it probably ran out of \
         memory or crashed",
        ms / 1000.0
    )
}

impl Drop for EngineWorker {
    /// Terminating the worker also ends the rayon threads and processes it started.
    fn drop(&mut self) {
        self.worker.terminate();
        self.targets.drop_answers();
    }
}

/// What kind of message `message` is, for a sentence about one that came at the wrong time (its
/// whole content, a trace of thousands of spans, would bury the sentence).
fn kind(message: &FromEngine) -> &'static str {
    match message {
        FromEngine::Listening => "that it is listening",
        FromEngine::Ready { .. } => "that it is ready",
        FromEngine::Stopping { .. } => "that it is stopping",
        FromEngine::Progress { .. } => "a progress report",
        FromEngine::Reply { .. } => "a measurement",
        FromEngine::IoReply { .. } => "an I/O run",
        FromEngine::SharedReply { .. } => "a shared-state demo",
        FromEngine::Fault { .. } => "a fault",
    }
}
