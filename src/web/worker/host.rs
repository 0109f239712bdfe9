//! The engine worker's side: it owns every run, answers the page's [`ToEngine`] messages with
//! [`FromEngine`] ones, and never blocks its own event loop, so progress goes out and Cancel gets
//! in while a run is under way.
//!
//! Every measurement goes through the engine's one driver ([`protocol::measure_on`]); this file
//! only says where its repeats run:
//! - Sequential, free threads and GIL threads run on the rayon pool: a driver job on one pool
//!   thread makes the measurement (and takes part in it), while this thread waits through
//!   [`on_pool`] (`pool_job.rs`), which also notices a trapped thread.
//! - Async runs here, on this worker's event loop ([`EventLoop`], `event_loop.rs`), yielding to
//!   it every 20 ms.
//! - Processes run in worker processes this thread starts and feeds ([`crate::web::worker::processes`]).
//!
//! One pool of `hardwareConcurrency` threads serves every k: a run of k threads is k jobs that
//! pull tasks, so the other pool threads sit idle. The alternative, a fresh pool per k, needs a
//! fresh engine worker each time (wasm-bindgen-rayon starts one pool per instance), and its start
//! time (about 60 ms for 2 threads here) would then come with every step of a sweep; both gave the
//! same k = 1 → 2 speedup on count (`scripts/bench.sh` prints both).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::io::Memory;
use crate::engine::io::{self, IoModel, IoReply, IoRequest, Scan, Targets};
use crate::engine::protocol::{
    self, FromEngine, MeasureReply, MeasureRequest, SharedOutcome, ToEngine,
};
use crate::engine::run::control::RunControl;
use crate::engine::run::models::Model;
use crate::engine::run::runtime::Runtime;
use crate::engine::workload::{run_one_checkpointed, warm_up_task, Workload};
use crate::web::platform::worker_api::{now_ms, sleep};
use crate::web::worker::event_loop::EventLoop;
use crate::web::worker::io::{memory_now, peak, FetchTransport, ThreadTransport, TimerTransport};
use crate::web::worker::pool_job::{on_pool, Trapped};
use crate::web::worker::processes::{ProcessPool, WorkerProcesses};

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
    crate::web::platform::panic::install_hook();
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
            let busy = HOST.with(|host| host.borrow().current.is_some());
            if busy {
                let outcome = SharedOutcome::Failed {
                    message: "the engine is already running something".into(),
                };
                post(&FromEngine::SharedReply { id, outcome });
            } else {
                wasm_bindgen_futures::spawn_local(shared(id, demo));
            }
        }
        Ok(ToEngine::Cancel { id }) => HOST.with(|host| {
            if let Some((current, control)) = &host.borrow().current {
                if *current == id {
                    control.cancel();
                    post(&FromEngine::Stopping { id });
                }
            }
        }),
        Err(why) => web_sys::console::warn_1(&format!("engine: ignored a message: {why}").into()),
    }
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

/// Ends run `id`: Cancel no longer reaches it, its progress reports stop, and the final count
/// goes out before the answer.
fn end(id: u32, control: &RunControl, running: &Cell<bool>) {
    running.set(false);
    HOST.with(|host| host.borrow_mut().current = None);
    post(&FromEngine::Progress {
        id,
        progress: control.progress(),
    });
}

async fn measure(id: u32, request: MeasureRequest) {
    let (control, pool_threads, running) = begin(id);
    let outcome = match request.run.model {
        Model::Async => {
            let report = |progress| post(&FromEngine::Progress { id, progress });
            let mut event_loop = EventLoop {
                control: &control,
                report: &report,
            };
            Ok(protocol::measure_on(&request, pool_threads, &control, &mut event_loop).await)
        }
        Model::Processes => match protocol::prepare(&request) {
            Err(refused) => Ok(refused),
            Ok(work) => match warm_up_processes(&work, &control, pool_threads).await {
                Err(trapped) => Err(trapped),
                Ok(()) => {
                    let kept = HOST.with(|host| host.borrow_mut().processes.take());
                    let mut processes = WorkerProcesses::new(&control, kept);
                    let reply = protocol::measure_prepared_on(
                        &request,
                        &*work,
                        pool_threads,
                        &control,
                        &mut processes,
                    )
                    .await;
                    HOST.with(|host| host.borrow_mut().processes = processes.into_kept());
                    Ok(reply)
                }
            },
        },
        _ if pool_threads > 0 => {
            let mut runtime = runtime(&control, pool_threads);
            on_pool(move || protocol::measure(&request, &mut runtime)).await
        }
        // No pool (it failed to start): a sequential run blocks this thread, so there is no
        // progress until it ends, and Cancel waits for the end too.
        _ => Ok(protocol::measure(&request, &mut runtime(&control, 0))),
    };
    end(id, &control, &running);
    match outcome {
        Ok(reply) => post(&FromEngine::Reply { id, reply }),
        Err(Trapped(message)) => post(&FromEngine::Fault { message }),
    }
}

