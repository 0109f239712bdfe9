//! The Python lab's form as a link of its own: `#py.v1.<payload>`, the share links' envelope
//! ([`codec`]) around the code, the pool's size, the chunksize and the rounds, as typed. A
//! teacher pastes the course's exercise once and hands the class a link. Reading checks every
//! field's type and size; the form's own reader then says what it refuses, as for anything typed.
//!
//! A link "with results" also carries what a run measured, each model as a row of the CPU lab's
//! results (sequential, the pool as processes at k, gather as coroutines on one interpreter),
//! the number of inputs and the machine: the classroom view reads a class's such links into one
//! chart, the code's fingerprint standing for the CPU lab's kernel ([`workload`]).

use serde_json::{json, Map, Value};

use super::measured::{PyModel, PythonRun};
use super::settings::{PythonSettings, MAX_CODE_CHARS};
use crate::engine::experiment::{as_shown_ms, as_shown_speedup};
use crate::engine::rounds::beyond_cores;
use crate::engine::run::models::Model;
use crate::engine::share::{codec, CpuResult, Machine};
use crate::engine::stats::Summary;

/// What a Python lab fragment starts with, before the envelope's version.
pub const PREFIX: &str = "py.";
/// The format this version writes and reads.
pub const VERSION: u32 = 1;
/// The longest number field a link may carry: the form's fields are a few digits.
const MOST_FIELD_CHARS: usize = 40;

/// Whether a fragment (with or without `#`) is a Python lab link.
pub fn is_python_fragment(fragment: &str) -> bool {
    fragment
        .strip_prefix('#')
        .unwrap_or(fragment)
        .starts_with(PREFIX)
}

/// The fragment (without `#`), or why it cannot be a link and what to do.
pub fn encode(settings: &PythonSettings) -> Result<String, String> {
    sealed(form_wire(settings)?)
}

/// The fragment of a link with `run`'s results, measured on `machine` with `settings`.
pub fn encode_with_results(
    settings: &PythonSettings,
    run: &PythonRun,
    machine: &Machine,
) -> Result<String, String> {
    let mut wire = form_wire(settings)?;
    // A pool past what its cores can give is no result (the lab says "about k" of less): the
    // sequential run was slow, and a class's chart must not show it as what k cores give.
    let cores = run.workers.min(machine.cores).max(1);
    let results: Vec<CpuResult> = results_of(run)
        .into_iter()
        .filter(|r| {
            r.model != Model::Processes || !r.speedup.is_some_and(|s| beyond_cores(s, cores))
        })
        .collect();
    if !(1..=MOST_TASKS).contains(&(run.tasks as u64))
        || results.first().is_none_or(|r| r.model != Model::Sequential)
    {
        return Err(format!(
            "This run's results cannot travel: a link carries a sequential run over 1 to {} \
             inputs, and this run {}.",
            crate::engine::size::group(MOST_TASKS).replace('_', " "),
            match run.tasks {
                0 => "had no inputs".to_string(),
                n if n as u64 > MOST_TASKS => format!("had {n}"),
                _ => "has no sequential figures".to_string(),
            }
        ));
    }
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            json!([
                py_model(r.model).slug(),
                r.threads,
                r.median_ms,
                r.min_ms,
                r.max_ms,
                r.repeats,
                r.speedup,
            ])
        })
        .collect();
    wire.insert(
        "results".into(),
        json!({ "tasks": run.tasks, "rows": rows, "machine": machine.to_wire() }),
    );
    sealed(wire)
}

/// What a link with results carries besides the form.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedResults {
    /// How many inputs `work` ran over.
    pub tasks: usize,
    pub machine: Machine,
    /// Each model as a row of the CPU lab's results: sequential first.
    pub rows: Vec<CpuResult>,
}

/// A run's models as rows of the CPU lab's results: sequential, the pool as processes at k,
/// gather as coroutines on one interpreter; each row's speedup the median of its per-round
/// ratios, as the lab's table shows it (none where that is no figure a link may carry). A model
/// whose results differ from sequential's is left out: it did other work, and its time is no
/// speedup of this code.
pub fn results_of(run: &PythonRun) -> Vec<CpuResult> {
    run.rows
        .iter()
        .filter(|row| run.agrees(row.model) != Some(false))
        .filter_map(|row| {
            let summary = Summary::of(&row.wall_ms)?;
            Some(CpuResult {
                model: cpu_model(row.model),
                threads: if row.model == PyModel::Pool {
                    run.workers
                } else {
                    1
                },
                median_ms: as_shown_ms(summary.median),
                min_ms: as_shown_ms(summary.min),
                max_ms: as_shown_ms(summary.max),
                repeats: summary.repeats,
                speedup: (row.model != PyModel::Sequential)
                    .then(|| run.speedup(row.model))
                    .flatten()
                    .map(|s| as_shown_speedup(s.median))
                    .filter(|s| may_carry(*s)),
            })
        })
        .collect()
}

/// The CPU lab's model a Python lab model is charted as.
fn cpu_model(model: PyModel) -> Model {
    match model {
        PyModel::Sequential => Model::Sequential,
        PyModel::Pool => Model::Processes,
        PyModel::Gather => Model::Async,
    }
}

fn py_model(model: Model) -> PyModel {
    match model {
        Model::Processes => PyModel::Pool,
        Model::Async => PyModel::Gather,
        _ => PyModel::Sequential,
    }
}

/// What the classroom view calls the work of `code`, in place of a kernel's name: `python:` and
/// a fingerprint of the code (FNV-1a, 32 bits, as hex), so links of the same code chart together.
pub fn workload(code: &str) -> String {
    let hash = code.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("{WORKLOAD_PREFIX}{hash:08x}")
}

const WORKLOAD_PREFIX: &str = "python:";

