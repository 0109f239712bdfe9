//! The I/O lab's form as the visitor typed it, and how it becomes requests: every field is read
//! on its own, so each refusal is shown beside the field it concerns and the rest stay usable.

use crate::engine::io::{
    self, Builtin, IoModel, IoRequest, IoRun, Scan, Targets, MAX_DELAY_MS, MAX_PAGE_BYTES,
    MAX_REQUESTS, MAX_URLS, MAX_WORKERS, TIMEOUT_MS,
};
use crate::engine::size::{group, parse_whole_number, SizeError};
use serde::{Deserialize, Serialize};

/// One entry of the model list: the pipeline comes twice, scanning on the pool and on one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Choice {
    pub model: IoModel,
    pub scan: Scan,
}

impl Choice {
    pub const ALL: [Choice; 6] = [
        Choice::of(IoModel::Sequential),
        Choice::of(IoModel::Gather),
        Choice::of(IoModel::Bounded),
        Choice::of(IoModel::Threads),
        Choice::of(IoModel::Pipeline),
        Choice {
            model: IoModel::Pipeline,
            scan: Scan::OneThread,
        },
    ];

    pub const fn of(model: IoModel) -> Choice {
        Choice {
            model,
            scan: Scan::Pool,
        }
    }

    /// The entry of the model list a finished run was made with.
    pub fn of_run(run: &IoRun) -> Choice {
        Choice {
            model: run.model,
            scan: run.scan.as_ref().map_or(Scan::Pool, |s| s.on),
        }
    }

    pub fn from_key(key: &str) -> Option<Choice> {
        Choice::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Unique among [`Choice::ALL`]: the model's slug, `pipeline-one-thread` for the second
    /// pipeline.
    pub fn key(self) -> &'static str {
        match (self.model, self.scan) {
            (IoModel::Pipeline, Scan::OneThread) => "pipeline-one-thread",
            (model, _) => model.slug(),
        }
    }

    pub fn label(self) -> &'static str {
        match (self.model, self.scan) {
            (IoModel::Sequential, _) => "Sequential: one request at a time",
            (IoModel::Gather, _) => "Gather: every request at once (join_all)",
            (IoModel::Bounded, _) => "Bounded: at most k at once (buffer_unordered)",
            (IoModel::Threads, _) => "Blocking threads: k workers, synchronous requests",
            (IoModel::Pipeline, Scan::Pool) => "Pipeline: fetch all, then scan on the thread pool",
            (IoModel::Pipeline, Scan::OneThread) => {
                "Pipeline on one thread: scan each page inside the async code"
            }
        }
    }

    pub fn python(self) -> &'static str {
        match (self.model, self.scan) {
            (IoModel::Pipeline, Scan::OneThread) => {
                "async def get(u): page = await fetch(u); return scan_meta(page)"
            }
            (model, _) => model.python(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// Pages the service worker makes up: no network, exact latency.
    #[default]
    Builtin,
    /// The visitor's own URLs, fetched with CORS.
    Urls,
}

/// The form's fields, for refusals to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Requests,
    Latency,
    Jitter,
    FailPercent,
    PageKib,
    Seed,
    Urls,
    Workers,
    Timeout,
    Models,
}

impl Field {
    /// The input's id on the page.
    pub fn id(self) -> &'static str {
        match self {
            Field::Requests => "io-requests",
            Field::Latency => "io-latency",
            Field::Jitter => "io-jitter",
            Field::FailPercent => "io-fail",
            Field::PageKib => "io-page-kib",
            Field::Seed => "io-seed",
            Field::Urls => "io-urls",
            Field::Workers => "io-workers",
            Field::Timeout => "io-timeout",
            Field::Models => "io-models",
        }
    }

    /// The field's name at the start of a sentence, as the form labels it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Requests => "Requests",
            Field::Latency => "Latency",
            Field::Jitter => "Jitter",
            Field::FailPercent => "Failure rate",
            Field::PageKib => "Page size",
            Field::Seed => "Seed",
            Field::Urls => "URLs",
            Field::Workers => "k (workers)",
            Field::Timeout => "Timeout",
            Field::Models => "Models",
        }
    }
}

/// Ready-made settings, each showing one lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// 16 pages of 200 ms: N·L one at a time, L all at once, ⌈N/k⌉·L k at a time.
    Lesson,
    /// Jitter and a 10 % failure rate: failures are reported and the rest carry on. Seed 9 fails
    /// requests 7 and 15 of 16.
    Flaky,
    /// 5 000 tasks: gather against a bounded pool, with memory.
    Thousands,
    /// Large pages scanned for `<meta>` tags: CPU work inside async code does not overlap.
    Pipeline,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::Lesson,
        Preset::Flaky,
        Preset::Thousands,
        Preset::Pipeline,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Preset::Lesson => "lesson",
            Preset::Flaky => "flaky",
            Preset::Thousands => "thousands",
            Preset::Pipeline => "pipeline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Lesson => "16 pages × 200 ms",
            Preset::Flaky => "Flaky: jitter and 10 % failures",
            Preset::Thousands => "5 000 tasks",
            Preset::Pipeline => "Fetch, then parse",
        }
    }
}

