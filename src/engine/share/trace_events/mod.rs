//! Runs as Chrome Trace Event JSON, the format ui.perfetto.dev, `chrome://tracing` and
//! speedscope all open: a student takes what Overlap measured into the profilers professionals
//! use.
//!
//! # Design
//!
//! One file holds one or more runs (a sweep's rows, a lesson's steps); each run is a *process*
//! in the viewer (`pid` 1, 2, …, in the order given), named by its label. Inside a CPU run:
//!
//! - every worker is a *thread* (`tid` = worker + 1) whose tasks are complete events (`"X"`);
//! - under a GIL, each stretch a thread held the GIL is a child of the task it ran in
//!   (`holds the GIL`), and the rest of the task is `waits for the GIL`: a hold that runs across
//!   a task's end is cut there, so the holds still add up to the thread's busy time;
//! - with worker processes, `tid` 0 is the parent: each chunk's pickling is a slice there, with
//!   a flow arrow to the worker's unpickling and another from the chunk's last task back to the
//!   moment its results arrived.
//!
//! Events on one track must nest or Perfetto drops them (google/perfetto#4280): a task that
//! overlaps the previous one on its worker (which no model should produce) goes out as an async
//! slice instead. An I/O run's requests overlap by nature, so each is an async slice (`"b"`/`"e"`)
//! from queued to done, with its phases nested inside in time order.
//!
//! Times are whole microseconds from the start of each run (browsers' timers are coarser still):
//! whole numbers add up exactly, so a child that ends when its parent does still ends there in
//! a viewer that computes `ts + dur` (speedscope does, and with fractions it saw children
//! outlive their parents). Every worker of a run reads one clock (`performance.timeOrigin +
//! now()` in the browser), so their tracks line up.
//! docs/formats.md documents the schema.

use serde_json::{json, Map, Value};

use crate::engine::experiment::Report;
use crate::engine::io::settings::Choice;
use crate::engine::io::IoRun;
use crate::engine::lessons::{Outcome, Probe, Step};
use crate::engine::run::models::Model;
use crate::engine::run::trace::Trace;

/// `otherData.schema` of every file this writes.
pub const TRACE_SCHEMA: &str = "overlap.trace.v1";

/// The one line the page shows beside the download button: a page served with
/// `Cross-Origin-Opener-Policy: same-origin` cannot post a trace into ui.perfetto.dev's window.
pub const WHERE_TO_OPEN: &str = "Drop the file on ui.perfetto.dev (or chrome://tracing → Load, or speedscope.app): nothing is uploaded.";

/// One run to put in a trace file.
#[derive(Clone, Copy, Debug)]
pub enum Run<'a> {
    Cpu { model: Model, trace: &'a Trace },
    Io(&'a IoRun),
}

/// The file for `runs`, each with its label, under `title`.
pub fn trace_file(title: &str, runs: &[(String, Run<'_>)]) -> Value {
    let mut events = Vec::new();
    for (i, (label, run)) in runs.iter().enumerate() {
        let pid = i + 1;
        events.push(meta("process_name", pid, 0, json!({ "name": label })));
        events.push(meta(
            "process_sort_index",
            pid,
            0,
            json!({ "sort_index": i }),
        ));
        match run {
            Run::Cpu { model, trace } => cpu_events(&mut events, pid, *model, trace),
            Run::Io(run) => io_events(&mut events, pid, run),
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "schema": TRACE_SCHEMA, "title": title, "runs": runs.len() },
    })
}

/// A sweep's runs: every row that kept its median round's trace (rows restored from history
/// have none), labelled as the results table names them.
pub fn sweep_runs(report: &Report) -> Vec<(String, Run<'_>)> {
    report
        .rows()
        .iter()
        .filter_map(|row| {
            let trace = row.trace.as_deref()?;
            let label = format!(
                "{} k = {} (median of {} rounds: {:.1} ms)",
                row.model, row.threads, row.summary.repeats, row.summary.median
            );
            Some((
                label,
                Run::Cpu {
                    model: row.model,
                    trace,
                },
            ))
        })
        .collect()
}

/// A lesson's measured steps that have a timeline (CPU runs and I/O runs, not the shared-state
/// demos), under their labels; `steps` says which model each CPU step ran.
pub fn lesson_runs<'a>(
    steps: &[Step],
    measured: &'a [(String, impl AsRef<Outcome>)],
) -> Vec<(String, Run<'a>)> {
    measured
        .iter()
        .filter_map(|(label, outcome)| match outcome.as_ref() {
            Outcome::Cpu { trace, .. } => {
                let model =
                    steps
                        .iter()
                        .find(|s| s.label == *label)
                        .and_then(|s| match &s.probe {
                            Probe::Cpu(request) => Some(request.run.model),
                            _ => None,
                        })?;
                Some((label.clone(), Run::Cpu { model, trace }))
            }
            Outcome::Io(run) => Some((label.clone(), Run::Io(run))),
            Outcome::Shared(_) => None,
        })
        .collect()
}

/// The I/O lab's runs, labelled as its model list names them.
pub fn io_runs<'a>(runs: impl IntoIterator<Item = &'a IoRun>) -> Vec<(String, Run<'a>)> {
    runs.into_iter()
        .map(|run| {
            let label = format!(
                "{} (k = {}, {} requests: {:.0} ms)",
                Choice::of_run(run).label(),
                run.workers,
                run.requests.len(),
                run.summary.wall_ms
            );
            (label, Run::Io(run))
        })
        .collect()
}

