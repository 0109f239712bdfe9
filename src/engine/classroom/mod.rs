//! The classroom view: a class's result links, one per machine, read into one comparison.
//!
//! # Design
//!
//! A teacher pastes the links students copied with "Copy link with results" (any text: one link
//! per line, or a file of them). [`read_class`] opens each line with the share decoder and keeps
//! the CPU sweeps that carry results and a sequential baseline, and the Python lab's runs copied
//! with their results (the code's fingerprint standing for the kernel, its inputs for the size:
//! [`python_link::workload`]). Everything else is named by line and left out: a line that is no
//! Overlap link, a damaged one, an I/O run, a run of another workload than the class's (the one
//! most links measured), a repeat of a link already read.
//!
//! [`Class::view`] then draws one model: each machine's speedup curve against its own sequential
//! run, the median machine at each k, and flags for what a teacher should look at before trusting
//! a curve: a page that was not cross-origin isolated (no threads, coarse timers) and a machine
//! whose speedup is far from the class's at a k its cores allow. The median alone travels as a
//! link of its own ([`link`]).

pub mod export;
pub mod link;

use crate::engine::chart::speedup_series;
use crate::engine::python::link as python_link;
use crate::engine::run::models::Model;
use crate::engine::share::{self, report_of, CpuResult, Lab, Machine, Results, Shared};
use crate::engine::stats;

/// A machine's results differ from the class's when they are this many times faster or slower.
pub const DISAGREES_BY: f64 = 1.5;
/// Fewest machines at a k for their median to judge any one of them.
pub const FEWEST_TO_JUDGE: usize = 3;

/// One machine's sweep, from one link (or several identical ones).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The lines it was read from, 1-based; more than one when a link was pasted twice.
    pub lines: Vec<usize>,
    /// "2 cores, Chrome 156", numbered when two machines would read the same.
    pub label: String,
    pub machine: Option<Machine>,
    pub results: Vec<CpuResult>,
}

/// Why a line was left out, or that it was merged into another.
#[derive(Clone, Debug, PartialEq)]
pub struct LineNote {
    pub line: usize,
    pub text: String,
    /// Left out (`false`: only merged with an earlier line).
    pub skipped: bool,
}

/// What the pasted links made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Class {
    pub kernel: String,
    pub size: u64,
    pub entries: Vec<Entry>,
    pub notes: Vec<LineNote>,
}

/// A machine's curve for one model: (k, speedup) from k = 1 up.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Index into [`Class::entries`].
    pub entry: usize,
    pub label: String,
    pub points: Vec<(usize, f64)>,
}

/// The median machine at one k.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MedianPoint {
    pub threads: usize,
    pub speedup: f64,
    /// How many machines measured this k.
    pub machines: usize,
}

/// Something about one machine's curve a teacher should look at.
#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    /// Index into [`Class::entries`].
    pub entry: usize,
    pub text: String,
}

/// One model across the class.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub model: Model,
    /// One per entry that measured the model, in entry order.
    pub curves: Vec<Curve>,
    pub medians: Vec<MedianPoint>,
    pub flags: Vec<Flag>,
}

/// What the class ran, in words: "count at size 2 000 000 000", or "the Python code 1a2b3c4d on
/// 8 inputs" for the Python lab's runs.
pub fn workload_label(kernel: &str, size: u64) -> String {
    match python_link::workload_fingerprint(kernel) {
        Some(code) => format!(
            "the Python code {code} on {size} input{}",
            if size == 1 { "" } else { "s" }
        ),
        None => format!("{kernel} at size {}", crate::engine::size::group(size)),
    }
}

/// The fragment of a pasted line: whatever follows its `#`, or the line itself when it is a bare
/// fragment (`v1.…`).
fn fragment_of(line: &str) -> Option<&str> {
    match line.split_once('#') {
        Some((_, fragment)) => Some(fragment),
        None if line.starts_with('v') && line.contains('.') => Some(line),
        None => None,
    }
}

/// A short form of a pasted line for a message.
fn shown(line: &str) -> String {
    crate::engine::quote::quoted(line)
}

/// A line that opened as a CPU sweep, or a Python lab run, with results.
struct Usable {
    line: usize,
    kernel: String,
    size: u64,
    machine: Option<Machine>,
    results: Vec<CpuResult>,
}

/// The most links a class is read from: a class of 40 with a few runs each, and room to spare.
/// Past it, reading (every link inflated and decoded again at each change) would take the page
/// seconds; the lines after it are named, not read.
pub const MOST_LINKS: usize = 200;

