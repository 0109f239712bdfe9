//! What the catalogue's entries are made of: step makers (a CPU measurement, the countdown, an
//! I/O run) and readers of an outcome's figures, each refusing an outcome of the wrong kind.

use crate::engine::io::{Builtin, IoModel, IoRequest, IoRun, Targets};
use crate::engine::protocol::MeasureRequest;
use crate::engine::run::models::RunConfig;
use crate::engine::run::trace::Trace;

use super::{Outcome, Probe, Step};

/// What the countdown lessons count to: about half a second on one core.
pub(super) const COUNT_TO: u64 = 1_000_000_000;

pub(super) fn cpu(label: String, kernel: &str, size: u64, repeats: u32, run: RunConfig) -> Step {
    Step {
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

pub(super) fn io(label: String, model: IoModel, workers: usize, builtin: Builtin) -> Step {
    Step {
        label,
        probe: Probe::Io(IoRequest {
            model,
            workers,
            targets: Targets::Builtin(builtin),
            timeout_ms: 60_000.0,
            ..IoRequest::default()
        }),
    }
}

pub(super) fn median(outcome: &Outcome) -> Result<f64, String> {
    match outcome {
        Outcome::Cpu { summary, .. } => Ok(summary.median),
        other => Err(format!("expected a CPU measurement, got {other:?}")),
    }
}

pub(super) fn trace(outcome: &Outcome) -> Result<&Trace, String> {
    match outcome {
        Outcome::Cpu { trace, .. } => Ok(trace),
        other => Err(format!("expected a CPU measurement, got {other:?}")),
    }
}

pub(super) fn io_run(outcome: &Outcome) -> Result<&IoRun, String> {
    match outcome {
        Outcome::Io(run) => Ok(run),
        other => Err(format!("expected an I/O run, got {other:?}")),
    }
}

pub(super) fn outcomes<const N: usize>(all: &[Outcome]) -> Result<&[Outcome; N], String> {
    all.try_into()
        .map_err(|_| format!("expected {N} measurements, got {}", all.len()))
}

pub(super) fn mib(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}
