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
        match self.speedup_spread(row) {
            Some(spread) => Some(spread.median),
            None => stats::speedup(self.baseline()?.summary.median, row.summary.median),
        }
    }

    /// The per-round speedups of `row` over the baseline, over the rounds both were measured in
    /// (samples are kept in round order), with their spread.
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
        const PURE_COMPUTATION: [&str; 6] = [
            "count",
            "fib",
            "mandelbrot",
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
mod tests {
    use super::*;

    #[test]
    fn free_threads_scaling_is_read_from_pure_computation_only() {
        let mut report = Report::new("count");
        report.push(row(Model::Sequential, 1, 100.0, 7));
        assert_eq!(report.scaling(), None, "no free threads");
        report.push(row(Model::FreeThreads, 1, 100.0, 7));
        report.push(row(Model::FreeThreads, 2, 58.0, 7));
        report.push(row(Model::FreeThreads, 4, 60.0, 7));
        let scaling = report.scaling().unwrap();
        assert!((scaling.best - 100.0 / 58.0).abs() < 1e-9, "{scaling:?}");
        assert_eq!(scaling.up_to, 4);
        report.kernel = "merge-sort".into();
        assert_eq!(report.scaling(), None, "memory bandwidth limits it too");
    }

    fn row(model: Model, threads: usize, median: f64, checksum: u64) -> Row {
        Row::from_samples(model, threads, &[median], Checksum(checksum)).unwrap()
    }

    #[test]
    fn rows_need_valid_samples() {
        let row = Row::from_samples(Model::Sequential, 1, &[3.0, 1.0, 2.0], Checksum(9)).unwrap();
        assert_eq!(row.summary.median, 2.0);
        assert_eq!(
            Row::from_samples(Model::Sequential, 1, &[], Checksum(9)),
            None
        );
    }

    #[test]
    fn plan_sweeps_every_thread_count_after_the_baseline() {
        let steps = plan(&[Model::FreeThreads], true, 3);
        let got: Vec<(Model, usize)> = steps.iter().map(|s| (s.model, s.threads)).collect();
        assert_eq!(
            got,
            vec![
                (Model::Sequential, 1),
                (Model::FreeThreads, 1),
                (Model::FreeThreads, 2),
                (Model::FreeThreads, 3),
            ]
        );
    }

    #[test]
    fn thread_counts_are_all_a_list_or_a_range_within_the_cores() {
        assert_eq!(parse_threads("", 4).unwrap(), [1, 2, 3, 4]);
        assert_eq!(parse_threads(" All ", 2).unwrap(), [1, 2]);
        assert_eq!(parse_threads("4, 1 2,2", 8).unwrap(), [1, 2, 4]);
        assert_eq!(parse_threads("2-4", 8).unwrap(), [2, 3, 4]);
        // Past the reported cores, up to the limit; `all` stays the cores.
        assert_eq!(parse_threads_up_to("all", 2, 8).unwrap(), [1, 2]);
        assert_eq!(parse_threads_up_to("1, 4, 8", 2, 8).unwrap(), [1, 4, 8]);
        assert_eq!(
            parse_threads_up_to("9", 2, 8).unwrap_err(),
            "Each k must be from 1 to 8 (got 9)."
        );
        assert_eq!(
            parse_threads("1, 16", 8).unwrap_err(),
            "Each k must be from 1 to 8 (got 16)."
        );
        assert!(parse_threads("0", 8).is_err());
        assert_eq!(parse_chunksize(" "), Ok(None));
        assert_eq!(parse_chunksize("1_000"), Ok(Some(1000)));
        assert!(parse_chunksize("0").is_err());
        assert!(parse_chunksize("big").unwrap_err().contains("blank"));
        assert_eq!(
            parse_threads("two", 8).unwrap_err(),
            "\"two\" is not a k or a range of k: write all, 1, 2, 4 or 1-4."
        );
        // A negative k is named as itself, not as a range from nothing.
        assert!(parse_threads("-1", 8)
            .unwrap_err()
            .starts_with("\"-1\" is not a k"));
        // Commas with nothing between them choose nothing, which is said, not run.
        for nothing in [",", " , ,"] {
            assert!(parse_threads(nothing, 8)
                .unwrap_err()
                .starts_with("No thread counts"));
        }
        let steps = plan_for(&[Model::GilThreads], true, &[2, 4]);
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[2].threads, 4);
    }

    #[test]
    fn plan_without_threads_is_the_baseline_alone() {
        assert_eq!(
            plan(&[Model::FreeThreads, Model::GilThreads], false, 8),
            vec![Step {
                model: Model::Sequential,
                threads: 1
            }]
        );
        assert_eq!(
            plan(&[Model::FreeThreads], true, 0).len(),
            2,
            "zero cores still sweeps k = 1"
        );
        // Processes and async need no thread pool; models come in the table's order.
        let got: Vec<(Model, usize)> = plan(&[Model::Async, Model::Processes], false, 2)
            .iter()
            .map(|s| (s.model, s.threads))
            .collect();
        assert_eq!(
            got,
            vec![
                (Model::Sequential, 1),
                (Model::Processes, 1),
                (Model::Processes, 2),
                (Model::Async, 1),
                (Model::Async, 2),
            ]
        );
    }

    #[test]
    fn rounds_add_samples_to_their_row_and_keep_the_median_trace() {
        let trace = |wall_ms| Trace {
            wall_ms,
            ..Trace::new(1, Default::default(), 1, wall_ms, vec![], None, None)
        };
        let step = Step {
            model: Model::Processes,
            threads: 2,
        };
        let mut report = Report::new("fib");
        report
            .record(step, &[30.0], Checksum(5), trace(30.0))
            .unwrap();
        report
            .record(step, &[10.0], Checksum(5), trace(10.0))
            .unwrap();
        report
            .record(step, &[20.0], Checksum(5), trace(20.0))
            .unwrap();
        let row = &report.rows()[0];
        assert_eq!(report.rows().len(), 1);
        assert_eq!(row.samples_ms, [30.0, 10.0, 20.0]);
        assert_eq!(row.summary.median, 20.0);
        assert_eq!(row.trace.as_ref().unwrap().wall_ms, 20.0);
        assert_eq!(
            report.record(step, &[20.0], Checksum(6), trace(20.0)),
            Err(RecordError::Inconsistent {
                before: Checksum(5),
                now: Checksum(6)
            })
        );
        assert_eq!(
            report.record(step, &[], Checksum(5), trace(1.0)),
            Err(RecordError::BadSamples)
        );
    }

    #[test]
    fn speedups_and_verdicts_are_against_the_sequential_row() {
        let mut report = Report::default();
        report.push(row(Model::FreeThreads, 1, 1_000.0, 7));
        assert_eq!(report.verdict(&report.rows()[0]), Verdict::Unchecked);
        assert_eq!(report.speedup(&report.rows()[0]), None);

        report.push(row(Model::Sequential, 1, 900.0, 7));
        report.push(row(Model::FreeThreads, 2, 450.0, 7));
        report.push(row(Model::FreeThreads, 3, 300.0, 8));
        let rows = report.rows();
        assert_eq!(report.verdict(&rows[1]), Verdict::Reference);
        assert_eq!(report.verdict(&rows[0]), Verdict::Matches);
        assert_eq!(report.verdict(&rows[2]), Verdict::Matches);
        assert_eq!(
            report.verdict(&rows[3]),
            Verdict::Mismatch {
                expected: Checksum(7)
            }
        );
        assert_eq!(report.mismatches(), 1);
        assert_eq!(report.speedup(&rows[2]), Some(2.0));
        assert_eq!(report.speedup(&rows[1]), Some(1.0));
    }

    #[test]
    fn speedups_are_the_median_of_each_rounds_ratio() {
        // Rounds 2 and 3 ran on a machine twice as slow, and k = 2 was disturbed in rounds 4
        // and 5: within a round k = 2 was 2× in three rounds of five, which the median of the
        // per-round ratios says, where the ratio of the medians would say 1×.
        let mut report = Report::default();
        let samples = |model, threads, ms: &[f64]| {
            Row::from_samples(model, threads, ms, Checksum(7)).unwrap()
        };
        report.push(samples(
            Model::Sequential,
            1,
            &[1_000.0, 2_000.0, 2_000.0, 1_000.0, 1_000.0],
        ));
        report.push(samples(
            Model::FreeThreads,
            2,
            &[500.0, 1_000.0, 1_000.0, 2_000.0, 2_000.0],
        ));
        let row = &report.rows()[1];
        let spread = report.speedup_spread(row).unwrap();
        assert_eq!(spread.rounds, 5);
        assert_eq!(spread.median, 2.0);
        assert_eq!(report.speedup(row), Some(spread.median));
        // A row with no rounds in common (from a summary alone) falls back to the medians.
        let mut summary_only = report.clone();
        summary_only.rows[1].samples_ms.clear();
        assert_eq!(summary_only.speedup_spread(&summary_only.rows[1]), None);
        assert_eq!(summary_only.speedup(&summary_only.rows[1]), Some(1.0));
    }
}
