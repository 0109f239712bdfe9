//! What `www/engine-worker.js` calls once it has instantiated this module off the main thread.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::harness::Clock;
use crate::engine::protocol;

/// `performance.now()` of whichever global this runs in (worker or window).
pub struct PerformanceClock(web_sys::Performance);

impl PerformanceClock {
    pub fn new() -> Option<Self> {
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
            .ok()
            .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
            .map(PerformanceClock)
    }
}

impl Clock for PerformanceClock {
    fn now_ms(&self) -> f64 {
        self.0.now()
    }
}

/// Answers a JSON [`protocol::MeasureRequest`] with a JSON [`protocol::MeasureReply`].
/// `pool_threads` is 0 when this worker started no rayon pool.
#[wasm_bindgen(js_name = engineMeasure)]
pub fn engine_measure(request_json: &str, pool_threads: usize) -> Result<String, JsError> {
    let clock = PerformanceClock::new().ok_or_else(|| JsError::new("no performance clock"))?;
    Ok(protocol::handle(request_json, pool_threads, &clock))
}
