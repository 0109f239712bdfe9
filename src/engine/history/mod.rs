//! Past runs kept in the visitor's browser: what was asked and what it measured, newest first.
//! The browser shell stores the JSON in localStorage; reading it back never fails loudly: what
//! cannot be read is reported and set aside, never silently overwritten, and one entry this
//! page cannot read costs only that entry ([`History::read`]). What is stored is [`v1`]'s
//! format, field by field, not the serde shape of these types.
//!
//! Several tabs share one stored history: each change ([`Change`]) is applied to what is stored
//! at that moment, read afresh, never to a tab's own older copy, so one tab's save cannot undo
//! another's. Entries carry ids unique across tabs (the shell draws them), and the cap of
//! [`MAX_ENTRIES`] drops the oldest with a message naming them ([`History::apply`]).

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

/// What was stored, read: the entries this page can read, and why each other one could not be.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub history: History,
    /// One reason per entry left out; the shell keeps the stored JSON aside before it is
    /// written over.
    pub unreadable: Vec<String>,
}

/// A change a tab makes to the stored history.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A finished run. An id of 0 (or one already taken) is replaced by a fresh one.
    Add(Box<Entry>),
    /// The entry with this id.
    Remove(u64),
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

    /// Reads stored JSON: every entry this page can read, and why each other one could not be
    /// read. Err (with why) only when none of it is a history of this version. Entries saved
    /// before ids existed (or sharing one) are numbered afresh.
    pub fn read(json: &str) -> Result<Stored, String> {
        #[derive(serde::Deserialize)]
        struct Outline {
            version: u32,
            entries: Vec<serde_json::Value>,
        }
        let outline: Outline = serde_json::from_str(json)
            .map_err(|e| format!("the saved history could not be read ({e})"))?;
        if outline.version != VERSION {
            return Err(format!(
                "the saved history is version {}, this page reads version {VERSION}",
                outline.version
            ));
        }
        let mut entries = Vec::with_capacity(outline.entries.len());
        let mut unreadable = Vec::new();
        for (i, value) in outline.entries.into_iter().enumerate() {
            let entry = serde_json::from_value::<v1::EntryV1>(value)
                .map_err(|e| e.to_string())
                .and_then(|stored| stored.to_entry());
            match entry {
                Ok(entry) => entries.push(entry),
                Err(why) => unreadable.push(format!("entry {} holds {why}", i + 1)),
            }
        }
        let mut history = History {
            version: VERSION,
            entries,
        };
        history.number_afresh_if_needed();
        Ok(Stored {
            history,
            unreadable,
        })
    }

    /// Applies `change` (to what is stored right now). Returns the message to show, if any:
    /// what the cap dropped to make room.
    pub fn apply(&mut self, change: Change) -> Option<String> {
        match change {
            Change::Add(entry) => {
                let dropped = self.add(*entry).1;
                let (first, more) = dropped.split_first()?;
                Some(format!(
                    "The history keeps the {MAX_ENTRIES} newest runs: \u{201c}{}\u{201d}{} made \
                     room for this one.",
                    first.title,
                    match more.len() {
                        0 => String::new(),
                        n => format!(" and {n} older ones"),
                    }
                ))
            }
            Change::Remove(id) => {
                self.remove(id);
                None
            }
        }
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

    /// Adds `entry` first, keeping its id if it has one no other entry has (the shell draws
    /// ids unique across tabs), else giving it a new one; drops the oldest beyond
    /// [`MAX_ENTRIES`]. Returns the id and what was dropped, newest first.
    pub fn add(&mut self, mut entry: Entry) -> (u64, Vec<Entry>) {
        if entry.id == 0 || self.find(entry.id).is_some() {
            entry.id = self.next_id();
        }
        let id = entry.id;
        self.entries.insert(0, entry);
        let dropped = self.entries.split_off(self.entries.len().min(MAX_ENTRIES));
        (id, dropped)
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
        let back = History::read(&history.to_json()).unwrap().history;
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
        let history = History::read(recorded).unwrap().history;
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
        assert_eq!(History::read(&history.to_json()).unwrap().history, history);
    }

    #[test]
    fn entries_saved_in_the_same_millisecond_are_removed_one_at_a_time() {
        let mut history = History::new();
        let first = history
            .add(Entry::cpu(5.0, &report(), CpuSettings::default()))
            .0;
        let second = history
            .add(Entry::cpu(5.0, &report(), CpuSettings::default()))
            .0;
        assert_ne!(first, second);
        history.remove(first);
        assert_eq!(history.entries.len(), 1);
        assert!(history.find(second).is_some());
    }

    #[test]
    fn unreadable_or_foreign_history_is_reported_not_guessed() {
        assert!(History::read("").unwrap_err().contains("could not be read"));
        // An entry it cannot read costs only that entry.
        let stored = History::read("{\"version\":1,\"entries\":[{\"saved_ms\":1}]}").unwrap();
        assert!(stored.history.entries.is_empty());
        assert!(
            stored.unreadable[0].starts_with("entry 1 holds"),
            "{:?}",
            stored.unreadable
        );
        let later = History::read("{\"version\":2,\"entries\":[]}").unwrap_err();
        assert_eq!(
            later,
            "the saved history is version 2, this page reads version 1"
        );
    }

    #[test]
    fn one_unreadable_entry_costs_only_itself() {
        let mut history = History::new();
        history.add(Entry::cpu(1.0, &report(), CpuSettings::default()));
        history.add(Entry::cpu(2.0, &report(), CpuSettings::default()));
        history.add(Entry::cpu(3.0, &report(), CpuSettings::default()));
        let mut json: serde_json::Value = serde_json::from_str(&history.to_json()).unwrap();
        // A later page's model name in the middle entry.
        json["entries"][1]["record"]["rows"][0]["model"] = "green-threads".into();
        let stored = History::read(&json.to_string()).unwrap();
        assert_eq!(stored.history.entries.len(), 2);
        assert_eq!(
            stored
                .history
                .entries
                .iter()
                .map(|e| e.saved_ms)
                .collect::<Vec<_>>(),
            [3.0, 1.0]
        );
        assert_eq!(stored.unreadable.len(), 1);
        assert!(
            stored.unreadable[0].contains("green-threads"),
            "{:?}",
            stored.unreadable
        );
    }

    #[test]
    fn two_tabs_applying_changes_to_what_is_stored_keep_both() {
        // Each tab applies its change to the stored history read afresh, as the shell does.
        let save = |stored: &str, change: Change| {
            let mut history = History::read(stored).unwrap().history;
            history.apply(change);
            history.to_json()
        };
        let empty = History::new().to_json();
        let entry = |ms: f64, id: u64| Entry {
            id,
            ..Entry::cpu(ms, &report(), CpuSettings::default())
        };
        // Both tabs were opened on the empty history; each saves one run, with its own id.
        let after_a = save(&empty, Change::Add(Box::new(entry(10.0, 1_000_111))));
        let after_b = save(&after_a, Change::Add(Box::new(entry(11.0, 2_000_222))));
        let both = History::read(&after_b).unwrap().history;
        assert_eq!(
            both.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
            [2_000_222, 1_000_111]
        );
        // A deletion in one tab is not undone by the other's next save.
        let after_delete = save(&after_b, Change::Remove(1_000_111));
        let after_c = save(&after_delete, Change::Add(Box::new(entry(12.0, 3_000_333))));
        let ids: Vec<u64> = History::read(&after_c)
            .unwrap()
            .history
            .entries
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [3_000_333, 2_000_222]);
        // An id already taken is replaced rather than shared.
        let mut history = History::read(&after_c).unwrap().history;
        let (id, _) = history.add(entry(13.0, 3_000_333));
        assert_ne!(id, 3_000_333);
    }

    #[test]
    fn the_cap_names_what_it_dropped() {
        let mut history = History::new();
        for i in 0..MAX_ENTRIES {
            let mut entry = Entry::cpu(i as f64, &report(), CpuSettings::default());
            entry.title = format!("run {i}");
            assert_eq!(history.apply(Change::Add(Box::new(entry))), None);
        }
        let said = history
            .apply(Change::Add(Box::new(Entry::cpu(
                99.0,
                &report(),
                CpuSettings::default(),
            ))))
            .unwrap();
        assert_eq!(
            said,
            format!("The history keeps the {MAX_ENTRIES} newest runs: \u{201c}run 0\u{201d} made room for this one.")
        );
        // A longer history (saved by a page with another cap) loses its oldest, counted.
        let mut long = History::new();
        long.entries = (0..40)
            .map(|i| Entry {
                id: i + 1,
                title: format!("run {i}"),
                ..Entry::cpu(i as f64, &report(), CpuSettings::default())
            })
            .rev()
            .collect();
        let said = long
            .apply(Change::Add(Box::new(Entry::cpu(
                99.0,
                &report(),
                CpuSettings::default(),
            ))))
            .unwrap();
        assert!(
            said.contains("\u{201c}run 10\u{201d} and 10 older ones"),
            "{said}"
        );
        assert_eq!(long.entries.len(), MAX_ENTRIES);
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
