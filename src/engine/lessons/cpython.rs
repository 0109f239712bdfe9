//! "Run it in Python yourself": each lesson's script (`python/<slug>.py`, downloadable from the
//! lesson) runs the same experiment in CPython and prints one line of JSON,
//!
//! ```text
//! {"overlap": "cpython", "version": 1, "lesson": "gil", "python": "3.11.7", "cores": 2,
//!  "steps": [{"label": "Sequential", "ms": 1620.4, "rounds_ms": [1611.0, …]}, …]}
//! ```
//!
//! one entry per step of the lesson, in the lesson's order: `ms` (a time; `rounds_ms` when the
//! script measured in rounds, and `baseline_rounds_ms` for a step timed against a baseline of its
//! own: the capacity steps, k threads hashing against one), or `counted` of `of` (the lock
//! lesson's counters), or a null figure for a step CPython has no counterpart of; and `k` where the
//! lesson's steps take one. The student pastes that line into the lesson; [`read`] checks it
//! against the lesson and [`compare`] puts CPython's figures beside the browser's, each relative to
//! its own first step (or baseline), since absolute times of an interpreter and of compiled code
//! say nothing about each other.
//!
//! [`measured`] is CPython's line for each lesson as `scripts/cpython-figures.sh` measured it on
//! this project's machine (`python/measured/`): what the lessons quote, and what the native tests
//! judge with the lessons' own claims.

use serde::Deserialize;

use super::claims::StepFigures;
use super::{Lesson, Outcome, Step};
use crate::engine::protocol::SharedOutcome;

/// Each lesson's script, as the page offers it for download.
const SCRIPTS: [(&str, &str); 12] = [
    ("gil", include_str!("python/gil.py")),
    ("released", include_str!("python/released.py")),
    ("copy", include_str!("python/copy.py")),
    ("reuse", include_str!("python/reuse.py")),
    ("imap", include_str!("python/imap.py")),
    ("fetch", include_str!("python/fetch.py")),
    ("bounded", include_str!("python/bounded.py")),
    ("async-cpu", include_str!("python/async-cpu.py")),
    ("thousands", include_str!("python/thousands.py")),
    ("blocked", include_str!("python/blocked.py")),
    ("lock", include_str!("python/lock.py")),
    ("deadlock", include_str!("python/deadlock.py")),
];

/// The script that runs `lesson` in CPython.
pub fn script(lesson: &Lesson) -> &'static str {
    SCRIPTS
        .iter()
        .find(|(slug, _)| *slug == lesson.slug)
        .map_or("", |(_, script)| script)
}

/// The name the script downloads as.
pub fn script_name(lesson: &Lesson) -> String {
    format!("overlap-{}.py", lesson.slug)
}

/// The format's version: scripts print it, [`read`] refuses any other.
pub const VERSION: u32 = 1;
/// Longer than any script prints; a paste beyond this is not one of them.
pub const MAX_PASTE: usize = 64 * 1024;

/// What one step measured, in the browser or in CPython.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// A time: the median over rounds, with each round's time where there were rounds, and each
    /// round's time of the step's own baseline where it has one.
    Ms {
        ms: f64,
        rounds_ms: Vec<f64>,
        baseline_rounds_ms: Option<Vec<f64>>,
    },
    /// How many of `of` updates (or items) came through.
    Counted { counted: u64, of: u64 },
}

impl Figure {
    /// The figure relative to the lesson's first step, as a speedup (times: how many times as
    /// fast as the first step, or as its own baseline where it has one), or the share that came
    /// through. A speedup, as every figure on the page is: above 1 is faster.
    /// Where both were measured in the same rounds, the median of the ratios taken within each
    /// round, as every speedup on the page is; otherwise the ratio of the two figures.
    fn relative_to(&self, first: Option<&Figure>) -> Option<f64> {
        let within_rounds = |base: &[f64], rounds: &[f64]| {
            (base.len() == rounds.len() && rounds.len() > 1)
                .then(|| {
                    crate::engine::rounds::Spread::of(&crate::engine::rounds::ratios(base, rounds))
                })
                .flatten()
                .map(|s| s.median)
        };
        if let Figure::Ms {
            rounds_ms,
            baseline_rounds_ms,
            ..
        } = self
        {
            let base = match (baseline_rounds_ms, first) {
                (Some(own), _) => Some(own.as_slice()),
                (None, Some(Figure::Ms { rounds_ms, .. })) => Some(rounds_ms.as_slice()),
                _ => None,
            };
            if let Some(x) = base.and_then(|base| within_rounds(base, rounds_ms)) {
                return Some(x);
            }
        }
        match (self, first) {
            (
                Figure::Ms {
                    ms,
                    baseline_rounds_ms: Some(baseline),
                    ..
                },
                _,
            ) if *ms > 0.0 => crate::engine::rounds::Spread::of(baseline).map(|b| b.median / ms),
            (Figure::Ms { ms, .. }, Some(Figure::Ms { ms: first, .. })) if *ms > 0.0 => {
                Some(first / ms)
            }
            (Figure::Counted { counted, of }, _) if *of > 0 => Some(*counted as f64 / *of as f64),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Figure::Ms { ms, rounds_ms, .. } if rounds_ms.len() > 1 => {
                format!("{ms:.0} ms (median of {} rounds)", rounds_ms.len())
            }
            Figure::Ms { ms, .. } => format!("{ms:.0} ms"),
            Figure::Counted { counted, of } => {
                format!("{} of {}", super::group(*counted), super::group(*of))
            }
        }
    }
}

