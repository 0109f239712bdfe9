//! The engine worker's side: it owns every run, answers the page's [`ToEngine`] messages with
//! [`FromEngine`] ones, and never blocks its own event loop, so progress goes out and Cancel gets
//! in while a run is under way.
//!
//! - Sequential, free threads and GIL threads run on the rayon pool: a driver job on one pool
//!   thread makes the measurement (and takes part in it), while this thread polls for the answer
//!   and for a trapped thread.
//! - Async runs here, on this worker's event loop, yielding to it every 20 ms.
//! - Processes run in worker processes this thread starts and feeds ([`super::processes`]).
//!
//! One pool of `hardwareConcurrency` threads serves every k: a run of k threads is k jobs that
//! pull tasks, so the other pool threads sit idle. The alternative, a fresh pool per k, needs a
//! fresh engine worker each time (wasm-bindgen-rayon starts one pool per instance), and its start
//! time (about 60 ms for 2 threads here) would then come with every step of a sweep; both gave the
//! same k = 1 → 2 speedup on count (`scripts/bench.sh` prints both).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::io::{memory_now, peak, FetchTransport, ThreadTransport};
use super::panic::take_fault;
use super::processes::ProcessPool;
use super::worker_api::{coroutine_yield, now_ms, sleep};
use crate::engine::control::RunControl;
use crate::engine::harness::{check_repeats, Repeats};
use crate::engine::io::Memory;
use crate::engine::io::{self, IoModel, IoReply, IoRequest, Scan, Targets};
use crate::engine::models::{run_async, run_one, Model, Run, RunError, Runtime, Spawn};
use crate::engine::protocol::{
    self, FromEngine, MeasureReply, MeasureRequest, SharedOutcome, ToEngine,
};
use crate::engine::workload::Workload;

/// How often progress goes out while a run is under way (the page wants it every 100 ms).
const PROGRESS_EVERY_MS: f64 = 50.0;

#[derive(Default)]
struct Host {
    pool_threads: usize,
    /// The measurement under way and its switchboard.
    current: Option<(u32, Arc<RunControl>)>,
    /// The processes model's reused pool, kept between runs (and taken out during one).
    processes: Option<ProcessPool>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::default();
}

fn post(message: &FromEngine) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message(&JsValue::from_str(&message.to_json()));
}

/// Called by `www/engine-worker.js` once the module and the pool are up.
#[wasm_bindgen(js_name = engineStart)]
pub fn engine_start(threads: usize, pool_start_ms: f64, pool_error: Option<String>) {
    super::panic::install_hook();
    HOST.with(|host| host.borrow_mut().pool_threads = threads);
    post(&FromEngine::Ready {
        threads,
        pool_start_ms,
        pool_error,
    });
}

/// Every message from the page after the first.
#[wasm_bindgen(js_name = engineReceive)]
pub fn engine_receive(data: JsValue) {
    let message = data
        .as_string()
        .ok_or_else(|| "not a string".to_string())
        .and_then(|json| serde_json::from_str::<ToEngine>(&json).map_err(|e| e.to_string()));
    match message {
        Ok(ToEngine::Measure { id, request }) => {
            let busy = HOST.with(|host| host.borrow().current.is_some());
            if busy {
                let reply = MeasureReply::Failed {
                    message: "the engine is already running a measurement".into(),
                };
                post(&FromEngine::Reply { id, reply });
            } else {
                wasm_bindgen_futures::spawn_local(measure(id, request));
            }
        }
        Ok(ToEngine::Io {
            id,
            request,
            targets,
        }) => {
            let busy = HOST.with(|host| host.borrow().current.is_some());
            if busy {
                let reply = IoReply::Failed {
                    message: "the engine is already running something".into(),
                };
                post(&FromEngine::IoReply { id, reply });
            } else {
                wasm_bindgen_futures::spawn_local(io_run(id, request, targets));
            }
        }
        Ok(ToEngine::Shared { id, demo }) => {
            wasm_bindgen_futures::spawn_local(async move {
                let threads = HOST.with(|host| host.borrow().pool_threads);
                let outcome = if threads < 2 {
                    SharedOutcome::Failed {
                        message: "shared state needs a pool of at least 2 threads, and this \
                                  page has none"
                            .into(),
                    }
                } else {
                    on_pool_thread(move || demo.run(now_ms)).await
                };
                post(&FromEngine::SharedReply { id, outcome });
            });
        }
        Ok(ToEngine::Cancel { id }) => HOST.with(|host| {
            if let Some((current, control)) = &host.borrow().current {
                if *current == id {
                    control.cancel();
                }
            }
        }),
        Err(why) => web_sys::console::warn_1(&format!("engine: ignored a message: {why}").into()),
    }
}