/// The fingerprint of a [`workload`] name; `None` for any other name.
pub fn workload_fingerprint(name: &str) -> Option<&str> {
    name.strip_prefix(WORKLOAD_PREFIX)
        .filter(|hash| hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The form as a link carries it, or why the code cannot travel.
fn form_wire(settings: &PythonSettings) -> Result<Map<String, Value>, String> {
    let chars = settings.code.chars().count();
    if chars > MAX_CODE_CHARS {
        return Err(format!(
            "This code cannot be shared as a link: it is {chars} characters, more than the \
             {MAX_CODE_CHARS} a link carries. Shorten it, or share the file."
        ));
    }
    let mut wire = Map::new();
    wire.insert("code".into(), settings.code.clone().into());
    wire.insert("workers".into(), settings.workers.clone().into());
    wire.insert("chunksize".into(), settings.chunksize.clone().into());
    wire.insert("rounds".into(), settings.rounds.clone().into());
    Ok(wire)
}

/// `wire` sealed as a fragment, or why it would be too long to open.
fn sealed(wire: Map<String, Value>) -> Result<String, String> {
    let fragment = format!(
        "{PREFIX}{}",
        codec::seal(VERSION, Value::Object(wire).to_string().as_bytes())
    );
    if fragment.len() > codec::MAX_FRAGMENT_BYTES {
        return Err(format!(
            "This code cannot be shared as a link: the link would be {} KB, more than the {} KB \
             a link may be. Shorten it, or share the file.",
            fragment.len().div_ceil(1024),
            codec::MAX_FRAGMENT_BYTES / 1024
        ));
    }
    Ok(fragment)
}

/// Reads a Python lab fragment's form; the results it may carry are the classroom's, and a
/// damaged part of them never costs the code.
pub fn open(fragment: &str) -> Result<PythonSettings, String> {
    read_form(&codec::open_prefixed(
        fragment,
        PREFIX,
        VERSION,
        "Python lab link",
    )?)
}

/// Reads a Python lab fragment and the results it carries, if any.
pub fn open_with_results(
    fragment: &str,
) -> Result<(PythonSettings, Option<SharedResults>), String> {
    let wire = codec::open_prefixed(fragment, PREFIX, VERSION, "Python lab link")?;
    let settings = read_form(&wire)?;
    let results = match wire.get("results") {
        None => None,
        Some(results) => Some(
            read_results(results)
                .map_err(|why| format!("The Python lab link is damaged: its results {why}."))?,
        ),
    };
    Ok((settings, results))
}

fn read_form(wire: &Value) -> Result<PythonSettings, String> {
    let text = |name: &str, most: usize| {
        wire[name]
            .as_str()
            .filter(|t| t.chars().count() <= most)
            .map(String::from)
            .ok_or_else(|| {
                format!("The Python lab link is damaged: its {name} is missing or too long.")
            })
    };
    Ok(PythonSettings {
        code: text("code", MAX_CODE_CHARS)?,
        workers: text("workers", MOST_FIELD_CHARS)?,
        chunksize: text("chunksize", MOST_FIELD_CHARS)?,
        rounds: text("rounds", MOST_FIELD_CHARS)?,
    })
}

/// The most inputs, rounds, and milliseconds a results link may claim: past any run's.
const MOST_TASKS: u64 = 10_000_000;
const MOST_ROUNDS: u64 = 1_000;
const MOST_MS: f64 = 1e9;
const MOST_SPEEDUP: f64 = 10_000.0;

/// Whether a link may carry `speedup`: the writer leaves out, and the reader refuses, any other.
fn may_carry(speedup: f64) -> bool {
    speedup.is_finite() && speedup > 0.0 && speedup <= MOST_SPEEDUP
}

fn read_results(results: &Value) -> Result<SharedResults, String> {
    let tasks = results["tasks"]
        .as_u64()
        .filter(|t| (1..=MOST_TASKS).contains(t))
        .ok_or("name no number of inputs")?;
    let machine = Machine::from_wire(&results["machine"]).ok_or("name no machine")?;
    let mut rows = Vec::new();
    for row in results["rows"].as_array().ok_or("have no rows")? {
        let ms = |i: usize| {
            row[i]
                .as_f64()
                .filter(|t| t.is_finite() && (0.0..=MOST_MS).contains(t))
        };
        let model = row[0].as_str().and_then(PyModel::from_slug);
        let threads = row[1]
            .as_u64()
            .filter(|k| (1..=super::settings::MAX_WORKERS as u64).contains(k));
        let repeats = row[5].as_u64().filter(|r| (1..=MOST_ROUNDS).contains(r));
        let speedup = match &row[6] {
            Value::Null => Some(None),
            x => x.as_f64().filter(|s| may_carry(*s)).map(Some),
        };
        let (
            Some(model),
            Some(threads),
            Some(median_ms),
            Some(min_ms),
            Some(max_ms),
            Some(repeats),
            Some(speedup),
        ) = (model, threads, ms(2), ms(3), ms(4), repeats, speedup)
        else {
            return Err(format!("hold {row}, not a model's figures"));
        };
        if (model != PyModel::Pool && threads != 1)
            || rows.iter().any(|r: &CpuResult| r.model == cpu_model(model))
        {
            return Err(format!(
                "hold {row}, a model on more than one interpreter or twice"
            ));
        }
        rows.push(CpuResult {
            model: cpu_model(model),
            threads: threads as usize,
            median_ms,
            min_ms,
            max_ms,
            repeats: repeats as usize,
            speedup,
        });
    }
    if rows.first().is_none_or(|r| r.model != Model::Sequential) {
        return Err("have no sequential run first".into());
    }
    Ok(SharedResults {
        tasks: tasks as usize,
        machine,
        rows,
    })
}

#[cfg(test)]
mod tests;
