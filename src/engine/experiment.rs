//! One experiment: which runs to make, and what their results say once made.

use serde::{Deserialize, Serialize};

use super::models::Model;
use super::size::Limits;
use super::stats::{self, Summary};
use super::workload::Checksum;

/// Repeats per step: at least 3, so the median means something.
pub const REPEATS: Limits = Limits {
    min: 3,
    max: 20,
    default: 3,
};

/// One run of the sweep: a model with a pool of `threads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub model: Model,
    pub threads: usize,
}

/// The thread sweep: the sequential baseline first, then free threads for every k from 1 to
/// `cores`. Without threads only the baseline runs.
pub fn plan(threads_available: bool, cores: usize) -> Vec<Step> {
    let baseline = Step {
        model: Model::Sequential,
        threads: 1,
    };
    let sweep = (1..=cores.max(1))
        .filter(|_| threads_available)
        .map(|threads| Step {
            model: Model::FreeThreads,
            threads,
        });
    std::iter::once(baseline).chain(sweep).collect()
}

/// The measured outcome of one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub model: Model,
    pub threads: usize,
    pub summary: Summary,
    pub checksum: Checksum,
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
        })
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

/// The rows of an experiment, in the order they were measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn baseline(&self) -> Option<&Row> {
        self.rows.iter().find(|r| r.model == Model::Sequential)
    }

    /// How many times faster than the sequential baseline `row` ran (by medians).
    pub fn speedup(&self, row: &Row) -> Option<f64> {
        let base = self.baseline()?;
        stats::speedup(base.summary.median, row.summary.median)
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
        let steps = plan(true, 3);
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
    fn plan_without_threads_is_the_baseline_alone() {
        assert_eq!(
            plan(false, 8),
            vec![Step {
                model: Model::Sequential,
                threads: 1
            }]
        );
        assert_eq!(plan(true, 0).len(), 2, "zero cores still sweeps k = 1");
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
}
