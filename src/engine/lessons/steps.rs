//! What the catalogue's entries are made of: step makers (a CPU measurement, the countdown, an
//! I/O run) and readers of an outcome's figures, each refusing an outcome of the wrong kind.

use crate::engine::io::{Builtin, IoModel, IoRequest, IoRun, Targets, Timers};
use crate::engine::protocol::MeasureRequest;
use crate::engine::run::models::RunConfig;
use crate::engine::run::trace::Trace;

use super::{Outcome, Probe, Step};
use crate::engine::rounds::{ratios, Spread, Verdict};

/// What the countdown lessons count to: about 0.7 s on one core. Long enough that what a
/// process run pays besides counting (messages, a worker waiting for the engine worker's turn
/// on a 2-core machine) stays small: at 1e9 two processes measured 1.50× (1.26–1.90 over 15
/// rounds) where 2e9 gave 1.74× (1.53–1.97) on the same page.
pub(super) const COUNT_TO: u64 = 2_000_000_000;

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
    };
    io_run_of(label, model, workers, Targets::Timers(timers))
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

/// The per-round speedup of `step` over `baseline` (both CPU runs measured in the same rounds),
/// with its spread.
pub(super) fn speedup(baseline: &Outcome, step: &Outcome) -> Result<Spread, String> {
    match (baseline, step) {
        (Outcome::Cpu { samples_ms: b, .. }, Outcome::Cpu { samples_ms: s, .. }) => {
            Spread::of(&ratios(b, s)).ok_or_else(|| "no rounds to compare".to_string())
        }
        _ => Err("expected two CPU measurements".into()),
    }
}

/// What CPython's threads under the GIL give for CPU work: about one thread's speed, or less,
/// since hand-offs cost. On this project's 2-core machine CPython 3.11 measured 0.99× for 2
/// threads when quiet, and 0.81–1.28× over 5 rounds (median 0.88×) on a busier day: a lower
/// bound of 0.85 would fail CPython itself there.
pub(super) const GIL_LOW: f64 = 0.75;

/// What k processes give at least, as a share of k: CPython 3.11's own 2 processes measured
/// 1.47×, 1.56× and 1.75× in three runs of the lesson's script on this project's 2-core
/// machine, so 0.75·k (1.5×) would judge CPython itself "not as claimed" there. 0.65·k still
/// tells processes (1.3× and up at k = 2) from GIL threads (1.10× at most).
pub(super) const PROCESSES_SHARE: f64 = 0.65;
pub(super) const GIL_HIGH: f64 = 1.10;

/// The sentence a conclusion ends with when the machine was too busy to tell.
pub(super) fn too_busy_note(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::TooBusy => {
            " This machine was too busy to tell: the rounds disagree across the claim's \
             threshold. Run again, ideally with other programs closed."
        }
        _ => "",
    }
}
