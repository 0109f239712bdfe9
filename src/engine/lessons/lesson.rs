//! What a lesson is: its claim and question, the steps it measures, their outcomes, and the
//! conclusion drawn from them.

use crate::engine::io::{IoRequest, IoRun};
use crate::engine::protocol::{MeasureRequest, SharedDemo, SharedOutcome};
use crate::engine::rounds::Verdict;
use crate::engine::run::trace::Trace;
use crate::engine::stats::Summary;

/// One measurement a lesson makes.
#[derive(Clone, Debug, PartialEq)]
pub enum Probe {
    Cpu(MeasureRequest),
    Io(IoRequest),
    Shared(SharedDemo),
}

/// A measurement with the words that say what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub label: String,
    pub probe: Probe,
    /// Whether what counts is the time to the first result (the imap lesson), not the time to
    /// the last: what [`cpython::browser_figure`](super::cpython::browser_figure) reports for it.
    pub first_result: bool,
}

/// What a measurement gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `samples_ms` holds one wall time per round, in round order (the rounds of a lesson whose
    /// steps are all CPU runs interleave; see [`crate::engine::rounds`]).
    Cpu {
        summary: Summary,
        trace: Box<Trace>,
        samples_ms: Vec<f64>,
    },
    Io(Box<IoRun>),
    Shared(SharedOutcome),
}

impl Outcome {
    /// What kind of measurement this is, for a message about the wrong kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Cpu { .. } => "a CPU measurement",
            Outcome::Io(_) => "an I/O run",
            Outcome::Shared(SharedOutcome::Counter { .. }) => "a counter",
            Outcome::Shared(SharedOutcome::Queue { .. }) => "a queue",
            Outcome::Shared(SharedOutcome::Failed { .. }) => "a failed demo",
            Outcome::Shared(SharedOutcome::Cancelled) => "a cancelled demo",
        }
    }

    /// The figure shown beside the step.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Cpu { summary, .. } => format!(
                "{:.0} ms (median of {} rounds, {:.0}–{:.0})",
                summary.median, summary.repeats, summary.min, summary.max
            ),
            Outcome::Io(run) => format!(
                "{:.0} ms for {} requests, {} failed",
                run.summary.wall_ms,
                run.requests.len(),
                run.summary.failed
            ),
            Outcome::Shared(SharedOutcome::Counter {
                expected, counted, ..
            }) => format!(
                "{} of {} increments counted",
                group(*counted),
                group(*expected)
            ),
            Outcome::Shared(SharedOutcome::Queue {
                items,
                per_consumer,
                sum,
                expected_sum,
                ..
            }) => format!(
                "{} items, consumers took {}; sum {}",
                group(*items),
                per_consumer
                    .iter()
                    .map(|n| group(*n))
                    .collect::<Vec<_>>()
                    .join(" + "),
                if sum == expected_sum {
                    "checks"
                } else {
                    "WRONG"
                }
            ),
            Outcome::Shared(SharedOutcome::Failed { message }) => format!("failed: {message}"),
            Outcome::Shared(SharedOutcome::Cancelled) => "cancelled".into(),
        }
    }
}

pub(super) fn group(n: u64) -> String {
    crate::engine::size::group(n).replace('_', " ")
}

/// The one-line conclusion, and what the measurements say of the claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Conclusion {
    pub line: String,
    pub verdict: Verdict,
}

impl Conclusion {
    /// Whether the measurements bear the claim out.
    pub fn holds(&self) -> bool {
        self.verdict == Verdict::Holds
    }
}

pub struct Lesson {
    pub slug: &'static str,
    pub title: &'static str,
    /// The claim, as folklore states it.
    pub claim: &'static str,
    pub explanation: &'static str,
    /// The same experiment in Python, written for this lesson.
    pub python: &'static str,
    pub question: &'static str,
    pub options: [&'static str; 3],
    /// The option the claim predicts.
    pub answer: usize,
    /// Whether the steps need the thread pool (cross-origin isolation).
    pub needs_pool: bool,
    /// The measurements, for `k` workers (the machine's cores, at least 2).
    pub steps: fn(k: usize) -> Vec<Step>,
    /// The conclusion from the outcomes of `steps(k)`, in order.
    pub conclude: fn(k: usize, outcomes: &[Outcome]) -> Result<Conclusion, String>,
}

pub(super) mod code {
    include!(concat!(env!("OUT_DIR"), "/lesson_code.rs"));
}

impl Lesson {
    /// What Overlap runs for this lesson: excerpts of the engine's own source, cut out by
    /// `build.rs` between `// lesson: <slug>` markers, so the page shows the code measured.
    pub fn rust(&self) -> &'static str {
        code::LESSON_CODE
            .iter()
            .find(|(slug, _)| *slug == self.slug)
            .map_or("", |(_, code)| code)
    }
}

impl PartialEq for Lesson {
    fn eq(&self, other: &Self) -> bool {
        self.slug == other.slug
    }
}

impl std::fmt::Debug for Lesson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug)
    }
}
