//! The hooks `scripts/bench.sh` drives: measurements through the real runtime (engine worker, pool,
//! worker processes) without the UI, from `window.wasmBindings.benchMeasure`, and the time a
//! Cancel takes, from `benchCancel`.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::engine::protocol::{MeasureReply, MeasureRequest};
use crate::web::client::engine_worker::{Answer, EngineWorker};
use crate::web::platform::worker_api::now_ms;

thread_local! {
    static ENGINE: RefCell<Option<EngineWorker>> = const { RefCell::new(None) };
}

/// Starts the JSON `MeasureRequest` (one too long to finish) on a fresh engine with a pool of
/// `pool_threads`, presses Cancel after `after_ms` and answers JSON `{stopped_ms, reply,
/// replaced}`: the ms from Cancel to the answer, the answer, and whether the engine had to be
/// terminated to stop it (a coroutine mid-task).
#[wasm_bindgen(js_name = benchCancel)]
pub async fn bench_cancel(request_json: String, pool_threads: usize, after_ms: f64) -> String {
    let request: MeasureRequest = match serde_json::from_str(&request_json) {
        Ok(request) => request,
        Err(err) => return serde_json::json!({ "error": err.to_string() }).to_string(),
    };
    let mut engine = match EngineWorker::start(pool_threads).await {
        Ok(engine) => engine,
        Err(err) => return serde_json::json!({ "error": err }).to_string(),
    };
    let canceller = engine.canceller();
    let cancelled_at = std::rc::Rc::new(std::cell::Cell::new(f64::NAN));
    {
        let cancelled_at = std::rc::Rc::clone(&cancelled_at);
        wasm_bindgen_futures::spawn_local(async move {
            crate::web::platform::worker_api::sleep(after_ms).await;
            cancelled_at.set(now_ms());
            canceller.cancel();
        });
    }
    let reply = match engine.measure(&request, |_| {}).await {
        Answer::Reply(reply) => reply,
        Answer::Fault(message) => MeasureReply::Failed { message },
    };
    serde_json::json!({
        "stopped_ms": now_ms() - cancelled_at.get(),
        "reply": reply,
        "replaced": engine.is_broken(),
    })
    .to_string()
}

/// Measures a JSON `MeasureRequest` on an engine with a pool of `pool_threads`, started afresh if
/// `fresh` or if the kept one has another size. Answers JSON `{reply, pool_start_ms,
/// engine_start_ms}`; the start times are 0 when the engine was kept.
#[wasm_bindgen(js_name = benchMeasure)]
pub async fn bench_measure(request_json: String, pool_threads: usize, fresh: bool) -> String {
    let request: MeasureRequest = match serde_json::from_str(&request_json) {
        Ok(request) => request,
        Err(err) => return serde_json::json!({ "error": err.to_string() }).to_string(),
    };
    let kept = ENGINE.with(|slot| slot.borrow_mut().take());
    let kept = kept.filter(|e| !fresh && !e.is_broken() && e.pool_threads() == pool_threads);
    let (mut engine, pool_start_ms, engine_start_ms) = match kept {
        Some(engine) => (engine, 0.0, 0.0),
        None => {
            let started = now_ms();
            match EngineWorker::start(pool_threads).await {
                Ok(engine) => {
                    let pool = engine.pool_start_ms();
                    (engine, pool, now_ms() - started)
                }
                Err(err) => return serde_json::json!({ "error": err }).to_string(),
            }
        }
    };
    let reply = match engine.measure(&request, |_| {}).await {
        Answer::Reply(reply) => reply,
        Answer::Fault(message) => MeasureReply::Failed { message },
    };
    ENGINE.with(|slot| *slot.borrow_mut() = Some(engine));
    serde_json::json!({
        "reply": reply,
        "pool_start_ms": pool_start_ms,
        "engine_start_ms": engine_start_ms,
    })
    .to_string()
}
