//! What the page asks of the I/O lab: one run's request ([`IoRequest`]: a model, its workers,
//! the targets and their limits), checked before anything is fetched.

use serde::{Deserialize, Serialize};

use crate::engine::kernels::{MEMORY_LIMIT, MEMORY_RESERVE};

/// Where the service worker answers built-in targets, relative to its scope, and so what every
/// built-in target's URL holds: the page asks for them under a path of each engine's own
/// (`…/__overlap/io/e1a2b3c4d/page`, `web::client::engine_targets`).
pub const TARGETS_DIR: &str = "__overlap/io/";
/// A built-in target's last path segment (`www/sw.js` answers any).
const TARGET_PAGE: &str = "page";
/// Browsers open at most this many HTTP/1.1 connections to one host; more requests queue.
pub const HTTP1_CONNECTIONS_PER_HOST: usize = 6;
pub const MAX_WORKERS: usize = 64;
pub const MAX_REQUESTS: u32 = 10_000;
pub const MAX_URLS: usize = 200;
/// Built-in targets' latency and jitter, each.
pub const MAX_DELAY_MS: f64 = 10_000.0;
pub const MAX_PAGE_BYTES: u32 = 4 * 1024 * 1024;
/// A request's time limit.
pub const TIMEOUT_MS: (f64, f64) = (100.0, 120_000.0);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IoModel {
    /// One request at a time: `for url in urls: await fetch(url)`.
    Sequential,
    /// Every request at once on one thread: `asyncio.gather(*map(fetch, urls))`, `join_all`.
    Gather,
    /// At most k in flight on one thread: `buffer_unordered(k)`, an `asyncio.Semaphore(k)`.
    Bounded,
    /// k workers, each blocking on one synchronous request at a time:
    /// `ThreadPoolExecutor(max_workers=k).map(urlopen, urls)`.
    Threads,
    /// Fetch every page concurrently, then scan each for `<meta>` tags on the rayon pool (or,
    /// with [`Scan::OneThread`], scan each page on the same thread as soon as it arrives).
    Pipeline,
}

impl IoModel {
    pub const ALL: [IoModel; 5] = [
        IoModel::Sequential,
        IoModel::Gather,
        IoModel::Bounded,
        IoModel::Threads,
        IoModel::Pipeline,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            IoModel::Sequential => "sequential",
            IoModel::Gather => "gather",
            IoModel::Bounded => "bounded",
            IoModel::Threads => "threads",
            IoModel::Pipeline => "pipeline",
        }
    }

    pub fn from_slug(slug: &str) -> Option<IoModel> {
        IoModel::ALL.into_iter().find(|m| m.slug() == slug)
    }

    /// The Python a reader would write for the same thing.
    pub fn python(self) -> &'static str {
        match self {
            IoModel::Sequential => "for url in urls: await fetch(url)",
            IoModel::Gather => "await asyncio.gather(*(fetch(u) for u in urls))",
            IoModel::Bounded => "async with asyncio.Semaphore(k): await fetch(url)",
            IoModel::Threads => "ThreadPoolExecutor(max_workers=k).map(urlopen, urls)",
            IoModel::Pipeline => "pages = await gather(...); pool.map(scan_meta, pages)",
        }
    }

    /// Whether k means anything to this model.
    pub fn takes_workers(self) -> bool {
        matches!(self, IoModel::Bounded | IoModel::Threads)
    }
}

/// Where the pipeline scans its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scan {
    /// On the rayon pool once every page is in: parallel CPU work after concurrent waiting.
    #[default]
    Pool,
    /// On the event loop, each page as it arrives: CPU work inside async code, which holds up
    /// every other coroutine while it runs.
    OneThread,
}

/// N generated pages from the service worker, each after `latency_ms ± jitter_ms`, a share
/// `fail_rate` of them answering 503; the same seed gives the same pages, delays and failures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Builtin {
    pub requests: u32,
    pub latency_ms: f64,
    pub jitter_ms: f64,
    pub fail_rate: f64,
    pub bytes: u32,
    pub seed: u32,
}

