use std::collections::BTreeMap;

use serde_json::Value;

use super::*;
use crate::engine::io::{IoModel, RequestRecord, Summary};
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::gil::{GilStats, Hold};
use crate::engine::run::trace::{ChunkTrip, TaskSpan};

pub(super) fn events(file: &Value) -> &Vec<Value> {
    file["traceEvents"]
        .as_array()
        .expect("traceEvents is a list")
}

/// A `ts` or `dur`: whole microseconds.
pub(super) fn us_of(v: &Value) -> i64 {
    v.as_i64().expect("a whole number of microseconds")
}

/// Asserts every track's complete events nest (a child within its parent, siblings apart) and
/// returns how many there were.
/// A complete event's start, end and name.
type Slice = (i64, i64, String);

pub(super) fn assert_nested(file: &Value) -> usize {
    let mut tracks: BTreeMap<(u64, u64), Vec<Slice>> = BTreeMap::new();
    for e in events(file).iter().filter(|e| e["ph"] == "X") {
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let start = us_of(&e["ts"]);
        let dur = us_of(&e["dur"]);
        assert!(dur >= 0, "{e}");
        tracks
            .entry(key)
            .or_default()
            .push((start, start + dur, e["name"].to_string()));
    }
    let mut count = 0;
    for (track, mut slices) in tracks {
        // Parents first: earlier start, then the longer.
        slices.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut open: Vec<Slice> = Vec::new();
        for slice in slices {
            let fits = |top: &Slice| top.0 <= slice.0 && slice.1 <= top.1;
            while open
                .last()
                .is_some_and(|top| !fits(top) && top.1 <= slice.0)
            {
                open.pop();
            }
            if let Some(top) = open.last() {
                assert!(
                    fits(top),
                    "on track {track:?}, {} ({}–{}) overlaps {} ({}–{}) without nesting",
                    slice.2,
                    slice.0,
                    slice.1,
                    top.2,
                    top.0,
                    top.1
                );
            }
            open.push(slice);
            count += 1;
        }
    }
    count
}

/// Total duration, in ms, of complete events called `name` on each tid of `pid`.
pub(super) fn totals(file: &Value, pid: u64, name: &str) -> BTreeMap<u64, f64> {
    let mut totals = BTreeMap::new();
    for e in events(file)
        .iter()
        .filter(|e| e["ph"] == "X" && e["pid"] == pid && e["name"] == name)
    {
        *totals.entry(e["tid"].as_u64().unwrap()).or_insert(0.0) +=
            e["dur"].as_f64().unwrap() / 1000.0;
    }
    totals
}

