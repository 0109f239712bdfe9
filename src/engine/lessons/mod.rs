//! Guided lessons, one per claim of Python's concurrency folklore. Each says what it claims, asks
//! the reader to predict, makes a few measurements and concludes in one line computed from them,
//! saying so when this machine's numbers do not bear the claim out.

mod catalogue;
pub mod cpython;
mod lesson;
mod steps;

pub use catalogue::LESSONS;
use lesson::group;
pub use lesson::{Conclusion, Lesson, Outcome, Probe, Step};

pub fn find(slug: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.slug == slug)
}

#[cfg(test)]
mod tests;
