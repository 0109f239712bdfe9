//! The hook `scripts/bench.sh` drives: measurements through the real runtime (engine worker, pool,
//! worker processes) without the UI, from `window.wasmBindings.benchMeasure`.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::engine_worker::{Answer, EngineWorker};
use super::worker_api::now_ms;
use crate::engine::protocol::{MeasureReply, MeasureRequest};

thread_local! {
    static ENGINE: RefCell<Option<EngineWorker>> = const { RefCell::new(None) };
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