/// Reads the pasted text; `Err` says why nothing could be charted.
pub fn read_class(text: &str) -> Result<Class, String> {
    let mut notes = Vec::new();
    let mut read: Vec<Usable> = Vec::new();
    let mut lines = 0;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if lines == MOST_LINKS {
            let left = text
                .lines()
                .skip(i)
                .filter(|l| !l.trim().is_empty())
                .count();
            notes.push(LineNote {
                line: line_no,
                text: format!(
                    "Only the first {MOST_LINKS} links are read: the {left} from line {line_no} on \
                     are left out. Chart a class of more in parts of {MOST_LINKS}."
                ),
                skipped: true,
            });
            break;
        }
        lines += 1;
        let mut skip = |why: String| {
            notes.push(LineNote {
                line: line_no,
                text: format!("Line {line_no} left out: {why}"),
                skipped: true,
            })
        };
        let Some(fragment) = fragment_of(line) else {
            skip(format!("{} is not an Overlap link.", shown(line)));
            continue;
        };
        if python_link::is_python_fragment(fragment) {
            match python_link::open_with_results(fragment) {
                Err(why) => skip(why),
                Ok((_, None)) => skip(
                    "it carries the Python lab's code, not its results (copy it with \u{201c}Copy \
                     link with results\u{201d} after a run)."
                        .into(),
                ),
                Ok((settings, Some(results))) => read.push(Usable {
                    line: line_no,
                    kernel: python_link::workload(&settings.code),
                    size: results.tasks as u64,
                    machine: Some(results.machine),
                    results: results.rows,
                }),
            }
            continue;
        }
        let Some(opened) = share::open(fragment) else {
            skip("the link has nothing after its #.".into());
            continue;
        };
        if let Some(problem) = opened.problems.first() {
            skip(share::problems::reason(problem));
            continue;
        }
        let Shared {
            lab,
            results,
            machine,
        } = opened.shared;
        let cpu = match lab {
            Lab::Cpu(cpu) => cpu,
            Lab::Io(_) => {
                skip(
                    "it is an I/O run; the classroom view compares CPU sweeps and the Python \
                     lab's runs."
                        .into(),
                );
                continue;
            }
        };
        let Some(Results::Cpu(results)) = results else {
            skip(
                "it carries no results (copy it with \u{201c}Copy link with results\u{201d})."
                    .into(),
            );
            continue;
        };
        if !results.iter().any(|r| r.model == Model::Sequential) {
            skip("it has no sequential run to measure speedup against.".into());
            continue;
        }
        read.push(Usable {
            line: line_no,
            kernel: cpu.kernel,
            size: cpu.size,
            machine,
            results,
        });
    }
    if read.is_empty() {
        return Err(match lines {
            0 => "Paste the result links, one per line.".into(),
            1 => "The line pasted is not a link with results; see why below.".into(),
            n => format!("None of the {n} lines is a link with results; see why below."),
        });
    }
    // The class's workload: the one most links measured, the first such on a tie.
    let workload = |r: &Usable| (r.kernel.clone(), r.size);
    let count = |w: &(String, u64)| read.iter().filter(|r| workload(r) == *w).count();
    let (kernel, size) = read
        .iter()
        .map(workload)
        .max_by_key(|w| {
            (
                count(w),
                std::cmp::Reverse(read.iter().position(|r| workload(r) == *w)),
            )
        })
        .expect("read is not empty");
    let mut entries: Vec<Entry> = Vec::new();
    for Usable {
        line,
        kernel: k,
        size: s,
        machine,
        results,
    } in read
    {
        if (k.as_str(), s) != (kernel.as_str(), size) {
            notes.push(LineNote {
                line,
                text: format!(
                    "Line {line} left out: it ran {}, and the class {}.",
                    workload_label(&k, s),
                    workload_label(&kernel, size)
                ),
                skipped: true,
            });
            continue;
        }
        if let Some(same) = entries
            .iter_mut()
            .find(|e| e.machine == machine && e.results == results)
        {
            notes.push(LineNote {
                line,
                text: format!("Line {line} repeats line {}: counted once.", same.lines[0]),
                skipped: false,
            });
            same.lines.push(line);
            continue;
        }
        let base = machine
            .as_ref()
            .map_or_else(|| "a machine".to_string(), Machine::label);
        let twins = entries
            .iter()
            .filter(|e| e.label == base || e.label.starts_with(&format!("{base} #")))
            .count();
        let label = if twins == 0 {
            base
        } else {
            format!("{base} #{}", twins + 1)
        };
        entries.push(Entry {
            lines: vec![line],
            label,
            machine,
            results,
        });
    }
    notes.sort_by_key(|n| n.line);
    Ok(Class {
        kernel,
        size,
        entries,
        notes,
    })
}

