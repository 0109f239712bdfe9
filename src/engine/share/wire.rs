//! The wire format of version 1: the JSON inside the fragment, written and read by hand rather
//! than derived, so that every field is read on its own (one bad value costs that value, not the
//! link) and no rename of an in-memory type can change what a link holds. The I/O form travels as
//! [`IoSettingsV1`], whose fields are the format's own (the stored history uses it too).

use serde_json::{json, Map, Value};

use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment;

use crate::engine::io::settings::{Choice, IoSettings, IoSettingsV1};
use crate::engine::kernels;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, MAX_WORKERS};
use crate::engine::size;

use super::problems::{bounded, named_few};
use super::shared::{
    threads_text, CpuConfig, CpuResult, IoResult, Lab, Machine, Opened, Results, Shared,
};

pub(super) fn to_wire(shared: &Shared) -> Value {
    let mut wire = Map::new();
    match &shared.lab {
        Lab::Cpu(cpu) => {
            wire.insert("lab".into(), "cpu".into());
            wire.insert(
                "cpu".into(),
                json!({
                    "kernel": cpu.kernel,
                    "size": cpu.size,
                    "repeats": cpu.repeats,
                    "models": cpu.models.iter().map(|m| m.slug()).collect::<Vec<_>>(),
                    "threads": cpu.threads,
                    "style": cpu.style.slug(),
                    "chunksize": cpu.chunksize,
                }),
            );
        }
        Lab::Io(io) => {
            wire.insert("lab".into(), "io".into());
            wire.insert(
                "io".into(),
                serde_json::to_value(IoSettingsV1::from(io)).expect("strings serialize"),
            );
        }
    }
    match &shared.results {
        Some(Results::Cpu(rows)) => {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!([
                        r.model.slug(),
                        r.threads,
                        r.median_ms,
                        r.min_ms,
                        r.max_ms,
                        r.repeats
                    ])
                })
                .collect();
            wire.insert("cpu-results".into(), rows.into());
            // Beside the rows, not in them: a page of an earlier release reads the rows as
            // before and leaves this out, recomputing the speedups as it always did.
            if rows_speedups(rows_of(shared)).iter().any(Option::is_some) {
                wire.insert("cpu-speedups".into(), json!(rows_speedups(rows_of(shared))));
            }
        }
        Some(Results::Io(rows)) => {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!([
                        r.choice.key(),
                        r.workers,
                        r.requests,
                        r.wall_ms,
                        r.ideal_ms,
                        r.ok,
                        r.failed
                    ])
                })
                .collect();
            wire.insert("io-results".into(), rows.into());
        }
        None => {}
    }
    if let Some(m) = &shared.machine {
        wire.insert("machine".into(), m.to_wire());
    }
    Value::Object(wire)
}

/// Collects what had to be replaced.
struct Reader {
    problems: Vec<String>,
}

