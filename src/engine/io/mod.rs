//! The I/O lab: N requests made one after another (`for url in urls: await get(url)`), all at once
//! (`asyncio.gather`), k at a time (`ThreadPoolExecutor(max_workers=k)` or a bounded
//! `buffer_unordered(k)`), by k blocking threads (`urllib` in threads), and the fetch-then-parse
//! pipeline. Waiting overlaps; computing on one thread does not.
//!
//! Nothing here knows about the browser: requests go through a [`Transport`] (`fetch` and
//! synchronous XHR workers in the engine worker, threads and sleeps in the native tests), times
//! through a [`Clock`], and the built-in targets are URLs that `www/sw.js` answers.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;
use crate::engine::kernels::meta_scan;
use crate::engine::run::control::RunControl;

pub mod settings;

/// Where the service worker answers built-in targets, relative to its scope.
pub const TARGET_PATH: &str = "__overlap/io/page";
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

/// What to request: built-in targets or the visitor's own URLs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Targets {
    Builtin(Builtin),
    Urls { urls: Vec<String> },
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

/// One I/O run, as the page sends it: `{"model": "bounded", "workers": 4, "targets": {"kind":
/// "builtin", "requests": 16, "latency_ms": 200}}`. Left-out settings take their defaults.
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

/// One request to make: a URL, or the reason a line of the visitor's list is not one.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub url: String,
    pub invalid: Option<String>,
}

/// Checks a line of the visitor's URL list. Only absolute http(s) URLs: the engine runs in a
/// worker whose base URL is not the page's, so a relative one would mean something else there.
pub fn check_url(line: &str) -> Result<(), String> {
    let rest = line
        .strip_prefix("https://")
        .or_else(|| line.strip_prefix("http://"));
    match rest {
        None => Err("not an http:// or https:// URL".into()),
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
        }
    }

    /// The wall time a perfect run would take on built-in targets with no jitter: N·L one at a
    /// time, L all at once, ⌈N/k⌉·L k at a time.
    pub fn ideal_ms(&self) -> Option<f64> {
        let Targets::Builtin(b) = &self.targets else {
            return None;
        };
        let n = f64::from(b.requests);
        let k = self.workers.max(1) as f64;
        Some(match self.model {
            IoModel::Sequential => n * b.latency_ms,
            IoModel::Gather | IoModel::Pipeline => b.latency_ms,
            IoModel::Bounded | IoModel::Threads => (n / k).ceil() * b.latency_ms,
        })
    }
}

/// The URL of built-in target `i`. `base` ends in `__overlap/io/`.
pub fn builtin_url(base: &str, b: &Builtin, i: u32) -> String {
    let page = TARGET_PATH.rsplit('/').next().unwrap_or("page");
    format!(
        "{base}{page}?i={i}&seed={}&bytes={}&latency={}&jitter={}&fail={}",
        b.seed, b.bytes, b.latency_ms, b.jitter_ms, b.fail_rate
    )
}

/// What a transport reports for one request. Times come from the same clock as the run's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fetched {
    /// When the response's headers arrived (fetch resolved); unknown for synchronous requests.
    pub first_byte_ms: Option<f64>,
    pub status: Option<u16>,
    pub status_text: String,
    pub bytes: u64,
    /// The page, when asked for (the pipeline scans it).
    pub body: Option<String>,
    /// Why there is no usable response: network, CORS, timeout or an HTTP error status.
    pub error: Option<String>,
    /// `nextHopProtocol` from Resource Timing, where the browser tells (`http/1.1`, `h2`).
    pub protocol: Option<String>,
}

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Makes requests. `lane` is the worker that makes it (the coroutine for async models, the
/// blocking worker for [`IoModel::Threads`]).
pub trait Transport {
    fn get<'a>(
        &'a self,
        lane: usize,
        url: &'a str,
        timeout_ms: f64,
        keep_body: bool,
    ) -> LocalFuture<'a, Fetched>;
}

/// One bar of the waterfall, in ms from the start of the run. Every request is queued at 0, as
/// with `gather` or `executor.map`, so `started_ms` is also how long it waited for a slot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub index: usize,
    pub url: String,
    /// The coroutine slot or thread that made it.
    pub worker: usize,
    pub queued_ms: f64,
    pub started_ms: f64,
    pub first_byte_ms: Option<f64>,
    pub finished_ms: f64,
    pub status: Option<u16>,
    pub bytes: u64,
    pub error: Option<String>,
    pub protocol: Option<String>,
    /// Time spent scanning this page on the event loop (pipeline on one thread).
    pub scan_ms: Option<f64>,
}