impl Default for Builtin {
    fn default() -> Self {
        Builtin {
            requests: 16,
            latency_ms: 200.0,
            jitter_ms: 0.0,
            fail_rate: 0.0,
            bytes: 16 * 1024,
            seed: 1,
        }
    }
}

/// `coroutines` tasks that each `await asyncio.sleep(sleep_ms / 1000)`: nothing is fetched, a
/// timer on the engine's event loop is the wait, so what is measured is the coroutines alone,
/// not the browser's rate of answering requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timers {
    pub coroutines: u32,
    pub sleep_ms: f64,
    /// One more coroutine, started after the others, that spends this long in a call that
    /// blocks (see [`Blocker`]): the blocked-loop lesson's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocker: Option<Blocker>,
}

/// A coroutine that makes one call of `ms` milliseconds, made as `how` says.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Blocker {
    pub ms: f64,
    pub how: Blocking,
}

/// How a coroutine makes a call that takes a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Blocking {
    /// `time.sleep(s)` (or a CPU loop, or `requests.get`) inside the coroutine: the thread the
    /// event loop runs on is held, and no other coroutine runs until it returns.
    OnTheLoop,
    /// `await asyncio.to_thread(time.sleep, s)`: another thread is held; the loop awaits it and
    /// runs the other coroutines meanwhile.
    InAThread,
    /// `await asyncio.sleep(s)`: a timer; nothing is held.
    Awaited,
}

impl Blocker {
    /// The call, in Python.
    pub fn python(&self) -> String {
        let s = self.ms / 1e3;
        match self.how {
            Blocking::OnTheLoop => format!("time.sleep({s})"),
            Blocking::InAThread => format!("await asyncio.to_thread(time.sleep, {s})"),
            Blocking::Awaited => format!("await asyncio.sleep({s})"),
        }
    }
}

impl Timers {
    /// Where the blocking coroutine is among the run's targets: after the others.
    pub fn blocker_at(&self) -> Option<(usize, Blocker)> {
        self.blocker.map(|b| (self.coroutines as usize, b))
    }
}

/// Bytes of pages the pipeline may keep for its scan: the memory a WebAssembly page may use, less
/// what the engine needs besides (the CPU lab's kernels have the same budget). A run that kept
/// more would trap the engine part-way.
pub const PAGES_BUDGET: u64 = MEMORY_LIMIT - MEMORY_RESERVE;

/// Pages in memory at once besides the ones kept: each arrives as a report (JSON) and is then
/// read out of it, with a few arriving together.
const PAGES_IN_TRANSIT: u64 = 4;

/// Most timers one run sets: ten times the requests, since a timer costs no request.
pub const MAX_TIMERS: u32 = 10 * MAX_REQUESTS;

/// What to request: built-in targets, the visitor's own URLs, or timers instead of requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Targets {
    Builtin(Builtin),
    Urls { urls: Vec<String> },
    Timers(Timers),
}

impl Default for Targets {
    fn default() -> Self {
        Targets::Builtin(Builtin::default())
    }
}

fn default_workers() -> usize {
    4
}

fn default_timeout_ms() -> f64 {
    10_000.0
}

/// One I/O run, as the page sends it: `{"model": "bounded", "workers": 4, "targets": {"builtin":
/// {"requests": 16, "latency_ms": 200}}}`. Left-out settings take their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoRequest {
    pub model: IoModel,
    #[serde(default = "default_workers")]
    pub workers: usize,
    #[serde(default)]
    pub targets: Targets,
    /// Per request, after which it is aborted (AbortController) and reported as timed out.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: f64,
    #[serde(default)]
    pub scan: Scan,
    /// The fault drill: the pipeline's scan on the pool panics on purpose, so tests can check
    /// that a trapped scan is reported and the engine replaced. No form or link sets it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raise_in_scan: bool,
}

impl Default for IoRequest {
    fn default() -> Self {
        IoRequest {
            model: IoModel::Gather,
            workers: default_workers(),
            targets: Targets::default(),
            timeout_ms: default_timeout_ms(),
            scan: Scan::default(),
            raise_in_scan: false,
        }
    }
}

