//! CPython's lines as `scripts/cpython-figures.sh` measured them on this project's 2-core machine
//! and committed them (`python/measured/`): what the lessons quote as CPython's shape, and what
//! the native tests judge with the lessons' own claims.

use super::{read, CpythonRun, Figure};
use crate::engine::lessons::Lesson;

/// CPython's lines as `scripts/cpython-figures.sh` measured them on this project's 2-core
/// machine: (lesson, k, line).
const MEASURED: [(&str, Option<usize>, &str); 24] = [
    (
        "gil",
        Some(2),
        include_str!("../python/measured/gil.k2.json"),
    ),
    (
        "gil",
        Some(4),
        include_str!("../python/measured/gil.k4.json"),
    ),
    (
        "gil",
        Some(8),
        include_str!("../python/measured/gil.k8.json"),
    ),
    (
        "released",
        Some(2),
        include_str!("../python/measured/released.k2.json"),
    ),
    (
        "released",
        Some(4),
        include_str!("../python/measured/released.k4.json"),
    ),
    (
        "released",
        Some(8),
        include_str!("../python/measured/released.k8.json"),
    ),
    (
        "copy",
        Some(2),
        include_str!("../python/measured/copy.k2.json"),
    ),
    (
        "copy",
        Some(4),
        include_str!("../python/measured/copy.k4.json"),
    ),
    (
        "copy",
        Some(8),
        include_str!("../python/measured/copy.k8.json"),
    ),
    (
        "reuse",
        Some(2),
        include_str!("../python/measured/reuse.k2.json"),
    ),
    (
        "reuse",
        Some(4),
        include_str!("../python/measured/reuse.k4.json"),
    ),
    (
        "reuse",
        Some(8),
        include_str!("../python/measured/reuse.k8.json"),
    ),
    (
        "imap",
        Some(2),
        include_str!("../python/measured/imap.k2.json"),
    ),
    (
        "imap",
        Some(4),
        include_str!("../python/measured/imap.k4.json"),
    ),
    (
        "imap",
        Some(8),
        include_str!("../python/measured/imap.k8.json"),
    ),
    (
        "async-cpu",
        Some(2),
        include_str!("../python/measured/async-cpu.k2.json"),
    ),
    (
        "async-cpu",
        Some(4),
        include_str!("../python/measured/async-cpu.k4.json"),
    ),
    (
        "async-cpu",
        Some(8),
        include_str!("../python/measured/async-cpu.k8.json"),
    ),
    ("fetch", None, include_str!("../python/measured/fetch.json")),
    (
        "bounded",
        None,
        include_str!("../python/measured/bounded.json"),
    ),
    (
        "thousands",
        None,
        include_str!("../python/measured/thousands.json"),
    ),
    (
        "blocked",
        None,
        include_str!("../python/measured/blocked.json"),
    ),
    ("lock", None, include_str!("../python/measured/lock.json")),
    (
        "deadlock",
        None,
        include_str!("../python/measured/deadlock.json"),
    ),
];

/// What CPython's committed run of `lesson` at the k nearest `k` shows, step by step after the
/// first, each relative to the first step as [`compare`](super::compare) puts it (`1.88×`: as
/// fast; `67 %`: counted): the k it ran at, its version, and (the script's label, the figure, in
/// words). What the lesson quotes as CPython's shape.
pub fn shape(lesson: &Lesson, k: usize) -> Option<Shape> {
    let (at, run) = measured(lesson, k)?;
    let first = run.steps.first().and_then(|(_, f)| f.clone());
    let steps = run
        .steps
        .iter()
        .skip(1)
        .filter_map(|(label, figure)| {
            let figure = figure.as_ref()?;
            let x = figure.relative_to(first.as_ref())?;
            let said = match figure {
                Figure::Counted { .. } => format!("{:.0} % counted", x * 100.0),
                Figure::Ms { .. } => format!("{x:.2}\u{d7}"),
            };
            Some((label.clone(), said))
        })
        .collect();
    Some(Shape {
        k: at,
        python: run.python,
        steps,
    })
}

/// CPython's committed run of a lesson, step by step ([`shape`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// The k it ran at.
    pub k: usize,
    /// Its version.
    pub python: String,
    /// Each step after the first: the script's label, and its figure in words.
    pub steps: Vec<(String, String)>,
}

/// CPython's run of `lesson` on this project's machine, at the measured k nearest to `k` (the
/// lessons without a k have one run), with the k it ran at.
pub fn measured(lesson: &Lesson, k: usize) -> Option<(usize, CpythonRun)> {
    let (_, at, line) = MEASURED
        .iter()
        .filter(|(slug, _, _)| *slug == lesson.slug)
        .min_by_key(|(_, at, _)| at.map_or(0, |at| at.abs_diff(k)))?;
    let at = at.unwrap_or(k);
    read(line, lesson, at).ok().map(|run| (at, run))
}

/// Every committed line, for the tests: (lesson, k it ran at, line).
#[cfg(test)]
pub(super) fn all_measured() -> impl Iterator<Item = (&'static str, Option<usize>, &'static str)> {
    MEASURED.iter().copied()
}
