//! The processes model in the browser: k Web Workers, each its own instance of the module with its
//! own memory, fed chunks of tasks by `postMessage` (a structured clone: a real copy, as a pipe
//! and pickle are). The bookkeeping (which worker gets which chunk, two in flight each) is the
//! engine's transport-free [`Dispatcher`]; this file is the transport, and the
//! [`WorkerProcesses`] repeater through which the engine's driver measures on it.

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event as DomEvent, MessageEvent, Worker};

use crate::engine::run::control::RunControl;
use crate::engine::run::harness::Repeater;
use crate::engine::run::harness::Run;
use crate::engine::run::models::{Resolved, RunConfig, RunError, Spawn};
use crate::engine::run::processes::{Dispatcher, PoolRun, ProcessError};
use crate::engine::run::trace::Trace;
use crate::engine::workload::Workload;
use crate::web::platform::scripts::{start_worker, PROCESS_WORKER};
use crate::web::platform::worker_api::{now_ms, sleep};

/// What a worker process says.
enum Event {
    Ready,
    Reply(Vec<u8>),
    /// It panicked or trapped, or failed to load; the message says why.
    Fault(String),
}

struct Process {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(DomEvent)>,
}

/// k running worker processes. Dropping the pool terminates them, as `Pool.terminate()` does.
pub struct ProcessPool {
    processes: Vec<Process>,
    inbox: mpsc::UnboundedReceiver<(usize, Event)>,
}

fn text(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

impl ProcessPool {
    /// Starts `workers` processes and waits until each has instantiated the module.
    pub async fn spawn(workers: usize) -> Result<ProcessPool, ProcessError> {
        let (sender, inbox) = mpsc::unbounded();
        let mut processes = Vec::with_capacity(workers);
        for me in 0..workers {
            let worker = start_worker(PROCESS_WORKER, 0).map_err(ProcessError::Worker)?;
            let to_inbox = sender.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name));
                let event = match field("type").ok().and_then(|t| t.as_string()).as_deref() {
                    Some("ready") => Event::Ready,
                    Some("reply") => match field("bytes").map(|b| b.dyn_into::<Uint8Array>()) {
                        Ok(Ok(bytes)) => Event::Reply(bytes.to_vec()),
                        _ => Event::Fault("a reply without bytes".into()),
                    },
                    _ => Event::Fault(field("message").map(|m| text(&m)).unwrap_or_default()),
                };
                let _ = to_inbox.unbounded_send((me, event));
            });
            let to_inbox = sender.clone();
            // A trap the worker did not report itself (or the one after it did).
            let on_error = Closure::<dyn FnMut(DomEvent)>::new(move |event: DomEvent| {
                event.prevent_default();
                let _ = to_inbox.unbounded_send((
                    me,
                    Event::Fault(crate::web::platform::worker_api::error_message(&event)),
                ));
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            processes.push(Process {
                worker,
                _on_message: on_message,
                _on_error: on_error,
            });
        }
        let mut pool = ProcessPool { processes, inbox };
        let mut ready = 0;
        while ready < workers {
            match pool.inbox.next().await {
                Some((_, Event::Ready)) => ready += 1,
                Some((me, Event::Fault(why))) => {
                    return Err(ProcessError::Worker(format!(
                        "process {me} did not start: {why}"
                    )))
                }
                Some((_, Event::Reply(_))) | None => return Err(ProcessError::Lost),
            }
        }
        Ok(pool)
    }

    pub fn workers(&self) -> usize {
        self.processes.len()
    }

    /// Posts `bytes` to process `worker`: copied out of this instance's memory, then cloned by
    /// `postMessage` into the worker's side.
    fn send(&self, worker: usize, bytes: &[u8]) -> Result<(), ProcessError> {
        let message = Uint8Array::from(bytes);
        self.processes[worker]
            .worker
            .post_message(&message)
            .map_err(|e| ProcessError::Worker(text(&e)))
    }

    /// The next event, or `None` after `timeout_ms` so the caller can look at Cancel.
    async fn next(&mut self, timeout_ms: f64) -> Option<(usize, Event)> {
        let timeout = std::pin::pin!(sleep(timeout_ms));
        match select(self.inbox.next(), timeout).await {
            Either::Left((event, _)) => event,
            Either::Right(_) => None,
        }
    }

    /// Runs every task of `work` as `plan` says, on the first `plan.workers` processes. On Cancel
    /// it returns at once; the caller drops the pool, which terminates the processes and
    /// whatever they were still computing.
    pub async fn run<W: Workload + ?Sized>(
        &mut self,
        work: &W,
        plan: PoolRun,
        control: &RunControl,
    ) -> Result<(Vec<u64>, Trace), RunError> {
        let plan = PoolRun {
            workers: plan.workers.clamp(1, self.workers()),
            ..plan
        };
        let mut dispatcher = Dispatcher::new(work, plan, now_ms)?;
        loop {
            for (worker, message) in dispatcher.outbox(control) {
                let posted = now_ms();
                self.send(worker, &message)?;
                dispatcher.add_serialize_ms(now_ms() - posted);
            }
            if control.is_cancelled() {
                return Err(RunError::Cancelled);
            }
            if !dispatcher.is_waiting() {
                return Ok(dispatcher.finish());
            }
            match self.next(25.0).await {
                None | Some((_, Event::Ready)) => {}
                Some((worker, Event::Reply(bytes))) => {
                    control.tasks_done(dispatcher.on_reply(worker, &bytes)?);
                }
                Some((worker, Event::Fault(why))) => {
                    return Err(ProcessError::Worker(format!("process {worker}: {why}")).into())
                }
            }
        }
    }
}