fn thread_names(file: &Value, pid: u64) -> Vec<String> {
    events(file)
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name" && e["pid"] == pid)
        .map(|e| e["args"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn span(task: usize, worker: usize, start_ms: f64, end_ms: f64) -> TaskSpan {
    TaskSpan {
        task,
        worker,
        start_ms,
        end_ms,
    }
}

/// Two GIL threads taking 5 ms turns over two 20 ms tasks each way: the picture issue 20 asks
/// a viewer to show.
fn alternating_gil_trace() -> Trace {
    let holds = (0..8)
        .map(|i| Hold {
            worker: i % 2,
            start_ms: 5.0 * i as f64,
            end_ms: 5.0 * (i + 1) as f64,
        })
        .collect();
    let gil = GilStats {
        handoffs: 7,
        wait_ms: 20.0,
        drop_requests: 7,
        holds,
        released_in_tasks: false,
    };
    let spans = vec![
        span(0, 0, 0.0, 20.0),
        span(1, 1, 0.0, 40.0),
        span(2, 0, 20.0, 35.0),
    ];
    Trace::new(2, MapStyle::Map, 1, 40.0, spans, Some(gil), None)
}

#[test]
fn a_gil_run_shows_one_track_per_thread_with_alternating_holds_inside_the_tasks() {
    let trace = alternating_gil_trace();
    let file = trace_file(
        "GIL",
        &[(
            "GIL threads k = 2".into(),
            Run::Cpu {
                model: Model::GilThreads,
                trace: &trace,
            },
        )],
    );
    assert_eq!(file["otherData"]["schema"], TRACE_SCHEMA);
    assert_eq!(thread_names(&file, 1), ["thread 0", "thread 1"]);
    // 3 tasks, 8 holds (none cut: the task on thread 0 ends at 20 ms, between holds), waits.
    assert!(assert_nested(&file) >= 11);
    let holds: Vec<(u64, i64, i64)> = events(&file)
        .iter()
        .filter(|e| e["name"] == "holds the GIL")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                us_of(&e["ts"]),
                us_of(&e["dur"]),
            )
        })
        .collect();
    assert_eq!(holds.len(), 8);
    let mut by_start = holds.clone();
    by_start.sort_by_key(|h| h.1);
    for (i, (tid, ts, dur)) in by_start.iter().enumerate() {
        assert_eq!(
            (*tid, *ts, *dur),
            ((i % 2) as u64 + 1, 5_000 * i as i64, 5_000),
            "hold {i}"
        );
    }
    // Holds add up to each thread's busy time; waits fill the rest of its tasks.
    let held = totals(&file, 1, "holds the GIL");
    let waited = totals(&file, 1, "waits for the GIL");
    for (worker, busy) in trace.busy_ms.iter().enumerate() {
        let tid = worker as u64 + 1;
        assert!(
            (held[&tid] - busy).abs() < 1e-6,
            "thread {worker}: {} vs {busy}",
            held[&tid]
        );
        let in_tasks: f64 = trace
            .tasks
            .iter()
            .filter(|t| t.worker == worker)
            .map(TaskSpan::duration_ms)
            .sum();
        assert!((held[&tid] + waited.get(&tid).copied().unwrap_or(0.0) - in_tasks).abs() < 1e-6);
    }
}

#[test]
fn a_hold_across_a_task_boundary_is_cut_there_and_keeps_its_total() {
    let gil = GilStats {
        holds: vec![Hold {
            worker: 0,
            start_ms: 1.0,
            end_ms: 9.0,
        }],
        ..GilStats::default()
    };
    let spans = vec![span(0, 0, 0.0, 4.0), span(1, 0, 5.0, 10.0)];
    let trace = Trace::new(1, MapStyle::Map, 1, 10.0, spans, Some(gil), None);
    let file = trace_file(
        "cut",
        &[(
            "k = 1".into(),
            Run::Cpu {
                model: Model::GilThreads,
                trace: &trace,
            },
        )],
    );
    assert_nested(&file);
    let held = totals(&file, 1, "holds the GIL");
    assert!((held[&1] - 8.0).abs() < 1e-9, "{held:?}");
    // Three pieces: in task 0, between the tasks, in task 1.
    let pieces = events(&file)
        .iter()
        .filter(|e| e["name"] == "holds the GIL")
        .count();
    assert_eq!(pieces, 3);
}

#[test]
fn tasks_that_let_go_of_the_gil_compute_between_the_holds() {
    // One thread holding the GIL only at each task's ends, as hashlib's callers do.
    let hold = |start_ms, end_ms| Hold {
        worker: 0,
        start_ms,
        end_ms,
    };
    let gil = GilStats {
        holds: vec![hold(0.0, 0.5), hold(4.5, 5.5), hold(9.5, 10.0)],
        released_in_tasks: true,
        ..GilStats::default()
    };
    let spans = vec![span(0, 0, 0.0, 5.0), span(1, 0, 5.0, 10.0)];
    let trace = Trace::new(1, MapStyle::Map, 1, 10.0, spans, Some(gil), None);
    // Computing is the time in tasks, not the time holding the GIL.
    assert!(
        (trace.busy_ms[0] - 10.0).abs() < 1e-9,
        "{:?}",
        trace.busy_ms
    );
    assert!(!trace.computes_holding_gil());
    let file = trace_file(
        "released",
        &[(
            "k = 1".into(),
            Run::Cpu {
                model: Model::GilThreads,
                trace: &trace,
            },
        )],
    );
    assert_nested(&file);
    let computing = totals(&file, 1, "computes, the GIL let go");
    assert!((computing[&1] - 8.0).abs() < 1e-9, "{computing:?}");
    assert!(totals(&file, 1, "waits for the GIL").is_empty());
}