/// The processes model's untimed first task ([`warm_up_task`]: the module's compiled code is
/// shared with the processes, so optimising the task function once spares their first tasks the
/// baseline tier), on a pool thread, checking in for Cancel. On this thread, as it ran before,
/// seconds of sha256 left the engine deaf to Cancel; the page, hearing nothing within its grace,
/// terminated the engine, and the processes' kept pool with it. Without a pool it runs here.
async fn warm_up_processes(
    work: &Arc<dyn Workload>,
    control: &Arc<RunControl>,
    pool_threads: usize,
) -> Result<(), Trapped> {
    if pool_threads == 0 {
        warm_up_task(&**work);
        return Ok(());
    }
    let (work, control) = (Arc::clone(work), Arc::clone(control));
    on_pool(move || {
        // Interrupted by Cancel: the driver then sees it before its first repeat.
        let _ = run_one_checkpointed(&*work, 0, &|| control.checkpoint());
    })
    .await
}

/// A shared-state demo on the pool's threads, run `id` like a measurement (so Cancel reaches it).
async fn shared(id: u32, demo: protocol::SharedDemo) {
    let (control, threads, running) = begin(id);
    match demo {
        // Dies inside a promise callback with no panic hook to say so, as an allocation that
        // fails does: only engine-worker.js's unhandledrejection handler can tell the page.
        protocol::SharedDemo::AbortDrill => std::process::abort(),
        // Keeps this thread busy for ever: no progress, no answer, no Cancel.
        protocol::SharedDemo::HangDrill => loop {
            std::hint::spin_loop();
        },
        _ => {}
    }
    let outcome = if threads < 2 {
        Ok(SharedOutcome::Failed {
            message: "shared state needs a pool of at least 2 threads, and this page has none"
                .into(),
        })
    } else {
        let control = Arc::clone(&control);
        on_pool(move || demo.run(now_ms, &control)).await
    };
    end(id, &control, &running);
    match outcome {
        Ok(outcome) => post(&FromEngine::SharedReply { id, outcome }),
        Err(Trapped(message)) => post(&FromEngine::Fault { message }),
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

    let reply = match io_reply(&request, &targets, &control, pool_threads).await {
        Ok(reply) => reply,
        Err(Trapped(message)) => {
            end(id, &control, &running);
            post(&FromEngine::Fault { message });
            return;
        }
    };
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
    end(id, &control, &running);
    post(&FromEngine::IoReply { id, reply });
}

/// Drops a run's transport once the answer has gone out: aborting hundreds of requests in flight
/// (a cancelled gather) takes this thread 20 to 50 ms, which the visitor waiting for Cancel need
/// not see.
fn drop_after_reply<T: 'static>(transport: T) {
    wasm_bindgen_futures::spawn_local(async move { drop(transport) });
}

/// Tells the service worker to drop every built-in target it is still answering for this engine
/// (`base` is the engine's own path, `web::client::engine_targets`; `www/sw.js`): aborting a fetch does
/// not reach the service worker's copy of the request in every browser, and pages of megabytes
/// went on being made for nobody, which slowed the next run several times over.
///
/// A POST: it changes the service worker's state, and a GET of an address can come from anyone
/// (a prefetch, a crawler, a pasted link). `fetch` is called through `Reflect` rather than with
/// web-sys's `RequestInit`, the only use of that type in the crate.
fn drop_builtin_answers(base: &str) {
    let scope = js_sys::global();
    let init = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&init, &"method".into(), &"POST".into());
    if let Ok(fetch) = js_sys::Reflect::get(&scope, &"fetch".into()) {
        let fetch: js_sys::Function = fetch.unchecked_into();
        let _ = fetch.call2(&scope, &format!("{base}drop").into(), &init);
    }
}

async fn io_reply(
    request: &IoRequest,
    base: &str,
    control: &Arc<RunControl>,
    pool_threads: usize,
) -> Result<IoReply, Trapped> {
    if let Err(err) = request.check() {
        return Ok(IoReply::Failed {
            message: err.to_string(),
        });
    }
    if matches!(request.targets, Targets::Builtin(_)) && base.is_empty() {
        return Ok(IoReply::Failed {
            message: "the built-in targets need Overlap's service worker, which is not running \
                      on this page; enter URLs of your own instead"
                .into(),
        });
    }
    let targets = request.targets(base);
    let (mut reply, pages) = if let Targets::Timers(timers) = &request.targets {
        let timers = match TimerTransport::start(timers).await {
            Ok(timers) => timers,
            Err(message) => return Ok(IoReply::Failed { message }),
        };
        let out = io::run(request, &targets, &timers, now_ms, control).await;
        drop_after_reply(timers);
        out
    } else if request.model == IoModel::Threads {
        let threads = match ThreadTransport::start(request.workers.min(targets.len())).await {
            Ok(threads) => threads,
            Err(message) => return Ok(IoReply::Failed { message }),
        };
        let out = io::run(request, &targets, &threads, now_ms, control).await;
        drop_after_reply(threads);
        out
    } else {
        let fetch = FetchTransport::new();
        let out = io::run(request, &targets, &fetch, now_ms, control).await;
        drop_after_reply(fetch);
        out
    };
    if matches!(reply, IoReply::Cancelled) {
        if matches!(request.targets, Targets::Builtin(_)) {
            drop_builtin_answers(base);
        }
        return Ok(reply);
    }
    if request.model == IoModel::Pipeline && request.scan == Scan::Pool {
        let (tags, scan_ms, threads) = if pool_threads > 0 {
            let drill = request.raise_in_scan;
            let (tags, ms) = on_pool(move || io::scan_pages(&pages, now_ms, drill)).await?;
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
    Ok(reply)
}
