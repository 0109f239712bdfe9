//! Version 1 of the stored history, field by field: the JSON that localStorage holds under
//! `overlap.history.v1`. These types are the format; the in-memory types in [`super`] and the
//! engine convert to and from them, so renaming a field or a variant in memory cannot change
//! what is stored, and a history saved by any earlier page of this version reads the same.
//!
//! Names of models, scans and choices are the format's own strings. An entry this page cannot
//! turn into its in-memory form (a model it does not know) is reported, not guessed at.

use serde::{Deserialize, Serialize};

use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment::Row;
use crate::engine::io::settings::IoSettingsV1;
use crate::engine::io::{
    IoModel, IoRun, Memory, RequestRecord, Scan, ScanReport, Summary as IoSummary,
};
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;
use crate::engine::stats::Summary;
use crate::engine::workload::Checksum;

use super::entry::{Entry, Record};
use super::v1_python::{PythonRunV1, PythonSettingsV1};

/// The format's version, part of the storage key so a later format never misreads this one.
pub const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct HistoryV1 {
    pub version: u32,
    pub entries: Vec<EntryV1>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EntryV1 {
    /// Absent in entries saved before ids existed: they are numbered when read.
    #[serde(default)]
    pub id: u64,
    pub saved_ms: f64,
    pub title: String,
    pub record: RecordV1,
}

/// `{"kind": "cpu" | "io" | "python", …that kind's fields}`. Written by serde's derive; read by
/// hand ([`RecordV1::deserialize`]).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RecordV1 {
    Cpu {
        settings: CpuSettingsV1,
        rows: Vec<RowV1>,
    },
    Io {
        settings: IoSettingsV1,
        runs: Vec<IoRunV1>,
    },
    Python {
        settings: PythonSettingsV1,
        run: PythonRunV1,
    },
}

/// Reads the same JSON the derive would, without its buffer: serde reads an internally tagged enum
/// by copying the whole value into its `Content` and deserializing that again, a second reader of
/// every type under it (see `engine/protocol.rs`). Here each part is kept as raw JSON and read
/// once its kind is known. Unknown fields are ignored and a missing part is named, as before.
impl<'de> Deserialize<'de> for RecordV1 {
    fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeOwned, Error};
        use serde_json::value::RawValue;

        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        enum Kind {
            Cpu,
            Io,
            Python,
        }
        #[derive(Deserialize)]
        struct Parts {
            kind: Kind,
            settings: Option<Box<RawValue>>,
            rows: Option<Box<RawValue>>,
            runs: Option<Box<RawValue>>,
            run: Option<Box<RawValue>>,
        }
        fn read<T: DeserializeOwned, E: Error>(
            part: Option<Box<RawValue>>,
            name: &'static str,
        ) -> Result<T, E> {
            let part = part.ok_or_else(|| E::missing_field(name))?;
            serde_json::from_str(part.get()).map_err(|err| E::custom(format!("{name}: {err}")))
        }
        let parts = Parts::deserialize(reader)?;
        Ok(match parts.kind {
            Kind::Cpu => RecordV1::Cpu {
                settings: read(parts.settings, "settings")?,
                rows: read(parts.rows, "rows")?,
            },
            Kind::Io => RecordV1::Io {
                settings: read(parts.settings, "settings")?,
                runs: read(parts.runs, "runs")?,
            },
            Kind::Python => RecordV1::Python {
                settings: read(parts.settings, "settings")?,
                run: read(parts.run, "run")?,
            },
        })
    }
}

/// The CPU form as typed; `models` and `style` by their slugs.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CpuSettingsV1 {
    pub kernel: String,
    pub size_text: String,
    pub repeats_text: String,
    pub models: Vec<String>,
    pub threads_text: String,
    pub style: String,
    pub chunksize_text: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SummaryV1 {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub repeats: usize,
}