impl Class {
    /// The models measured besides sequential, the most-measured first (then in the order the
    /// CPU lab lists them).
    pub fn models(&self) -> Vec<Model> {
        let mut models: Vec<(usize, Model)> = Model::ALL
            .into_iter()
            .filter(|&m| m != Model::Sequential)
            .map(|m| {
                (
                    self.entries
                        .iter()
                        .filter(|e| e.results.iter().any(|r| r.model == m))
                        .count(),
                    m,
                )
            })
            .filter(|&(n, _)| n > 0)
            .collect();
        models.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
        models.into_iter().map(|(_, m)| m).collect()
    }

    /// Every machine's curve for `model`, the median machine per k, and the flags.
    pub fn view(&self, model: Model) -> View {
        let mut curves = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let report = report_of(&self.kernel, &entry.results);
            let Some(series) = speedup_series(&report)
                .into_iter()
                .find(|s| s.model == model)
            else {
                continue;
            };
            curves.push(Curve {
                entry: i,
                label: entry.label.clone(),
                points: series
                    .points
                    .iter()
                    .map(|p| (p.threads, p.speedup))
                    .collect(),
            });
        }
        let medians = medians(&curves);
        let mut flags = Vec::new();
        for curve in &curves {
            let entry = curve.entry;
            let machine = self.entries[entry].machine.as_ref();
            if machine.is_some_and(|m| !m.cross_origin_isolated) {
                // The Python lab's interpreters need no shared memory: only the timers suffer.
                let without = match python_link::workload_fingerprint(&self.kernel) {
                    Some(_) => "with coarse timers",
                    None => "without threads and with coarse timers",
                };
                flags.push(Flag {
                    entry,
                    text: format!(
                        "{}: measured on a page that was not cross-origin isolated, so {without}.",
                        curve.label
                    ),
                });
            }
            if let Some(text) = disagreement(curve, machine, &curves, &self.entries) {
                flags.push(Flag { entry, text });
            }
        }
        View {
            model,
            curves,
            medians,
            flags,
        }
    }
}

/// The median speedup at each k any machine measured.
pub fn medians(curves: &[Curve]) -> Vec<MedianPoint> {
    let mut ks: Vec<usize> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .collect();
    ks.sort_unstable();
    ks.dedup();
    ks.into_iter()
        .filter_map(|k| {
            let at: Vec<f64> = curves
                .iter()
                .filter_map(|c| c.points.iter().find(|p| p.0 == k).map(|p| p.1))
                .collect();
            Some(MedianPoint {
                threads: k,
                speedup: stats::Summary::of(&at)?.median,
                machines: at.len(),
            })
        })
        .collect()
}

/// Where `curve` is furthest from the machines that have at least as many cores as its k, if
/// that is more than [`DISAGREES_BY`] times off and enough machines measured that k.
fn disagreement(
    curve: &Curve,
    machine: Option<&Machine>,
    curves: &[Curve],
    entries: &[Entry],
) -> Option<String> {
    let cores_of = |entry: usize| entries[entry].machine.as_ref().map(|m| m.cores);
    let mut worst: Option<(f64, usize, f64, f64)> = None;
    for &(k, speedup) in &curve.points {
        if machine.is_some_and(|m| k > m.cores) {
            continue;
        }
        let peers: Vec<f64> = curves
            .iter()
            .filter(|c| cores_of(c.entry).is_none_or(|cores| cores >= k))
            .filter_map(|c| c.points.iter().find(|p| p.0 == k).map(|p| p.1))
            .collect();
        if peers.len() < FEWEST_TO_JUDGE {
            continue;
        }
        let median = stats::Summary::of(&peers)?.median;
        let off = (speedup / median).ln().abs();
        if off > DISAGREES_BY.ln() && worst.is_none_or(|w| off > w.0) {
            worst = Some((off, k, speedup, median));
        }
    }
    let (_, k, speedup, median) = worst?;
    Some(format!(
        "{}: {speedup:.2}× at k = {k}, where the machines with as many cores measured \
         {median:.2}× (the median). Worth a second run before drawing conclusions from it.",
        curve.label
    ))
}

#[cfg(test)]
mod tests;
