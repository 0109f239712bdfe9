//! The page's handle on one engine worker: a dedicated worker that owns a wasm instance and,
//! optionally, a rayon pool of a fixed size.
//!
//! A rayon job blocks its caller with `Atomics.wait` until the pool is done, and browsers forbid
//! blocking the page's thread, so measurements never run here. One worker serves one pool size:
//! wasm-bindgen-rayon can start the global pool only once per instance, and a fresh pool per k is
//! what "a pool of k threads" means to the reader.

use futures::channel::mpsc;
use futures::StreamExt;
use js_sys::{JsString, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::engine::protocol::{self, MeasureReply, MeasureRequest};

#[wasm_bindgen]
extern "C" {
    /// The URL of this module's JS glue. Trunk hashes its name, so the worker is told where it is.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: JsString;
}

/// Why an engine worker could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerError {
    /// The worker or the module in it failed to load.
    Load(String),
    /// The module loaded but the rayon pool did not start.
    Pool(String),
}

type Inbox = mpsc::UnboundedReceiver<Result<JsValue, String>>;

pub struct EngineWorker {
    worker: Worker,
    inbox: Inbox,
    pool_threads: usize,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn text(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

impl EngineWorker {
    /// Starts a worker with a rayon pool of `pool_threads` (0: no pool, sequential runs only).
    pub async fn start(pool_threads: usize) -> Result<Self, WorkerError> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options("./engine-worker.js", &options)
            .map_err(|e| WorkerError::Load(text(&e)))?;

        let (sender, inbox) = mpsc::unbounded();
        let to_inbox = sender.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let _ = to_inbox.unbounded_send(Ok(event.data()));
        });
        // An error the worker script did not catch (a failed import, a trap) ends up here.
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            let _ = sender.unbounded_send(Err(event.message()));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let mut engine = EngineWorker {
            worker,
            inbox,
            pool_threads,
            _on_message: on_message,
            _on_error: on_error,
        };
        let start = Object::new();
        let set = |k: &str, v: &JsValue| Reflect::set(&start, &JsValue::from_str(k), v);
        set("type", &"start".into()).ok();
        set("glueUrl", &GLUE_URL.with(JsString::clone).into()).ok();
        // The module the page already compiled: the worker instantiates it without a download.
        set("module", &wasm_bindgen::module()).ok();
        set("threads", &JsValue::from(pool_threads as u32)).ok();
        engine
            .worker
            .post_message(&start)
            .map_err(|e| WorkerError::Load(text(&e)))?;

        let ready = engine.next().await.map_err(WorkerError::Load)?;
        match text(&field(&ready, "type")).as_str() {
            "ready" => Ok(engine),
            _ => {
                let message = text(&field(&ready, "message"));
                Err(match text(&field(&ready, "stage")).as_str() {
                    "pool" => WorkerError::Pool(message),
                    _ => WorkerError::Load(message),
                })
            }
        }
    }

    pub fn pool_threads(&self) -> usize {
        self.pool_threads
    }

    /// Runs one measurement in the worker and waits for its reply.
    pub async fn measure(&mut self, request: &MeasureRequest) -> MeasureReply {
        let message = Object::new();
        let json = serde_json::to_string(request).expect("requests always serialize");
        Reflect::set(&message, &"type".into(), &"measure".into()).ok();
        Reflect::set(&message, &"json".into(), &json.into()).ok();
        if let Err(e) = self.worker.post_message(&message) {
            return MeasureReply::Failed { message: text(&e) };
        }
        match self.next().await {
            Ok(reply) if text(&field(&reply, "type")) == "reply" => {
                protocol::read_reply(&text(&field(&reply, "json")))
            }
            Ok(other) => MeasureReply::Failed {
                message: text(&field(&other, "message")),
            },
            Err(message) => MeasureReply::Failed { message },
        }
    }

    async fn next(&mut self) -> Result<JsValue, String> {
        self.inbox
            .next()
            .await
            .unwrap_or_else(|| Err("the engine worker went away".to_string()))
    }
}

impl Drop for EngineWorker {
    /// Terminating the worker also ends the rayon workers it started.
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
