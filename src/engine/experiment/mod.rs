//! One experiment: which runs to make, and what their results say once made.

use serde::{Deserialize, Serialize};

use crate::engine::capability::Scaling;
use crate::engine::rounds::{ratios, Spread};
use crate::engine::run::models::Model;
use crate::engine::run::trace::Trace;
use crate::engine::size::Limits;
use crate::engine::stats::{self, Summary};
use crate::engine::workload::Checksum;

/// Rounds asked for (every step once per round): at least 3, so the median means something;
/// 5 by default, as the lessons make at least ([`crate::engine::rounds::MIN_ROUNDS`]).
pub const REPEATS: Limits = Limits {
    min: 3,
    max: 20,
    default: 5,
};

/// A time as a share link carries it and every table shows it: to a hundredth of a millisecond,
/// below any machine's noise. The sender's page and the link's reader round the same figure the
/// same way, so both show the same text (rounding once more to what is shown could otherwise
/// turn 136.352 into 136.4 on one side and its carried 136.35 into 136.3 on the other).
pub fn as_shown_ms(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

/// A speedup as a share link carries it and every table and chart uses it: to four decimals,
/// for the reason [`as_shown_ms`] gives.
pub fn as_shown_speedup(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// One run of the sweep: a model with `threads` workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub model: Model,
    pub threads: usize,
}

/// The models a sweep may compare with the sequential baseline, in the order they are shown.
pub const SWEEP_MODELS: [Model; 4] = [
    Model::GilThreads,
    Model::FreeThreads,
    Model::Processes,
    Model::Async,
];

/// The thread sweep: the sequential baseline first, then each chosen model for every k from 1 to
/// `cores`. Without threads, the models that need a thread pool are left out.
pub fn plan(models: &[Model], threads_available: bool, cores: usize) -> Vec<Step> {
    let ks: Vec<usize> = (1..=cores.max(1)).collect();
    plan_for(models, threads_available, &ks)
}

/// [`plan`] for the thread counts `ks` only.
/// The rayon pool a sweep's engine needs: none without threads; the cores; or, when a model that
/// runs on the pool is chosen, the largest k asked for past them (worker processes past the cores
/// need no bigger pool, and a bigger pool means a new engine). `ks` is `None` while the form is
/// refused.
pub fn pool_for_sweep(
    models: &[Model],
    threads_available: bool,
    ks: Option<&[usize]>,
    cores: usize,
) -> usize {
    if !threads_available {
        return 0;
    }
    match ks {
        Some(ks) if models.iter().any(|m| m.uses_pool()) => {
            ks.iter().copied().max().unwrap_or(1).max(cores)
        }
        _ => cores,
    }
}

pub fn plan_for(models: &[Model], threads_available: bool, ks: &[usize]) -> Vec<Step> {
    let baseline = Step {
        model: Model::Sequential,
        threads: 1,
    };
    let sweep = SWEEP_MODELS
        .into_iter()
        .filter(|model| models.contains(model))
        .filter(|model| threads_available || !model.uses_pool())
        .flat_map(|model| ks.iter().map(move |&threads| Step { model, threads }));
    std::iter::once(baseline).chain(sweep).collect()
}

/// Reads the thread counts to sweep: `all` (or nothing) for 1 to `cores`, else a list such as
/// `1, 2, 4` or a range `1-4`, each k from 1 to `cores` (the pool has no more threads).
pub fn parse_threads(text: &str, cores: usize) -> Result<Vec<usize>, String> {
    parse_threads_up_to(text, cores, cores)
}

/// [`parse_threads`] where `all` means 1 to `cores` but a k may go up to `most`: past the cores
/// the browser reports, to see where the speedup really stops (a browser may report more or
/// fewer than there are).
pub fn parse_threads_up_to(text: &str, cores: usize, most: usize) -> Result<Vec<usize>, String> {
    let cores = cores.max(1);
    let most = most.max(cores);
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("all") {
        return Ok((1..=cores).collect());
    }
    let mut ks = Vec::new();
    let parts: Vec<&str> = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err("No thread counts between the commas: write all, 1, 2, 4 or 1-4.".into());
    }
    for part in parts {
        // Whole `part` in the message: "-1" is a negative k, not a range from nothing.
        let number = |t: &str| {
            t.trim().parse::<usize>().map_err(|_| {
                format!("{part:?} is not a k or a range of k: write all, 1, 2, 4 or 1-4.")
            })
        };
        let (from, to) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if from == 0 || to > most || from > to {
            return Err(format!("Each k must be from 1 to {most} (got {part})."));
        }
        ks.extend(from..=to);
    }
    ks.sort_unstable();
    ks.dedup();
    Ok(ks)
}

/// Reads a chunksize: blank for Python's default for the style, else a whole number of tasks.
pub fn parse_chunksize(text: &str) -> Result<Option<usize>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    match text.replace('_', "").parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(Some(n)),
        Ok(_) => Err("A chunksize is from 1 to 1_000_000 tasks.".into()),
        Err(_) => Err(format!(
            "{} is not a whole number; leave it blank for Python's default.",
            crate::engine::quote::quoted(text)
        )),
    }
}

/// The measured outcome of one step, over every round so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub model: Model,
    pub threads: usize,
    pub summary: Summary,
    pub checksum: Checksum,
    /// Every repeat's wall time, in the order measured.
    pub samples_ms: Vec<f64>,
    /// The trace of the repeat whose time is the median.
    pub trace: Option<Box<Trace>>,
    /// The speedup a share link carried for this row, as its sender's page showed it: shown as
    /// it came, not recomputed from the carried medians (a ratio of medians is not the median
    /// of the rounds' ratios the sender saw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_speedup: Option<f64>,
}

