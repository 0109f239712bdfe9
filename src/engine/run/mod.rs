//! How work runs: Python's execution models over one [`Workload`](super::workload::Workload).
//!
//! - [`models`] names the models ([`Model`](models::Model): sequential, GIL threads, free threads,
//!   processes, async) and their settings ([`RunConfig`](models::RunConfig)), and makes one run of
//!   every task ([`Runtime::run`](runtime::Runtime::run)); [`sequential`] is the one-thread baseline,
//!   run on the fastest of the pool's threads.
//! - [`gil`] is CPython's GIL (switch interval, drop requests, forced switching); [`coroutines`]
//!   is `asyncio.gather` on one thread; [`processes`] is a pool of workers that share nothing but
//!   bytes, its parent's bookkeeping in a transport-free [`Dispatcher`](processes::Dispatcher).
//! - [`dispatch`] hands tasks out as `map`, `imap` or `imap_unordered` with a chunksize.
//! - [`harness`] is the one measurement driver: it repeats a run through a
//!   [`Repeater`](harness::Repeater) (blocking, event loop or worker processes) and checks every
//!   repeat computed the same answer; [`trace`] is what
//!   one run recorded (every task's span, GIL holds, bytes copied); [`control`] counts tasks done
//!   and carries Cancel.
//! - [`shared_state`] is the lock lessons' demos: a racy counter and a producer/consumer queue;
//!   [`deadlock`] is two threads taking two locks, in opposite orders or one.

pub mod control;
pub mod coroutines;
pub mod deadlock;
pub mod dispatch;
pub mod gil;
pub mod harness;
pub mod models;
pub mod processes;
pub mod runtime;
pub mod sequential;
pub mod shared_state;
pub mod trace;
