//! Past runs kept in the visitor's browser: what was asked and what it measured, newest first.
//! The browser shell stores the JSON in localStorage; reading it back never fails loudly: what
//! cannot be read is reported and set aside, never silently overwritten. What is stored is
//! [`v1`]'s format, field by field, not the serde shape of these types.

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

pub mod v1;

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
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Its identity in this history, given by [`History::add`]: two entries saved in the same
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

/// A version and the entries, newest first.
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// Reads stored JSON; anything unreadable gives an empty history and the reason. Entries
    /// saved before ids existed (or sharing one) are numbered afresh.
    pub fn read(json: &str) -> Result<History, String> {
        let stored: v1::HistoryV1 = serde_json::from_str(json)
            .map_err(|e| format!("the saved history could not be read ({e})"))?;
        if stored.version != VERSION {
            return Err(format!(
                "the saved history is version {}, this page reads version {VERSION}",
                stored.version
            ));
        }
        let entries = stored
            .entries
            .iter()
            .map(v1::EntryV1::to_entry)
            .collect::<Result<Vec<Entry>, String>>()
            .map_err(|why| format!("the saved history holds {why}"))?;
        let mut history = History {
            version: VERSION,
            entries,
        };
        history.number_afresh_if_needed();
        Ok(history)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&v1::HistoryV1::from(self)).expect("history serializes")
    }

    /// Gives every entry without an id of its own (0, or one another entry has) a new one.
    fn number_afresh_if_needed(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let mut next = self.next_id();
        for entry in &mut self.entries {
            if entry.id == 0 || !seen.insert(entry.id) {
                entry.id = next;
                seen.insert(next);
                next += 1;
            }
        }
    }

    fn next_id(&self) -> u64 {
        self.entries.iter().map(|e| e.id).max().unwrap_or(0) + 1
    }

    /// Adds `entry` first with an id of its own, dropping the oldest beyond [`MAX_ENTRIES`].
    /// Returns the id.
    pub fn add(&mut self, mut entry: Entry) -> u64 {
        entry.id = self.next_id();
        let id = entry.id;
        self.entries.insert(0, entry);
        self.entries.truncate(MAX_ENTRIES);
        id
    }

    pub fn remove(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
    }

    pub fn find(&self, id: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
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
        history.remove(history.entries[0].id);
        assert_eq!(history.entries.len(), MAX_ENTRIES - 1);
    }

    /// A history saved by the page before this format had its own types (and before entries had
    /// ids) reads to what it held, and is written back with every value it had.
    #[test]
    fn a_recorded_version_1_history_reads_and_writes_back_the_same() {
        let recorded =
            include_str!("../../../tests/history/v1/two-entries-saved-in-one-millisecond.json");
        let history = History::read(recorded).unwrap();
        assert_eq!(history.entries.len(), 2);
        assert_eq!(history.entries[0].saved_ms, history.entries[1].saved_ms);
        assert_ne!(history.entries[0].id, history.entries[1].id);
        let Record::Io { settings, runs } = &history.entries[0].record else {
            panic!("the newer entry is the I/O run")
        };
        assert_eq!(settings.choices.len(), 6);
        assert_eq!(
            runs[0].requests[1].error.as_deref(),
            Some("HTTP 503 Service Unavailable")
        );
        assert_eq!(
            runs[0].scan.as_ref().unwrap().on,
            crate::engine::io::Scan::OneThread
        );
        let Record::Cpu { settings, rows } = &history.entries[1].record else {
            panic!("the older entry is the CPU sweep")
        };
        assert_eq!(settings.style, crate::engine::run::dispatch::MapStyle::Imap);
        assert_eq!(rows[1].checksum, Checksum(0x3a));
        assert_eq!(rows[1].samples_ms, [52.5, 50.25, 51.0]);

        // Written back: every recorded value in its place (rows drop their empty trace), plus ids.
        let written: serde_json::Value = serde_json::from_str(&history.to_json()).unwrap();
        let mut recorded: serde_json::Value = serde_json::from_str(recorded).unwrap();
        for entry in recorded["entries"].as_array_mut().unwrap() {
            let rows = entry.get_mut("record").and_then(|r| r.get_mut("rows"));
            if let Some(rows) = rows.and_then(|rows| rows.as_array_mut()) {
                for row in rows {
                    row.as_object_mut().unwrap().remove("trace");
                }
            }
        }
        let mut written_without_ids = written.clone();
        for entry in written_without_ids["entries"].as_array_mut().unwrap() {
            entry.as_object_mut().unwrap().remove("id");
        }
        assert_eq!(written_without_ids, recorded);
        assert_eq!(History::read(&history.to_json()).unwrap(), history);
    }

    #[test]
    fn entries_saved_in_the_same_millisecond_are_removed_one_at_a_time() {
        let mut history = History::new();
        let first = history.add(Entry::cpu(5.0, &report(), CpuSettings::default()));
        let second = history.add(Entry::cpu(5.0, &report(), CpuSettings::default()));
        assert_ne!(first, second);
        history.remove(first);
        assert_eq!(history.entries.len(), 1);
        assert!(history.find(second).is_some());
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
