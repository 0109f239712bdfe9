//! One saved run: what was asked (the form's settings) and what it measured, with a title.

use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment::{Report, Row};
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;
use crate::engine::python::measured::{PyModel, PythonRun};
use crate::engine::python::settings::PythonSettings;

/// Requests kept per I/O run: enough for the waterfall's shape, small enough for localStorage.
pub const MAX_REQUESTS_KEPT: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A CPU sweep: its settings and rows (without traces, which are large).
    Cpu {
        settings: CpuSettings,
        rows: Vec<Row>,
    },
    /// An I/O run of one or more models.
    Io {
        settings: IoSettings,
        runs: Vec<IoRun>,
    },
    /// A run of the visitor's own Python.
    Python {
        settings: PythonSettings,
        run: PythonRun,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Its identity in this history, given by [`History::add`](super::History::add): two entries saved in the same
    /// millisecond are still two.
    pub id: u64,
    /// When it was saved, ms since the Unix epoch.
    pub saved_ms: f64,
    /// One line saying what it was.
    pub title: String,
    pub record: Record,
}

impl Entry {
    pub fn cpu(saved_ms: f64, report: &Report, settings: CpuSettings) -> Entry {
        let rows: Vec<Row> = report
            .rows()
            .iter()
            .map(|row| Row {
                trace: None,
                ..row.clone()
            })
            .collect();
        let swept: Vec<String> = settings.models.iter().map(|m| m.to_string()).collect();
        Entry {
            id: 0,
            saved_ms,
            title: format!(
                "{} at {}: sequential against {} ({} runs)",
                report.kernel,
                settings.size_text.trim(),
                if swept.is_empty() {
                    "nothing".into()
                } else {
                    swept.join(", ")
                },
                rows.len()
            ),
            record: Record::Cpu { settings, rows },
        }
    }

    pub fn io(saved_ms: f64, settings: &IoSettings, runs: &[IoRun]) -> Entry {
        let runs: Vec<IoRun> = runs
            .iter()
            .map(|run| {
                let mut kept = run.clone();
                if kept.requests.len() > MAX_REQUESTS_KEPT {
                    let picks =
                        crate::engine::chart::sample(kept.requests.len(), MAX_REQUESTS_KEPT);
                    kept.requests = picks.into_iter().map(|i| run.requests[i].clone()).collect();
                }
                kept
            })
            .collect();
        let models: Vec<&str> = runs.iter().map(|r| r.model.slug()).collect();
        let requests = runs.first().map_or(0, |r| r.summary.ok + r.summary.failed);
        Entry {
            id: 0,
            saved_ms,
            title: format!("I/O: {requests} requests by {}", models.join(", ")),
            record: Record::Io {
                settings: settings.clone(),
                runs,
            },
        }
    }

    pub fn python(saved_ms: f64, settings: &PythonSettings, run: &PythonRun) -> Entry {
        let pool = run
            .speedup(PyModel::Pool)
            .map(|s| format!(", pool {:.2}\u{d7}", s.median))
            .unwrap_or_default();
        let first_line = settings
            .code
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("def work") || l.starts_with("async def work"))
            .unwrap_or("work");
        Entry {
            id: 0,
            saved_ms,
            title: format!(
                "Python: {} over {} inputs, {} interpreters{pool}",
                crate::engine::quote::prefix(first_line.trim_end_matches(':')),
                run.tasks,
                run.workers
            ),
            record: Record::Python {
                settings: settings.clone(),
                run: PythonRun {
                    spans: Vec::new(),
                    ..run.clone()
                },
            },
        }
    }

    /// The CPU report this entry holds, to show again.
    pub fn report(&self) -> Option<Report> {
        match &self.record {
            Record::Cpu { settings, rows } => {
                let mut report = Report::new(&settings.kernel);
                for row in rows {
                    report.push(row.clone());
                }
                Some(report)
            }
            Record::Io { .. } | Record::Python { .. } => None,
        }
    }
}
