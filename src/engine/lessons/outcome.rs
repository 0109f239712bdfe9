//! What a lesson measures: its steps (each a CPU run, an I/O run or a shared-state demo) and what
//! each gave.

use crate::engine::io::{IoRequest, IoRun, Targets};
use crate::engine::protocol::{MeasureRequest, SharedDemo, SharedOutcome};
use crate::engine::run::models::Model;
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

impl Step {
    /// The cores a CPU step can use at once: its workers, or one for coroutines (they share one
    /// thread). `None` for a step that is not a CPU run.
    pub fn cores(&self) -> Option<usize> {
        match &self.probe {
            Probe::Cpu(request) => Some(match request.run.model {
                Model::Sequential | Model::Async => 1,
                _ => request.run.workers.max(1),
            }),
            _ => None,
        }
    }
}

/// What a measurement gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `samples_ms` holds one wall time per round, in round order (the rounds of a lesson whose
    /// steps are all CPU runs interleave; see [`crate::engine::rounds`]), and
    /// `first_results_ms` the time to the first result in the same rounds; `trace` is the
    /// median round's.
    Cpu {
        summary: Summary,
        trace: Box<Trace>,
        samples_ms: Vec<f64>,
        first_results_ms: Vec<f64>,
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
            Outcome::Shared(SharedOutcome::TwoLocks { .. }) => "two locks",
            Outcome::Shared(SharedOutcome::Failed { .. }) => "a failed demo",
            Outcome::Shared(SharedOutcome::Cancelled) => "a cancelled demo",
        }
    }

    /// The figure shown beside `step`: an I/O step that awaits timers counts sleeps, not
    /// requests.
    pub fn describe_for(&self, step: &Step) -> String {
        match (self, &step.probe) {
            (
                Outcome::Io(run),
                Probe::Io(IoRequest {
                    targets: Targets::Timers(timers),
                    ..
                }),
            ) => match run.blocked {
                Some(blocked) => format!(
                    "{} timers of {:.0} ms all fired by {:.0} ms, {:.0} ms late (median); {} \
                     failed",
                    timers.coroutines,
                    timers.sleep_ms,
                    blocked.others_done_ms,
                    blocked.late_ms,
                    run.summary.failed
                ),
                None => format!(
                    "{:.0} ms for {} sleeps, {} failed",
                    run.summary.wall_ms,
                    group(run.requests.len() as u64),
                    run.summary.failed
                ),
            },
            _ => self.describe(),
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
            Outcome::Shared(SharedOutcome::TwoLocks {
                expected,
                completed,
                retries,
                waits_for,
                ms,
                ..
            }) => {
                let mut said = format!(
                    "{} of {} rounds took both locks in {ms:.0} ms",
                    group(*completed),
                    group(*expected)
                );
                if *retries > 0 {
                    said.push_str(&format!(", {} timeouts backed off from", group(*retries)));
                }
                if !waits_for.is_empty() {
                    said.push_str(": deadlocked, ended by the watchdog");
                }
                said
            }
            Outcome::Shared(SharedOutcome::Failed { message }) => format!("failed: {message}"),
            Outcome::Shared(SharedOutcome::Cancelled) => "cancelled".into(),
        }
    }
}

pub(super) fn group(n: u64) -> String {
    crate::engine::size::group(n).replace('_', " ")
}

/// Outcomes made up for the tests.
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::engine::run::dispatch::MapStyle;

    pub(in crate::engine::lessons) fn cpu_outcome(ms: f64) -> Outcome {
        rounds(&[ms])
    }

    /// A CPU step measured once per round, in round order.
    pub(in crate::engine::lessons) fn rounds(samples_ms: &[f64]) -> Outcome {
        let summary = Summary::of(samples_ms).unwrap();
        Outcome::Cpu {
            first_results_ms: samples_ms.to_vec(),
            summary,
            trace: Box::new(Trace::new(
                1,
                MapStyle::Map,
                1,
                summary.median,
                Vec::new(),
                None,
                None,
            )),
            samples_ms: samples_ms.to_vec(),
        }
    }
}