/// A setting out of range; the message names the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct IoError(pub String);

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn within(name: &str, value: f64, min: f64, max: f64, unit: &str) -> Result<(), IoError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(IoError(format!(
            "{name} must be between {min} and {max}{unit} (got {value})"
        )))
    }
}

/// Refuses a pipeline whose pages, all kept for the scan, would not fit in [`PAGES_BUDGET`],
/// naming the limit and what would fit.
pub fn pages_fit(requests: u32, bytes: u32) -> Result<(), IoError> {
    let needs = (u64::from(requests) + PAGES_IN_TRANSIT) * u64::from(bytes);
    if needs <= PAGES_BUDGET {
        return Ok(());
    }
    let most_requests = (PAGES_BUDGET / u64::from(bytes.max(1))).saturating_sub(PAGES_IN_TRANSIT);
    let largest_kib = PAGES_BUDGET / (u64::from(requests) + PAGES_IN_TRANSIT) / 1024;
    Err(IoError(format!(
        "the pipeline keeps every page for its scan on the pool: {requests} pages of {} KiB \
         need about {} MB, more than the {} MB the engine may use. Make at most {most_requests} \
         requests at this page size, pages of at most {largest_kib} KiB, or scan each page as \
         it arrives (on one thread), which keeps none",
        bytes / 1024,
        needs.div_ceil(1 << 20),
        PAGES_BUDGET >> 20,
    )))
}

/// One request to make: a URL, or the reason a line of the visitor's list is not one.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub url: String,
    pub invalid: Option<String>,
}