thread_local! {
    /// The error handler of a terminated process: it keeps the error from reaching the engine as
    /// if the engine itself had failed. One for the thread's life, so it outlives every pool (a
    /// handler made with `new Function` would be simpler, but the page's Content-Security-Policy
    /// rightly refuses to evaluate strings).
    static SWALLOW_ERROR: Closure<dyn Fn(DomEvent)> =
        Closure::new(|event: DomEvent| event.prevent_default());
}

impl Drop for ProcessPool {
    /// Terminates the workers. Events they queued before that (the error event after a trap)
    /// are still delivered, so the handlers are swapped first: no message handler, and
    /// [`SWALLOW_ERROR`], which outlives our closures.
    fn drop(&mut self) {
        SWALLOW_ERROR.with(|swallow| {
            for process in &self.processes {
                process.worker.set_onmessage(None);
                process
                    .worker
                    .set_onerror(Some(swallow.as_ref().unchecked_ref()));
                process.worker.terminate();
            }
        });
    }
}

/// The processes model's repeats for the engine's driver: per run, `with Pool(k)` (start, map,
/// terminate) inside the timing; reused, one pool started before timing and kept for the next
/// measurement ([`WorkerProcesses::into_kept`]).
pub struct WorkerProcesses<'c> {
    control: &'c RunControl,
    kept: Option<ProcessPool>,
}

impl<'c> WorkerProcesses<'c> {
    /// Repeats watched by `control`, reusing `kept` (a pool left by an earlier measurement).
    pub fn new(control: &'c RunControl, kept: Option<ProcessPool>) -> Self {
        WorkerProcesses { control, kept }
    }

    /// The reused pool to keep for the next measurement, if one is left.
    pub fn into_kept(self) -> Option<ProcessPool> {
        self.kept
    }

    /// The kept pool if it has `workers`, otherwise a fresh one (the old one terminated).
    async fn reused(&mut self, workers: usize) -> Result<ProcessPool, RunError> {
        match self.kept.take() {
            Some(pool) if pool.workers() >= workers => Ok(pool),
            _ => Ok(ProcessPool::spawn(workers).await?),
        }
    }
}

impl Repeater for WorkerProcesses<'_> {
    async fn warm_up(
        &mut self,
        _work: &dyn Workload,
        config: &RunConfig,
        resolved: &Resolved,
    ) -> Result<(), RunError> {
        // The untimed first task ran before this, on the engine's pool (`host::measure`).
        if config.spawn == Spawn::Reused {
            // Started before timing: the reused pool's start is not part of any run.
            self.kept = Some(self.reused(resolved.workers).await?);
        }
        Ok(())
    }

    async fn repeat(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        resolved: &Resolved,
    ) -> Result<Run, RunError> {
        // lesson: reuse
        let reused = config.spawn == Spawn::Reused;
        let (mut pool, origin_ms, spawn_ms) = if reused {
            let pool = self.reused(resolved.workers).await?;
            (pool, now_ms(), 0.0)
        } else {
            let started = now_ms();
            let pool = ProcessPool::spawn(resolved.workers).await?;
            (pool, started, now_ms() - started)
        };
        // end lesson
        let plan = PoolRun {
            workers: resolved.workers,
            style: config.style,
            chunksize: resolved.chunksize,
            origin_ms,
            spawn_ms,
        };
        // Cancelled or failed: the pool is dropped, which terminates whatever it was doing, and
        // the next run starts a fresh one.
        let (results, mut trace) = pool.run(work, plan, self.control).await?;
        // lesson: reuse
        if reused {
            self.kept = Some(pool);
        } else {
            // `with Pool(k)` ends by terminating the workers: part of the run.
            drop(pool);
            trace.wall_ms = now_ms() - origin_ms;
        }
        // end lesson
        Ok(Run { results, trace })
    }
}
