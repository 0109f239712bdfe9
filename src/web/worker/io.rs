//! The I/O lab in the engine worker: [`crate::engine::io`]'s models with real requests.
//!
//! - [`FetchTransport`]: `fetch` with an AbortController timeout, on this worker's event loop
//!   (sequential, gather, bounded and the pipeline's fetches).
//! - [`ThreadTransport`]: k workers that each block on synchronous XHR, one request at a time.
//! - [`TimerTransport`]: no request at all, a `setTimeout` as `asyncio.sleep`.
//!
//! Both report times as `performance.timeOrigin + now()`, the clock of every other trace.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::FutureExt;
use js_sys::{Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use crate::engine::io::{self, Fetched, LocalFuture, Memory, Timers, Transport};
use crate::web::platform::scripts::{blob_url, IO_THREAD_WORKER};

#[wasm_bindgen(module = "/www/io-fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = timedFetch)]
    fn timed_fetch(
        url: &str,
        timeout_ms: f64,
        keep_body: bool,
        run: &web_sys::AbortSignal,
    ) -> js_sys::Promise;
    #[wasm_bindgen(js_name = jsHeapBytes)]
    fn js_heap_bytes() -> Option<f64>;
}

/// [`Fetched`] as the scripts send it.
#[derive(Deserialize)]
struct Reported {
    first_byte_ms: Option<f64>,
    status: Option<u16>,
    #[serde(default)]
    status_text: String,
    #[serde(default)]
    bytes: u64,
    error: Option<String>,
    protocol: Option<String>,
}

fn read(answer: Option<String>) -> Fetched {
    let parsed = answer
        .ok_or_else(|| "no answer".to_string())
        .and_then(|json| serde_json::from_str::<Reported>(&json).map_err(|e| e.to_string()));
    match parsed {
        Ok(r) => Fetched {
            first_byte_ms: r.first_byte_ms,
            status: r.status,
            status_text: r.status_text,
            bytes: r.bytes,
            body: None,
            error: r.error,
            protocol: r.protocol,
        },
        Err(why) => Fetched {
            error: Some(format!("the request's report was unreadable: {why}")),
            ..Fetched::default()
        },
    }
}

/// `fetch` for one run. Dropping it aborts whatever requests are still under way, so a
/// cancelled run stops downloading at once.
pub struct FetchTransport {
    run: Option<web_sys::AbortController>,
}

impl FetchTransport {
    pub fn new() -> Self {
        FetchTransport {
            run: web_sys::AbortController::new().ok(),
        }
    }
}

impl Default for FetchTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FetchTransport {
    fn drop(&mut self) {
        if let Some(run) = &self.run {
            run.abort();
        }
    }
}

/// `await asyncio.sleep(sleep_ms / 1000)` for every "request": a timer on this worker's event
/// loop, so thousands of waiting coroutines are measured without the browser's request rate.
/// `thread`, where the run has a coroutine that calls `asyncio.to_thread`, is the thread it holds.
pub struct TimerTransport {
    sleep_ms: f64,
    thread: Option<ThreadTransport>,
}

impl TimerTransport {
    /// The transport for `timers`, with the thread a coroutine calling `asyncio.to_thread` holds
    /// started first, so its start is not in the timing.
    pub async fn start(timers: &Timers) -> Result<Self, String> {
        let to_thread = timers
            .blocker
            .is_some_and(|b| b.how == io::Blocking::InAThread);
        let thread = if to_thread {
            Some(ThreadTransport::start(1).await?)
        } else {
            None
        };
        Ok(TimerTransport {
            sleep_ms: timers.sleep_ms,
            thread,
        })
    }
}

impl Transport for TimerTransport {
    fn sleep(&self, ms: f64) -> LocalFuture<'_, Result<(), String>> {
        Box::pin(async move {
            crate::web::platform::worker_api::sleep(ms).await;
            Ok(())
        })
    }

    fn block_in_thread(&self, ms: f64) -> LocalFuture<'_, Result<(), String>> {
        match &self.thread {
            Some(thread) => thread.hold(0, ms),
            None => Box::pin(async { Err("this run started no thread to hold".to_string()) }),
        }
    }

    fn get<'a>(
        &'a self,
        _lane: usize,
        _url: &'a str,
        _timeout_ms: f64,
        _keep_body: bool,
    ) -> LocalFuture<'a, Fetched> {
        Box::pin(async move {
            crate::web::platform::worker_api::sleep(self.sleep_ms).await;
            Fetched::default()
        })
    }
}