/// CPython's run of a lesson, read from its script's line.
#[derive(Clone, Debug, PartialEq)]
pub struct CpythonRun {
    pub lesson: String,
    /// The interpreter's version, as `platform.python_version()` gives it.
    pub python: String,
    pub cores: Option<u32>,
    /// The workers the script ran its steps with, where they take a k.
    pub k: Option<u32>,
    /// One per step of the lesson, in order, with the script's label for it.
    pub steps: Vec<(String, Option<Figure>)>,
}

#[derive(Deserialize)]
struct Line {
    overlap: String,
    version: u32,
    lesson: String,
    #[serde(default)]
    python: String,
    cores: Option<u32>,
    k: Option<u32>,
    steps: Vec<LineStep>,
}

#[derive(Deserialize)]
struct LineStep {
    label: String,
    ms: Option<f64>,
    #[serde(default)]
    rounds_ms: Vec<f64>,
    baseline_rounds_ms: Option<Vec<f64>>,
    counted: Option<u64>,
    of: Option<u64>,
}

fn figure(step: &LineStep) -> Result<Option<Figure>, String> {
    let label = &step.label;
    let time = |ms: f64| ms.is_finite() && ms >= 0.0;
    match (step.ms, step.counted, step.of) {
        (Some(ms), None, None) => {
            let baseline = step.baseline_rounds_ms.iter().flatten();
            if !time(ms) || !step.rounds_ms.iter().chain(baseline).all(|&r| time(r)) {
                return Err(format!(
                    "\u{201c}{label}\u{201d} has a time that is not one"
                ));
            }
            Ok(Some(Figure::Ms {
                ms,
                rounds_ms: step.rounds_ms.clone(),
                baseline_rounds_ms: step.baseline_rounds_ms.clone(),
            }))
        }
        (None, Some(counted), Some(of)) if counted <= of => {
            Ok(Some(Figure::Counted { counted, of }))
        }
        (None, Some(_), Some(_)) => Err(format!(
            "\u{201c}{label}\u{201d} counted more than it could have"
        )),
        (None, None, _) => Ok(None),
        _ => Err(format!(
            "\u{201c}{label}\u{201d} should have either a time or a count"
        )),
    }
}

