//! Reads what the page can do: cross-origin isolation, SharedArrayBuffer, cores.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::engine::capability::Capabilities;

pub fn detect() -> Capabilities {
    let global = js_sys::global();
    let isolated = Reflect::get(&global, &JsValue::from_str("crossOriginIsolated"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let shared_memory =
        Reflect::has(&global, &JsValue::from_str("SharedArrayBuffer")).unwrap_or(false);
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    Capabilities::new(isolated, shared_memory, cores)
}
