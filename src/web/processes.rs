//! The processes model in the browser: k Web Workers, each its own instance of the module with its
//! own memory, fed chunks of tasks by `postMessage` (a structured clone: a real copy, as a pipe
//! and pickle are). The bookkeeping is the engine's transport-free
//! [`Dispatcher`](crate::engine::processes::Dispatcher); this file is only the transport.

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event as DomEvent, MessageEvent, Worker};

use super::scripts::{start_worker, PROCESS_WORKER};
use super::worker_api::{now_ms, sleep};
use crate::engine::control::RunControl;
use crate::engine::dispatch::MapStyle;
use crate::engine::models::RunError;
use crate::engine::processes::{Dispatcher, ProcessError, IN_FLIGHT_PER_WORKER};
use crate::engine::trace::Trace;
use crate::engine::workload::Workload;

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
                let _ = to_inbox
                    .unbounded_send((me, Event::Fault(super::worker_api::error_message(&event))));
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

    /// Runs every task of `work` on the first `workers` processes, two chunks in flight each,
    /// timing from `origin_ms`. On Cancel it returns at once; the caller drops the pool, which
    /// terminates the processes and whatever they were still computing.
    #[allow(clippy::too_many_arguments)]
    pub async fn run<W: Workload + ?Sized>(
        &mut self,
        work: &W,
        workers: usize,
        style: MapStyle,
        chunksize: usize,
        origin_ms: f64,
        spawn_ms: f64,
        control: &RunControl,
    ) -> Result<(Vec<u64>, Trace), RunError> {
        let workers = workers.clamp(1, self.workers());
        let mut dispatcher = Dispatcher::new(work, chunksize, now_ms, origin_ms)?;
        let mut in_flight = vec![0; workers];
        let send_next = |pool: &Self, dispatcher: &mut Dispatcher<W>, worker: usize| {
            let Some(message) = dispatcher.next_message() else {
                return Ok(false);
            };
            let posted = now_ms();
            pool.send(worker, &message)?;
            dispatcher.add_serialize_ms(now_ms() - posted);
            Ok::<_, ProcessError>(true)
        };
        for _ in 0..IN_FLIGHT_PER_WORKER {
            for (worker, count) in in_flight.iter_mut().enumerate() {
                if send_next(self, &mut dispatcher, worker)? {
                    *count += 1;
                }
            }
        }
        while in_flight.iter().any(|&n| n > 0) {
            if control.is_cancelled() {
                return Err(RunError::Cancelled);
            }
            match self.next(25.0).await {
                None | Some((_, Event::Ready)) => {}
                Some((worker, Event::Reply(bytes))) => {
                    in_flight[worker] -= 1;
                    control.tasks_done(dispatcher.on_reply(worker, &bytes)?);
                    if send_next(self, &mut dispatcher, worker)? {
                        in_flight[worker] += 1;
                    }
                }
                Some((worker, Event::Fault(why))) => {
                    return Err(ProcessError::Worker(format!("process {worker}: {why}")).into())
                }
            }
        }
        Ok(dispatcher.finish(workers, style, spawn_ms))
    }
}

impl Drop for ProcessPool {
    /// Terminates the workers. Events they queued before that (the error event after a trap)
    /// are still delivered, so the handlers are swapped first: no message handler, and an error
    /// handler in plain JS that outlives our closures and keeps the error from reaching the
    /// engine as if the engine itself had failed.
    fn drop(&mut self) {
        let swallow = js_sys::Function::new_with_args("event", "event.preventDefault()");
        for process in &self.processes {
            process.worker.set_onmessage(None);
            process.worker.set_onerror(Some(&swallow));
            process.worker.terminate();
        }
    }
}
