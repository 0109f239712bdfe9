//! The one engine worker the page's labs share, kept between runs and lent to one run at a time.
//!
//! A part of the page that wants to run something takes a [`Lease`] ([`SharedEngine::lease`]):
//! while it lives, that part holds the engine and the others' Run says it is busy; Cancel reaches
//! its run; [`Lease::open`] gives it the engine (the kept one, or a new one with a pool big
//! enough). Dropping the lease, however the run ended, gives the engine back: kept for the next
//! run, or, if a fault broke it, terminated and replaced here (the holder is let go once the new
//! one is up, so the next run finds a fresh pool). Callers never put back or replace.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

use crate::web::client::engine_worker::{Canceller, EngineWorker};

/// How long to wait for index.html's service worker before going on without built-in targets.
/// Its own wait for control is 4 s.
const SERVICE_WORKER_WAIT_MS: i32 = 6_000;

/// What a lab's Run says while another part of the page holds the engine.
pub const BUSY: &str = "Another run is using the engine; Run comes back when it is done.";

/// Said after a fault: the lease replaces the broken engine when it is dropped.
pub const RESTARTING: &str = "The engine is being restarted; the next run starts afresh.";

/// A part of the page that runs things on the engine; one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Lessons,
    Cpu,
    Io,
    /// The Python lab: it runs on interpreters of its own, not on the engine, but holds the
    /// lease all the same, so no other run shares the cores it is timing.
    Python,
}

/// How Cancel reaches the run of the lease out now: a flag for the time before its engine is
/// open, and the engine's own canceller after; or, for a run on workers of its own (the Python
/// lab's interpreters), what that run gave [`Lease::on_cancel`].
#[derive(Clone, Default)]
struct RunCancel {
    asked: Rc<Cell<bool>>,
    canceller: Rc<RefCell<Option<Canceller>>>,
    own: Rc<RefCell<Option<Stop>>>,
}

/// What stops a run on workers of its own.
pub type Stop = Rc<dyn Fn()>;

/// The engine between runs, who holds it, and the means to stop the run under way.
pub struct SharedEngine {
    kept: RefCell<Option<EngineWorker>>,
    targets: RefCell<Option<Result<String, String>>>,
    holder: Cell<Option<Holder>>,
    /// Told whenever the holder changes (the page re-renders its context).
    on_holder: Callback<Option<Holder>>,
    /// The run of the lease out now, if one is.
    run: RefCell<Option<RunCancel>>,
}

impl SharedEngine {
    /// No engine yet (the first lease starts one); `on_holder` is told of every change of holder.
    pub fn new(on_holder: Callback<Option<Holder>>) -> Rc<Self> {
        Rc::new(SharedEngine {
            kept: RefCell::default(),
            targets: RefCell::default(),
            holder: Cell::default(),
            on_holder,
            run: RefCell::default(),
        })
    }

    /// `who` begins a run: it holds the engine until the lease is dropped. [`BUSY`] while
    /// another part holds it (the page has one lease out at a time).
    pub fn lease(self: &Rc<Self>, who: Holder) -> Result<Lease, String> {
        if self.holder.get().is_some() {
            return Err(BUSY.into());
        }
        let cancel = RunCancel::default();
        *self.run.borrow_mut() = Some(cancel.clone());
        self.set_holder(Some(who));
        Ok(Lease {
            shared: Rc::clone(self),
            engine: None,
            pool_threads: 0,
            cancel,
        })
    }

    /// Stops the run of the lease out now, if there is one.
    pub fn cancel(&self) {
        if let Some(run) = self.run.borrow().as_ref() {
            run.asked.set(true);
            if let Some(canceller) = run.canceller.borrow().as_ref() {
                canceller.cancel();
            }
            let own = run.own.borrow().clone();
            if let Some(stop) = own {
                stop();
            }
        }
    }

    /// Who holds the engine now.
    pub fn holder(&self) -> Option<Holder> {
        self.holder.get()
    }