/// Why a measurement ended without a reply.
enum Outcome {
    Reply(MeasureReply),
    /// A pool thread trapped; the engine must be replaced.
    Fault(String),
}

/// Makes run `id` the one Cancel reaches and starts reporting its progress until `running` is
/// cleared. Returns its control, the pool's size and that flag.
fn begin(id: u32) -> (Arc<RunControl>, usize, Rc<Cell<bool>>) {
    let control = Arc::new(RunControl::default());
    let pool_threads = HOST.with(|host| {
        let mut host = host.borrow_mut();
        host.current = Some((id, Arc::clone(&control)));
        host.pool_threads
    });
    let running = Rc::new(Cell::new(true));
    wasm_bindgen_futures::spawn_local(report_progress(id, Arc::clone(&control), running.clone()));
    (control, pool_threads, running)
}

async fn measure(id: u32, request: MeasureRequest) {
    let (control, pool_threads, running) = begin(id);

    let outcome = match request.run.model {
        Model::Async => Outcome::Reply(on_event_loop(&request, &control, pool_threads).await),
        Model::Processes => Outcome::Reply(on_processes(&request, &control, pool_threads).await),
        _ if pool_threads > 0 => on_pool(request, Arc::clone(&control), pool_threads).await,
        // No pool (it failed to start): a sequential run blocks this thread, so there is no
        // progress until it ends, and Cancel waits for the end too.
        _ => {
            let mut runtime = runtime(&control, 0);
            Outcome::Reply(protocol::measure(&request, &mut runtime))
        }
    };
    running.set(false);
    HOST.with(|host| host.borrow_mut().current = None);
    post(&FromEngine::Progress {
        id,
        progress: control.progress(),
    });
    match outcome {
        Outcome::Reply(reply) => post(&FromEngine::Reply { id, reply }),
        Outcome::Fault(message) => post(&FromEngine::Fault { message }),
    }
}

fn runtime(control: &Arc<RunControl>, pool_threads: usize) -> Runtime {
    let mut runtime = Runtime::new(now_ms, pool_threads);
    runtime.control = Arc::clone(control);
    runtime
}

async fn report_progress(id: u32, control: Arc<RunControl>, running: Rc<Cell<bool>>) {
    loop {
        sleep(PROGRESS_EVERY_MS).await;
        if !running.get() {
            return;
        }
        let progress = control.progress();
        post(&FromEngine::Progress { id, progress });
    }
}

/// A blocking measurement on the rayon pool. The driver job sits on a pool thread, so with k equal
/// to the pool size it runs one of the k workers itself, and this thread stays free.
async fn on_pool(
    request: MeasureRequest,
    control: Arc<RunControl>,
    pool_threads: usize,
) -> Outcome {
    let answer: Arc<Mutex<Option<MeasureReply>>> = Arc::default();
    let slot = Arc::clone(&answer);
    let mut runtime = runtime(&control, pool_threads);
    rayon::spawn(move || {
        let reply = protocol::measure(&request, &mut runtime);
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(reply);
    });
    // Polling, not a waker: a pool thread that traps never wakes anybody, and polling also looks
    // for what its panic hook left behind. 10 ms adds nothing to the timings, which the driver
    // takes itself.
    loop {
        if let Some(reply) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Outcome::Reply(reply);
        }
        if let Some(message) = take_fault() {
            return Outcome::Fault(message);
        }
        sleep(10.0).await;
    }
}

