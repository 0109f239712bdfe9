//! One way every lab and the lessons run on the shared engine: [`use_engine_run`].
//!
//! Pressing Run takes a [`Lease`] on the engine (or says why not: another part holds it), tells
//! the lab's reducer the run started, and runs the lab's own work on the lease in a task of its
//! own. The work ends with the run's last [`RunEvent`] (finished, cancelled, failed), which goes
//! to the reducer; then the lease is dropped, which gives the engine back or replaces a broken
//! one (`src/web/client/shared_engine.rs`). Cancel goes to the run of the lease out now. What a
//! lab measures, and what its reducer keeps, are the lab's; beginning, cancelling and ending are
//! the same for all.

use std::rc::Rc;

use futures::future::LocalBoxFuture;
use yew::prelude::*;

use crate::engine::status::RunEvent;
use crate::web::client::shared_engine::{EngineContext, Holder, Lease, RESTARTING};

/// A lab's handle on running: [`EngineRun::start`] and [`EngineRun::cancel`].
#[derive(Clone)]
pub struct EngineRun {
    context: EngineContext,
    holder: Holder,
    /// The lab's reducer, told of the run's start and end.
    on_event: Callback<RunEvent>,
}

/// The run handle of `holder`, whose reducer `on_event` is told when a run starts and ends.
#[hook]
pub fn use_engine_run(holder: Holder, on_event: Callback<RunEvent>) -> EngineRun {
    let context = use_context::<EngineContext>().expect("the page provides the engine");
    EngineRun {
        context,
        holder,
        on_event,
    }
}

/// What a lab's run does with its lease: measures, tells its reducer what it measured, and ends
/// with the run's last event.
pub type Work = Box<dyn for<'a> FnOnce(&'a mut Lease) -> LocalBoxFuture<'a, RunEvent>>;

impl EngineRun {
    /// Whether another part of the page holds the engine now.
    pub fn others_busy(&self) -> bool {
        self.context.busy_for(self.holder)
    }

    /// Starts `work` on the engine, or says why it cannot start.
    pub fn start(&self, work: Work) -> Result<(), String> {
        let mut lease = self.context.shared.lease(self.holder)?;
        self.on_event.emit(RunEvent::Started);
        let on_event = self.on_event.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let end = work(&mut lease).await;
            let end = match end {
                RunEvent::Failed(why) if lease.broken() => {
                    RunEvent::Failed(format!("{why}. {RESTARTING}"))
                }
                end => end,
            };
            on_event.emit(end);
            drop(lease);
        });
        Ok(())
    }

    /// Cancel, as a button's callback.
    pub fn cancel(&self) -> Callback<()> {
        let shared = Rc::clone(&self.context.shared);
        Callback::from(move |()| shared.cancel())
    }
}