impl Transport for FetchTransport {
    fn get<'a>(
        &'a self,
        _lane: usize,
        url: &'a str,
        timeout_ms: f64,
        keep_body: bool,
    ) -> LocalFuture<'a, Fetched> {
        let Some(run) = &self.run else {
            return Box::pin(async {
                Fetched {
                    error: Some("this browser has no AbortController".into()),
                    ..Fetched::default()
                }
            });
        };
        let promise = timed_fetch(url, timeout_ms, keep_body, &run.signal());
        Box::pin(async move {
            let answer = JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
            let report = Reflect::get(&answer, &0.into()).ok();
            let body = Reflect::get(&answer, &1.into()).ok();
            Fetched {
                body: body.and_then(|b| b.as_string()),
                ..read(report.and_then(|r| r.as_string()))
            }
        })
    }
}

/// What a blocking thread says (`www/io-thread-worker.js`, in the workers' one convention:
/// `{type, …}`).
enum Said {
    Ready,
    /// A request's report: `io::Fetched` as JSON.
    Reply(String),
    /// It failed to load or broke; why.
    Fault(String),
}

type Waiting = Rc<RefCell<Option<oneshot::Sender<Said>>>>;

/// How long k blocking threads may take to start. A worker starts in milliseconds; one that has
/// not said it is ready after this long never will (Firefox ESR 153 left a nested worker
/// unstarted now and then), and the run ends with a message instead of waiting for ever.
const START_DEADLINE_MS: f64 = 10_000.0;

/// How long past its timeout a request may go unanswered before its thread is replaced. WebKit
/// ignores `xhr.timeout` for synchronous requests in a worker (a 3 s answer with a 1 s timeout
/// returned 200), and a synchronous request cannot be aborted from outside the thread making it:
/// terminating the worker is the only way to end it, as a process is killed.
const UNANSWERED_GRACE_MS: f64 = 1_000.0;

