//! The one engine worker the page's labs share, kept between runs; which part of the page holds
//! it; and where the I/O lab's built-in targets are. The page provides it to every lab as an
//! [`EngineContext`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use yew::Callback;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::web::client::engine_worker::{Canceller, EngineWorker};

/// How long to wait for index.html's service worker before going on without built-in targets.
/// Its own wait for control is 4 s.
const SERVICE_WORKER_WAIT_MS: i32 = 6_000;

/// What a lab's Run says while another part of the page holds the engine.
pub const BUSY: &str = "Another run is using the engine; Run comes back when it is done.";

/// A lab's Run: starts its run, or says why it cannot.
pub type Runner = Callback<(), Result<(), String>>;

/// A part of the page that runs things on the engine; one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Lessons,
    Cpu,
    Io,
}

/// The engine between runs, who holds it, and the means to stop the run under way.
#[derive(Default)]
pub struct EngineSlot {
    engine: RefCell<Option<EngineWorker>>,
    canceller: RefCell<Option<Canceller>>,
    cancelled: Cell<bool>,
    targets: RefCell<Option<Result<String, String>>>,
    holder: Cell<Option<Holder>>,
    /// Told whenever the holder changes (the page re-renders its context).
    on_holder: RefCell<Option<Callback<Option<Holder>>>>,
    /// Each lab's Run, for a share link's Run here.
    runners: RefCell<HashMap<Holder, Runner>>,
}

impl EngineSlot {
    /// The engine kept from the last run, or a new one. Waits for the service worker first, so
    /// the engine's workers are under its control and can reach the built-in targets.
    async fn take_or_start(&self, pool_threads: usize) -> Result<EngineWorker, String> {
        // A sweep past the reported cores needs a bigger pool than the kept engine's: that
        // engine is dropped (terminated) and one with enough threads started.
        match self.engine.borrow_mut().take() {
            Some(engine) if !engine.is_broken() && engine.has_pool_for(pool_threads) => {
                return Ok(engine)
            }
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

    /// `who` begins a run: it holds the engine until [`EngineSlot::end`], and Cancel applies to
    /// its run from now on. False, and nothing changes, while another part holds the engine.
    pub fn begin(&self, who: Holder) -> bool {
        if self.holder.get().is_some_and(|other| other != who) {
            return false;
        }
        self.cancelled.set(false);
        self.set_holder(Some(who));
        true
    }

    /// `who`'s run is over (whatever way it ended); the engine is free for the others.
    pub fn end(&self, who: Holder) {
        if self.holder.get() == Some(who) {
            self.set_holder(None);
        }
    }

    fn set_holder(&self, holder: Option<Holder>) {
        self.holder.set(holder);
        let listener = self.on_holder.borrow().clone();
        if let Some(listener) = listener {
            listener.emit(holder);
        }
    }

    /// Tells `listener` of every change of holder.
    pub fn listen(&self, listener: Callback<Option<Holder>>) {
        *self.on_holder.borrow_mut() = Some(listener);
    }

    /// `run` is what pressing `who`'s Run does.
    pub fn set_runner(&self, who: Holder, run: Runner) {
        self.runners.borrow_mut().insert(who, run);
    }

    /// Presses `who`'s Run, as a share link's Run here does: `Err` says why nothing started.
    pub fn press_run(&self, who: Holder) -> Result<(), String> {
        let run = self.runners.borrow().get(&who).cloned();
        match run {
            Some(run) => run.emit(()),
            None => Err("The lab is not ready yet; try again in a moment.".into()),
        }
    }

    /// Who holds the engine now.
    pub fn holder(&self) -> Option<Holder> {
        self.holder.get()
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

/// Frees the engine for the rest of the page once `who`'s run is over, however it ended.
#[yew::hook]
pub fn use_release_when_idle(slot: &Rc<EngineSlot>, who: Holder, running: bool) {
    let slot = Rc::clone(slot);
    yew::use_effect_with(running, move |&running| {
        if !running {
            slot.end(who);
        }
    });
}

/// What the page gives every lab (a Yew context): the one engine, and who holds it now.
#[derive(Clone)]
pub struct EngineContext {
    pub slot: Rc<EngineSlot>,
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
        Rc::ptr_eq(&self.slot, &other.slot) && self.holder == other.holder
    }
}
