//! What a link carries: an experiment (a CPU sweep or an I/O run) with its settings, and
//! optionally what it measured and on what machine.

use serde::{Deserialize, Serialize};

use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment::{self, Report, Row};
use crate::engine::io::settings::{Choice, IoSettings};
use crate::engine::io::IoRun;
use crate::engine::kernels;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, MAX_WORKERS};
use crate::engine::size;
use crate::engine::stats::Summary;
use crate::engine::workload::Checksum;

/// Longest browser name a link may carry; it is only a label.
pub(super) const MAX_BROWSER_CHARS: usize = 60;
/// The most cores a link may claim: more than any machine this page will meet.
pub(super) const MAX_CORES: usize = 4096;
/// Longer wall times than a day are not measurements this tool makes.
const MAX_MS: f64 = 86_400_000.0;

/// What a link carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    pub lab: Lab,
    pub results: Option<Results>,
    /// Where the results were measured.
    pub machine: Option<Machine>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            lab: Lab::Cpu(CpuConfig::first_visit()),
            results: None,
            machine: None,
        }
    }
}

/// Which lab the experiment belongs to, with its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lab {
    Cpu(CpuConfig),
    Io(IoSettings),
}

/// The CPU lab's form, read: every value checked, so a link can only hold a runnable sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuConfig {
    pub kernel: String,
    pub size: u64,
    pub repeats: usize,
    pub models: Vec<Model>,
    /// `all`, or the ks as a list with runs written as ranges (`1-4, 8`).
    pub threads: String,
    pub style: MapStyle,
    pub chunksize: Option<usize>,
}

impl CpuConfig {
    /// The sweep a first visit shows.
    pub fn first_visit() -> CpuConfig {
        let kernel = &kernels::KERNELS[0];
        CpuConfig {
            kernel: kernel.slug.into(),
            // Half the count kernel's default (about 0.4 s here), so the first sweep a visitor
            // runs takes seconds; other kernels start at their defaults.
            size: 1_000_000_000,
            repeats: experiment::REPEATS.default as usize,
            models: vec![Model::GilThreads, Model::FreeThreads, Model::Processes],
            threads: "all".into(),
            style: MapStyle::Map,
            chunksize: None,
        }
    }

    /// Reads the form; the message says which field stops it from being shared.
    pub fn from_settings(form: &CpuSettings) -> Result<CpuConfig, String> {
        if kernels::offered(&form.kernel).is_none() {
            return Err(format!(
                "There is no workload called {}.",
                crate::engine::quote::quoted(&form.kernel)
            ));
        }
        let sweep = form.read(MAX_WORKERS).map_err(|refusals| {
            let (field, why) = &refusals.0[0];
            format!("{}: {why}", field.label())
        })?;
        Ok(CpuConfig {
            kernel: sweep.kernel.slug.into(),
            size: sweep.size,
            repeats: sweep.repeats,
            models: form.models.clone(),
            threads: threads_text(&form.threads_text, &sweep.ks),
            style: form.style,
            chunksize: sweep.chunksize,
        })
    }

    /// The form showing this sweep.
    pub fn to_settings(&self) -> CpuSettings {
        CpuSettings {
            kernel: self.kernel.clone(),
            size_text: size::group(self.size),
            repeats_text: self.repeats.to_string(),
            models: self.models.clone(),
            threads_text: self.threads.clone(),
            style: self.style,
            chunksize_text: self.chunksize.map(|c| c.to_string()).unwrap_or_default(),
        }
    }
}

