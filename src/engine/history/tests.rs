use super::*;
use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment::{Report, Row};
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;
use crate::engine::io::{IoModel, RequestRecord, Summary as IoSummary};
use crate::engine::run::models::Model;
use crate::engine::workload::Checksum;

fn report() -> Report {
    let mut report = Report::new("count");
    report
        .push(Row::from_samples(Model::Sequential, 1, &[100.0, 110.0, 90.0], Checksum(3)).unwrap());
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
    // An entry it cannot read is kept as it was, with why.
    let stored = History::read("{\"version\":1,\"entries\":[{\"saved_ms\":1}]}").unwrap();
    assert!(stored.entries.is_empty());
    assert!(
        stored.kept[0].why.starts_with("entry 1 holds"),
        "{:?}",
        stored.kept
    );
    assert_eq!(stored.kept[0].text, "{\"saved_ms\":1}");
    let later = History::read("{\"version\":2,\"entries\":[]}").unwrap_err();
    assert_eq!(
        later,
        "the saved history is version 2, this page reads version 1"
    );
}

/// Three runs, the middle one as a newer release would save it: a record this page does not
/// know, its fields in that release's order, spaced as it writes them. The stored JSON, and
/// that entry's text.
fn with_a_newer_releases_entry() -> (String, String) {
    let text = |ms: f64, id: u64| {
        let entry = Entry {
            id,
            ..Entry::cpu(ms, &report(), CpuSettings::default())
        };
        serde_json::to_string(&v1::EntryV1::from(&entry)).unwrap()
    };
    let newer = r#"{"title": "B's run", "saved_ms": 2.0, "id": 424242, "record": {"kind": "gpu", "shaders": [1, 2]}}"#;
    let stored = format!(
        "{{\"version\":1,\"entries\":[{},{newer},{}]}}",
        text(3.0, 30),
        text(1.0, 10)
    );
    (stored, newer.to_string())
}

#[test]
fn an_entry_this_page_cannot_read_is_kept_in_place_byte_for_byte() {
    let (stored, newer) = with_a_newer_releases_entry();
    let mut history = History::read(&stored).unwrap();
    assert_eq!(
        history
            .entries
            .iter()
            .map(|e| e.saved_ms)
            .collect::<Vec<_>>(),
        [3.0, 1.0]
    );
    assert_eq!(history.kept.len(), 1);
    assert!(history.kept[0].why.contains("gpu"), "{:?}", history.kept);
    assert_eq!(
        (history.kept[0].id, history.kept[0].title.as_str()),
        (424242, "B's run")
    );
    // Read and written back unchanged; through a save, still there, in its place by age.
    assert_eq!(history.to_json(), stored);
    history.apply(Change::Add(Box::new(Entry::cpu(
        4.0,
        &report(),
        CpuSettings::default(),
    ))));
    let json = history.to_json();
    assert!(json.contains(&format!("}},{newer},{{")), "{json}");
    let saved = History::read(&json).unwrap();
    assert_eq!(saved.entries.len(), 3);
    assert_eq!(saved.kept[0].text, newer);
    // A readable entry never takes its id.
    let (id, _) = history.add(Entry {
        id: 424242,
        ..Entry::cpu(5.0, &report(), CpuSettings::default())
    });
    assert_ne!(id, 424242);
}

#[test]
fn histories_merge_by_id_newest_first_without_doubles() {
    let (stored, _) = with_a_newer_releases_entry();
    let mut main = History::read(&stored).unwrap();
    // What an older release once copied aside: the same three, and one run only it has.
    let mut aside = History::read(&stored).unwrap();
    aside.add(Entry {
        id: 77,
        title: "only aside".into(),
        ..Entry::cpu(2.5, &report(), CpuSettings::default())
    });
    let merged = main.merge(aside.clone());
    assert_eq!(merged.added, 1);
    assert_eq!(merged.dropped, Dropped::default());
    let order: Vec<f64> = History::read(&main.to_json())
        .unwrap()
        .entries
        .iter()
        .map(|e| e.saved_ms)
        .collect();
    assert_eq!(order, [3.0, 2.5, 1.0]);
    assert_eq!(main.kept.len(), 1);
    // Merging again adds nothing.
    assert_eq!(main.merge(aside).added, 0);
}

