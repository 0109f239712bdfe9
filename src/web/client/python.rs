//! The Python lab's interpreters: each a Pyodide CPython in a module worker of its own
//! (`www/python-worker.js`), started on demand and kept between runs, as a
//! `ProcessPoolExecutor` keeps its processes. The first to start downloads and compiles the
//! interpreter's module (9.6 MB of wasm, with a progress bar); every later one is handed the
//! compiled module, so k interpreters compile it once. Cancel terminates them all at once: CPython
//! in a worker cannot be interrupted mid-loop, so stopping means ending the worker, and the next
//! run starts new ones (the spawn cost again, from the kept module).

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::StreamExt;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

use crate::engine::python::measured::Start;
use crate::engine::python::{DRIVER, PYODIDE_VERSION};
use crate::web::platform::scripts::{blob_url, module_worker, PYTHON_WORKER};
use crate::web::platform::worker_api::{error_message, now_ms, sleep};

/// How long an interpreter may take to start before the lab gives up on it. About 4 s here; a
/// hang was reported in Firefox with more than two workers (pyodide/pyodide#5044), and a slow
/// school laptop may take several times as long.
const START_LIMIT_MS: f64 = 120_000.0;

/// Where the interpreter's files are: `pyodide/<version>/` beside the page (copied from the npm
/// package by `scripts/pyodide.mjs` at build time; never a CDN, so it works offline).
pub fn index_url() -> Result<String, String> {
    let href = web_sys::window()
        .ok_or("there is no window")?
        .location()
        .href()
        .map_err(|e| format!("{e:?}"))?;
    web_sys::Url::new_with_base(&format!("pyodide/{PYODIDE_VERSION}/"), &href)
        .map(|url| url.href())
        .map_err(|e| format!("{e:?}"))
}

enum Message {
    Progress {
        loaded: f64,
        total: f64,
    },
    Compiled(JsValue),
    Ready(f64),
    Reply {
        meta: String,
        blobs: Vec<Uint8Array>,
    },
    Print(String),
    Fault(String),
    Stopped,
}

