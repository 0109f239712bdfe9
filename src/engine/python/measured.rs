//! What a run of the Python lab measured, and how it is summed up: each model's wall time per
//! round, the speedup against sequential taken within each round (so a slow spell of the machine
//! moves both sides of a ratio), whether every model's results agree with sequential's, the bytes
//! the pool pickled across, and each interpreter's start (the lab's spawn cost).

use serde::{Deserialize, Serialize};

use crate::engine::rounds::{self, Spread};

/// A way the lab runs the visitor's `work` over `inputs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PyModel {
    /// `[work(x) for x in inputs]` in one interpreter: the baseline.
    Sequential,
    /// `ProcessPoolExecutor(k).map(work, inputs, chunksize=c)` on k interpreters.
    Pool,
    /// `asyncio.gather(*(work(x) for x in inputs))` in one interpreter (`async def work` only).
    Gather,
}

impl PyModel {
    pub const ALL: [PyModel; 3] = [PyModel::Sequential, PyModel::Pool, PyModel::Gather];

    /// Its name in pages, tests and the stored history.
    pub fn slug(self) -> &'static str {
        match self {
            PyModel::Sequential => "sequential",
            PyModel::Pool => "pool",
            PyModel::Gather => "gather",
        }
    }

    pub fn from_slug(slug: &str) -> Option<PyModel> {
        PyModel::ALL.into_iter().find(|m| m.slug() == slug)
    }

    pub fn label(self, workers: usize) -> String {
        match self {
            PyModel::Sequential => "Sequential: one interpreter".into(),
            PyModel::Pool => format!("Pool: {workers} interpreters, like processes"),
            PyModel::Gather => "asyncio.gather: one interpreter".into(),
        }
    }

    /// The Python the model stands for.
    pub fn python(self, workers: usize, chunksize: usize) -> String {
        match self {
            PyModel::Sequential => "[work(x) for x in inputs]".into(),
            PyModel::Pool => {
                format!("ProcessPoolExecutor({workers}).map(work, inputs, chunksize={chunksize})")
            }
            PyModel::Gather => "await asyncio.gather(*(work(x) for x in inputs))".into(),
        }
    }

    /// The models a run of this code measures: gather only for `async def work`.
    pub fn for_code(is_async: bool) -> Vec<PyModel> {
        let mut models = vec![PyModel::Sequential, PyModel::Pool];
        if is_async {
            models.push(PyModel::Gather);
        }
        models
    }
}

/// Why the lab has no threads model: said where the models are listed.
pub const NO_THREADS: &str = "Threads: not here. CPython in the browser cannot start threads \
    yet (Pyodide issue 237), so a threads model would be a fake. The GIL lesson measures what \
    threads do to CPU-bound work on a model of CPython's GIL.";
pub const NO_THREADS_ISSUE: &str = "https://github.com/pyodide/pyodide/issues/237";

/// What the results of a model were, as the driver reports them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub count: usize,
    /// `repr(results)`, cut short.
    pub preview: String,
    /// A hash of the whole `repr(results)`: equal fingerprints, equal results.
    pub fingerprint: String,
}

/// One model's measurements over the rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    pub model: PyModel,
    /// Wall time of each counted round, in ms.
    pub wall_ms: Vec<f64>,
    /// The results of its last round.
    pub outcome: Option<Outcome>,
    /// Bytes pickled across between interpreters in one run (arguments and results).
    pub bytes_copied: u64,
}

/// One interpreter's start: the lab's spawn cost.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub ms: f64,
    /// Started from the module compiled once for all, not fetched and compiled by itself.
    pub from_module: bool,
}

/// A chunk's time on an interpreter in the pool's last round, for the timeline and the trace.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub interpreter: usize,
    pub chunk: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

/// Everything one press of Run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PythonRun {
    pub workers: usize,
    pub chunksize: usize,
    pub tasks: usize,
    pub is_async: bool,
    pub rows: Vec<ModelRow>,
    /// Interpreters started for this run (none when the pool was kept from the last).
    pub starts: Vec<Start>,
    pub spans: Vec<Span>,
}

impl PythonRun {
    pub fn row(&self, model: PyModel) -> Option<&ModelRow> {
        self.rows.iter().find(|r| r.model == model)
    }

    /// `model`'s speedup against sequential in each round (sequential's time over its own), as
    /// the lessons take theirs ([`rounds::ratios`]).
    pub fn speedups(&self, model: PyModel) -> Vec<f64> {
        match (self.row(PyModel::Sequential), self.row(model)) {
            (Some(base), Some(row)) => rounds::ratios(&base.wall_ms, &row.wall_ms),
            _ => Vec::new(),
        }
    }

    /// The median speedup and the middle half of the rounds around it.
    pub fn speedup(&self, model: PyModel) -> Option<Spread> {
        Spread::of(&self.speedups(model))
    }

    /// Every speedup's spread: the rounds go on while any is wide, as a sweep's do.
    pub fn spreads(&self) -> Vec<Spread> {
        self.rows
            .iter()
            .filter(|r| r.model != PyModel::Sequential)
            .filter_map(|r| self.speedup(r.model))
            .collect()
    }

