//! The async model's repeats on the engine worker's own event loop ([`EventLoop`]): k coroutines
//! taking turns on this one thread, as `asyncio.gather` runs them, yielding to the event loop
//! every 20 ms so messages (Cancel) get in, and posting progress from inside a task themselves,
//! since nothing else runs while one computes.

use std::cell::Cell;

use crate::engine::run::control::{Progress, RunControl};
use crate::engine::run::harness::{Repeater, Run};
use crate::engine::run::models::{Resolved, RunConfig, RunError};
use crate::engine::run::runtime::run_async;
use crate::engine::workload::{run_one_checkpointed, Checked, Workload};
use crate::web::platform::worker_api::{coroutine_yield, now_ms};

/// The async model's repeats: k coroutines on this worker's event loop.
pub struct EventLoop<'c> {
    pub control: &'c RunControl,
    /// Tells the page how far the run has got (the engine worker posts it).
    pub report: &'c dyn Fn(Progress),
}

/// Check-ins between the async model's progress posts from inside a task: about 25 ms of work.
const CHECK_INS_PER_HEARTBEAT: u32 = 1_024;

/// The checkpoint of a task on this worker's own thread. No message gets in while it computes,
/// and no progress goes out, so it posts the progress itself every so often: the page hears a
/// live engine however long a task is (sha256's are seconds), and does not take it for a hung one.
fn heartbeat<'a>(
    control: &'a RunControl,
    report: &'a dyn Fn(Progress),
    check_ins: &'a Cell<u32>,
) -> impl Fn() -> Checked + 'a {
    move || {
        check_ins.set(check_ins.get().wrapping_add(1));
        if check_ins.get() % CHECK_INS_PER_HEARTBEAT == 0 {
            report(control.progress());
        }
        control.checkpoint()
    }
}

impl Repeater for EventLoop<'_> {
    async fn warm_up(
        &mut self,
        work: &dyn Workload,
        _: &RunConfig,
        _: &Resolved,
    ) -> Result<(), RunError> {
        let check_ins = Cell::new(0);
        let _ = run_one_checkpointed(work, 0, &heartbeat(self.control, self.report, &check_ins));
        Ok(())
    }

    async fn repeat(
        &mut self,
        work: &dyn Workload,
        config: &RunConfig,
        resolved: &Resolved,
    ) -> Result<Run, RunError> {
        let check_ins = Cell::new(0);
        let (results, trace) = run_async(
            work,
            resolved.workers,
            config.style,
            now_ms,
            self.control,
            coroutine_yield,
            &heartbeat(self.control, self.report, &check_ins),
        )
        .await;
        if self.control.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        Ok(Run { results, trace })
    }
}