    fn set_holder(&self, holder: Option<Holder>) {
        self.holder.set(holder);
        self.on_holder.emit(holder);
    }

    /// The engine kept from the last run, or a new one. Waits for the service worker first, so
    /// the engine's workers are under its control and can reach the built-in targets.
    async fn take_or_start(&self, pool_threads: usize) -> Result<EngineWorker, String> {
        // A sweep past the reported cores needs a bigger pool than the kept engine's: that
        // engine is dropped (terminated) and one with enough threads started.
        match self.kept.borrow_mut().take() {
            Some(engine) if !engine.is_broken() && engine.has_pool_for(pool_threads) => {
                return Ok(engine)
            }
            _ => {}
        }
        let _ = self.targets().await;
        EngineWorker::start(pool_threads).await
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

/// One run's hold on the shared engine; dropping it gives the engine back (see the module doc).
pub struct Lease {
    shared: Rc<SharedEngine>,
    engine: Option<EngineWorker>,
    /// The pool the run asked for, for a replacement.
    pool_threads: usize,
    cancel: RunCancel,
}

impl Lease {
    /// The engine for this run, with a pool of `pool_threads` (0: none), watched by Cancel; and
    /// where built-in targets are (empty when `needs_targets` is false and there are none).
    pub async fn open(
        &mut self,
        pool_threads: usize,
        needs_targets: bool,
    ) -> Result<(&mut EngineWorker, String), Unavailable> {
        let base = match self.shared.targets().await {
            Ok(base) => base,
            Err(why) if needs_targets => return Err(Unavailable::Targets(why)),
            Err(_) => String::new(),
        };
        self.pool_threads = pool_threads;
        let engine = self
            .shared
            .take_or_start(pool_threads)
            .await
            .map_err(Unavailable::Engine)?;
        engine.forget_cancel();
        let canceller = engine.canceller();
        // A Cancel given while the engine was starting applies to the run all the same.
        if self.cancel.asked.get() {
            canceller.cancel();
        }
        *self.cancel.canceller.borrow_mut() = Some(canceller);
        Ok((self.engine.insert(engine), base))
    }

    /// For a run that does not use the engine (the Python lab): Cancel calls `stop`. Called at
    /// once if Cancel was given already.
    pub fn on_cancel(&self, stop: Stop) {
        if self.cancel.asked.get() {
            stop();
        }
        *self.cancel.own.borrow_mut() = Some(stop);
    }

    /// Whether Cancel was given for this run.
    pub fn cancelled(&self) -> bool {
        self.cancel.asked.get()
    }

    /// Whether a fault broke this run's engine (it is replaced when the lease is dropped).
    pub fn broken(&self) -> bool {
        self.engine.as_ref().is_some_and(EngineWorker::is_broken)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.shared.run.borrow_mut().take();
        match self.engine.take() {
            Some(engine) if engine.is_broken() => {
                // Terminated now (its drop); the holder is let go once a fresh one is up.
                drop(engine);
                let (shared, pool_threads) = (Rc::clone(&self.shared), self.pool_threads);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(fresh) = EngineWorker::start(pool_threads).await {
                        shared.kept.borrow_mut().get_or_insert(fresh);
                    }
                    shared.set_holder(None);
                });
            }
            kept => {
                if let Some(engine) = kept {
                    *self.shared.kept.borrow_mut() = Some(engine);
                }
                self.shared.set_holder(None);
            }
        }
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

/// What the page gives every lab (a Yew context): the one engine, and who holds it now.
#[derive(Clone)]
pub struct EngineContext {
    pub shared: Rc<SharedEngine>,
    pub holder: Option<Holder>,
}

impl EngineContext {
    /// Whether another part of the page than `me` is using the engine.
    pub fn busy_for(&self, me: Holder) -> bool {
        self.holder.is_some_and(|holder| holder != me)
    }
}

impl PartialEq for EngineContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared) && self.holder == other.holder
    }
}
