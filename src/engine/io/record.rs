//! What an I/O run recorded: every request's bar of the waterfall ([`RequestRecord`]), the run's
//! [`Summary`], its scan and memory, and the notes that explain a run's shape (the browser's
//! HTTP/1.1 connection limit, its request rate).

use serde::{Deserialize, Serialize};

use super::request::{IoModel, Scan, HTTP1_CONNECTIONS_PER_HOST};

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

impl Memory {
    /// One line for the results table and the waterfall: "JS heap 4.0 MiB, wasm 20.0 MiB (+2.0 MiB
    /// in this run)", the growth left out when the run needed none (most runs).
    pub fn describe(&self) -> String {
        let mib = |bytes: u64| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
        let grown = self.wasm_bytes.saturating_sub(self.wasm_before_bytes);
        let wasm = if grown >= 50 * 1024 {
            format!(
                "wasm {} (+{} in this run)",
                mib(self.wasm_bytes),
                mib(grown)
            )
        } else {
            format!("wasm {}", mib(self.wasm_bytes))
        };
        match self.js_heap_bytes {
            Some(heap) => format!("JS heap {}, {wasm}", mib(heap)),
            None => wasm,
        }
    }
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
    /// What the other coroutines saw while one made a call that takes a while: runs of timers
    /// with a [`Blocker`](super::Blocker) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
}

impl IoRun {
    /// The run's time as a lesson counts it: when the last request finished; or, beside a
    /// blocking coroutine, when the last of the others did (the blocking call takes its time
    /// however it is made; what it does to the others is the figure).
    pub fn figure_ms(&self) -> f64 {
        self.blocked
            .map_or(self.summary.wall_ms, |b| b.others_done_ms)
    }
}

/// How the coroutines of a run of timers fared beside one that made a call of `ms` as `how` says.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Blocked {
    pub how: super::Blocking,
    pub ms: f64,
    /// When the last of the other coroutines finished, from the start of the run.
    pub others_done_ms: f64,
    /// How late the other coroutines' timers fired, the median over them: each one's time from
    /// its start to its finish, less its sleep. The event loop's lag.
    pub late_ms: f64,
}

impl Blocked {
    /// From a run's records (in target order), the blocking coroutine at `at`, and the others'
    /// sleep.
    pub fn of(
        records: &[RequestRecord],
        at: usize,
        blocker: super::Blocker,
        sleep_ms: f64,
    ) -> Self {
        let others = records.iter().filter(|r| r.index != at);
        let others_done_ms = others.clone().map(|r| r.finished_ms).fold(0.0, f64::max);
        let late: Vec<f64> = others
            .map(|r| (r.finished_ms - r.started_ms - sleep_ms).max(0.0))
            .collect();
        let late_ms = crate::engine::stats::Summary::of(&late).map_or(0.0, |s| s.median);
        Blocked {
            how: blocker.how,
            ms: blocker.ms,
            others_done_ms,
            late_ms,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

/// The host (and port) part of an absolute URL; the whole text of anything else.
pub fn host_of(url: &str) -> &str {
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
                    "{} answered over HTTP/1.1, where a browser opens at most \
                     {HTTP1_CONNECTIONS_PER_HOST} connections per host: of the {at_once} requests \
                     in flight at once, the rest waited inside the browser for a free connection, \
                     which shows as later first bytes in the waterfall. HTTP/2 shares one \
                     connection among all of them.",
                    crate::engine::quote::prefix(host)
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