/// One blocking worker and whoever is waiting for its current request.
struct Blocking {
    worker: Worker,
    waiting: Waiting,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Blocking {
    /// Starts one worker; the receiver says when it is ready (or why it broke).
    fn start(url: &str) -> Result<(Blocking, oneshot::Receiver<Said>), String> {
        let worker = Worker::new(url).map_err(|e| format!("a thread did not start: {e:?}"))?;
        let waiting: Waiting = Rc::default();
        let (tx, rx) = oneshot::channel();
        *waiting.borrow_mut() = Some(tx);
        let slot = Rc::clone(&waiting);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let field = |name: &str| {
                Reflect::get(&data, &name.into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            let said = match field("type").as_str() {
                "ready" => Said::Ready,
                "reply" => Said::Reply(field("fetched")),
                _ => Said::Fault(field("message")),
            };
            if let Some(tx) = slot.borrow_mut().take() {
                let _ = tx.send(said);
            }
        });
        // A script that fails to load (or throws) says so only through an error event.
        let slot = Rc::clone(&waiting);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            if let Some(tx) = slot.borrow_mut().take() {
                let _ = tx.send(Said::Fault(
                    crate::web::platform::worker_api::error_message(&event),
                ));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let blocking = Blocking {
            worker,
            waiting,
            _on_message: on_message,
            _on_error: on_error,
        };
        Ok((blocking, rx))
    }
}

/// What a starting thread said within `deadline_ms` (what is left of [`START_DEADLINE_MS`]).
async fn ready_by(rx: oneshot::Receiver<Said>, deadline_ms: f64) -> Result<(), String> {
    let deadline = crate::web::platform::worker_api::sleep(deadline_ms).fuse();
    let mut rx = rx.fuse();
    futures::pin_mut!(deadline);
    futures::select! {
        said = rx => match said {
            Ok(Said::Ready) => Ok(()),
            Ok(Said::Fault(why)) => Err(format!("a blocking thread did not start: {why}")),
            Ok(Said::Reply(_)) | Err(_) => Err("a blocking thread went away while starting".into()),
        },
        () = deadline => Err(format!(
            "the blocking threads did not start within {} s; this browser may limit workers \
             started from a worker. Try again, or use another model",
            START_DEADLINE_MS / 1000.0
        )),
    }
}

/// k workers, each making one synchronous request at a time. Dropping it terminates them.
pub struct ThreadTransport {
    url: String,
    workers: Vec<RefCell<Blocking>>,
}

impl ThreadTransport {
    /// Starts `k` workers and waits until each is ready, so their start-up is not in the timing
    /// (a thread starts in microseconds; a worker takes milliseconds).
    pub async fn start(k: usize) -> Result<Self, String> {
        let url = blob_url(IO_THREAD_WORKER).map_err(|e| format!("{e:?}"))?;
        let mut workers = Vec::with_capacity(k);
        let mut ready = Vec::with_capacity(k);
        for _ in 0..k {
            let (blocking, rx) = Blocking::start(&url)?;
            workers.push(RefCell::new(blocking));
            ready.push(rx);
        }
        // Dropped on an early return, which terminates every worker started so far.
        let transport = ThreadTransport { url, workers };
        let started = js_sys::Date::now();
        for rx in ready {
            let left = START_DEADLINE_MS - (js_sys::Date::now() - started);
            ready_by(rx, left.max(0.0)).await?;
        }
        Ok(transport)
    }

    /// Ends a request its thread will not answer: the worker is terminated (the only way to end
    /// a synchronous request) and a fresh one takes its lane.
    async fn replace(&self, lane: usize) -> Result<(), String> {
        let (fresh, rx) = Blocking::start(&self.url)?;
        let old = std::mem::replace(&mut *self.workers[lane].borrow_mut(), fresh);
        old.worker.terminate();
        ready_by(rx, START_DEADLINE_MS).await
    }

    /// Sends thread `lane` a message of `fields`; the receiver gets what it says back.
    fn post(
        &self,
        lane: usize,
        fields: &[(&str, JsValue)],
    ) -> (Result<(), JsValue>, oneshot::Receiver<Said>) {
        let (tx, rx) = oneshot::channel();
        let blocking = self.workers[lane].borrow();
        *blocking.waiting.borrow_mut() = Some(tx);
        let message = Object::new();
        for (name, value) in fields {
            let _ = Reflect::set(&message, &(*name).into(), value);
        }
        (blocking.worker.post_message(&message), rx)
    }

    /// Holds thread `lane` for `ms` (`time.sleep` in a thread, as `asyncio.to_thread` calls it);
    /// resolves when it lets go.
    pub fn hold(&self, lane: usize, ms: f64) -> LocalFuture<'_, Result<(), String>> {
        let (sent, rx) = self.post(lane % self.workers.len(), &[("holdMs", ms.into())]);
        Box::pin(async move {
            sent.map_err(|e| format!("the thread refused the call: {e:?}"))?;
            match rx.await {
                Ok(Said::Reply(_)) => Ok(()),
                Ok(Said::Fault(why)) => Err(format!("the thread broke: {why}")),
                Ok(Said::Ready) | Err(_) => Err("the thread went away".to_string()),
            }
        })
    }
}

impl Transport for ThreadTransport {
    fn get<'a>(
        &'a self,
        lane: usize,
        url: &'a str,
        timeout_ms: f64,
        _keep_body: bool,
    ) -> LocalFuture<'a, Fetched> {
        let lane = lane % self.workers.len();
        let (sent, rx) = self.post(
            lane,
            &[("url", url.into()), ("timeoutMs", timeout_ms.into())],
        );
        Box::pin(async move {
            if let Err(e) = sent {
                return Fetched {
                    error: Some(format!("the thread refused the request: {e:?}")),
                    ..Fetched::default()
                };
            }
            let unanswered =
                crate::web::platform::worker_api::sleep(timeout_ms + UNANSWERED_GRACE_MS).fuse();
            let mut rx = rx.fuse();
            futures::pin_mut!(unanswered);
            futures::select! {
                said = rx => match said {
                    Ok(Said::Reply(json)) => read(Some(json)),
                    Ok(Said::Fault(why)) => Fetched {
                        error: Some(format!("the blocking thread broke: {why}")),
                        ..Fetched::default()
                    },
                    Ok(Said::Ready) | Err(_) => read(None),
                },
                () = unanswered => {
                    let replaced = match self.replace(lane).await {
                        Ok(()) => "its thread was replaced".to_string(),
                        Err(why) => format!("its thread could not be replaced: {why}"),
                    };
                    Fetched {
                        error: Some(format!(
                            "timed out after {timeout_ms} ms (this browser let the synchronous \
                             request run past its timeout; {replaced})"
                        )),
                        ..Fetched::default()
                    }
                }
            }
        })
    }
}

impl Drop for ThreadTransport {
    fn drop(&mut self) {
        for blocking in &self.workers {
            blocking.borrow().worker.terminate();
        }
    }
}

/// What the browser reports about memory now: the JS heap (Chromium only) and the wasm memory.
pub fn memory_now() -> Memory {
    let wasm_bytes = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| Reflect::get(&m.buffer(), &"byteLength".into()).ok())
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0) as u64;
    Memory {
        js_heap_bytes: js_heap_bytes().map(|b| b as u64),
        wasm_bytes,
        wasm_before_bytes: wasm_bytes,
    }
}

/// The larger of two readings, field by field.
pub fn peak(a: &Memory, b: &Memory) -> Memory {
    Memory {
        js_heap_bytes: match (a.js_heap_bytes, b.js_heap_bytes) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        },
        wasm_bytes: a.wasm_bytes.max(b.wasm_bytes),
        wasm_before_bytes: a.wasm_before_bytes.min(b.wasm_before_bytes),
    }
}
