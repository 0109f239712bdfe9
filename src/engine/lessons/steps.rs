//! What the catalogue's entries are made of: step makers (a CPU measurement, the countdown, an
//! I/O run) and readers of an outcome's figures, each refusing an outcome of the wrong kind.

use crate::engine::io::{Blocker, Builtin, IoModel, IoRequest, IoRun, Targets, Timers};
use crate::engine::protocol::MeasureRequest;
use crate::engine::run::models::RunConfig;
use crate::engine::run::trace::Trace;

use super::claims::{self, Judged, Measure};
use super::{Outcome, Probe, Step};
use crate::engine::rounds::Spread;
use crate::engine::rounds::Verdict;

/// What the countdown lessons count to: about 0.7 s on one core here (0.72 ns a step, since
/// the count keeps its counter in a register; see `count_to`). Long enough that what a process
/// run pays besides counting (messages, a worker waiting for the engine worker's turn on a
/// 2-core machine) stays small: when a count of 1e9 took 0.35 s, two processes measured 1.50×
/// (1.26–1.90 over 15 rounds) where twice the count gave 1.74× (1.53–1.97) on the same page.
pub(super) const COUNT_TO: u64 = 1_000_000_000;

pub(super) fn cpu(label: String, kernel: &str, size: u64, repeats: u32, run: RunConfig) -> Step {
    Step {
        first_result: false,
        label,
        probe: Probe::Cpu(MeasureRequest {
            kernel: kernel.into(),
            size,
            repeats,
            run,
        }),
    }
}

/// The countdown of the GIL and async lessons, as [`cpu`] makes it.
pub(super) fn countdown(label: String, run: RunConfig) -> Step {
    cpu(label, "count", COUNT_TO, 3, run)
}

/// An I/O run of `targets` as `model` with `workers`, with a lesson's generous timeout.
fn io_run_of(label: String, model: IoModel, workers: usize, targets: Targets) -> Step {
    Step {
        first_result: false,
        label,
        probe: Probe::Io(IoRequest {
            model,
            workers,
            targets,
            timeout_ms: 60_000.0,
            ..IoRequest::default()
        }),
    }
}

pub(super) fn io(label: String, model: IoModel, workers: usize, builtin: Builtin) -> Step {
    io_run_of(label, model, workers, Targets::Builtin(builtin))
}

/// `coroutines` tasks each awaiting a timer of `sleep_ms` (`asyncio.sleep`), run as `model`.
pub(super) fn sleeps(
    label: String,
    model: IoModel,
    workers: usize,
    coroutines: u32,
    sleep_ms: f64,
) -> Step {
    let timers = Timers {
        coroutines,
        sleep_ms,
        blocker: None,
    };
    io_run_of(label, model, workers, Targets::Timers(timers))
}

/// `coroutines` tasks each awaiting a timer of `sleep_ms` on one event loop (`gather`), and after
/// them one more making `blocker`'s call, if any.
pub(super) fn sleeps_beside(
    label: String,
    coroutines: u32,
    sleep_ms: f64,
    blocker: Option<Blocker>,
) -> Step {
    let timers = Timers {
        coroutines,
        sleep_ms,
        blocker,
    };
    io_run_of(label, IoModel::Gather, 1, Targets::Timers(timers))
}

pub(super) fn median(outcome: &Outcome) -> Result<f64, String> {
    match outcome {
        Outcome::Cpu { summary, .. } => Ok(summary.median),
        other => Err(format!("expected a CPU measurement, got {}", other.kind())),
    }
}

pub(super) fn trace(outcome: &Outcome) -> Result<&Trace, String> {
    match outcome {
        Outcome::Cpu { trace, .. } => Ok(trace),
        other => Err(format!("expected a CPU measurement, got {}", other.kind())),
    }
}

pub(super) fn io_run(outcome: &Outcome) -> Result<&IoRun, String> {
    match outcome {
        Outcome::Io(run) => Ok(run),
        other => Err(format!("expected an I/O run, got {}", other.kind())),
    }
}

pub(super) fn outcomes<const N: usize>(all: &[Outcome]) -> Result<&[Outcome; N], String> {
    all.try_into()
        .map_err(|_| format!("expected {N} measurements, got {}", all.len()))
}

pub(super) fn mib(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// The spread of judged claim `id` (an error if the lesson has no such claim, or its steps had
/// no figures).
pub(super) fn spread_of(judged: &[Judged], id: &str) -> Result<Spread, String> {
    judged
        .iter()
        .find(|j| j.claim.id == id)
        .and_then(|j| j.spread)
        .ok_or_else(|| format!("no figures for the claim {id}"))
}

/// The verdict of judged claim `id`, if it was judged.
pub(super) fn verdict_of(judged: &[Judged], id: &str) -> Option<Verdict> {
    judged
        .iter()
        .find(|j| j.claim.id == id)
        .and_then(|j| j.verdict)
}

/// The option a ratio bears out, for the lessons that ask "about the same (0), much more (1) or
/// less (2)?": much more from 1.5, the same within 0.8–1.25, less below 0.8; between, neither.
pub(super) fn much_same_or_less(ratio: f64) -> Option<usize> {
    match ratio {
        r if r >= 1.5 => Some(1),
        r if (0.8..=1.25).contains(&r) => Some(0),
        r if r < 0.8 => Some(2),
        _ => None,
    }
}

/// How many times faster `step` ran than `base`, round by round, with its spread.
pub(super) fn speedup(outcomes: &[Outcome], base: usize, step: usize) -> Result<Spread, String> {
    claims::values(
        Measure::Faster { base, step },
        &claims::of_outcomes(outcomes),
    )
    .and_then(|v| Spread::of(&v))
    .ok_or_else(|| "no rounds to compare".to_string())
}
