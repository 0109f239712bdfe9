//! What a panic leaves behind. wasm32 has no unwinding: a panic aborts, which traps the thread it
//! happened on, and the error event that follows carries only "unreachable". So the hook records
//! the panic's own message first, where the runtime can find it:
//! - in [`take_fault`], in the instance's shared memory, which the engine worker polls while a
//!   run is on its pool threads (a trapped pool thread cannot tell anyone itself);
//! - through `self.overlapFault(message)` if the thread's global defines it: the engine worker and
//!   each worker process define it to post the message out before the trap.

use std::sync::Mutex;

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

static FAULT: Mutex<Option<String>> = Mutex::new(None);

/// Installs the hook for this instance (once; every thread sharing the memory shares it). Called
/// where each part starts, not only from the module's start function, which test builds skip.
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(hook)));
}

fn hook(info: &std::panic::PanicHookInfo) {
    {
        console_error_panic_hook::hook(info);
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| info.to_string());
        // try_lock: a panic while the slot is held must not deadlock; the first message wins.
        if let Ok(mut slot) = FAULT.try_lock() {
            slot.get_or_insert_with(|| message.clone());
        }
        let report = Reflect::get(&js_sys::global(), &JsValue::from_str("overlapFault"));
        if let Some(report) = report.ok().and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = report.call1(&JsValue::NULL, &JsValue::from_str(&message));
        }
    }
}

/// The message of the first panic in this instance since the last call, if there was one.
pub fn take_fault() -> Option<String> {
    FAULT.lock().ok().and_then(|mut slot| slot.take())
}