/// Checks a line of the visitor's URL list. Only absolute http(s) URLs: the engine runs in a
/// worker whose base URL is not the page's, so a relative one would mean something else there.
pub fn check_url(line: &str) -> Result<(), String> {
    // Schemes are case-insensitive (RFC 3986): HTTP://, Https:// and https:// are one.
    let scheme_end = line.find("://").map_or(0, |at| at + 3);
    let scheme = line[..scheme_end].to_ascii_lowercase();
    let rest = match scheme.as_str() {
        "https://" | "http://" => Some(&line[scheme_end..]),
        _ => None,
    };
    let authority = rest.map_or("", |r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match rest {
        None => Err("not an http:// or https:// URL".into()),
        Some(_) if authority.contains('@') => Err(
            "a user name or password in the URL: browsers refuse these in fetch; remove the \
             part before @"
                .into(),
        ),
        Some(_) if line.chars().any(char::is_whitespace) => {
            Err("a URL cannot contain spaces".into())
        }
        Some(rest) if rest.is_empty() || rest.starts_with('/') => Err("the URL has no host".into()),
        Some(_) if line.len() > 2_048 => Err("longer than 2 048 characters".into()),
        Some(_) => Ok(()),
    }
}

/// The visitor's list, one URL per line; blank lines and `#` comments are skipped.
pub fn parse_urls(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(String::from)
        .collect()
}

/// The hosts a list of URLs contacts, each once, in the order first named: what a link's card
/// names before its Run here fetches them. Lines without a scheme (not URLs, reported as failed
/// requests) contact no host.
pub fn hosts(urls: &[String]) -> Vec<&str> {
    let mut hosts: Vec<&str> = Vec::new();
    for url in urls.iter().filter(|u| u.contains("://")) {
        let host = super::host_of(url);
        if !host.is_empty() && !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

impl IoRequest {
    /// Refuses settings out of range; lines of a URL list that are not URLs are not refused here
    /// but reported as failed requests, so the rest still run.
    pub fn check(&self) -> Result<(), IoError> {
        if self.model.takes_workers() && !(1..=MAX_WORKERS).contains(&self.workers) {
            return Err(IoError(format!(
                "k (workers) must be between 1 and {MAX_WORKERS} (got {})",
                self.workers
            )));
        }
        within(
            "the timeout",
            self.timeout_ms,
            TIMEOUT_MS.0,
            TIMEOUT_MS.1,
            " ms",
        )?;
        match &self.targets {
            Targets::Builtin(b) => {
                within("requests", b.requests.into(), 1.0, MAX_REQUESTS.into(), "")?;
                within("latency", b.latency_ms, 0.0, MAX_DELAY_MS, " ms")?;
                within("jitter", b.jitter_ms, 0.0, MAX_DELAY_MS, " ms")?;
                within("the failure rate", b.fail_rate, 0.0, 1.0, "")?;
                within(
                    "page size",
                    b.bytes.into(),
                    0.0,
                    MAX_PAGE_BYTES.into(),
                    " bytes",
                )?;
                if self.model == IoModel::Pipeline && self.scan == Scan::Pool {
                    pages_fit(b.requests, b.bytes)?;
                }
            }
            Targets::Urls { urls } if urls.is_empty() => {
                return Err(IoError("enter at least one URL".into()))
            }
            Targets::Urls { urls } if urls.len() > MAX_URLS => {
                return Err(IoError(format!(
                    "at most {MAX_URLS} URLs (got {})",
                    urls.len()
                )))
            }
            Targets::Urls { .. } => {}
            Targets::Timers(t) => {
                within(
                    "coroutines",
                    t.coroutines.into(),
                    1.0,
                    MAX_TIMERS.into(),
                    "",
                )?;
                within("the sleep", t.sleep_ms, 0.0, MAX_DELAY_MS, " ms")?;
                if let Some(b) = t.blocker {
                    within("the blocking call", b.ms, 0.0, MAX_DELAY_MS, " ms")?;
                }
            }
        }
        Ok(())
    }

    /// The requests to make; `base` is where the service worker answers built-in targets
    /// (`https://host/app/__overlap/io/`).
    pub fn targets(&self, base: &str) -> Vec<Target> {
        match &self.targets {
            Targets::Builtin(b) => (0..b.requests)
                .map(|i| Target {
                    url: builtin_url(base, b, i),
                    invalid: None,
                })
                .collect(),
            Targets::Urls { urls } => urls
                .iter()
                .map(|url| Target {
                    url: url.clone(),
                    invalid: check_url(url).err(),
                })
                .collect(),
            Targets::Timers(t) => (0..t.coroutines)
                .map(|_| format!("asyncio.sleep({})", t.sleep_ms / 1e3))
                .chain(t.blocker.map(|b| b.python()))
                .map(|url| Target { url, invalid: None })
                .collect(),
        }
    }

    /// The wall time a perfect run would take on built-in targets with no jitter (or on timers):
    /// N·L one at a time, L all at once, ⌈N/k⌉·L k at a time.
    pub fn ideal_ms(&self) -> Option<f64> {
        let (n, wait_ms) = match &self.targets {
            Targets::Builtin(b) => (f64::from(b.requests), b.latency_ms),
            Targets::Timers(t) => (f64::from(t.coroutines), t.sleep_ms),
            Targets::Urls { .. } => return None,
        };
        // A blocking coroutine's call takes its time however it is made.
        let blocking_ms = match &self.targets {
            Targets::Timers(Timers {
                blocker: Some(b), ..
            }) => b.ms,
            _ => 0.0,
        };
        let k = self.workers.max(1) as f64;
        Some(match self.model {
            IoModel::Sequential => n * wait_ms + blocking_ms,
            IoModel::Gather | IoModel::Pipeline => wait_ms.max(blocking_ms),
            IoModel::Bounded | IoModel::Threads => ((n / k).ceil() * wait_ms).max(blocking_ms),
        })
    }
}

/// The URL of built-in target `i`. `base` is `…/__overlap/io/`, or an engine's own path under it.
pub fn builtin_url(base: &str, b: &Builtin, i: u32) -> String {
    format!(
        "{base}{TARGET_PAGE}?i={i}&seed={}&bytes={}&latency={}&jitter={}&fail={}",
        b.seed, b.bytes, b.latency_ms, b.jitter_ms, b.fail_rate
    )
}