impl Reader {
    fn note(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// `field` of `object` read by `read`; the default and a note if it is there but unusable.
    fn field<T>(
        &mut self,
        object: &Value,
        field: &str,
        default: T,
        read: impl FnOnce(&Value) -> Result<T, String>,
    ) -> T {
        match object.get(field) {
            None => {
                self.note(format!("The link has no {field}; the default is used."));
                default
            }
            Some(value) => read(value).unwrap_or_else(|why| {
                self.note(format!("{why}; the default is used."));
                default
            }),
        }
    }
}

fn short(value: &Value) -> String {
    crate::engine::quote::prefix(&value.to_string()).into_owned()
}

/// The models a link compares. Unknown ones (a later version's) are left out and the rest kept;
/// only a list with nothing usable in it takes the default.
fn read_models(r: &mut Reader, given: Option<&Value>, defaults: &[Model]) -> Vec<Model> {
    let Some(slugs) = given.and_then(Value::as_array) else {
        r.note("The link's models are missing or not a list; the default is used.".into());
        return defaults.to_vec();
    };
    let mut models = Vec::new();
    let mut unknown = Vec::new();
    for slug in slugs {
        match slug.as_str().and_then(Model::from_slug) {
            Some(m) if experiment::SWEEP_MODELS.contains(&m) && !models.contains(&m) => {
                models.push(m)
            }
            Some(_) => {}
            None => unknown.push(short(slug)),
        }
    }
    if !unknown.is_empty() {
        let fallback = models.is_empty();
        r.note(format!(
            "Unknown model(s) {} {}.",
            named_few(&unknown),
            if fallback {
                "replaced by the default models"
            } else {
                "left out"
            }
        ));
        if fallback {
            return defaults.to_vec();
        }
    }
    // Shown in the form's order whatever order the link lists them in.
    models.sort_by_key(|m| experiment::SWEEP_MODELS.iter().position(|s| s == m));
    models
}

/// The rounds a v1 link without a usable count opens with: the default when v1 was made, pinned
/// here so such a link opens as it always did after the form's default moved to 5.
const V1_DEFAULT_REPEATS: usize = 3;

/// Each field of the link's CPU sweep that is the right kind of value, then the whole judged by
/// the form's own reader ([`CpuSettings::read`]), as a visitor's typing is: each field it
/// refuses is put back to its default.
fn read_cpu(r: &mut Reader, cpu: &Value) -> CpuConfig {
    let defaults = CpuConfig::first_visit();
    let kernel = r.field(cpu, "kernel", &kernels::KERNELS[0], |v| {
        v.as_str()
            .and_then(kernels::offered)
            .ok_or_else(|| format!("The workload {} does not exist", short(v)))
    });
    let fallback = CpuConfig {
        kernel: kernel.slug.into(),
        size: if kernel.slug == defaults.kernel {
            defaults.size
        } else {
            kernel.limits.default
        },
        repeats: V1_DEFAULT_REPEATS,
        ..defaults.clone()
    };
    let size = r.field(cpu, "size", fallback.size, |v| {
        v.as_u64().ok_or_else(|| {
            format!(
                "The size {} is not a whole number from {} to {}",
                short(v),
                size::group(kernel.limits.min),
                size::group(kernel.limits.max)
            )
        })
    });
    let repeats = r.field(cpu, "repeats", fallback.repeats as u64, |v| {
        v.as_u64()
            .ok_or_else(|| format!("Repeats {} is not a whole number", short(v)))
    });
    let models = read_models(r, cpu.get("models"), &defaults.models);
    let threads = r.field(cpu, "threads", fallback.threads.clone(), |v| {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("Threads {} is not text", short(v)))
    });
    let style = r.field(cpu, "style", defaults.style, |v| {
        v.as_str()
            .and_then(MapStyle::from_slug)
            .ok_or_else(|| format!("The pool style {} does not exist", short(v)))
    });
    let chunksize = r.field(cpu, "chunksize", None, |v| match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("Chunksize {} is not a whole number", short(v))),
    });
    let mut form = CpuSettings {
        kernel: kernel.slug.into(),
        size_text: size.to_string(),
        repeats_text: repeats.to_string(),
        models,
        threads_text: threads,
        style,
        chunksize_text: chunksize.map(|n| n.to_string()).unwrap_or_default(),
    };
    if let Err(refusals) = form.read(MAX_WORKERS) {
        let mut defaults = fallback.to_settings();
        for (field, why) in refusals.0 {
            *form.text_mut(field) = defaults.text_mut(field).clone();
            r.note(format!("{}: {why} The default is used.", field.label()));
        }
    }
    let sweep = form
        .read(MAX_WORKERS)
        .expect("every refused field is back to its default");
    CpuConfig {
        kernel: kernel.slug.into(),
        size: sweep.size,
        repeats: sweep.repeats,
        threads: threads_text(&form.threads_text, &sweep.ks),
        models: form.models,
        style: form.style,
        chunksize: sweep.chunksize,
    }
}

/// Each field of the link's I/O settings that reads as that field, then each that the form
/// would refuse put back to its default.
fn read_io(r: &mut Reader, io: &Value) -> IoSettings {
    let defaults = IoSettings::default();
    let defaults_v1 = IoSettingsV1::from(&defaults);
    let Some(given) = io.as_object() else {
        r.note("The I/O settings are unreadable; the defaults are used.".into());
        return defaults;
    };
    let mut merged = serde_json::to_value(&defaults_v1).expect("strings serialize");
    let Value::Object(fields) = &mut merged else {
        unreachable!("settings serialize as an object")
    };
    let names: Vec<String> = fields.keys().cloned().collect();
    for name in names {
        let Some(value) = given.get(&name) else {
            r.note(format!("The link has no I/O {name}; the default is used."));
            continue;
        };
        let before = fields.insert(name.clone(), value.clone());
        let reads = serde_json::from_value::<IoSettingsV1>(Value::Object(fields.clone()))
            .is_ok_and(|v1| v1.to_settings().is_some());
        if !reads {
            fields.insert(name.clone(), before.expect("a default for every field"));
            r.note(format!(
                "The I/O {name} {} is unreadable; the default is used.",
                short(value)
            ));
        }
    }
    let mut settings = serde_json::from_value::<IoSettingsV1>(merged)
        .ok()
        .and_then(|v1| v1.to_settings())
        .expect("checked field by field");
    settings.tidy_choices();
    if let Err(refusals) = settings.requests() {
        for (field, why) in refusals.0 {
            settings.reset(field, &defaults);
            r.note(format!("{}: {why} The default is used.", field.label()));
        }
    }
    settings
}

/// The rows `read` makes sense of and `fits` admits beside those kept so far, with one note for
/// the rest; `None` if none are left.
fn read_rows<T>(
    r: &mut Reader,
    rows: &Value,
    read: impl Fn(usize, &[Value]) -> Option<T>,
    fits: impl Fn(&T, &[T]) -> bool,
) -> Option<Vec<T>> {
    let rows = rows.as_array()?;
    let mut kept: Vec<T> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(result) = row.as_array().and_then(|cells| read(index, cells)) {
            if fits(&result, &kept) {
                kept.push(result);
            }
        }
    }
    let dropped = rows.len() - kept.len();
    if dropped > 0 {
        r.note(format!(
            "{dropped} carried result(s) were unreadable or out of range and are left out."
        ));
    }
    (!kept.is_empty()).then_some(kept)
}