/// Everything the form holds, as typed. Kept as text so a half-typed value is never lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IoSettings {
    pub target_kind: TargetKind,
    pub requests: String,
    pub latency_ms: String,
    pub jitter_ms: String,
    pub fail_percent: String,
    pub page_kib: String,
    pub seed: String,
    pub urls: String,
    pub workers: String,
    pub timeout_ms: String,
    pub choices: Vec<Choice>,
}

impl Default for IoSettings {
    fn default() -> Self {
        IoSettings::preset(Preset::Lesson)
    }
}

/// Why the form cannot run, field by field.
pub type Refusals = crate::engine::refusals::Refusals<Field>;

/// A whole number in `min..=max`, with a message that names the field.
fn whole(text: &str, name: &str, min: u64, max: u64) -> Result<u64, String> {
    let n = parse_whole_number(text).map_err(|e| match e {
        SizeError::Empty => format!("Enter {name}."),
        SizeError::TooLarge { .. } => format!("Must be at most {}.", group(max)),
        other => other.to_string(),
    })?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "Must be between {} and {}.",
            group(min),
            group(max)
        ))
    }
}

/// A number (decimals allowed) in `min..=max`.
fn decimal(text: &str, name: &str, min: f64, max: f64) -> Result<f64, String> {
    let trimmed = text.trim().trim_end_matches('%').trim();
    if trimmed.is_empty() {
        return Err(format!("Enter {name}."));
    }
    let n: f64 = trimmed
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{trimmed:?} is not a number."))?;
    if n.is_finite() && (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("Must be between {min} and {max}."))
    }
}

/// The value read, or the reason it was refused noted against `field` and a stand-in that is
/// never used: any refusal ends the reading with an error.
fn noted<T: Default>(
    refusals: &mut Vec<(Field, String)>,
    field: Field,
    read: Result<T, String>,
) -> T {
    read.unwrap_or_else(|why| {
        refusals.push((field, why));
        T::default()
    })
}

impl IoSettings {
    pub fn preset(preset: Preset) -> IoSettings {
        use IoModel::*;
        let base = IoSettings {
            target_kind: TargetKind::Builtin,
            requests: "16".into(),
            latency_ms: "200".into(),
            jitter_ms: "0".into(),
            fail_percent: "0".into(),
            page_kib: "16".into(),
            seed: "1".into(),
            urls: String::new(),
            workers: "4".into(),
            timeout_ms: "10000".into(),
            choices: [Sequential, Gather, Bounded, Threads]
                .map(Choice::of)
                .to_vec(),
        };
        match preset {
            Preset::Lesson => base,
            Preset::Flaky => IoSettings {
                jitter_ms: "80".into(),
                fail_percent: "10".into(),
                seed: "9".into(),
                choices: vec![Choice::of(Gather), Choice::of(Bounded)],
                ..base
            },
            Preset::Thousands => IoSettings {
                requests: "5000".into(),
                latency_ms: "50".into(),
                jitter_ms: "10".into(),
                page_kib: "1".into(),
                workers: "50".into(),
                // The browser hands requests over only so fast (about 450 a second on a small
                // machine), so 5 000 at once need far longer than one latency.
                timeout_ms: "60000".into(),
                choices: vec![Choice::of(Gather), Choice::of(Bounded)],
                ..base
            },
            Preset::Pipeline => IoSettings {
                requests: "64".into(),
                latency_ms: "100".into(),
                page_kib: "512".into(),
                choices: Choice::ALL[4..].to_vec(),
                ..base
            },
        }
    }

    /// Keeps the visitor's URL list when a preset replaces the rest.
    pub fn with_preset(&self, preset: Preset) -> IoSettings {
        IoSettings {
            urls: self.urls.clone(),
            ..IoSettings::preset(preset)
        }
    }

    pub fn toggle(&mut self, choice: Choice) {
        if let Some(at) = self.choices.iter().position(|&c| c == choice) {
            self.choices.remove(at);
        } else {
            self.choices.push(choice);
            self.tidy_choices();
        }
    }

    /// Each model once, in the list's order, whatever order they were ticked (or listed) in.
    pub fn tidy_choices(&mut self) {
        self.choices
            .sort_by_key(|c| Choice::ALL.iter().position(|a| a == c));
        self.choices.dedup();
    }