#[test]
fn the_size_budget_drops_the_oldest_and_names_them() {
    let mut history = History::new();
    let big = |ms: f64, title: &str| {
        let mut entry = Entry::cpu(ms, &report(), CpuSettings::default());
        entry.title = format!("{title} {}", "x".repeat(MAX_CHARS / 5));
        entry
    };
    for i in 0..4 {
        assert_eq!(
            history.apply(Change::Add(Box::new(big(i as f64, "run")))),
            None
        );
    }
    let said = history
        .apply(Change::Add(Box::new(big(9.0, "newest"))))
        .unwrap();
    assert!(
        said.starts_with("The history keeps at most 2 MB of runs: \u{201c}run "),
        "{said}"
    );
    assert!(history.to_json().len() <= MAX_CHARS);
    assert_eq!(history.entries[0].saved_ms, 9.0);
    assert_eq!(history.entries.last().unwrap().saved_ms, 1.0);
    // An entry alone over the budget is still kept: it is the run just finished.
    let mut alone = History::new();
    let mut huge = big(1.0, "huge");
    huge.title.push_str(&"y".repeat(MAX_CHARS));
    alone.apply(Change::Add(Box::new(huge)));
    assert_eq!(alone.entries.len(), 1);
}

#[test]
fn two_tabs_applying_changes_to_what_is_stored_keep_both() {
    // Each tab applies its change to the stored history read afresh, as the shell does.
    let save = |stored: &str, change: Change| {
        let mut history = History::read(stored).unwrap();
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
    let both = History::read(&after_b).unwrap();
    assert_eq!(
        both.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        [2_000_222, 1_000_111]
    );
    // A deletion in one tab is not undone by the other's next save.
    let after_delete = save(&after_b, Change::Remove(1_000_111));
    let after_c = save(&after_delete, Change::Add(Box::new(entry(12.0, 3_000_333))));
    let ids: Vec<u64> = History::read(&after_c)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [3_000_333, 2_000_222]);
    // An id already taken is replaced rather than shared.
    let mut history = History::read(&after_c).unwrap();
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
        blocked: None,
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

#[test]
fn a_python_run_round_trips_without_its_spans_and_is_titled_by_its_function() {
    use crate::engine::python::measured::{ModelRow, Outcome, PyModel, PythonRun, Span, Start};
    use crate::engine::python::settings::PythonSettings;
    let outcome = Outcome {
        count: 8,
        preview: "[0, 0]".into(),
        fingerprint: "abc".into(),
    };
    let row = |model, wall_ms: Vec<f64>| ModelRow {
        model,
        wall_ms,
        outcome: Some(outcome.clone()),
        bytes_copied: 472,
    };
    let run = PythonRun {
        workers: 2,
        chunksize: 1,
        tasks: 8,
        is_async: false,
        rows: vec![
            row(PyModel::Sequential, vec![1000.0, 1100.0]),
            row(PyModel::Pool, vec![550.0, 600.0]),
        ],
        starts: vec![Start {
            ms: 4100.0,
            from_module: false,
        }],
        spans: vec![Span {
            interpreter: 0,
            chunk: 0,
            start_ms: 0.0,
            end_ms: 1.0,
        }],
    };
    let settings = PythonSettings::default();
    let mut history = History::new();
    history.add(Entry::python(5.0, &settings, &run));
    let back = History::read(&history.to_json()).unwrap();
    assert_eq!(back, history);
    let Record::Python {
        settings: kept,
        run: kept_run,
    } = &back.entries[0].record
    else {
        panic!("a Python entry");
    };
    assert_eq!(kept, &settings);
    assert!(kept_run.spans.is_empty());
    assert_eq!(kept_run.rows, run.rows);
    assert_eq!(
        back.entries[0].title,
        "Python: def work(n) over 8 inputs, 2 interpreters, pool 1.83\u{d7}"
    );
    assert!(history.to_json().contains(r#""kind":"python""#));
}

/// Records are read by hand (`RecordV1`'s Deserialize): fields it does not know are passed
/// over, and a record missing a part is kept with the part named, never dropped.
#[test]
fn a_record_missing_a_part_is_kept_with_the_part_named() {
    let mut history = History::new();
    history.add(Entry::cpu(5.0, &report(), CpuSettings::default()));
    let mut stored: serde_json::Value = serde_json::from_str(&history.to_json()).unwrap();
    stored["entries"][0]["record"]["added_later"] = serde_json::json!([1, 2]);
    assert_eq!(History::read(&stored.to_string()).unwrap(), history);

    stored["entries"][0]["record"]
        .as_object_mut()
        .unwrap()
        .remove("rows");
    let kept = History::read(&stored.to_string()).unwrap();
    assert!(kept.entries.is_empty());
    assert!(kept.kept[0].why.contains("rows"), "{:?}", kept.kept);
    assert!(kept.kept[0].text.contains(r#""kind":"cpu""#));
}