#[test]
fn times_are_whole_microseconds() {
    let trace = Trace::new(
        1,
        MapStyle::Map,
        1,
        12.5,
        vec![span(0, 0, 0.25, 12.5)],
        None,
        None,
    );
    let file = trace_file(
        "units",
        &[(
            "seq".into(),
            Run::Cpu {
                model: Model::Sequential,
                trace: &trace,
            },
        )],
    );
    let task = events(&file)
        .iter()
        .find(|e| e["name"] == "task 0")
        .unwrap();
    assert_eq!(task["ts"], 250);
    assert_eq!(task["dur"], 12_250);
    assert_eq!(file["displayTimeUnit"], "ms");
}

#[test]
fn tasks_that_overlap_on_one_worker_go_out_as_async_slices() {
    let spans = vec![span(0, 0, 0.0, 10.0), span(1, 0, 5.0, 12.0)];
    let trace = Trace::new(1, MapStyle::Map, 1, 12.0, spans, None, None);
    let file = trace_file(
        "odd",
        &[(
            "odd".into(),
            Run::Cpu {
                model: Model::Async,
                trace: &trace,
            },
        )],
    );
    assert_eq!(assert_nested(&file), 1);
    let asyncs: Vec<&str> = events(&file)
        .iter()
        .filter(|e| e["cat"] == "task" && e["ph"] != "X")
        .map(|e| e["ph"].as_str().unwrap())
        .collect();
    assert_eq!(asyncs, ["b", "e"]);
}

