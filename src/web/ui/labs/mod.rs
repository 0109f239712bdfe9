//! The labs: the CPU lab (kernels under five models, a sweep of worker counts), the I/O lab
//! (requests under sequential, threads, gather, bounded and pipeline) and the Python lab (the
//! visitor's own code on real CPython interpreters). Each keeps its own state
//! and reducer, so a run's progress re-renders only the lab that runs.

pub mod cpu_lab;
pub mod io_lab;
pub mod python_lab;