impl RequestRecord {
    pub fn latency_ms(&self) -> f64 {
        self.finished_ms - self.started_ms
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub wall_ms: f64,
    /// What the requests would take one after another.
    pub sum_latency_ms: f64,
    pub max_in_flight: usize,
    pub ok: usize,
    pub failed: usize,
}

/// The pipeline's CPU half.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub on: Scan,
    pub pages: usize,
    pub meta_tags: usize,
    /// Until the last page was in.
    pub fetch_ms: f64,
    /// Scanning: on the pool, after the fetches; on one thread, the sum of the inline scans.
    pub scan_ms: f64,
    pub threads: usize,
}

/// Memory at the busiest moment of a run, where the browser reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// The engine worker's JavaScript heap (Chromium's `performance.memory`; absent elsewhere).
    pub js_heap_bytes: Option<u64>,
    /// The wasm module's linear memory (shared by the engine and its pool).
    pub wasm_bytes: u64,
    /// The same before the run. Linear memory never shrinks, so the growth is what this run
    /// needed beyond what earlier runs had already reserved.
    #[serde(default)]
    pub wasm_before_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoRun {
    pub model: IoModel,
    pub workers: usize,
    pub requests: Vec<RequestRecord>,
    pub summary: Summary,
    pub ideal_ms: Option<f64>,
    pub scan: Option<ScanReport>,
    pub memory: Option<Memory>,
    /// Things the reader should know about this run (the HTTP/1.1 connection limit).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum IoReply {
    Done(Box<IoRun>),
    Failed { message: String },
    Cancelled,
}

/// The highest number of requests in flight at once. A request that ends when another starts
/// does not overlap it.
pub fn max_in_flight<'a>(records: impl IntoIterator<Item = &'a RequestRecord>) -> usize {
    let mut events: Vec<(f64, i32)> = records
        .into_iter()
        .flat_map(|r| [(r.started_ms, 1), (r.finished_ms, -1)])
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    most as usize
}

