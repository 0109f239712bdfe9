//! Browser bindings every role uses, on the page and in every worker: the clock and timers
//! ([`worker_api`]), the worker scripts started from Blob URLs ([`scripts`]), the panic hook that
//! keeps a panic's message ([`panic`]), and what the page can do ([`capabilities`]). Nothing here
//! knows about runs, labs or lessons.

pub mod capabilities;
pub mod panic;
pub mod scripts;
pub mod worker_api;
