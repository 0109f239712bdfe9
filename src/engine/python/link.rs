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
    let rows: Vec<Value> = results_of(run)
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
/// ratios, as the lab's table shows it.
pub fn results_of(run: &PythonRun) -> Vec<CpuResult> {
    run.rows
        .iter()
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
                    .map(|s| as_shown_speedup(s.median)),
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

/// Reads a Python lab fragment.
pub fn open(fragment: &str) -> Result<PythonSettings, String> {
    open_with_results(fragment).map(|(settings, _)| settings)
}

/// Reads a Python lab fragment and the results it carries, if any.
pub fn open_with_results(
    fragment: &str,
) -> Result<(PythonSettings, Option<SharedResults>), String> {
    let wire = codec::open_prefixed(fragment, PREFIX, VERSION, "Python lab link")?;
    let text = |name: &str, most: usize| {
        wire[name]
            .as_str()
            .filter(|t| t.chars().count() <= most)
            .map(String::from)
            .ok_or_else(|| {
                format!("The Python lab link is damaged: its {name} is missing or too long.")
            })
    };
    let settings = PythonSettings {
        code: text("code", MAX_CODE_CHARS)?,
        workers: text("workers", MOST_FIELD_CHARS)?,
        chunksize: text("chunksize", MOST_FIELD_CHARS)?,
        rounds: text("rounds", MOST_FIELD_CHARS)?,
    };
    let results = match wire.get("results") {
        None => None,
        Some(results) => Some(
            read_results(results)
                .map_err(|why| format!("The Python lab link is damaged: its results {why}."))?,
        ),
    };
    Ok((settings, results))
}

/// The most inputs, rounds, and milliseconds a results link may claim: past any run's.
const MOST_TASKS: u64 = 10_000_000;
const MOST_ROUNDS: u64 = 1_000;
const MOST_MS: f64 = 1e9;
const MOST_SPEEDUP: f64 = 10_000.0;

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
            x => x
                .as_f64()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= MOST_SPEEDUP)
                .map(Some),
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
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_to_the_form_it_was_made_from() {
        let settings = PythonSettings {
            code: "def work(x):\n    return x * 2  # é, ✓\n\ninputs = range(10)\n".into(),
            workers: "4".into(),
            chunksize: "2".into(),
            rounds: "oops".into(),
        };
        let fragment = encode(&settings).unwrap();
        assert!(fragment.starts_with("py.v1."));
        assert!(is_python_fragment(&format!("#{fragment}")));
        assert_eq!(open(&format!("#{fragment}")), Ok(settings));
    }

    #[test]
    fn code_past_the_limit_is_refused_with_the_limit_named() {
        let long = PythonSettings {
            code: "x".repeat(MAX_CODE_CHARS + 1),
            ..PythonSettings::default()
        };
        assert!(encode(&long).unwrap_err().contains("20000"));
        // Code within the limit that does not compress (random CJK, 3 bytes each): the link's
        // own limit, named.
        let mut state = 1u64;
        let noise: String = (0..MAX_CODE_CHARS)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                char::from_u32(0x4e00 + (state >> 40) as u32 % 20_000).unwrap()
            })
            .collect();
        let noisy = PythonSettings {
            code: noise,
            ..PythonSettings::default()
        };
        let refused = encode(&noisy).unwrap_err();
        assert!(refused.contains("32 KB"), "{refused}");
    }

    #[test]
    fn damaged_and_foreign_links_are_refused_with_why() {
        assert!(open("#v1.abc")
            .unwrap_err()
            .contains("not a Python lab link"));
        assert!(open("#py.v9.abc").unwrap_err().contains("format v9"));
        assert!(open("#py.zzz").unwrap_err().contains("no format version"));
        let wrong = format!("py.{}", codec::seal(1, br#"{"code": 5}"#));
        assert!(open(&wrong).unwrap_err().contains("code"));
    }

    fn measured() -> PythonRun {
        use super::super::measured::ModelRow;
        let row = |model, wall_ms: &[f64]| ModelRow {
            model,
            wall_ms: wall_ms.to_vec(),
            outcome: None,
            bytes_copied: 0,
        };
        PythonRun {
            workers: 2,
            chunksize: 1,
            tasks: 8,
            is_async: false,
            rows: vec![
                row(PyModel::Sequential, &[1000.0, 1100.0, 900.0]),
                row(PyModel::Pool, &[550.0, 600.0, 500.0]),
            ],
            starts: Vec::new(),
            spans: Vec::new(),
        }
    }

    fn machine() -> Machine {
        Machine {
            cores: 8,
            browser: "Firefox 140".into(),
            cross_origin_isolated: true,
        }
    }

    #[test]
    fn a_link_with_results_carries_the_rows_the_lab_showed_and_the_machine() {
        let settings = PythonSettings::default();
        let fragment = encode_with_results(&settings, &measured(), &machine()).unwrap();
        let (read, results) = open_with_results(&fragment).unwrap();
        assert_eq!(read, settings);
        assert_eq!(open(&fragment), Ok(settings), "the form alone reads it too");
        let results = results.unwrap();
        assert_eq!((results.tasks, &results.machine), (8, &machine()));
        assert_eq!(results.rows, results_of(&measured()));
        let pool = &results.rows[1];
        assert_eq!(
            (pool.model, pool.threads, pool.repeats),
            (Model::Processes, 2, 3)
        );
        assert_eq!(pool.median_ms, 550.0);
        // The median of the per-round ratios (1000/550, 1100/600, 900/500), as the table shows.
        assert_eq!(pool.speedup, Some(1.8182));
        assert_eq!(results.rows[0].speedup, None);
        assert_eq!(
            open_with_results(&encode(&PythonSettings::default()).unwrap())
                .unwrap()
                .1,
            None
        );
    }

    #[test]
    fn damaged_results_are_refused_with_what_is_wrong() {
        let damaged = |results: Value| {
            let mut wire = form_wire(&PythonSettings::default()).unwrap();
            wire.insert("results".into(), results);
            open_with_results(&sealed(wire).unwrap()).unwrap_err()
        };
        let machine = machine().to_wire();
        let sequential = json!(["sequential", 1, 900.0, 800.0, 1000.0, 3, null]);
        assert!(
            damaged(json!({"tasks": 0, "rows": [sequential], "machine": machine}))
                .contains("number of inputs")
        );
        assert!(damaged(json!({"tasks": 8, "rows": [sequential]})).contains("machine"));
        let pool_first = json!(["pool", 2, 500.0, 400.0, 600.0, 3, 1.8]);
        assert!(
            damaged(json!({"tasks": 8, "rows": [pool_first], "machine": machine}))
                .contains("no sequential run first")
        );
        let nonsense = json!(["pool", 99, 500.0, 400.0, 600.0, 3, 1.8]);
        let said = damaged(json!({"tasks": 8, "rows": [sequential, nonsense], "machine": machine}));
        assert!(
            said.starts_with("The Python lab link is damaged: its results hold"),
            "{said}"
        );
    }

    #[test]
    fn the_same_code_is_the_same_workload() {
        let a = workload("def work(x):\n    return x\n");
        assert_eq!(a, workload("def work(x):\n    return x\n"));
        assert_ne!(a, workload("def work(x):\n    return x + 1\n"));
        assert_eq!(workload_fingerprint(&a).map(str::len), Some(8));
        assert_eq!(workload_fingerprint("count"), None);
        assert_eq!(workload_fingerprint("python:zz"), None);
    }
}