/// `all` stays `all` (every core of whoever opens the link); a list is written with runs of
/// consecutive ks as ranges.
pub(super) fn threads_text(typed: &str, ks: &[usize]) -> String {
    let typed = typed.trim();
    if typed.is_empty() || typed.eq_ignore_ascii_case("all") {
        return "all".into();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ks.len() {
        let mut j = i;
        while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}-{}", ks[i], ks[j])
        } else {
            ks[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// The link's thread counts on a machine with `cores`: those it has, and a note if some are
/// left out (a sweep shared from 16 cores opened on 4).
pub fn fit_threads(threads: &str, cores: usize) -> (String, Option<String>) {
    let cores = cores.max(1);
    let Ok(ks) = experiment::parse_threads(threads, MAX_WORKERS) else {
        return ("all".into(), None);
    };
    if threads == "all" || ks.iter().all(|&k| k <= cores) {
        return (threads.into(), None);
    }
    let kept: Vec<usize> = ks.iter().copied().filter(|&k| k <= cores).collect();
    let text = if kept.is_empty() {
        "all".to_string()
    } else {
        threads_text(threads, &kept)
    };
    let note = format!(
        "The link sweeps k = {threads}; this machine has {cores} core(s), so k = {} run here.",
        if kept.is_empty() {
            "1".to_string()
        } else {
            text.clone()
        }
    );
    (text, Some(note))
}

/// A result carried by a link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Results {
    Cpu(Vec<CpuResult>),
    Io(Vec<IoResult>),
}

/// One step of a sweep: its median wall time and range, in ms to two decimals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuResult {
    pub model: Model,
    pub threads: usize,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub repeats: usize,
    /// The speedup the sender's page showed, to four decimals: carried rather than recomputed,
    /// so the link shows the figures its sender saw. `None` in links made before it was carried.
    pub speedup: Option<f64>,
}

/// Hundredths of a millisecond are below any machine's noise; fewer digits, shorter links. As
/// every table shows them ([`experiment::as_shown_ms`](crate::engine::experiment::as_shown_ms)).
pub(super) fn hundredths(ms: f64) -> f64 {
    crate::engine::experiment::as_shown_ms(ms)
}

impl CpuResult {
    /// The row as `report` shows it, with the speedup it shows.
    pub fn from_row(report: &Report, row: &Row) -> CpuResult {
        CpuResult {
            speedup: report.speedup(row).filter(|x| x.is_finite()),
            model: row.model,
            threads: row.threads,
            median_ms: hundredths(row.summary.median),
            min_ms: hundredths(row.summary.min),
            max_ms: hundredths(row.summary.max),
            repeats: row.summary.repeats,
        }
    }

    pub(super) fn is_sane(&self) -> bool {
        let times = [self.min_ms, self.median_ms, self.max_ms];
        (1..=MAX_WORKERS).contains(&self.threads)
            && (1..=1000).contains(&self.repeats)
            && times
                .iter()
                .all(|t| t.is_finite() && (0.0..=MAX_MS).contains(t))
            && self.min_ms <= self.median_ms
            && self.median_ms <= self.max_ms
            && self
                .speedup
                .is_none_or(|x| x.is_finite() && (0.0..=MAX_SPEEDUP).contains(&x))
    }
}

/// The carried rows as a report, for the same table and charts as the visitor's own. Carried
/// results have no checksums, so every row gets the same one.
pub fn report_of(kernel: &str, results: &[CpuResult]) -> Report {
    let mut report = Report::new(kernel);
    for r in results {
        report.push(Row {
            model: r.model,
            threads: r.threads,
            summary: Summary {
                median: r.median_ms,
                min: r.min_ms,
                max: r.max_ms,
                repeats: r.repeats,
            },
            checksum: Checksum(0),
            samples_ms: Vec::new(),
            trace: None,
            carried_speedup: r.speedup,
        });
    }
    report
}

/// Past any machine's speedup: a carried figure above it is not one.
const MAX_SPEEDUP: f64 = 10_000.0;

/// One I/O run's summary.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoResult {
    pub choice: Choice,
    pub workers: usize,
    pub requests: usize,
    pub wall_ms: f64,
    pub ideal_ms: Option<f64>,
    pub ok: usize,
    pub failed: usize,
}

impl IoResult {
    pub fn from_run(run: &IoRun) -> IoResult {
        IoResult {
            choice: Choice {
                model: run.model,
                scan: run.scan.as_ref().map_or_else(Default::default, |s| s.on),
            },
            workers: run.workers,
            requests: run.summary.ok + run.summary.failed,
            wall_ms: hundredths(run.summary.wall_ms),
            ideal_ms: run.ideal_ms.map(hundredths),
            ok: run.summary.ok,
            failed: run.summary.failed,
        }
    }

    pub(super) fn is_sane(&self) -> bool {
        let ms_ok = |t: f64| t.is_finite() && (0.0..=MAX_MS).contains(&t);
        (1..=MAX_WORKERS).contains(&self.workers)
            && self.requests <= 1_000_000
            && self.ok + self.failed == self.requests
            && ms_ok(self.wall_ms)
            && self.ideal_ms.is_none_or(ms_ok)
    }
}

/// The machine results were measured on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    /// A short label such as "Chrome 156".
    pub browser: String,
    pub cross_origin_isolated: bool,
}

impl Machine {
    /// What a chart's legend calls results from this machine.
    pub fn label(&self) -> String {
        format!("{} cores, {}", self.cores, self.browser)
    }

    /// The machine as links carry it (the CPU and I/O labs' and the Python lab's alike).
    pub fn to_wire(&self) -> serde_json::Value {
        serde_json::json!({
            "cores": self.cores,
            "browser": self.browser,
            "isolated": self.cross_origin_isolated,
        })
    }

    /// The machine a link carries; `None` when its cores are unreadable. The browser is only a
    /// label: printable characters, and not many.
    pub fn from_wire(machine: &serde_json::Value) -> Option<Machine> {
        use serde_json::Value;
        let cores = machine
            .get("cores")
            .and_then(Value::as_u64)
            .filter(|c| (1..=MAX_CORES as u64).contains(c))?;
        let browser: String = machine
            .get("browser")
            .and_then(Value::as_str)
            .unwrap_or("a browser")
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_BROWSER_CHARS)
            .collect();
        Some(Machine {
            cores: cores as usize,
            browser: if browser.trim().is_empty() {
                "a browser".into()
            } else {
                browser
            },
            cross_origin_isolated: machine
                .get("isolated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// "Chrome 156" from a user-agent string: enough to tell classroom machines apart, no more.
pub fn browser_label(user_agent: &str) -> String {
    // Order matters: Edge and Opera also say Chrome, and Chrome also says Safari.
    for (token, name) in [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Chrome (headless)"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ] {
        if let Some(at) = user_agent.find(token) {
            let major: String = user_agent[at + token.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            return format!("{name} {major}").trim_end().to_string();
        }
    }
    "a browser".into()
}

/// A fragment opened: the experiment to show, and what had to be replaced to show it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub shared: Shared,
    pub problems: Vec<String>,
}