impl Row {
    /// A row from raw wall times; `None` if they are empty or not valid times.
    pub fn from_samples(
        model: Model,
        threads: usize,
        samples_ms: &[f64],
        checksum: Checksum,
    ) -> Option<Row> {
        Some(Row {
            model,
            threads,
            summary: Summary::of(samples_ms)?,
            checksum,
            samples_ms: samples_ms.to_vec(),
            trace: None,
            carried_speedup: None,
        })
    }
}

/// Why a measurement could not be added to a report.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordError {
    /// Not valid times.
    BadSamples,
    /// The same step computed a different answer in an earlier round.
    Inconsistent { before: Checksum, now: Checksum },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::BadSamples => write!(f, "the engine returned no usable timings"),
            RecordError::Inconsistent { before, now } => write!(
                f,
                "it computed checksum {now} this round and {before} the round before"
            ),
        }
    }
}

/// Whether a row computed the same answer as the sequential baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This row is the baseline itself.
    Reference,
    Matches,
    Mismatch {
        expected: Checksum,
    },
    /// No baseline to compare with (yet).
    Unchecked,
}

/// The rows of an experiment on one kernel, in the order they were first measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The kernel's slug (`data-kernel`).
    pub kernel: String,
    rows: Vec<Row>,
}

impl Report {
    pub fn new(kernel: &str) -> Self {
        Report {
            kernel: kernel.to_string(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Adds one round's measurement of `step`: a new row, or more samples for its row. The row
    /// keeps the trace of its median sample.
    pub fn record(
        &mut self,
        step: Step,
        samples_ms: &[f64],
        checksum: Checksum,
        trace: Trace,
    ) -> Result<(), RecordError> {
        let Some(summary) = Summary::of(samples_ms) else {
            return Err(RecordError::BadSamples);
        };
        let found = self
            .rows
            .iter()
            .position(|r| r.model == step.model && r.threads == step.threads);
        let index = found.unwrap_or_else(|| {
            self.rows.push(Row {
                model: step.model,
                threads: step.threads,
                summary,
                checksum,
                samples_ms: Vec::new(),
                trace: None,
                carried_speedup: None,
            });
            self.rows.len() - 1
        });
        let row = &mut self.rows[index];
        if row.checksum != checksum {
            return Err(RecordError::Inconsistent {
                before: row.checksum,
                now: checksum,
            });
        }
        row.samples_ms.extend_from_slice(samples_ms);
        row.summary = Summary::of(&row.samples_ms).expect("valid samples");
        let off_median = |t: &Trace| (t.wall_ms - row.summary.median).abs();
        if row
            .trace
            .as_deref()
            .is_none_or(|kept| off_median(&trace) < off_median(kept))
        {
            row.trace = Some(Box::new(trace));
        }
        Ok(())
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn baseline(&self) -> Option<&Row> {
        self.rows.iter().find(|r| r.model == Model::Sequential)
    }

    /// How many times faster than the sequential baseline `row` ran: the median of the ratios
    /// taken within each round ([`crate::engine::rounds`]), or the ratio of the medians for rows
    /// without rounds in common (a link's carried summary).
    pub fn speedup(&self, row: &Row) -> Option<f64> {
        if let Some(carried) = row.carried_speedup {
            return Some(carried);
        }
        match self.speedup_spread(row) {
            Some(spread) => Some(spread.median),
            None => stats::speedup(self.baseline()?.summary.median, row.summary.median),
        }
        .map(as_shown_speedup)
    }

    /// The per-round speedups of `row` over the baseline, over the rounds both were measured in
    /// (samples are kept in round order), with their spread.
    /// Whether `row`'s speedup is more than its cores can give ([`crate::engine::rounds::beyond_cores`]):
    /// the sequential run it is taken against ran slow, so the figure is no result.
    pub fn beyond_cores(&self, row: &Row) -> bool {
        let cores = match row.model {
            Model::Sequential | Model::Async => 1,
            _ => row.threads,
        };
        self.speedup(row)
            .is_some_and(|s| crate::engine::rounds::beyond_cores(s, cores))
    }

    pub fn speedup_spread(&self, row: &Row) -> Option<Spread> {
        let base = self.baseline()?;
        Spread::of(&ratios(&base.samples_ms, &row.samples_ms))
    }

    pub fn verdict(&self, row: &Row) -> Verdict {
        match self.baseline() {
            None => Verdict::Unchecked,
            Some(base) if std::ptr::eq(base, row) => Verdict::Reference,
            Some(base) if base.checksum == row.checksum => Verdict::Matches,
            Some(base) => Verdict::Mismatch {
                expected: base.checksum,
            },
        }
    }

    /// How far free threads scaled, for a kernel that is pure computation (not merge sort,
    /// matmul or the meta scan, which memory bandwidth also limits): the evidence the capability
    /// panel weighs the reported core count against.
    pub fn scaling(&self) -> Option<Scaling> {
        const PURE_COMPUTATION: [&str; 7] = [
            "count",
            "fib",
            "mandelbrot",
            "mandelbrot-simd",
            "monte-carlo-pi",
            "primes",
            "sha256",
        ];
        if !PURE_COMPUTATION.contains(&self.kernel.as_str()) {
            return None;
        }
        let free = || self.rows.iter().filter(|r| r.model == Model::FreeThreads);
        Some(Scaling {
            best: free().filter_map(|r| self.speedup(r)).reduce(f64::max)?,
            up_to: free().map(|r| r.threads).max()?,
        })
    }

    pub fn mismatches(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(self.verdict(r), Verdict::Mismatch { .. }))
            .count()
    }
}

#[cfg(test)]
mod tests;
