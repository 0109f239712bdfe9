//! The one way a job runs on the engine worker's rayon pool ([`on_pool`]): a measurement's
//! driver, a shared-state demo, the pipeline's scan. The engine worker's thread waits for it
//! without blocking its event loop, and notices a pool thread that trapped ([`Trapped`]).

use std::sync::{Arc, Mutex};

use crate::web::platform::panic::take_fault;
use crate::web::platform::worker_api::sleep;

/// A pool thread trapped, and why: the engine's memory can no longer be trusted, so the page must
/// replace the engine.
pub struct Trapped(pub String);

/// Runs `job` on the rayon pool and waits for it without blocking this thread's event loop: the
/// one way every pool job (a measurement's driver, a shared-state demo, the pipeline's scan)
/// runs, so each of them notices a trapped thread.
///
/// Polling, not a waker: a pool thread that traps never wakes anybody, and polling also looks
/// for what its panic hook left behind. 10 ms adds nothing to the timings, which the job takes
/// itself.
pub async fn on_pool<R: Send + 'static>(
    job: impl FnOnce() -> R + Send + 'static,
) -> Result<R, Trapped> {
    let answer: Arc<Mutex<Option<R>>> = Arc::default();
    let slot = Arc::clone(&answer);
    rayon::spawn(move || {
        let result = job();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    });
    loop {
        if let Some(result) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Ok(result);
        }
        if let Some(message) = take_fault() {
            return Err(Trapped(message));
        }
        sleep(10.0).await;
    }
}
