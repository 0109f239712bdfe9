//! What runs inside the engine worker, never on the page: the [`host`] that owns every run and
//! answers the page's messages, and where a run's work goes: jobs on the rayon pool
//! (`pool_job`), coroutines on the worker's own event loop (`event_loop`), the worker
//! [`processes`] of the processes model, and the I/O lab's transports ([`io`]: `fetch`, blocking
//! threads, timers). It talks to the page only in
//! [`crate::engine::protocol`]'s messages, so nothing here names the UI or its client.

mod event_loop;
pub mod host;
pub mod io;
mod pool_job;
pub mod processes;