/// The rows' carried speedups, in row order.
fn rows_speedups(rows: &[CpuResult]) -> Vec<Option<f64>> {
    rows.iter().map(|r| r.speedup).collect()
}

fn rows_of(shared: &Shared) -> &[CpuResult] {
    match &shared.results {
        Some(Results::Cpu(rows)) => rows,
        _ => &[],
    }
}

fn read_cpu_results(r: &mut Reader, rows: &Value, speedups: Option<&Value>) -> Option<Results> {
    // The speedups the sender saw, one per row of `rows` (null where it had none); a list of
    // another length is a damaged link's, and left out.
    let rows_len = rows.as_array().map_or(0, Vec::len);
    let speedups: Vec<Option<f64>> = match speedups.and_then(Value::as_array) {
        Some(list) if list.len() == rows_len => list.iter().map(Value::as_f64).collect(),
        Some(_) => {
            r.note("The carried speedups do not match the rows; they are computed again.".into());
            Vec::new()
        }
        None => Vec::new(),
    };
    let read = |index: usize, cells: &[Value]| {
        let [model, threads, median, min, max, repeats] = cells else {
            return None;
        };
        Some(CpuResult {
            model: Model::from_slug(model.as_str()?)?,
            threads: threads.as_u64()? as usize,
            median_ms: median.as_f64()?,
            min_ms: min.as_f64()?,
            max_ms: max.as_f64()?,
            repeats: repeats.as_u64()? as usize,
            speedup: speedups.get(index).copied().flatten(),
        })
    };
    // One row per step: a second (model, k) would be a second answer to the same question.
    let fits = |row: &CpuResult, kept: &[CpuResult]| {
        row.is_sane()
            && !kept
                .iter()
                .any(|k| k.model == row.model && k.threads == row.threads)
    };
    read_rows(r, rows, read, fits).map(Results::Cpu)
}

fn read_io_results(r: &mut Reader, rows: &Value) -> Option<Results> {
    let read = |_: usize, cells: &[Value]| {
        let [key, workers, requests, wall, ideal, ok, failed] = cells else {
            return None;
        };
        Some(IoResult {
            choice: Choice::from_key(key.as_str()?)?,
            workers: workers.as_u64()? as usize,
            requests: requests.as_u64()? as usize,
            wall_ms: wall.as_f64()?,
            ideal_ms: if ideal.is_null() {
                None
            } else {
                Some(ideal.as_f64()?)
            },
            ok: ok.as_u64()? as usize,
            failed: failed.as_u64()? as usize,
        })
    };
    // One row per model (and scan), as a run of the I/O form makes: at most six rows, however
    // many a crafted link carries.
    let fits = |row: &IoResult, kept: &[IoResult]| {
        row.is_sane() && !kept.iter().any(|k| k.choice == row.choice)
    };
    read_rows(r, rows, read, fits).map(Results::Io)
}

fn read_machine(r: &mut Reader, machine: &Value) -> Option<Machine> {
    let read = Machine::from_wire(machine);
    if read.is_none() {
        r.note(
            "The machine the results came from is unreadable; they are shown without it.".into(),
        );
    }
    read
}

pub(super) fn from_wire(wire: &Value) -> Opened {
    let mut r = Reader {
        problems: Vec::new(),
    };
    if !wire.is_object() {
        return Opened {
            shared: Shared::default(),
            problems: vec![
                "The link is corrupted: its data is not an experiment. The default experiment is \
                 shown instead."
                    .into(),
            ],
        };
    }
    let lab = match wire.get("lab").and_then(Value::as_str) {
        Some("io") => Lab::Io(read_io(&mut r, wire.get("io").unwrap_or(&Value::Null))),
        Some("cpu") => Lab::Cpu(read_cpu(&mut r, wire.get("cpu").unwrap_or(&Value::Null))),
        _ => {
            r.note("The link names no lab; the CPU lab's default sweep is shown.".into());
            Lab::Cpu(CpuConfig::first_visit())
        }
    };
    // Results only for the lab they were measured in.
    let results = match &lab {
        Lab::Cpu(_) => wire
            .get("cpu-results")
            .and_then(|rows| read_cpu_results(&mut r, rows, wire.get("cpu-speedups"))),
        Lab::Io(_) => wire
            .get("io-results")
            .and_then(|rows| read_io_results(&mut r, rows)),
    };
    let machine = match (&results, wire.get("machine")) {
        (Some(_), Some(machine)) => read_machine(&mut r, machine),
        _ => None,
    };
    Opened {
        shared: Shared {
            lab,
            results,
            machine,
        },
        problems: bounded(r.problems),
    }
}
