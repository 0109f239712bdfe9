//! What `www/engine-worker.js` calls once it has instantiated this module off the main thread.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::protocol;

/// `performance.now()` of whichever global calls it (page, engine worker or pool thread), as an
/// [`crate::engine::harness::Clock`]. NaN without one, which the harness rejects as a timing.
pub fn performance_now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(f64::NAN, |p| p.now())
}

/// Answers a JSON [`protocol::MeasureRequest`] with a JSON [`protocol::MeasureReply`].
/// `pool_threads` is 0 when this worker started no rayon pool.
#[wasm_bindgen(js_name = engineMeasure)]
pub fn engine_measure(request_json: &str, pool_threads: usize) -> String {
    protocol::handle(request_json, pool_threads, performance_now)
}