pub fn summarize(records: &[RequestRecord], wall_ms: f64) -> Summary {
    let failed = records.iter().filter(|r| r.error.is_some()).count();
    Summary {
        wall_ms,
        sum_latency_ms: records.iter().map(RequestRecord::latency_ms).sum(),
        max_in_flight: max_in_flight(records),
        ok: records.len() - failed,
        failed,
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Explains the HTTP/1.1 limit where a run shows it: more than six requests at once to one host
/// that answered over HTTP/1.1. (Built-in targets never do: the service worker answers them
/// inside the browser, with no connection at all.)
pub fn notes(records: &[RequestRecord]) -> Vec<String> {
    let mut hosts: Vec<&str> = records
        .iter()
        .filter(|r| r.protocol.as_deref() == Some("http/1.1"))
        .map(|r| host_of(&r.url))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    hosts
        .into_iter()
        .filter_map(|host| {
            let to_host = records.iter().filter(|r| host_of(&r.url) == host);
            let at_once = max_in_flight(to_host.clone());
            let asked = to_host.count();
            (at_once.min(asked) > HTTP1_CONNECTIONS_PER_HOST).then(|| {
                format!(
                    "{host} answered over HTTP/1.1, where a browser opens at most \
                     {HTTP1_CONNECTIONS_PER_HOST} connections per host: of the {at_once} requests \
                     in flight at once, the rest waited inside the browser for a free connection, \
                     which shows as later first bytes in the waterfall. HTTP/2 shares one \
                     connection among all of them."
                )
            })
        })
        .collect()
}

/// Explains a run far slower than its ideal: the requests were not waiting on their latency but
/// on the browser, which hands requests to the service worker (or the network) only so fast. On
/// a 2-core machine headless Chromium answers built-in targets at about 450 a second, so 5 000
/// at once take some 11 s however short their latency.
pub fn pace_note(requests: usize, wall_ms: f64, ideal_ms: Option<f64>) -> Option<String> {
    let ideal = ideal_ms?;
    if requests == 0 || wall_ms <= 1.5 * ideal + 100.0 {
        return None;
    }
    let rate = requests as f64 / (wall_ms / 1e3);
    Some(format!(
        "This run took {wall_ms:.0} ms against an ideal of {ideal:.0} ms: the browser answered \
         about {rate:.0} requests a second, and that rate, not the latency, set the pace. \
         The waiting still overlapped; compare the sum of latencies with the wall time."
    ))
}

/// Runs `request` against `targets` through `transport`. Requests already under way when Cancel
/// arrives finish (or time out); no new one starts, and the reply is [`IoReply::Cancelled`].
/// For [`IoModel::Pipeline`] with [`Scan::Pool`] the pages come back in the second value, for the
/// caller to scan on its pool ([`scan_pages`]).
pub async fn run<T: Transport + ?Sized>(
    request: &IoRequest,
    targets: &[Target],
    transport: &T,
    clock: Clock,
    control: &RunControl,
) -> (IoReply, Vec<String>) {
    if let Err(err) = request.check() {
        return (
            IoReply::Failed {
                message: err.to_string(),
            },
            Vec::new(),
        );
    }
    control.plan(targets.len());
    let origin = clock();
    let keep_body = request.model == IoModel::Pipeline;
    let inline_scan = keep_body && request.scan == Scan::OneThread;
    let workers = if request.model.takes_workers() {
        request.workers
    } else if request.model == IoModel::Sequential {
        1
    } else {
        targets.len()
    };

    let one = |index: usize, lane: usize| async move {
        if control.is_cancelled() {
            return None;
        }
        let target = &targets[index];
        let started_ms = clock() - origin;
        let mut record = RequestRecord {
            index,
            url: target.url.clone(),
            worker: lane,
            started_ms,
            ..RequestRecord::default()
        };
        let mut body = None;
        if let Some(why) = &target.invalid {
            record.error = Some(why.clone());
        } else {
            let fetched = transport
                .get(lane, &target.url, request.timeout_ms, keep_body)
                .await;
            record.first_byte_ms = fetched.first_byte_ms.map(|t| t - origin);
            record.status = fetched.status;
            record.bytes = fetched.bytes;
            record.error = fetched.error;
            record.protocol = fetched.protocol;
            body = fetched.body;
        }
        record.finished_ms = clock() - origin;
        let mut tags = 0;
        if inline_scan {
            if let Some(page) = body.take() {
                let scan_started = clock();
                tags = meta_scan::meta_tags(&page).len();
                record.scan_ms = Some(clock() - scan_started);
            }
        }
        control.tasks_done(1);
        Some((record, body, tags))
    };

    let n = targets.len();
    let done: Vec<Option<(RequestRecord, Option<String>, usize)>> = match request.model {
        IoModel::Sequential => {
            let mut done = Vec::with_capacity(n);
            for index in 0..n {
                done.push(one(index, 0).await);
            }
            done
        }
        IoModel::Gather | IoModel::Pipeline => {
            futures::future::join_all((0..n).map(|index| one(index, index))).await
        }
        IoModel::Bounded => {
            // Lanes are assigned afterwards: buffer_unordered does not say which slot ran what.
            stream::iter((0..n).map(|index| one(index, 0)))
                .buffer_unordered(request.workers)
                .collect()
                .await
        }
        IoModel::Threads => {
            let next = Cell::new(0);
            let lanes = (0..request.workers.min(n)).map(|lane| {
                let next = &next;
                let one = &one;
                async move {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.get();
                        if index >= n {
                            return mine;
                        }
                        next.set(index + 1);
                        mine.push(one(index, lane).await);
                    }
                }
            });
            futures::future::join_all(lanes)
                .await
                .into_iter()
                .flatten()
                .collect()
        }
    };
    let wall_ms = clock() - origin;
    if control.is_cancelled() {
        return (IoReply::Cancelled, Vec::new());
    }
    let mut records = Vec::with_capacity(n);
    let mut pages = Vec::new();
    let mut inline_tags = 0;
    for (record, body, tags) in done.into_iter().flatten() {
        inline_tags += tags;
        pages.extend(body);
        records.push(record);
    }
    records.sort_by_key(|r| r.index);
    if matches!(request.model, IoModel::Gather | IoModel::Bounded) {
        assign_slots(&mut records);
    }
    let scan = (request.model == IoModel::Pipeline).then(|| ScanReport {
        on: request.scan,
        pages: records.iter().filter(|r| r.error.is_none()).count(),
        meta_tags: inline_tags,
        fetch_ms: records.iter().map(|r| r.finished_ms).fold(0.0, f64::max),
        scan_ms: records.iter().filter_map(|r| r.scan_ms).sum(),
        threads: 1,
    });
    let run = IoRun {
        model: request.model,
        workers,
        summary: summarize(&records, wall_ms),
        ideal_ms: request.ideal_ms(),
        notes: notes(&records)
            .into_iter()
            // The pipeline's wall time includes its scan, which is the point of that model.
            .chain(pace_note(records.len(), wall_ms, request.ideal_ms()).filter(|_| !keep_body))
            .collect(),
        requests: records,
        scan,
        memory: None,
    };
    (IoReply::Done(Box::new(run)), pages)
}

/// Numbers the in-flight slots for the waterfall: each request takes the lowest slot free when
/// it starts, so the slot count equals the highest number in flight.
fn assign_slots(records: &mut [RequestRecord]) {
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| records[a].started_ms.total_cmp(&records[b].started_ms));
    let mut busy_until: Vec<f64> = Vec::new();
    for i in order {
        let r = &mut records[i];
        let slot = match busy_until.iter().position(|&end| end <= r.started_ms) {
            Some(slot) => slot,
            None => {
                busy_until.push(0.0);
                busy_until.len() - 1
            }
        };
        busy_until[slot] = r.finished_ms;
        r.worker = slot;
    }
}