/// One step of a sweep; its checksum in hex. No trace: traces are too large to keep.
#[derive(Debug, Serialize, Deserialize)]
pub struct RowV1 {
    pub model: String,
    pub threads: usize,
    pub summary: SummaryV1,
    pub checksum: String,
    pub samples_ms: Vec<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RequestV1 {
    pub index: usize,
    pub url: String,
    pub worker: usize,
    pub queued_ms: f64,
    pub started_ms: f64,
    pub first_byte_ms: Option<f64>,
    pub finished_ms: f64,
    pub status: Option<u16>,
    pub bytes: u64,
    pub error: Option<String>,
    pub protocol: Option<String>,
    pub scan_ms: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IoSummaryV1 {
    pub wall_ms: f64,
    pub sum_latency_ms: f64,
    pub max_in_flight: usize,
    pub ok: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ScanV1 {
    /// `pool` or `one-thread`.
    pub on: String,
    pub pages: usize,
    pub meta_tags: usize,
    pub fetch_ms: f64,
    pub scan_ms: f64,
    pub threads: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MemoryV1 {
    pub js_heap_bytes: Option<u64>,
    pub wasm_bytes: u64,
    #[serde(default)]
    pub wasm_before_bytes: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IoRunV1 {
    /// `sequential`, `gather`, `bounded`, `threads` or `pipeline`.
    pub model: String,
    pub workers: usize,
    pub requests: Vec<RequestV1>,
    pub summary: IoSummaryV1,
    pub ideal_ms: Option<f64>,
    pub scan: Option<ScanV1>,
    pub memory: Option<MemoryV1>,
    pub notes: Vec<String>,
}

fn model(slug: &str) -> Result<Model, String> {
    Model::from_slug(slug).ok_or_else(|| format!("an unknown model {slug:?}"))
}

fn io_model(slug: &str) -> Result<IoModel, String> {
    IoModel::from_slug(slug).ok_or_else(|| format!("an unknown I/O model {slug:?}"))
}

fn scan(slug: &str) -> Result<Scan, String> {
    match slug {
        "pool" => Ok(Scan::Pool),
        "one-thread" => Ok(Scan::OneThread),
        other => Err(format!("an unknown scan {other:?}")),
    }
}

fn scan_slug(scan: Scan) -> &'static str {
    match scan {
        Scan::Pool => "pool",
        Scan::OneThread => "one-thread",
    }
}

impl From<&[Entry]> for HistoryV1 {
    fn from(entries: &[Entry]) -> Self {
        HistoryV1 {
            version: VERSION,
            entries: entries.iter().map(EntryV1::from).collect(),
        }
    }
}

impl From<&Entry> for EntryV1 {
    fn from(entry: &Entry) -> Self {
        let record = match &entry.record {
            Record::Cpu { settings, rows } => RecordV1::Cpu {
                settings: CpuSettingsV1 {
                    kernel: settings.kernel.clone(),
                    size_text: settings.size_text.clone(),
                    repeats_text: settings.repeats_text.clone(),
                    models: settings.models.iter().map(|m| m.slug().into()).collect(),
                    threads_text: settings.threads_text.clone(),
                    style: settings.style.slug().into(),
                    chunksize_text: settings.chunksize_text.clone(),
                },
                rows: rows
                    .iter()
                    .map(|row| RowV1 {
                        model: row.model.slug().into(),
                        threads: row.threads,
                        summary: SummaryV1 {
                            median: row.summary.median,
                            min: row.summary.min,
                            max: row.summary.max,
                            repeats: row.summary.repeats,
                        },
                        checksum: row.checksum.to_string(),
                        samples_ms: row.samples_ms.clone(),
                    })
                    .collect(),
            },
            Record::Io { settings, runs } => RecordV1::Io {
                settings: IoSettingsV1::from(settings),
                runs: runs.iter().map(IoRunV1::from).collect(),
            },
            Record::Python { settings, run } => RecordV1::Python {
                settings: PythonSettingsV1::from(settings),
                run: PythonRunV1::from(run),
            },
        };
        EntryV1 {
            id: entry.id,
            saved_ms: entry.saved_ms,
            title: entry.title.clone(),
            record,
        }
    }
}

impl From<&IoRun> for IoRunV1 {
    fn from(run: &IoRun) -> Self {
        IoRunV1 {
            model: run.model.slug().into(),
            workers: run.workers,
            requests: run
                .requests
                .iter()
                .map(|r| RequestV1 {
                    index: r.index,
                    url: r.url.clone(),
                    worker: r.worker,
                    queued_ms: r.queued_ms,
                    started_ms: r.started_ms,
                    first_byte_ms: r.first_byte_ms,
                    finished_ms: r.finished_ms,
                    status: r.status,
                    bytes: r.bytes,
                    error: r.error.clone(),
                    protocol: r.protocol.clone(),
                    scan_ms: r.scan_ms,
                })
                .collect(),
            summary: IoSummaryV1 {
                wall_ms: run.summary.wall_ms,
                sum_latency_ms: run.summary.sum_latency_ms,
                max_in_flight: run.summary.max_in_flight,
                ok: run.summary.ok,
                failed: run.summary.failed,
            },
            ideal_ms: run.ideal_ms,
            scan: run.scan.as_ref().map(|s| ScanV1 {
                on: scan_slug(s.on).into(),
                pages: s.pages,
                meta_tags: s.meta_tags,
                fetch_ms: s.fetch_ms,
                scan_ms: s.scan_ms,
                threads: s.threads,
            }),
            memory: run.memory.as_ref().map(|m| MemoryV1 {
                js_heap_bytes: m.js_heap_bytes,
                wasm_bytes: m.wasm_bytes,
                wasm_before_bytes: m.wasm_before_bytes,
            }),
            notes: run.notes.clone(),
        }
    }
}

impl EntryV1 {
    /// The entry in memory, or why this page cannot read it.
    // The `..CpuSettings::default()` below does nothing today; it is there so that a field added
    // to the form later reads as its default here instead of forcing an edit of version 1.
    #[allow(clippy::needless_update)]
    pub fn to_entry(&self) -> Result<Entry, String> {
        let record = match &self.record {
            RecordV1::Cpu { settings, rows } => Record::Cpu {
                settings: CpuSettings {
                    kernel: settings.kernel.clone(),
                    size_text: settings.size_text.clone(),
                    repeats_text: settings.repeats_text.clone(),
                    models: settings
                        .models
                        .iter()
                        .map(|m| model(m))
                        .collect::<Result<_, _>>()?,
                    threads_text: settings.threads_text.clone(),
                    style: MapStyle::from_slug(&settings.style)
                        .ok_or_else(|| format!("an unknown style {:?}", settings.style))?,
                    chunksize_text: settings.chunksize_text.clone(),
                    // A field added to the form since is not in version 1: its default.
                    ..CpuSettings::default()
                },
                rows: rows
                    .iter()
                    .map(|row| {
                        Ok(Row {
                            model: model(&row.model)?,
                            threads: row.threads,
                            summary: Summary {
                                median: row.summary.median,
                                min: row.summary.min,
                                max: row.summary.max,
                                repeats: row.summary.repeats,
                            },
                            checksum: Checksum::try_from(row.checksum.clone())?,
                            samples_ms: row.samples_ms.clone(),
                            carried_speedup: None,
                            trace: None,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            },
            RecordV1::Io { settings, runs } => Record::Io {
                settings: settings
                    .to_settings()
                    .ok_or("I/O settings with an unknown name")?,
                runs: runs.iter().map(IoRunV1::to_run).collect::<Result<_, _>>()?,
            },
            RecordV1::Python { settings, run } => Record::Python {
                settings: settings.to_settings(),
                run: run.to_run()?,
            },
        };
        Ok(Entry {
            id: self.id,
            saved_ms: self.saved_ms,
            title: self.title.clone(),
            record,
        })
    }
}

impl IoRunV1 {
    fn to_run(&self) -> Result<IoRun, String> {
        Ok(IoRun {
            // Only the blocked-loop lesson's runs have one, and history keeps the labs' runs.
            blocked: None,
            model: io_model(&self.model)?,
            workers: self.workers,
            requests: self
                .requests
                .iter()
                .map(|r| RequestRecord {
                    index: r.index,
                    url: r.url.clone(),
                    worker: r.worker,
                    queued_ms: r.queued_ms,
                    started_ms: r.started_ms,
                    first_byte_ms: r.first_byte_ms,
                    finished_ms: r.finished_ms,
                    status: r.status,
                    bytes: r.bytes,
                    error: r.error.clone(),
                    protocol: r.protocol.clone(),
                    scan_ms: r.scan_ms,
                })
                .collect(),
            summary: IoSummary {
                wall_ms: self.summary.wall_ms,
                sum_latency_ms: self.summary.sum_latency_ms,
                max_in_flight: self.summary.max_in_flight,
                ok: self.summary.ok,
                failed: self.summary.failed,
            },
            ideal_ms: self.ideal_ms,
            scan: self
                .scan
                .as_ref()
                .map(|s| {
                    Ok::<_, String>(ScanReport {
                        on: scan(&s.on)?,
                        pages: s.pages,
                        meta_tags: s.meta_tags,
                        fetch_ms: s.fetch_ms,
                        scan_ms: s.scan_ms,
                        threads: s.threads,
                    })
                })
                .transpose()?,
            memory: self.memory.as_ref().map(|m| Memory {
                js_heap_bytes: m.js_heap_bytes,
                wasm_bytes: m.wasm_bytes,
                wasm_before_bytes: m.wasm_before_bytes,
            }),
            notes: self.notes.clone(),
        })
    }
}