/// Milliseconds as whole microseconds, the format's unit.
fn us(ms: f64) -> i64 {
    if ms.is_finite() {
        (ms * 1e3).round() as i64
    } else {
        0
    }
}

fn meta(name: &str, pid: usize, tid: usize, args: Value) -> Value {
    json!({ "ph": "M", "name": name, "pid": pid, "tid": tid, "args": args })
}

/// A complete event from `start` to `end` (µs), with `extra` fields merged in.
fn slice(name: &str, cat: &str, at: (usize, usize), span: (i64, i64), extra: Value) -> Value {
    let (pid, tid) = at;
    let (start, end) = span;
    let mut event = json!({
        "ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid,
        "ts": start, "dur": (end - start).max(0),
    });
    merge(&mut event, extra);
    event
}

/// A nestable async event (`"b"` or `"e"`); events of one `id` nest in the order written.
fn async_event(ph: &str, name: &str, cat: &str, at: (usize, usize), id: &str, ts: i64) -> Value {
    let (pid, tid) = at;
    json!({ "ph": ph, "name": name, "cat": cat, "pid": pid, "tid": tid, "id": id, "ts": ts })
}

/// A flow arrow's end (`"s"` or `"f"`), bound to the slice that encloses `ts` on its track.
fn flow(ph: &str, id: &str, at: (usize, usize), ts: i64) -> Value {
    let (pid, tid) = at;
    let mut event = json!({
        "ph": ph, "name": "copy", "cat": "copy", "id": id, "pid": pid, "tid": tid, "ts": ts,
    });
    if ph == "f" {
        event["bp"] = json!("e");
    }
    event
}

fn merge(event: &mut Value, extra: Value) {
    if let (Value::Object(event), Value::Object(extra)) = (event, extra) {
        event.extend(extra);
    }
}

fn worker_name(model: Model, worker: usize) -> String {
    match model {
        Model::Sequential => "the main thread".to_string(),
        Model::GilThreads | Model::FreeThreads => format!("thread {worker}"),
        Model::Processes => format!("worker process {worker}"),
        Model::Async => format!("coroutine {worker}"),
    }
}