    /// Whether `model`'s results are sequential's (`None` if either has none).
    pub fn agrees(&self, model: PyModel) -> Option<bool> {
        let base = self.row(PyModel::Sequential)?.outcome.as_ref()?;
        let own = self.row(model)?.outcome.as_ref()?;
        Some(base.fingerprint == own.fingerprint)
    }

    /// The models whose results differ from sequential's.
    pub fn mismatches(&self) -> Vec<PyModel> {
        self.rows
            .iter()
            .filter(|r| self.agrees(r.model) == Some(false))
            .map(|r| r.model)
            .collect()
    }

    /// The speedup as the table says it, with the middle half of its rounds. A median past
    /// what the pool's interpreters can give on `cores` cores is said as about that many, as a
    /// lesson says it: the sequential run was slow, not the pool faster than the machine.
    pub fn speedup_text(&self, model: PyModel, cores: usize) -> String {
        let Some(s) = self.speedup(model) else {
            return "\u{2014}".into();
        };
        let range = if s.rounds > 1 {
            format!(
                " ({:.2}\u{2013}{:.2}, middle half of {} rounds)",
                s.low, s.high, s.rounds
            )
        } else {
            String::new()
        };
        let bound = self.workers.min(cores.max(1));
        if model == PyModel::Pool && rounds::reads_past_cores(s.median, bound) {
            format!(
                "{:.2}\u{d7}{range} (about {bound}\u{d7}: the sequential run was slow)",
                s.median
            )
        } else {
            format!("{:.2}\u{d7}{range}", s.median)
        }
    }

    /// The pool's last round as a trace for Perfetto (Chrome's trace event format): one lane per
    /// interpreter, one slice per chunk.
    pub fn trace_json(&self) -> String {
        let mut events: Vec<serde_json::Value> = (0..self.workers)
            .map(|i| {
                serde_json::json!({"ph": "M", "name": "thread_name", "pid": 1, "tid": i + 1,
                    "args": {"name": format!("interpreter {}", i + 1)}})
            })
            .collect();
        events.extend(self.spans.iter().map(|s| {
            serde_json::json!({"ph": "X", "name": format!("chunk {}", s.chunk + 1), "pid": 1,
                "tid": s.interpreter + 1, "ts": s.start_ms * 1000.0,
                "dur": (s.end_ms - s.start_ms).max(0.0) * 1000.0})
        }));
        serde_json::json!({"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"source": "Overlap: the Python lab's pool"}})
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: PyModel, wall_ms: Vec<f64>, fingerprint: &str) -> ModelRow {
        ModelRow {
            model,
            wall_ms,
            outcome: Some(Outcome {
                count: 8,
                preview: "[0, 0]".into(),
                fingerprint: fingerprint.into(),
            }),
            bytes_copied: 0,
        }
    }

    fn run(rows: Vec<ModelRow>) -> PythonRun {
        PythonRun {
            workers: 2,
            chunksize: 1,
            tasks: 8,
            is_async: false,
            rows,
            starts: Vec::new(),
            spans: vec![Span {
                interpreter: 1,
                chunk: 0,
                start_ms: 1.0,
                end_ms: 3.5,
            }],
        }
    }

    #[test]
    fn speedups_are_taken_within_each_round() {
        let r = run(vec![
            row(PyModel::Sequential, vec![1000.0, 2000.0, 1000.0], "a"),
            row(PyModel::Pool, vec![600.0, 1000.0, 500.0], "a"),
        ]);
        let s = r.speedups(PyModel::Pool);
        assert_eq!(s.len(), 3);
        assert!((s[0] - 1000.0 / 600.0).abs() < 1e-9 && s[1] == 2.0 && s[2] == 2.0);
        assert_eq!(r.speedup(PyModel::Pool).unwrap().median, 2.0);
        assert_eq!(
            r.speedup_text(PyModel::Pool, 2),
            "2.00\u{d7} (1.83\u{2013}2.00, middle half of 3 rounds)"
        );
        assert_eq!(r.agrees(PyModel::Pool), Some(true));
        assert!(r.mismatches().is_empty());
    }

    #[test]
    fn a_speedup_past_the_cores_is_said_as_about_the_cores() {
        let r = run(vec![
            row(PyModel::Sequential, vec![1000.0], "a"),
            row(PyModel::Pool, vec![400.0], "b"),
        ]);
        let text = r.speedup_text(PyModel::Pool, 2);
        assert_eq!(
            text,
            "2.50\u{d7} (about 2\u{d7}: the sequential run was slow)"
        );
        assert_eq!(r.mismatches(), vec![PyModel::Pool]);
        assert!(
            run(vec![row(PyModel::Sequential, vec![1.0], "a")]).speedup_text(PyModel::Pool, 2)
                == "\u{2014}"
        );
    }

    #[test]
    fn gather_is_measured_only_for_async_code() {
        assert_eq!(
            PyModel::for_code(false),
            vec![PyModel::Sequential, PyModel::Pool]
        );
        assert!(PyModel::for_code(true).contains(&PyModel::Gather));
    }

    #[test]
    fn the_trace_has_a_lane_per_interpreter_and_a_slice_per_chunk() {
        let trace: serde_json::Value = serde_json::from_str(&run(Vec::new()).trace_json()).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[2]["tid"], 2);
        assert_eq!(events[2]["dur"], 2500.0);
    }
}