/// The pipeline's scan on the current rayon pool: `pool.map(scan_meta, pages)`. Returns the tags
/// found and the milliseconds it took.
/// `raise` is the fault drill ([`IoRequest::raise_in_scan`]): one page's scan panics.
pub fn scan_pages(pages: &[String], clock: Clock, raise: bool) -> (usize, f64) {
    use rayon::prelude::*;
    let started = clock();
    let tags = pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if raise && i == pages.len() / 2 {
                panic!("the fault drill raised in the pipeline's scan, as asked");
            }
            meta_scan::meta_tags(p).len()
        })
        .sum();
    (tags, clock() - started)
}

/// Fills in the pool scan of a pipeline run.
pub fn record_pool_scan(reply: &mut IoReply, tags: usize, scan_ms: f64, threads: usize) {
    if let IoReply::Done(run) = reply {
        if let Some(scan) = run.scan.as_mut() {
            scan.meta_tags = tags;
            scan.scan_ms = scan_ms;
            scan.threads = threads;
            run.summary.wall_ms += scan_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use futures::channel::oneshot;
    use std::time::Duration;

    /// Real waiting, natively: each request is a thread that sleeps `latency` and answers; the
    /// `fail` URLs answer 503, `slow` ones never before the timeout.
    struct Sleepy {
        latency: Duration,
    }

    impl Transport for Sleepy {
        fn get<'a>(
            &'a self,
            _lane: usize,
            url: &'a str,
            timeout_ms: f64,
            keep_body: bool,
        ) -> LocalFuture<'a, Fetched> {
            let (tx, rx) = oneshot::channel();
            let latency = if url.contains("slow") {
                Duration::from_secs_f64(timeout_ms / 1e3)
            } else {
                self.latency
            };
            std::thread::spawn(move || {
                std::thread::sleep(latency);
                let _ = tx.send(());
            });
            let url = url.to_string();
            Box::pin(async move {
                let _ = rx.await;
                if url.contains("slow") {
                    return Fetched {
                        error: Some(format!("timed out after {timeout_ms} ms")),
                        ..Fetched::default()
                    };
                }
                let status = if url.contains("fail") { 503 } else { 200 };
                Fetched {
                    first_byte_ms: Some(system_clock()),
                    status: Some(status),
                    bytes: 100,
                    error: (status != 200).then(|| format!("HTTP {status}")),
                    body: keep_body.then(|| {
                        r#"<meta name="author" content="x"><p>hi</p><meta content="y" name="robots">"#
                            .to_string()
                    }),
                    protocol: Some("http/1.1".into()),
                    ..Fetched::default()
                }
            })
        }
    }

    fn urls(n: usize) -> Vec<Target> {
        (0..n)
            .map(|i| Target {
                url: format!("http://example.test/{i}"),
                invalid: None,
            })
            .collect()
    }

    fn go(request: &IoRequest, targets: &[Target]) -> (IoRun, Vec<String>) {
        let transport = Sleepy {
            latency: Duration::from_millis(40),
        };
        let control = RunControl::default();
        let (reply, pages) =
            futures::executor::block_on(run(request, targets, &transport, system_clock, &control));
        assert_eq!(control.progress().done, targets.len());
        match reply {
            IoReply::Done(run) => (*run, pages),
            other => panic!("not done: {other:?}"),
        }
    }

    fn request(model: IoModel, workers: usize) -> IoRequest {
        IoRequest {
            model,
            workers,
            ..IoRequest::default()
        }
    }

    #[test]
    fn sequential_waits_for_each_request_in_turn() {
        let (run, _) = go(&request(IoModel::Sequential, 1), &urls(5));
        assert_eq!(run.summary.max_in_flight, 1);
        assert!(
            run.summary.wall_ms >= 5.0 * 40.0 * 0.95,
            "{:?}",
            run.summary
        );
        for pair in run.requests.windows(2) {
            assert!(pair[1].started_ms >= pair[0].finished_ms);
        }
    }

    #[test]
    fn gather_overlaps_every_request() {
        let (run, _) = go(&request(IoModel::Gather, 1), &urls(16));
        assert_eq!(run.summary.max_in_flight, 16);
        assert!(run.summary.wall_ms < 16.0 * 40.0 / 3.0, "{:?}", run.summary);
        assert!(run.summary.sum_latency_ms >= 16.0 * 40.0 * 0.95);
        let mut slots: Vec<usize> = run.requests.iter().map(|r| r.worker).collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), 16);
    }

    #[test]
    fn bounded_and_threads_keep_k_in_flight() {
        for model in [IoModel::Bounded, IoModel::Threads] {
            let (run, _) = go(&request(model, 4), &urls(16));
            assert_eq!(run.summary.max_in_flight, 4, "{model:?}");
            assert!(run.requests.iter().all(|r| r.worker < 4), "{model:?}");
            // ⌈16/4⌉ = 4 rounds of 40 ms.
            assert!(run.summary.wall_ms >= 4.0 * 40.0 * 0.95, "{model:?}");
            assert_eq!(run.ideal_ms, Some(4.0 * 200.0));
        }
    }

    #[test]
    fn failures_are_reported_per_request_while_the_rest_succeed() {
        let mut targets = urls(6);
        targets[2].url = "http://example.test/fail".into();
        targets[4].url = "http://example.test/slow".into();
        targets.push(Target {
            url: "ftp://nope".into(),
            invalid: check_url("ftp://nope").err(),
        });
        let mut req = request(IoModel::Gather, 1);
        req.timeout_ms = 150.0;
        let (run, _) = go(&req, &targets);
        assert_eq!((run.summary.ok, run.summary.failed), (4, 3));
        assert_eq!(run.requests[2].error.as_deref(), Some("HTTP 503"));
        assert!(run.requests[4]
            .error
            .as_deref()
            .unwrap()
            .contains("timed out"));
        assert!(run.requests[6].error.as_deref().unwrap().contains("http"));
    }

    #[test]
    fn the_pipeline_scans_on_the_pool_or_inline() {
        let (run, pages) = go(&request(IoModel::Pipeline, 1), &urls(8));
        assert_eq!(pages.len(), 8);
        let (tags, _) = scan_pages(&pages, system_clock, false);
        assert_eq!(tags, 16);
        let mut req = request(IoModel::Pipeline, 1);
        req.scan = Scan::OneThread;
        let (run_inline, pages) = go(&req, &urls(8));
        assert!(pages.is_empty());
        assert_eq!(run_inline.scan.as_ref().unwrap().meta_tags, 16);
        assert!(run_inline.requests.iter().all(|r| r.scan_ms.is_some()));
        assert_eq!(run.scan.unwrap().on, Scan::Pool);
    }

    #[test]
    fn cancel_stops_new_requests() {
        let control = RunControl::default();
        control.cancel();
        let transport = Sleepy {
            latency: Duration::from_millis(1),
        };
        let (reply, _) = futures::executor::block_on(run(
            &request(IoModel::Sequential, 1),
            &urls(3),
            &transport,
            system_clock,
            &control,
        ));
        assert_eq!(reply, IoReply::Cancelled);
        assert_eq!(control.progress().done, 0);
    }

    #[test]
    fn settings_out_of_range_are_refused_with_the_limit() {
        let mut req = request(IoModel::Bounded, 0);
        assert!(req.check().unwrap_err().0.contains("between 1 and 64"));
        req.workers = 4;
        req.timeout_ms = f64::NAN;
        assert!(req.check().unwrap_err().0.contains("timeout"));
        req.timeout_ms = 1_000.0;
        req.targets = Targets::Builtin(Builtin {
            fail_rate: 1.5,
            ..Builtin::default()
        });
        assert!(req.check().unwrap_err().0.contains("failure rate"));
        req.targets = Targets::Urls { urls: vec![] };
        assert!(req.check().unwrap_err().0.contains("at least one URL"));
        // A bad line is not a refusal: it fails on its own.
        req.targets = Targets::Urls {
            urls: parse_urls("https://a.test/x\n\n# note\nnot a url\n"),
        };
        assert!(req.check().is_ok());
        let targets = req.targets("http://h/__overlap/io/");
        assert_eq!(targets.len(), 2);
        assert!(targets[1].invalid.is_some());
    }

    #[test]
    fn url_checks_give_reasons() {
        assert!(check_url("https://example.com/a?b").is_ok());
        assert!(check_url("http://127.0.0.1:8080/").is_ok());
        assert_eq!(
            check_url("example.com").unwrap_err(),
            "not an http:// or https:// URL"
        );
        assert!(check_url("https://").is_err());
        assert!(check_url("https://a b").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn requests_parse_with_defaults_and_builtin_urls_carry_their_settings() {
        let req: IoRequest = serde_json::from_str(
            r#"{"model":"bounded","targets":{"kind":"builtin","requests":3,"latency_ms":50}}"#,
        )
        .unwrap();
        assert_eq!(req.workers, 4);
        assert_eq!(req.timeout_ms, 10_000.0);
        let targets = req.targets("http://h/__overlap/io/");
        assert_eq!(targets.len(), 3);
        assert_eq!(
            targets[2].url,
            "http://h/__overlap/io/page?i=2&seed=1&bytes=16384&latency=50&jitter=0&fail=0"
        );
        let json = serde_json::to_string(&req).unwrap();
        assert_eq!(serde_json::from_str::<IoRequest>(&json).unwrap(), req);
    }

    #[test]
    fn in_flight_counts_touching_requests_once() {
        let r = |s: f64, f: f64| RequestRecord {
            started_ms: s,
            finished_ms: f,
            ..RequestRecord::default()
        };
        assert_eq!(max_in_flight(&[r(0., 10.), r(10., 20.), r(20., 30.)]), 1);
        assert_eq!(max_in_flight(&[r(0., 10.), r(5., 20.), r(6., 7.)]), 3);
        assert_eq!(max_in_flight(&[]), 0);
    }

    #[test]
    fn a_run_paced_by_the_browser_says_so() {
        assert_eq!(pace_note(16, 230.0, Some(200.0)), None);
        assert_eq!(pace_note(16, 3300.0, Some(3200.0)), None);
        assert_eq!(pace_note(16, 230.0, None), None);
        let note = pace_note(5000, 11_000.0, Some(50.0)).unwrap();
        assert!(note.contains("about 455 requests a second"), "{note}");
    }

    #[test]
    fn the_http1_note_appears_only_past_six_at_once() {
        let r = |i: usize, proto: &str| RequestRecord {
            url: format!("https://slow.test/{i}"),
            started_ms: 0.0,
            finished_ms: 100.0,
            protocol: Some(proto.into()),
            ..RequestRecord::default()
        };
        let six: Vec<_> = (0..6).map(|i| r(i, "http/1.1")).collect();
        assert!(notes(&six).is_empty());
        let eight: Vec<_> = (0..8).map(|i| r(i, "http/1.1")).collect();
        let said = notes(&eight);
        assert_eq!(said.len(), 1);
        assert!(said[0].contains("slow.test") && said[0].contains("6 connections"));
        let h2: Vec<_> = (0..8).map(|i| r(i, "h2")).collect();
        assert!(notes(&h2).is_empty());
    }
}