fn cpu_events(events: &mut Vec<Value>, pid: usize, model: Model, trace: &Trace) {
    let workers = trace
        .tasks
        .iter()
        .map(|t| t.worker + 1)
        .max()
        .unwrap_or(0)
        .max(trace.workers);
    if !trace.chunks.is_empty() {
        events.push(meta(
            "thread_name",
            pid,
            0,
            json!({ "name": "parent (Pool.map's caller)" }),
        ));
    }
    for worker in 0..workers {
        let name = worker_name(model, worker);
        events.push(meta(
            "thread_name",
            pid,
            worker + 1,
            json!({ "name": name }),
        ));
        events.push(meta(
            "thread_sort_index",
            pid,
            worker + 1,
            json!({ "sort_index": worker + 1 }),
        ));
    }
    // Each worker's tasks in time order; those that nest go out as complete events.
    let mut nested: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); workers];
    let mut by_worker: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); workers];
    for t in &trace.tasks {
        by_worker[t.worker].push((us(t.start_ms), us(t.end_ms).max(us(t.start_ms)), t.task));
    }
    for (worker, tasks) in by_worker.iter_mut().enumerate() {
        tasks.sort_unstable();
        let at = (pid, worker + 1);
        let mut last_end = i64::MIN;
        for &(start, end, task) in tasks.iter() {
            let name = format!("task {task}");
            if start < last_end {
                let id = format!("task-{task}");
                events.push(async_event("b", &name, "task", at, &id, start));
                events.push(async_event("e", &name, "task", at, &id, end));
            } else {
                events.push(slice(
                    &name,
                    "task",
                    at,
                    (start, end),
                    json!({ "args": { "task": task } }),
                ));
                nested[worker].push((start, end, task));
                last_end = end;
            }
        }
    }
    if let Some(gil) = &trace.gil {
        gil_events(events, pid, &nested, gil);
    }
    for (i, trip) in trace.chunks.iter().enumerate() {
        let parent = (pid, 0);
        let sent = us(trip.sent_ms);
        // The end rounded from its own time, not as start + rounded length: two roundings can
        // push it past the next chunk's start (a failing CI run showed 36–38 and 37–95 µs).
        let pickled = us(trip.sent_ms + trip.serialize_ms.max(0.0)).max(sent);
        let tasks = format!(
            "tasks {}–{}",
            trip.first_task,
            trip.first_task + trip.tasks.max(1) - 1
        );
        let out = format!("chunk-{i}-out");
        events.push(slice(
            &format!("pickle chunk {i} ({tasks})"),
            "copy",
            parent,
            (sent, pickled),
            json!({ "args": { "bytes": trip.bytes_sent, "worker": trip.worker } }),
        ));
        events.push(flow("s", &out, parent, (sent + pickled) / 2));
        let Some(mine) = nested.get(trip.worker) else {
            continue;
        };
        let worker = (pid, trip.worker + 1);
        let first = mine.iter().find(|t| t.2 == trip.first_task);
        let last = mine
            .iter()
            .find(|t| t.2 + 1 == trip.first_task + trip.tasks.max(1));
        if let Some(&(first_start, _, _)) = first {
            // The worker read the arguments just before the chunk's first task, after whatever
            // it ran before.
            let before = mine
                .iter()
                .filter(|t| t.1 <= first_start)
                .map(|t| t.1)
                .max()
                .unwrap_or(i64::MIN);
            let start = (first_start - us(trip.decode_ms).max(0)).max(before);
            events.push(slice(
                &format!("unpickle chunk {i}"),
                "copy",
                worker,
                (start, first_start),
                json!({ "args": { "bytes": trip.bytes_sent } }),
            ));
            events.push(flow("f", &out, worker, (start + first_start) / 2));
        }
        if let (Some(&(last_start, last_end, _)), Some(back_ms)) = (last, trip.back_ms) {
            let back = format!("chunk-{i}-back");
            let arrived = us(back_ms).max(last_end);
            events.push(flow("s", &back, worker, (last_start + last_end) / 2));
            events.push(slice(
                &format!("results of chunk {i} arrive"),
                "copy",
                parent,
                (arrived, arrived),
                json!({ "args": { "bytes": trip.bytes_received } }),
            ));
            events.push(flow("f", &back, parent, arrived));
        }
    }
}

