//! Past runs kept in the visitor's browser: what was asked and what it measured, newest first.
//! The browser shell stores the JSON in localStorage; reading it back never fails loudly: what
//! cannot be read is reported and set aside, never silently overwritten.

use serde::{Deserialize, Serialize};

use crate::engine::cpu_settings::CpuSettings;

use crate::engine::experiment::{Report, Row};
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;

/// Entries kept at most; the oldest go first.
pub const MAX_ENTRIES: usize = 30;
/// Requests kept per I/O run: enough for the waterfall's shape, small enough for localStorage.
pub const MAX_REQUESTS_KEPT: usize = 200;
/// The format's version, part of the storage key so a later format never misreads this one.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was saved, ms since the Unix epoch; also its identity.
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
            saved_ms,
            title: format!("I/O: {requests} requests by {}", models.join(", ")),
            record: Record::Io {
                settings: settings.clone(),
                runs,
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
            Record::Io { .. } => None,
        }
    }
}

/// The stored form: a version and the entries, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl History {
    pub fn new() -> History {
        History {
            version: VERSION,
            entries: Vec::new(),
        }
    }

    /// Reads stored JSON; anything unreadable gives an empty history and the reason.
    pub fn read(json: &str) -> Result<History, String> {
        let history: History = serde_json::from_str(json)
            .map_err(|e| format!("the saved history could not be read ({e})"))?;
        if history.version != VERSION {
            return Err(format!(
                "the saved history is version {}, this page reads version {VERSION}",
                history.version
            ));
        }
        Ok(history)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("history serializes")
    }

    /// Adds `entry` first, dropping the oldest beyond [`MAX_ENTRIES`].
    pub fn add(&mut self, entry: Entry) {
        self.entries.insert(0, entry);
        self.entries.truncate(MAX_ENTRIES);
    }

    pub fn remove(&mut self, saved_ms: f64) {
        self.entries.retain(|e| e.saved_ms != saved_ms);
    }

    pub fn find(&self, saved_ms: f64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.saved_ms == saved_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::io::{IoModel, RequestRecord, Summary as IoSummary};
    use crate::engine::run::models::Model;
    use crate::engine::workload::Checksum;

    fn report() -> Report {
        let mut report = Report::new("count");
        report.push(
            Row::from_samples(Model::Sequential, 1, &[100.0, 110.0, 90.0], Checksum(3)).unwrap(),
        );
        report.push(Row::from_samples(Model::FreeThreads, 2, &[50.0], Checksum(3)).unwrap());
        report
    }

    #[test]
    fn entries_round_trip_through_json_newest_first_and_capped() {
        let mut history = History::new();
        for i in 0..(MAX_ENTRIES + 5) {
            let settings = CpuSettings {
                kernel: "count".into(),
                size_text: "1e9".into(),
                models: vec![Model::FreeThreads],
                ..CpuSettings::default()
            };
            history.add(Entry::cpu(i as f64, &report(), settings));
        }
        assert_eq!(history.entries.len(), MAX_ENTRIES);
        assert_eq!(history.entries[0].saved_ms, (MAX_ENTRIES + 4) as f64);
        let back = History::read(&history.to_json()).unwrap();
        assert_eq!(back, history);
        assert_eq!(back.entries[0].report().unwrap(), report());
        assert_eq!(
            back.entries[0].title,
            "count at 1e9: sequential against Free threads (rayon) (2 runs)"
        );
        history.remove(history.entries[0].saved_ms);
        assert_eq!(history.entries.len(), MAX_ENTRIES - 1);
    }

    #[test]
    fn unreadable_or_foreign_history_is_reported_not_guessed() {
        assert!(History::read("").unwrap_err().contains("could not be read"));
        assert!(History::read("{\"version\":1,\"entries\":[{\"saved_ms\":1}]}").is_err());
        let later = History::read("{\"version\":2,\"entries\":[]}").unwrap_err();
        assert_eq!(
            later,
            "the saved history is version 2, this page reads version 1"
        );
    }

    #[test]
    fn large_io_runs_keep_a_sample_of_their_requests() {
        let run = IoRun {
            model: IoModel::Gather,
            workers: 5000,
            requests: (0..5000)
                .map(|index| RequestRecord {
                    index,
                    ..RequestRecord::default()
                })
                .collect(),
            summary: IoSummary {
                ok: 5000,
                ..IoSummary::default()
            },
            ideal_ms: Some(50.0),
            scan: None,
            memory: None,
            notes: Vec::new(),
        };
        let entry = Entry::io(1.0, &IoSettings::default(), &[run]);
        let Record::Io { runs, .. } = &entry.record else {
            panic!("an I/O record")
        };
        assert_eq!(runs[0].requests.len(), MAX_REQUESTS_KEPT);
        assert_eq!(runs[0].requests.last().unwrap().index, 4999);
        assert_eq!(runs[0].summary.ok, 5000);
        assert_eq!(entry.title, "I/O: 5000 requests by gather");
    }
}
