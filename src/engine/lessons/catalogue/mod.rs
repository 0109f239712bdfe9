//! The lessons, one file each: claim, explanation, the Python it stands for and the Rust that
//! runs, the steps it measures, what it claims as data ([`Claim`](super::claims::Claim)s) and the
//! words of its conclusion. The types are in [`super`]; this folder is the catalogue, in the order
//! the page lists it.

mod async_cpu;
mod blocked;
mod copy;
mod deadlock;
mod fetch;
mod gil;
mod imap;
mod lock;
mod released;
mod reuse;
mod thousands;

use super::Lesson;

pub const LESSONS: &[Lesson] = &[
    gil::LESSON,
    released::LESSON,
    copy::LESSON,
    reuse::LESSON,
    imap::LESSON,
    fetch::FETCH,
    fetch::BOUNDED,
    async_cpu::LESSON,
    thousands::LESSON,
    blocked::LESSON,
    lock::LESSON,
    deadlock::LESSON,
];

/// What the bounded lesson's claims take for each k's ideal time, for the test that checks it
/// against the engine's own.
#[cfg(test)]
pub(crate) use fetch::BOUNDED_IDEAL_MS;
