//! Small things every thread of the browser runtime uses: its clock, timers, and the entry point
//! a worker process calls.

use std::cell::Cell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::engine::run::processes;

thread_local! {
    static PERFORMANCE: Option<web_sys::Performance> =
        Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
            .ok()
            .and_then(|p| p.dyn_into().ok());
    static TIME_ORIGIN: f64 = PERFORMANCE.with(|p| p.as_ref().map_or(f64::NAN, |p| p.time_origin()));
}

/// Milliseconds since the Unix epoch, as `performance.timeOrigin + performance.now()`: the
/// [`crate::engine::clock::Clock`] of every thread here. Each worker's `performance.now()`
/// counts from when that worker started, so only this sum puts the spans of pool threads and
/// worker processes on one timeline. NaN without a `performance`, which the harness rejects.
pub fn now_ms() -> f64 {
    TIME_ORIGIN.with(|origin| *origin)
        + PERFORMANCE.with(|p| p.as_ref().map_or(f64::NAN, |p| p.now()))
}

/// A worker process's whole job: the bytes of one chunk of tasks in, the results' bytes out.
#[wasm_bindgen(js_name = serveChunk)]
pub fn serve_chunk(message: &[u8]) -> Vec<u8> {
    crate::web::platform::panic::install_hook();
    processes::serve_chunk(message, now_ms)
}

/// Resolves after `ms` milliseconds, on whatever global this thread has (page or worker).
pub async fn sleep(ms: f64) {
    let global = js_sys::global();
    let promise = Promise::new(&mut |resolve, _| {
        let set_timeout = Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &resolve, &JsValue::from_f64(ms));
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Gives the event loop a turn (timers, messages such as Cancel) without setTimeout's 4 ms
/// clamp on nested timers: a message to ourselves through a fresh channel.
pub async fn next_task() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return sleep(0.0).await;
    };
    let promise = Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    let _ = channel.port2().post_message(&JsValue::NULL);
    let _ = JsFuture::from(promise).await;
}

thread_local! {
    static LAST_TURN: Cell<f64> = const { Cell::new(0.0) };
}

/// The async model's yield point in the browser: `await asyncio.sleep(0)` lets the other
/// coroutines run, and every 20 ms or so the event loop itself gets a turn, so progress goes out
/// and a Cancel gets in while the coroutines keep the thread busy.
pub async fn coroutine_yield() {
    const EVENT_LOOP_EVERY_MS: f64 = 20.0;
    let now = now_ms();
    if now - LAST_TURN.with(Cell::get) >= EVENT_LOOP_EVERY_MS {
        next_task().await;
        LAST_TURN.with(|last| last.set(now_ms()));
    } else {
        crate::engine::run::coroutines::YieldNow::default().await;
    }
}

/// What a worker's `error` event says. A trap is an ErrorEvent with a message; a script that
/// failed to load (404, wrong MIME type, a blocked import) is a bare Event with none.
pub fn error_message(event: &web_sys::Event) -> String {
    Reflect::get(event, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "the worker's script failed to load or run".into())
}
