//! The one engine worker the page's labs share, kept between runs, and where the I/O lab's
//! built-in targets are.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::engine_worker::{Canceller, EngineWorker};

/// How long to wait for index.html's service worker before going on without built-in targets.
/// Its own wait for control is 4 s.
const SERVICE_WORKER_WAIT_MS: i32 = 6_000;

/// The engine between runs, and the means to stop the run under way.
#[derive(Default)]
pub struct EngineSlot {
    engine: RefCell<Option<EngineWorker>>,
    canceller: RefCell<Option<Canceller>>,
    cancelled: Cell<bool>,
    targets: RefCell<Option<Result<String, String>>>,
}

impl EngineSlot {
    /// The engine kept from the last run, or a new one. Waits for the service worker first, so
    /// the engine's workers are under its control and can reach the built-in targets.
    async fn take_or_start(&self, pool_threads: usize) -> Result<EngineWorker, String> {
        match self.engine.borrow_mut().take() {
            Some(engine) if !engine.is_broken() => return Ok(engine),
            _ => {}
        }
        let _ = self.targets().await;
        EngineWorker::start(pool_threads).await
    }

    /// Everything a run needs: the engine, watched by Cancel, and where built-in targets are
    /// (empty when `needs_targets` is false and there are none).
    pub async fn open(
        &self,
        pool_threads: usize,
        needs_targets: bool,
    ) -> Result<(EngineWorker, String), Unavailable> {
        let base = match self.targets().await {
            Ok(base) => base,
            Err(why) if needs_targets => return Err(Unavailable::Targets(why)),
            Err(_) => String::new(),
        };
        let engine = self
            .take_or_start(pool_threads)
            .await
            .map_err(Unavailable::Engine)?;
        self.watch(&engine);
        Ok((engine, base))
    }

    /// Keeps `engine` for the next run.
    pub fn put_back(&self, engine: EngineWorker) {
        self.canceller.borrow_mut().take();
        *self.engine.borrow_mut() = Some(engine);
    }

    /// After a fault, whose engine can no longer be trusted: starts a new engine now, so the
    /// next run finds a fresh pool, and keeps it. Returns the sentence that tells the visitor.
    pub async fn replace_broken(&self, pool_threads: usize) -> &'static str {
        self.canceller.borrow_mut().take();
        match EngineWorker::start(pool_threads).await {
            Ok(fresh) => {
                *self.engine.borrow_mut() = Some(fresh);
                "The engine was restarted; the next run starts afresh."
            }
            Err(_) => "The engine could not be restarted; reload the page.",
        }
    }

    /// A run begins: Cancel applies to it from now on.
    pub fn begin(&self) {
        self.cancelled.set(false);
    }

    /// Lets Cancel reach `engine`'s current run.
    pub fn watch(&self, engine: &EngineWorker) {
        *self.canceller.borrow_mut() = Some(engine.canceller());
    }

    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(canceller) = self.canceller.borrow().as_ref() {
            canceller.cancel();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// Where the service worker answers built-in targets (`…/__overlap/io/`), or why it does not.
    pub async fn targets(&self) -> Result<String, String> {
        if let Some(known) = self.targets.borrow().as_ref() {
            return known.clone();
        }
        let found = service_worker_targets().await;
        *self.targets.borrow_mut() = Some(found.clone());
        found
    }
}

/// Reads `window.overlapServiceWorker`, the promise index.html's script sets:
/// `{targets: url}` or `{error: why}`.
async fn service_worker_targets() -> Result<String, String> {
    let window = web_sys::window().ok_or("there is no window")?;
    let promise = js_sys::Reflect::get(&window, &"overlapServiceWorker".into())
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Promise>().ok())
        .ok_or("this page has no service worker script (was it built from index.html?)")?;
    let timeout = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            SERVICE_WORKER_WAIT_MS,
        );
    });
    let settled = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(
        &promise, &timeout,
    )))
    .await
    .map_err(|e| format!("the service worker failed: {e:?}"))?;
    let field = |name: &str| {
        js_sys::Reflect::get(&settled, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    match (field("targets"), field("error")) {
        (Some(url), _) => Ok(url),
        (None, Some(why)) => Err(why),
        (None, None) => Err(format!(
            "the service worker did not answer within {} s",
            SERVICE_WORKER_WAIT_MS / 1000
        )),
    }
}

/// Why a run cannot begin.
pub enum Unavailable {
    /// The built-in targets are missing, and why.
    Targets(String),
    /// The engine did not start, and why.
    Engine(String),
}

impl Unavailable {
    /// The message for the status line; `targets_hint` follows a missing-targets reason.
    pub fn message(&self, targets_hint: &str) -> String {
        match self {
            Unavailable::Targets(why) => {
                format!("The built-in targets are unavailable because {why}. {targets_hint}")
            }
            Unavailable::Engine(why) => format!("The engine failed to start: {why}"),
        }
    }
}

/// The slot as a component property: equal when it is the same slot.
#[derive(Clone, Default)]
pub struct SharedEngine(pub Rc<EngineSlot>);

impl PartialEq for SharedEngine {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