fn field(data: &JsValue, name: &str) -> JsValue {
    Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn read(data: &JsValue) -> Message {
    let number = |name| field(data, name).as_f64().unwrap_or(0.0);
    let text = |name| field(data, name).as_string().unwrap_or_default();
    match text("type").as_str() {
        "progress" => Message::Progress {
            loaded: number("loaded"),
            total: number("total"),
        },
        "compiled" => Message::Compiled(field(data, "module")),
        "ready" => Message::Ready(number("ms")),
        "reply" => Message::Reply {
            meta: text("meta"),
            blobs: Array::from(&field(data, "blobs"))
                .iter()
                .map(Uint8Array::from)
                .collect(),
        },
        "print" => Message::Print(text("text")),
        "fault" => Message::Fault(text("message")),
        other => Message::Fault(format!(
            "the interpreter sent a message of unknown type {other:?}"
        )),
    }
}

/// Why an interpreter did not answer.
#[derive(Debug)]
pub enum Broke {
    /// Cancel ended it.
    Stopped,
    /// It failed (out of memory, a script that did not load), and why.
    Fault(String),
}

/// What an interpreter answered a call: the driver's JSON and the bytes that cross.
pub struct Reply {
    pub meta: serde_json::Value,
    pub blobs: Vec<Uint8Array>,
}

impl Reply {
    /// The traceback (or refusal) when the visitor's code raised.
    pub fn error(&self) -> Option<String> {
        self.meta
            .get("error")
            .and_then(|e| e.as_str())
            .map(String::from)
    }
}

/// One interpreter: a module worker and the messages it has sent.
pub struct Interpreter {
    worker: Worker,
    sender: UnboundedSender<Message>,
    inbox: RefCell<UnboundedReceiver<Message>>,
    /// What the visitor's code printed during the last call.
    pub printed: RefCell<Vec<String>>,
    _listeners: [Closure<dyn FnMut(web_sys::Event)>; 3],
}

impl Interpreter {
    fn start() -> Result<Interpreter, String> {
        let url = blob_url(PYTHON_WORKER).map_err(|e| format!("{e:?}"))?;
        let worker = module_worker(&url)?;
        let (sender, inbox) = unbounded();
        let listen = |make: fn(web_sys::Event) -> Message| {
            let tx = sender.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event| {
                let _ = tx.unbounded_send(make(event));
            })
        };
        let listeners = [
            listen(|e| read(&e.unchecked_into::<MessageEvent>().data())),
            listen(|e| Message::Fault(error_message(&e))),
            listen(|_| Message::Fault("a message from the interpreter could not be read".into())),
        ];
        worker.set_onmessage(Some(listeners[0].as_ref().unchecked_ref()));
        worker.set_onerror(Some(listeners[1].as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(listeners[2].as_ref().unchecked_ref()));
        Ok(Interpreter {
            worker,
            sender,
            inbox: RefCell::new(inbox),
            printed: RefCell::default(),
            _listeners: listeners,
        })
    }

    /// Ends the worker now; whoever waits for it hears [`Broke::Stopped`].
    pub fn stop(&self) {
        self.worker.terminate();
        let _ = self.sender.unbounded_send(Message::Stopped);
    }

    async fn next(&self) -> Message {
        loop {
            let message =
                futures::future::poll_fn(|cx| self.inbox.borrow_mut().poll_next_unpin(cx)).await;
            match message {
                Some(Message::Print(text)) => self.printed.borrow_mut().push(text),
                Some(message) => return message,
                None => return Message::Stopped,
            }
        }
    }

    fn post(&self, message: &Object, transfer: &Array) -> Result<(), Broke> {
        self.worker
            .post_message_with_transfer(message, transfer)
            .map_err(|e| Broke::Fault(format!("could not send to the interpreter: {e:?}")))
    }

    /// Downloads the interpreter's files (`on_progress(loaded, total)`) and compiles its module,
    /// which it answers with (`None` where this browser cannot post a compiled module).
    async fn download(
        &self,
        index: &str,
        on_progress: &dyn Fn(f64, f64),
    ) -> Result<Option<JsValue>, Broke> {
        let message = object(&[("type", "download".into()), ("indexURL", index.into())]);
        self.post(&message, &Array::new())?;
        loop {
            match self.next().await {
                Message::Progress { loaded, total } => on_progress(loaded, total),
                Message::Compiled(module) => return Ok(Some(module).filter(|m| !m.is_undefined())),
                Message::Stopped => return Err(Broke::Stopped),
                // The module did not cross (a browser that cannot post one): each interpreter
                // then fetches and compiles its own, as Pyodide does by itself.
                Message::Fault(_) => return Ok(None),
                _ => {}
            }
        }
    }

    /// Starts CPython and its driver; how long it took in the worker, in ms.
    async fn load(&self, index: &str, module: Option<&JsValue>) -> Result<f64, Broke> {
        let message = object(&[
            ("type", "load".into()),
            ("indexURL", index.into()),
            ("module", module.cloned().unwrap_or(JsValue::UNDEFINED)),
            ("driver", DRIVER.into()),
        ]);
        self.post(&message, &Array::new())?;
        let ready = async {
            loop {
                match self.next().await {
                    Message::Ready(ms) => return Ok(ms),
                    Message::Fault(why) => return Err(Broke::Fault(why)),
                    Message::Stopped => return Err(Broke::Stopped),
                    _ => {}
                }
            }
        };
        let limit = async {
            sleep(START_LIMIT_MS).await;
            Err(Broke::Fault(format!(
                "the interpreter did not start within {} s",
                START_LIMIT_MS / 1000.0
            )))
        };
        futures::pin_mut!(ready, limit);
        futures::future::select(ready, limit).await.factor_first().0
    }

    /// Calls `_overlap.<name>(*args)`; `transfer` moves those buffers rather than copying them.
    pub async fn call(&self, name: &str, args: &Array, transfer: &Array) -> Result<Reply, Broke> {
        self.printed.borrow_mut().clear();
        let message = object(&[
            ("type", "call".into()),
            ("name", name.into()),
            ("args", args.into()),
        ]);
        self.post(&message, transfer)?;
        loop {
            match self.next().await {
                Message::Reply { meta, blobs } => {
                    let meta = serde_json::from_str(&meta).map_err(|e| {
                        Broke::Fault(format!("the driver answered {name} unreadably: {e}"))
                    })?;
                    return Ok(Reply { meta, blobs });
                }
                Message::Fault(why) => return Err(Broke::Fault(why)),
                Message::Stopped => return Err(Broke::Stopped),
                _ => {}
            }
        }
    }
}

impl Drop for Interpreter {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

thread_local! {
    static SHARED: Rc<Interpreters> = Rc::new(Interpreters::default());
}

/// The page's one set of interpreters, shared by the Python lab and the lessons' "Run the Python
/// here": each interpreter holds tens of megabytes, and one run at a time uses them (the lease).
pub fn shared() -> Rc<Interpreters> {
    SHARED.with(Rc::clone)
}

/// The interpreters, kept between runs, and the compiled module new ones start from.
#[derive(Default)]
pub struct Interpreters {
    live: RefCell<Vec<Rc<Interpreter>>>,
    module: RefCell<Option<JsValue>>,
}

impl Interpreters {
    /// How many are running now.
    pub fn count(&self) -> usize {
        self.live.borrow().len()
    }

    /// Ends every interpreter now (Cancel, a fault, memory to give back); the module is kept.
    pub fn stop(&self) {
        for interpreter in self.live.borrow_mut().drain(..) {
            interpreter.stop();
        }
    }

    /// `k` running interpreters, starting those missing, and the start of each one started.
    /// Nothing is half-kept: if one fails to start, all are stopped.
    pub async fn ensure(
        &self,
        k: usize,
        on_progress: &dyn Fn(f64, f64),
    ) -> Result<(Vec<Rc<Interpreter>>, Vec<Start>), Broke> {
        let started = self.start_missing(k, on_progress).await;
        match started {
            Ok(starts) => Ok((self.live.borrow()[..k].to_vec(), starts)),
            Err(broke) => {
                self.stop();
                Err(broke)
            }
        }
    }

    async fn start_missing(
        &self,
        k: usize,
        on_progress: &dyn Fn(f64, f64),
    ) -> Result<Vec<Start>, Broke> {
        let have = self.count();
        if have >= k {
            return Ok(Vec::new());
        }
        let index = index_url().map_err(Broke::Fault)?;
        let mut fresh = Vec::new();
        for _ in have..k {
            let interpreter = Rc::new(Interpreter::start().map_err(Broke::Fault)?);
            // Kept at once, so that a Cancel while they start reaches them.
            self.live.borrow_mut().push(Rc::clone(&interpreter));
            fresh.push(interpreter);
        }
        let began = now_ms();
        let cold = self.module.borrow().is_none();
        if cold {
            let module = fresh[0].download(&index, on_progress).await?;
            *self.module.borrow_mut() = module;
        }
        let module = self.module.borrow().clone();
        let loads = fresh.iter().enumerate().map(|(i, interpreter)| {
            let (index, module) = (index.clone(), module.clone());
            async move {
                let at = now_ms();
                interpreter.load(&index, module.as_ref()).await?;
                // The first, when cold, also downloaded and compiled the module for all.
                let from = if cold && i == 0 { began } else { at };
                Ok(Start {
                    ms: now_ms() - from,
                    from_module: module.is_some() && !(cold && i == 0),
                })
            }
        });
        futures::future::join_all(loads).await.into_iter().collect()
    }
}
