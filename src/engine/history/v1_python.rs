//! The Python lab's entries in version 1 of the stored history, field by field (see [`super::v1`]
//! for why the format has types of its own). The pool's per-chunk spans are not kept: the
//! history keeps what a table and a chart need, not a trace.

use serde::{Deserialize, Serialize};

use crate::engine::python::measured::{ModelRow, Outcome, PyModel, PythonRun, Start};
use crate::engine::python::settings::PythonSettings;

#[derive(Debug, Serialize, Deserialize)]
pub struct PythonSettingsV1 {
    pub code: String,
    pub workers: String,
    pub chunksize: String,
    pub rounds: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PythonRunV1 {
    pub workers: usize,
    pub chunksize: usize,
    pub tasks: usize,
    pub is_async: bool,
    pub rows: Vec<PythonRowV1>,
    pub starts: Vec<PythonStartV1>,
}

/// One model's rounds; `model` by its slug.
#[derive(Debug, Serialize, Deserialize)]
pub struct PythonRowV1 {
    pub model: String,
    pub wall_ms: Vec<f64>,
    pub outcome: Option<PythonOutcomeV1>,
    pub bytes_copied: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PythonOutcomeV1 {
    pub count: usize,
    pub preview: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PythonStartV1 {
    pub ms: f64,
    pub from_module: bool,
}

impl From<&PythonSettings> for PythonSettingsV1 {
    fn from(s: &PythonSettings) -> Self {
        PythonSettingsV1 {
            code: s.code.clone(),
            workers: s.workers.clone(),
            chunksize: s.chunksize.clone(),
            rounds: s.rounds.clone(),
        }
    }
}

impl PythonSettingsV1 {
    pub fn to_settings(&self) -> PythonSettings {
        PythonSettings {
            code: self.code.clone(),
            workers: self.workers.clone(),
            chunksize: self.chunksize.clone(),
            rounds: self.rounds.clone(),
        }
    }
}

impl From<&PythonRun> for PythonRunV1 {
    fn from(run: &PythonRun) -> Self {
        PythonRunV1 {
            workers: run.workers,
            chunksize: run.chunksize,
            tasks: run.tasks,
            is_async: run.is_async,
            rows: run
                .rows
                .iter()
                .map(|r| PythonRowV1 {
                    model: r.model.slug().into(),
                    wall_ms: r.wall_ms.clone(),
                    outcome: r.outcome.as_ref().map(|o| PythonOutcomeV1 {
                        count: o.count,
                        preview: o.preview.clone(),
                        fingerprint: o.fingerprint.clone(),
                    }),
                    bytes_copied: r.bytes_copied,
                })
                .collect(),
            starts: run
                .starts
                .iter()
                .map(|s| PythonStartV1 {
                    ms: s.ms,
                    from_module: s.from_module,
                })
                .collect(),
        }
    }
}

impl PythonRunV1 {
    /// The run in memory, or why this page cannot read it (a model it does not know).
    pub fn to_run(&self) -> Result<PythonRun, String> {
        Ok(PythonRun {
            workers: self.workers,
            chunksize: self.chunksize,
            tasks: self.tasks,
            is_async: self.is_async,
            rows: self
                .rows
                .iter()
                .map(|r| {
                    Ok(ModelRow {
                        model: PyModel::from_slug(&r.model)
                            .ok_or_else(|| format!("an unknown Python model {:?}", r.model))?,
                        wall_ms: r.wall_ms.clone(),
                        outcome: r.outcome.as_ref().map(|o| Outcome {
                            count: o.count,
                            preview: o.preview.clone(),
                            fingerprint: o.fingerprint.clone(),
                        }),
                        bytes_copied: r.bytes_copied,
                    })
                })
                .collect::<Result<_, String>>()?,
            starts: self
                .starts
                .iter()
                .map(|s| Start {
                    ms: s.ms,
                    from_module: s.from_module,
                })
                .collect(),
            spans: Vec::new(),
        })
    }
}