#[test]
fn chunks_get_a_parent_track_and_an_arrow_each_way() {
    let mut trace = Trace::new(
        2,
        MapStyle::Map,
        2,
        30.0,
        vec![
            span(0, 0, 2.0, 8.0),
            span(1, 0, 8.0, 14.0),
            span(2, 1, 3.0, 20.0),
            span(3, 1, 20.0, 25.0),
        ],
        None,
        None,
    );
    let trip = |worker, first_task, sent_ms, back_ms| ChunkTrip {
        worker,
        first_task,
        tasks: 2,
        sent_ms,
        serialize_ms: 0.5,
        bytes_sent: 100,
        decode_ms: 1.0,
        back_ms: Some(back_ms),
        bytes_received: 40,
    };
    trace.chunks = vec![trip(0, 0, 0.0, 15.0), trip(1, 2, 0.5, 26.0)];
    // Pickled back to back at fractions of a microsecond: 36.6 + 1.7 ends at 38.3, the next
    // starts at 38.4. Rounded apart (37 + 2 = 39) the first would overlap the second (38).
    trace.chunks[0].sent_ms = 0.0366;
    trace.chunks[0].serialize_ms = 0.0017;
    trace.chunks[1].sent_ms = 0.0384;
    let file = trace_file(
        "p",
        &[(
            "Processes k = 2".into(),
            Run::Cpu {
                model: Model::Processes,
                trace: &trace,
            },
        )],
    );
    assert_nested(&file);
    assert_eq!(thread_names(&file, 1)[0], "parent (Pool.map's caller)");
    let named = |prefix: &str| {
        events(&file)
            .iter()
            .filter(|e| e["name"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert_eq!(named("pickle chunk"), 2);
    assert_eq!(named("unpickle chunk"), 2);
    assert_eq!(named("results of chunk"), 2);
    // Every arrow has one start on one track and one end on another.
    let mut arrows: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for e in events(&file)
        .iter()
        .filter(|e| e["ph"] == "s" || e["ph"] == "f")
    {
        arrows
            .entry(e["id"].as_str().unwrap().into())
            .or_default()
            .push((e["ph"].as_str().unwrap().into(), e["tid"].as_u64().unwrap()));
    }
    assert_eq!(arrows.len(), 4);
    assert_eq!(
        arrows["chunk-1-out"],
        [("s".to_string(), 0), ("f".to_string(), 2)]
    );
    assert_eq!(
        arrows["chunk-1-back"],
        [("s".to_string(), 2), ("f".to_string(), 0)]
    );
}

fn request(
    index: usize,
    started_ms: f64,
    first_byte_ms: Option<f64>,
    finished_ms: f64,
) -> RequestRecord {
    RequestRecord {
        index,
        url: format!("/api/{index}"),
        worker: index % 2,
        started_ms,
        first_byte_ms,
        finished_ms,
        status: Some(200),
        bytes: 512,
        ..RequestRecord::default()
    }
}

#[test]
fn each_request_is_an_async_slice_with_its_phases_in_order() {
    let run = IoRun {
        blocked: None,
        model: IoModel::Bounded,
        workers: 2,
        requests: vec![
            request(0, 0.0, Some(60.0), 100.0),
            request(1, 0.0, None, 100.0),
            request(2, 100.0, Some(150.0), 210.0),
        ],
        summary: Summary::default(),
        ideal_ms: None,
        scan: None,
        memory: None,
        notes: vec![],
    };
    let file = trace_file("io", &[("Bounded k = 2".into(), Run::Io(&run))]);
    let mut by_id: BTreeMap<String, Vec<(String, String, i64)>> = BTreeMap::new();
    for e in events(&file)
        .iter()
        .filter(|e| e["ph"] == "b" || e["ph"] == "e")
    {
        by_id
            .entry(e["id"].as_str().unwrap().into())
            .or_default()
            .push((
                e["ph"].as_str().unwrap().into(),
                e["name"].as_str().unwrap().into(),
                us_of(&e["ts"]),
            ));
    }
    assert_eq!(by_id.len(), 3);
    for (id, seq) in &by_id {
        // Balanced like brackets, each end naming what it closes, in time order.
        let mut open = Vec::new();
        for (ph, name, _) in seq {
            if ph == "b" {
                open.push(name.clone());
            } else {
                assert_eq!(open.pop().as_ref(), Some(name), "{id}");
            }
        }
        assert!(open.is_empty(), "{id}");
        assert!(seq.windows(2).all(|w| w[0].2 <= w[1].2), "{id}: {seq:?}");
    }
    let phases = |id: &str| {
        by_id[id]
            .iter()
            .filter(|e| e.0 == "b")
            .skip(1)
            .map(|e| e.1.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        phases("request-0"),
        ["waiting for the first byte", "reading the body"]
    );
    assert_eq!(phases("request-1"), ["in flight"]);
    assert_eq!(
        phases("request-2"),
        ["queued", "waiting for the first byte", "reading the body"]
    );
}

#[test]
fn a_sweep_exports_the_rows_that_kept_a_trace_each_as_a_process() {
    use crate::engine::experiment::{Report, Row};
    use crate::engine::workload::Checksum;
    let mut report = Report::new("count");
    let mut traced = Row::from_samples(Model::GilThreads, 2, &[40.0], Checksum(7)).unwrap();
    traced.trace = Some(Box::new(alternating_gil_trace()));
    report.push(traced);
    // A row restored from history has no trace.
    report.push(Row::from_samples(Model::FreeThreads, 2, &[20.0], Checksum(7)).unwrap());
    let runs = sweep_runs(&report);
    assert_eq!(runs.len(), 1);
    assert!(runs[0].0.starts_with("GIL threads k = 2"), "{}", runs[0].0);
    let file = trace_file("count", &runs);
    let processes: Vec<&str> = events(&file)
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(processes.len(), 1);
    assert_eq!(file["otherData"]["runs"], 1);
}