/// Checks and builds what every event-loop measurement needs.
fn prepare(
    request: &MeasureRequest,
    pool_threads: usize,
) -> Result<(Box<dyn Workload>, crate::engine::models::Resolved), MeasureReply> {
    check_repeats(request.repeats).map_err(|e| protocol::reply(Err(e)))?;
    let work = protocol::prepare(request)?;
    let resolved = request
        .run
        .resolve(work.task_count(), pool_threads)
        .map_err(|e| protocol::reply(Err(RunError::from(e).into())))?;
    Ok((work, resolved))
}

/// The async model: k coroutines on this thread's event loop.
async fn on_event_loop(
    request: &MeasureRequest,
    control: &Arc<RunControl>,
    pool_threads: usize,
) -> MeasureReply {
    let (work, resolved) = match prepare(request, pool_threads) {
        Ok(ready) => ready,
        Err(reply) => return reply,
    };
    control.plan(request.repeats as usize * work.task_count());
    if let Err(err) = runtime(control, pool_threads).warm_up(&*work, &request.run) {
        return protocol::reply(Err(err.into()));
    }
    let mut repeats = Repeats::default();
    for _ in 0..request.repeats {
        let (results, trace) = run_async(
            &*work,
            resolved.workers,
            request.run.style,
            now_ms,
            control,
            coroutine_yield,
        )
        .await;
        if control.is_cancelled() {
            return MeasureReply::Cancelled;
        }
        if let Err(err) = repeats.add(Run { results, trace }) {
            return protocol::reply(Err(err));
        }
    }
    protocol::reply(Ok(repeats.finish().expect("repeats >= 1")))
}

/// The processes model: per run, `with Pool(k)` (start, map, terminate) inside the timing; reused,
/// one pool started before timing and kept for the next measurement.
async fn on_processes(
    request: &MeasureRequest,
    control: &Arc<RunControl>,
    pool_threads: usize,
) -> MeasureReply {
    let (work, resolved) = match prepare(request, pool_threads) {
        Ok(ready) => ready,
        Err(reply) => return reply,
    };
    let workers = resolved.workers;
    control.plan(request.repeats as usize * work.task_count());
    // The module's compiled code is shared with the processes, so optimising the task function
    // here (see `run_one`) spares their first tasks the baseline tier too.
    if work.task_count() > 0 {
        run_one(&*work, 0);
    }
    let mut repeats = Repeats::default();
    for _ in 0..request.repeats {
        let reused = request.run.spawn == Spawn::Reused;
        let kept = HOST.with(|host| host.borrow_mut().processes.take());
        let kept = kept.filter(|pool| pool.workers() >= workers);
        let (mut pool, origin, spawn_ms) = match kept {
            Some(pool) if reused => (pool, now_ms(), 0.0),
            _ => {
                let started = now_ms();
                let pool = match ProcessPool::spawn(workers).await {
                    Ok(pool) => pool,
                    Err(err) => return protocol::reply(Err(RunError::from(err).into())),
                };
                if reused {
                    // Started before timing: the reused pool's start is not part of any run.
                    (pool, now_ms(), 0.0)
                } else {
                    (pool, started, now_ms() - started)
                }
            }
        };
        let run = pool
            .run(
                &*work,
                workers,
                request.run.style,
                resolved.chunksize,
                origin,
                spawn_ms,
                control,
            )
            .await;
        let run = match run {
            Ok((results, mut trace)) => {
                if reused {
                    HOST.with(|host| host.borrow_mut().processes = Some(pool));
                } else {
                    // `with Pool(k)` ends by terminating the workers: part of the run.
                    drop(pool);
                    trace.wall_ms = now_ms() - origin;
                }
                Run { results, trace }
            }
            // Cancelled or failed: the pool is dropped, which terminates whatever it was doing,
            // and the next run starts a fresh one.
            Err(RunError::Cancelled) => return MeasureReply::Cancelled,
            Err(err) => return protocol::reply(Err(err.into())),
        };
        if let Err(err) = repeats.add(run) {
            return protocol::reply(Err(err));
        }
    }
    protocol::reply(Ok(repeats.finish().expect("repeats >= 1")))
}

