//! Guided lessons, one per claim of Python's concurrency folklore. Each says what it claims, asks
//! the reader to predict, makes a few measurements and concludes in one line computed from them,
//! saying so when this machine's numbers do not bear the claim out.
//!
//! In layers, each using only those before it: `outcome` (a lesson's steps and what each gave),
//! [`claims`] (what a lesson claims, as data, and how it is judged), [`set_aside`] (rounds whose
//! one-thread run ran slower than a core can), `lesson` (a lesson and its conclusion),
//! [`cpython`] (CPython's figures, pasted or committed, in the claims' terms), `steps` (what the catalogue is built from), `catalogue` (the lessons) and [`workers`] (the k a
//! lesson runs at, from what the machine measures).

mod catalogue;
pub mod claims;
pub mod cpython;
mod lesson;
mod outcome;
pub mod set_aside;
mod steps;
pub mod workers;

pub use catalogue::LESSONS;
pub use lesson::{Conclusion, Grade, Lesson, Words};
use outcome::group;
pub use outcome::{Outcome, Probe, Step};

pub fn find(slug: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.slug == slug)
}

#[cfg(test)]
mod tests;
