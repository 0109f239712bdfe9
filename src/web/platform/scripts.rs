//! The worker scripts, built into the module and started from Blob URLs.
//!
//! Built in rather than served beside the page, so wherever this module runs (the app, or
//! wasm-bindgen-test's own server) it can start the real engine worker and real worker processes:
//! the tests exercise exactly what the app runs. Each script imports this module's glue by its
//! URL and instantiates the module it is handed, so nothing is downloaded twice.
//!
//! One message convention for the worker processes and the Python interpreters: everything they
//! send is an object `{type, …}`. `ready` once it can take work; `fault` with a `message` when it
//! failed to load or broke; its answers under a type of their own (`reply`); sent as they are, so
//! bytes cross without a copy into text. The engine worker says the same things (`listening`,
//! `fault`) as JSON strings of the typed `protocol::FromEngine`, in serde's externally tagged
//! form (`"listening"`, `{"fault": {"message": …}}`; see `protocol.rs` for why). A script that
//! fails to load reaches the page only as an `error` event, which every starter also listens for.

use std::collections::HashMap;

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, Url, Worker, WorkerOptions, WorkerType};

/// Owns every run and the rayon pool (see `host.rs`).
pub const ENGINE_WORKER: &str = include_str!("../../../www/engine-worker.js");
/// One worker of the processes model (see `processes.rs`).
pub const PROCESS_WORKER: &str = include_str!("../../../www/process-worker.js");
/// One blocking thread of the I/O lab's threads model (see `io.rs`); plain JS, no module.
pub const IO_THREAD_WORKER: &str = include_str!("../../../www/io-thread-worker.js");
/// One CPython interpreter of the Python lab (see `client/python.rs`); a module worker that
/// imports Pyodide from this origin.
pub const PYTHON_WORKER: &str = include_str!("../../../www/python-worker.js");

#[wasm_bindgen]
extern "C" {
    /// The URL of this module's JS glue. Trunk hashes its name, so workers are told where it is.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: JsString;
}

thread_local! {
    /// One Blob URL per script, made the first time it is needed on this thread.
    static BLOB_URLS: std::cell::RefCell<HashMap<usize, String>> = Default::default();
}

pub fn blob_url(script: &'static str) -> Result<String, JsValue> {
    let key = script.as_ptr() as usize;
    if let Some(url) = BLOB_URLS.with(|urls| urls.borrow().get(&key).cloned()) {
        return Ok(url);
    }
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = Array::of1(&JsValue::from_str(script));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    BLOB_URLS.with(|urls| urls.borrow_mut().insert(key, url.clone()));
    Ok(url)
}

/// Starts a module worker running `script` and sends it what it needs to instantiate this
/// module: `{glueUrl, module, threads}`.
pub fn start_worker(script: &'static str, threads: usize) -> Result<Worker, String> {
    let worker = module_worker_for(script)?;
    send_start(&worker, threads)?;
    Ok(worker)
}

fn describe(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// A module worker running the script at `url`, not yet sent its start message.
pub fn module_worker(url: &str) -> Result<Worker, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    Worker::new_with_options(url, &options).map_err(describe)
}

/// A module worker running `script` from its Blob URL, not yet sent its start message.
pub fn module_worker_for(script: &'static str) -> Result<Worker, String> {
    module_worker(&blob_url(script).map_err(describe)?)
}

/// Sends `worker` what it needs to instantiate this module: `{glueUrl, module, threads}`.
pub fn send_start(worker: &Worker, threads: usize) -> Result<(), String> {
    let start = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&start, &JsValue::from_str(k), v).map(drop);
    set("glueUrl", &GLUE_URL.with(JsString::clone).into()).map_err(describe)?;
    // The compiled module is shared, not recompiled: the worker only instantiates it.
    set("module", &wasm_bindgen::module()).map_err(describe)?;
    set("threads", &JsValue::from(threads as u32)).map_err(describe)?;
    worker.post_message(&start).map_err(describe)
}