/// One I/O run ([`crate::engine::io`]): fetches on this worker's event loop, blocking requests
/// on thread workers, the pipeline's scan on the rayon pool. Memory is sampled while it runs.
async fn io_run(id: u32, request: IoRequest, targets: String) {
    let (control, pool_threads, running) = begin(id);
    let before = memory_now();
    let most = Rc::new(RefCell::new(before.clone()));
    {
        let (most, running) = (Rc::clone(&most), Rc::clone(&running));
        wasm_bindgen_futures::spawn_local(async move {
            while running.get() {
                let now = memory_now();
                let higher = peak(&most.borrow(), &now);
                *most.borrow_mut() = higher;
                sleep(PROGRESS_EVERY_MS).await;
            }
        });
    }

    let reply = io_reply(&request, &targets, &control, pool_threads).await;
    let reply = match reply {
        IoReply::Done(mut run) => {
            run.memory = Some(Memory {
                wasm_before_bytes: before.wasm_bytes,
                ..peak(&most.borrow(), &memory_now())
            });
            IoReply::Done(run)
        }
        other => other,
    };
    running.set(false);
    HOST.with(|host| host.borrow_mut().current = None);
    post(&FromEngine::Progress {
        id,
        progress: control.progress(),
    });
    post(&FromEngine::IoReply { id, reply });
}

async fn io_reply(
    request: &IoRequest,
    base: &str,
    control: &Arc<RunControl>,
    pool_threads: usize,
) -> IoReply {
    if let Err(err) = request.check() {
        return IoReply::Failed {
            message: err.to_string(),
        };
    }
    if matches!(request.targets, Targets::Builtin(_)) && base.is_empty() {
        return IoReply::Failed {
            message: "the built-in targets need Overlap's service worker, which is not running \
                      on this page; enter URLs of your own instead"
                .into(),
        };
    }
    let targets = request.targets(base);
    let (mut reply, pages) = if request.model == IoModel::Threads {
        let threads = match ThreadTransport::start(request.workers.min(targets.len())).await {
            Ok(threads) => threads,
            Err(message) => return IoReply::Failed { message },
        };
        io::run(request, &targets, &threads, now_ms, control).await
    } else {
        io::run(request, &targets, &FetchTransport, now_ms, control).await
    };
    if request.model == IoModel::Pipeline && request.scan == Scan::Pool {
        let (tags, scan_ms, threads) = if pool_threads > 0 {
            let (tags, ms) = on_pool_thread(move || io::scan_pages(&pages, now_ms)).await;
            (tags, ms, pool_threads)
        } else {
            // No pool: the same scan on this thread.
            let started = now_ms();
            let tags = pages
                .iter()
                .map(|p| crate::engine::kernels::meta_scan::meta_tags(p).len())
                .sum();
            (tags, now_ms() - started, 1)
        };
        io::record_pool_scan(&mut reply, tags, scan_ms, threads);
    }
    reply
}

/// Runs `job` on the rayon pool and waits for it without blocking this thread's event loop.
async fn on_pool_thread<R: Send + 'static>(job: impl FnOnce() -> R + Send + 'static) -> R {
    let answer: Arc<Mutex<Option<R>>> = Arc::default();
    let slot = Arc::clone(&answer);
    rayon::spawn(move || {
        let result = job();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    });
    loop {
        if let Some(result) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return result;
        }
        sleep(5.0).await;
    }
}