/// GIL holds cut at task boundaries (so they nest in their task), and each task's time not
/// holding it as waits.
fn gil_events(
    events: &mut Vec<Value>,
    pid: usize,
    tasks: &[Vec<(i64, i64, usize)>],
    gil: &crate::engine::run::gil::GilStats,
) {
    let mut inside: Vec<Vec<(i64, i64)>> = vec![Vec::new(); tasks.len()];
    // Inside a task, between holds, a thread waits for its turn; unless its tasks let go of the
    // GIL to compute, as hashlib does.
    let between_holds = if gil.released_in_tasks {
        "computes, the GIL let go"
    } else {
        "waits for the GIL"
    };
    for hold in &gil.holds {
        let Some(mine) = tasks.get(hold.worker) else {
            continue;
        };
        let at = (pid, hold.worker + 1);
        let (start, end) = (us(hold.start_ms), us(hold.end_ms));
        let mut cursor = start;
        let piece = |from: i64, to: i64, events: &mut Vec<Value>| {
            if to > from {
                events.push(slice("holds the GIL", "gil", at, (from, to), json!({})));
            }
        };
        for &(task_start, task_end, _) in mine.iter().filter(|t| t.1 > start && t.0 < end) {
            piece(cursor, task_start.min(end), events);
            let (from, to) = (cursor.max(task_start), task_end.min(end));
            piece(from, to, events);
            if to > from {
                inside[hold.worker].push((from, to));
            }
            cursor = to.max(cursor);
        }
        piece(cursor, end, events);
    }
    for (worker, mine) in tasks.iter().enumerate() {
        let at = (pid, worker + 1);
        let holds = &mut inside[worker];
        holds.sort_unstable();
        for &(task_start, task_end, _) in mine {
            let mut cursor = task_start;
            for &(from, to) in holds
                .iter()
                .filter(|h| h.0 >= task_start && h.1 <= task_end)
            {
                if from > cursor {
                    events.push(slice(between_holds, "gil", at, (cursor, from), json!({})));
                }
                cursor = cursor.max(to);
            }
            if task_end > cursor {
                events.push(slice(
                    between_holds,
                    "gil",
                    at,
                    (cursor, task_end),
                    json!({}),
                ));
            }
        }
    }
}

fn io_events(events: &mut Vec<Value>, pid: usize, run: &IoRun) {
    let main = (pid, 0);
    events.push(meta("thread_name", pid, 0, json!({ "name": "requests" })));
    for r in &run.requests {
        let id = format!("request-{}", r.index);
        let queued = us(r.queued_ms);
        let started = us(r.started_ms).max(queued);
        let finished = us(r.finished_ms).max(started);
        let name = format!("request {}: {}", r.index, r.url);
        let mut begin = async_event("b", &name, "request", main, &id, queued);
        let mut args = Map::new();
        args.insert("worker".into(), json!(r.worker));
        args.insert("bytes".into(), json!(r.bytes));
        if let Some(status) = r.status {
            args.insert("status".into(), json!(status));
        }
        if let Some(error) = &r.error {
            args.insert("error".into(), json!(error));
        }
        if let Some(protocol) = &r.protocol {
            args.insert("protocol".into(), json!(protocol));
        }
        if let Some(scan_ms) = r.scan_ms {
            args.insert("scan_ms".into(), json!(scan_ms));
        }
        begin["args"] = Value::Object(args);
        events.push(begin);
        let mut phases = vec![("queued", queued, started)];
        match r.first_byte_ms.map(us) {
            Some(first) => {
                let first = first.clamp(started, finished);
                phases.push(("waiting for the first byte", started, first));
                phases.push(("reading the body", first, finished));
            }
            None => phases.push(("in flight", started, finished)),
        }
        for (phase, from, to) in phases.into_iter().filter(|p| p.2 > p.1) {
            events.push(async_event("b", phase, "request", main, &id, from));
            events.push(async_event("e", phase, "request", main, &id, to));
        }
        events.push(async_event("e", &name, "request", main, &id, finished));
    }
    if let Some(scan) = &run.scan {
        let start = us(scan.fetch_ms);
        events.push(slice(
            &format!("scan {} pages for <meta> tags", scan.pages),
            "scan",
            main,
            (start, start + us(scan.scan_ms).max(0)),
            json!({ "args": { "threads": scan.threads, "meta_tags": scan.meta_tags } }),
        ));
    }
}

#[cfg(test)]
mod measured_tests;
#[cfg(test)]
mod tests;