/// Reads what the student pasted for `lesson` (its `steps` planned for `k`): the script's JSON
/// line, alone or among the rest of its output. Every refusal says what to do.
pub fn read(pasted: &str, lesson: &Lesson, k: usize) -> Result<CpythonRun, String> {
    if pasted.len() > MAX_PASTE {
        return Err(format!(
            "That is {} KB; the script prints one line of well under 1 KB. Paste only its last line.",
            pasted.len() / 1024
        ));
    }
    let Some(json) = pasted.lines().map(str::trim).rfind(|l| l.starts_with('{')) else {
        return Err(format!(
            "Nothing to read: paste the line the script prints, the one starting with {{. Run it \
             with: python3 overlap-{}.py",
            lesson.slug
        ));
    };
    let line: Line = serde_json::from_str(json)
        .map_err(|e| format!("That line is not the script's JSON ({e}); paste it whole."))?;
    if line.overlap != "cpython" {
        return Err("That JSON is not from one of Overlap's lesson scripts.".into());
    }
    if line.version != VERSION {
        return Err(format!(
            "That line is version {} of the format; this page reads version {VERSION}. \
             Download the lesson's script again.",
            line.version
        ));
    }
    if line.lesson != lesson.slug {
        return Err(format!(
            "That is the result of the lesson \u{201c}{}\u{201d}; open that lesson to import it, \
             or run this lesson's script (overlap-{}.py).",
            line.lesson, lesson.slug
        ));
    }
    let planned = (lesson.steps)(k).len();
    if line.steps.len() != planned {
        return Err(format!(
            "The line has {} steps; this lesson has {planned}. Download the lesson's script again.",
            line.steps.len()
        ));
    }
    let steps = line
        .steps
        .iter()
        .map(|s| Ok((s.label.chars().take(200).collect(), figure(s)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(CpythonRun {
        lesson: line.lesson,
        python: line.python.chars().take(40).collect(),
        cores: line.cores,
        k: line.k,
        steps,
    })
}

/// What the browser's step measured, in the terms the scripts print.
pub fn browser_figure(step: &Step, outcome: &Outcome) -> Option<Figure> {
    match outcome {
        Outcome::Cpu { trace, .. } if step.first_result => Some(Figure::Ms {
            ms: trace.first_result_ms,
            rounds_ms: Vec::new(),
            baseline_rounds_ms: None,
        }),
        Outcome::Cpu {
            summary,
            samples_ms,
            ..
        } => Some(Figure::Ms {
            ms: summary.median,
            rounds_ms: samples_ms.clone(),
            baseline_rounds_ms: None,
        }),
        Outcome::Io(run) => Some(Figure::Ms {
            ms: run.figure_ms(),
            rounds_ms: Vec::new(),
            baseline_rounds_ms: None,
        }),
        Outcome::Shared(SharedOutcome::Counter {
            expected, counted, ..
        }) => Some(Figure::Counted {
            counted: *counted,
            of: *expected,
        }),
        Outcome::Shared(SharedOutcome::Queue {
            items,
            sum,
            expected_sum,
            ..
        }) => Some(Figure::Counted {
            counted: if sum == expected_sum { *items } else { 0 },
            of: *items,
        }),
        Outcome::Shared(SharedOutcome::TwoLocks {
            expected,
            completed,
            ..
        }) => Some(Figure::Counted {
            counted: *completed,
            of: *expected,
        }),
        Outcome::Shared(_) => None,
    }
}

/// One step, the browser's figure beside CPython's, each also relative to its own first step (a
/// speedup: how many times as fast) or as the share that came through (counts).
#[derive(Clone, Debug, PartialEq)]
pub struct Compared {
    pub label: String,
    /// The script's label for the step, where it differs (its k was another machine's cores).
    pub cpython_label: Option<String>,
    pub browser: Option<Figure>,
    pub cpython: Option<Figure>,
    pub browser_relative: Option<f64>,
    pub cpython_relative: Option<f64>,
}

/// The lesson's steps with what each measured here (`measured`, by step, where there is one yet)
/// and in CPython.
pub fn compare(
    steps: &[Step],
    measured: &[Option<&Outcome>],
    cpython: &CpythonRun,
) -> Vec<Compared> {
    let browser: Vec<Option<Figure>> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            measured
                .get(i)
                .copied()
                .flatten()
                .and_then(|o| browser_figure(step, o))
        })
        .collect();
    let first_browser = browser.first().cloned().flatten();
    let first_cpython = cpython.steps.first().and_then(|(_, f)| f.clone());
    steps
        .iter()
        .zip(browser)
        .zip(&cpython.steps)
        .map(|((step, browser), (cpython_label, cpython))| Compared {
            label: step.label.clone(),
            cpython_label: (cpython_label != &step.label).then(|| cpython_label.clone()),
            browser_relative: browser
                .as_ref()
                .and_then(|f| f.relative_to(first_browser.as_ref())),
            cpython_relative: cpython
                .as_ref()
                .and_then(|f| f.relative_to(first_cpython.as_ref())),
            browser,
            cpython: cpython.clone(),
        })
        .collect()
}

impl Figure {
    /// The figure in the terms the lesson's claims are judged in, for `step`.
    fn claims_figures(&self, step: &Step) -> StepFigures {
        match self {
            Figure::Ms {
                ms,
                rounds_ms,
                baseline_rounds_ms,
            } => {
                let rounds = if rounds_ms.is_empty() {
                    vec![*ms]
                } else {
                    rounds_ms.clone()
                };
                StepFigures {
                    // A step the lesson times to its first result: the script times the same.
                    first_result_ms: if step.first_result {
                        rounds.clone()
                    } else {
                        Vec::new()
                    },
                    rounds_ms: rounds,
                    baseline_rounds_ms: baseline_rounds_ms.clone(),
                    ..StepFigures::default()
                }
            }
            Figure::Counted { counted, of } => StepFigures {
                lost: Some((of.saturating_sub(*counted), *of)),
                ..StepFigures::default()
            },
        }
    }
}

/// What CPython's line says of the lesson's `steps`, in the terms its claims are judged in
/// ([`claims::judge`](super::claims::judge)); `None` for a step CPython has no counterpart of.
pub fn claims_figures(steps: &[Step], run: &CpythonRun) -> Vec<Option<StepFigures>> {
    steps
        .iter()
        .zip(&run.steps)
        .map(|(step, (_, figure))| figure.as_ref().map(|f| f.claims_figures(step)))
        .collect()
}

mod measured;
#[cfg(test)]
use measured::all_measured;
pub use measured::{measured, shape, Shape};

#[cfg(test)]
mod tests;