    /// The text behind a field; `None` for the model list, which is not text.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut String> {
        Some(match field {
            Field::Requests => &mut self.requests,
            Field::Latency => &mut self.latency_ms,
            Field::Jitter => &mut self.jitter_ms,
            Field::FailPercent => &mut self.fail_percent,
            Field::PageKib => &mut self.page_kib,
            Field::Seed => &mut self.seed,
            Field::Urls => &mut self.urls,
            Field::Workers => &mut self.workers,
            Field::Timeout => &mut self.timeout_ms,
            Field::Models => return None,
        })
    }

    /// Puts `field` back to its value in `defaults` (a link's refused value, say). A URL list
    /// that cannot be used goes back to the built-in targets with it.
    pub fn reset(&mut self, field: Field, defaults: &IoSettings) {
        match self.text_mut(field) {
            Some(text) => {
                let mut defaults = defaults.clone();
                *text = std::mem::take(defaults.text_mut(field).expect("the same field"));
            }
            None => self.choices = defaults.choices.clone(),
        }
        if field == Field::Urls {
            self.target_kind = defaults.target_kind;
        }
    }

    pub fn uses_workers(&self) -> bool {
        self.choices.iter().any(|c| c.model.takes_workers())
    }

    /// One request per chosen model, or every reason the form cannot run.
    pub fn requests(&self) -> Result<Vec<IoRequest>, Refusals> {
        let mut refusals = Vec::new();
        let targets = match self.target_kind {
            TargetKind::Builtin => {
                let requests = whole(
                    &self.requests,
                    "the number of requests",
                    1,
                    MAX_REQUESTS.into(),
                );
                let latency = whole(
                    &self.latency_ms,
                    "the latency in ms",
                    0,
                    MAX_DELAY_MS as u64,
                );
                let jitter = whole(
                    &self.jitter_ms,
                    "the jitter in ms (0 for none)",
                    0,
                    MAX_DELAY_MS as u64,
                );
                let page = whole(
                    &self.page_kib,
                    "the page size in KiB",
                    0,
                    (MAX_PAGE_BYTES / 1024).into(),
                );
                let seed = whole(&self.seed, "a seed (any whole number)", 0, u32::MAX.into());
                let fail_percent = decimal(&self.fail_percent, "the failure rate in %", 0.0, 100.0);
                let r = &mut refusals;
                Targets::Builtin(Builtin {
                    requests: noted(r, Field::Requests, requests) as u32,
                    latency_ms: noted(r, Field::Latency, latency) as f64,
                    jitter_ms: noted(r, Field::Jitter, jitter) as f64,
                    bytes: noted(r, Field::PageKib, page) as u32 * 1024,
                    seed: noted(r, Field::Seed, seed) as u32,
                    fail_rate: noted(r, Field::FailPercent, fail_percent) / 100.0,
                })
            }
            TargetKind::Urls => {
                let urls = io::parse_urls(&self.urls);
                if urls.is_empty() {
                    refusals.push((
                        Field::Urls,
                        "Enter at least one URL, one per line (https://…).".into(),
                    ));
                } else if urls.len() > MAX_URLS {
                    refusals.push((
                        Field::Urls,
                        format!("At most {MAX_URLS} URLs (there are {}).", urls.len()),
                    ));
                }
                // Lines that are not URLs are not refused: they are reported as failed requests
                // beside the others, as a script would report them.
                Targets::Urls { urls }
            }
        };
        let workers = if self.uses_workers() {
            noted(
                &mut refusals,
                Field::Workers,
                whole(
                    &self.workers,
                    "k, the number of workers",
                    1,
                    MAX_WORKERS as u64,
                ),
            ) as usize
        } else {
            1
        };
        let timeout = whole(
            &self.timeout_ms,
            "the timeout in ms",
            TIMEOUT_MS.0 as u64,
            TIMEOUT_MS.1 as u64,
        );
        let timeout_ms = noted(&mut refusals, Field::Timeout, timeout) as f64;
        if self.choices.is_empty() {
            refusals.push((Field::Models, "Choose at least one model.".into()));
        }
        if !refusals.is_empty() {
            return Err(Refusals::from(refusals));
        }
        let requests: Vec<IoRequest> = self
            .choices
            .iter()
            .map(|choice| IoRequest {
                model: choice.model,
                workers: if choice.model.takes_workers() {
                    workers
                } else {
                    1
                },
                targets: targets.clone(),
                timeout_ms,
                scan: choice.scan,
                raise_in_scan: false,
            })
            .collect();
        // The one limit no single field has: the pages the pipeline keeps, against memory.
        for request in &requests {
            if let (Targets::Builtin(b), IoModel::Pipeline, Scan::Pool) =
                (&request.targets, request.model, request.scan)
            {
                if let Err(why) = super::pages_fit(b.requests, b.bytes) {
                    let why = why.0.replacen("the pipeline", "The pipeline", 1);
                    return Err(Refusals::from(vec![(Field::PageKib, format!("{why}."))]));
                }
            }
        }
        // The fields' limits are the engine's; this is a guard against the two drifting apart.
        for request in &requests {
            if let Err(why) = request.check() {
                return Err(Refusals::from(vec![(Field::Models, format!("{why}."))]));
            }
        }
        Ok(requests)
    }
}

#[cfg(test)]
mod tests;
mod v1;

pub use v1::IoSettingsV1;
