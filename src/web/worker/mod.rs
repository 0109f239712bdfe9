//! What runs inside the engine worker, never on the page: the [`host`] that owns every run and
//! answers the page's messages, the worker [`processes`] of the processes model, and the I/O
//! lab's transports ([`io`]: `fetch`, blocking threads, timers). It talks to the page only in
//! [`crate::engine::protocol`]'s messages, so nothing here names the UI or its client.

pub mod host;
pub mod io;
pub mod processes;
