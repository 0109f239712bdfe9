//! The I/O lab: N requests made one after another (`for url in urls: await get(url)`), all at once
//! (`asyncio.gather`), k at a time (`ThreadPoolExecutor(max_workers=k)` or a bounded
//! `buffer_unordered(k)`), by k blocking threads (`urllib` in threads), and the fetch-then-parse
//! pipeline. Waiting overlaps; computing on one thread does not. Timers can stand in for
//! requests (`asyncio.sleep`), beside one more coroutine whose slow call is made on the loop, in a
//! thread or awaited ([`Blocker`]): a call made on the loop holds every other coroutine.
//!
//! Nothing here knows about the browser: requests go through a [`Transport`] (`fetch` and
//! synchronous XHR workers in the engine worker, threads and sleeps in the native tests), times
//! through a [`Clock`], and the built-in targets are URLs that `www/sw.js` answers.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use std::pin::pin;

use futures::future::{select, Either};
use futures::stream::{self, StreamExt};

use crate::engine::clock::Clock;
use crate::engine::kernels::meta_scan;
use crate::engine::run::control::RunControl;

#[cfg(test)]
mod blocking_tests;
mod record;
mod request;
pub mod settings;
#[cfg(test)]
mod tests;

pub use record::*;
pub use request::*;

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

    /// `await asyncio.sleep(ms / 1000)`: a timer on this thread's event loop. Only the
    /// transports of timer runs have one.
    fn sleep(&self, _ms: f64) -> LocalFuture<'_, Result<(), String>> {
        Box::pin(async { Err("this run sets no timers".to_string()) })
    }

    /// `await asyncio.to_thread(time.sleep, ms / 1000)`: another thread is held for `ms` while
    /// this one awaits it. Only the transports of timer runs have a thread for it.
    fn block_in_thread(&self, _ms: f64) -> LocalFuture<'_, Result<(), String>> {
        Box::pin(async { Err("this run has no thread to hold".to_string()) })
    }
}

/// `time.sleep(ms / 1000)` inside a coroutine: holds the thread this event loop runs on, so no
/// other coroutine runs until it returns. A spin, not a sleep: a browser's worker may not block on
/// its own event loop's thread any other way, and what the other coroutines see is the same.
/// Gives up early on Cancel where another thread can say so.
// lesson: blocked
fn hold_the_loop(clock: Clock, ms: f64, control: &RunControl) {
    let until = clock() + ms;
    while clock() < until && !control.is_cancelled() {
        std::hint::spin_loop();
    }
}
// end lesson

/// Runs `request` against `targets` through `transport`. When Cancel arrives it returns
/// [`IoReply::Cancelled`] at once, dropping the requests under way (the transport aborts them
/// when it is dropped).
/// For [`IoModel::Pipeline`] with [`Scan::Pool`] the pages come back in the second value, for the
/// caller to scan on its pool ([`scan_pages`]).
pub async fn run<T: Transport + ?Sized>(
    request: &IoRequest,
    targets: &[Target],
    transport: &T,
    clock: Clock,
    control: &RunControl,
) -> (IoReply, Vec<String>) {
    run_keeping(request, targets, transport, clock, control, PAGES_BUDGET).await
}

/// [`run`], keeping at most `budget` bytes of pages for the pipeline's scan on the pool.
async fn run_keeping<T: Transport + ?Sized>(
    request: &IoRequest,
    targets: &[Target],
    transport: &T,
    clock: Clock,
    control: &RunControl,
    budget: u64,
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

    // The pages kept for the pool's scan, in bytes: a list of the visitor's URLs has no known
    // size before it runs, so the budget is kept here too.
    let kept_bytes = Cell::new(0u64);
    let kept_bytes = &kept_bytes;
    let timers = match &request.targets {
        Targets::Timers(timers) => Some(timers),
        _ => None,
    };
    let blocker = timers.and_then(Timers::blocker_at);
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
        if let Some((_, blocker)) = blocker.filter(|(at, _)| *at == index) {
            // lesson: blocked
            let made = match blocker.how {
                Blocking::OnTheLoop => {
                    hold_the_loop(clock, blocker.ms, control);
                    Ok(())
                }
                Blocking::InAThread => transport.block_in_thread(blocker.ms).await,
                Blocking::Awaited => transport.sleep(blocker.ms).await,
            };
            // end lesson
            record.error = made.err();
        } else if let Some(why) = &target.invalid {
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
        if let Some(page) = body.as_ref().filter(|_| !inline_scan) {
            let kept = kept_bytes.get() + page.len() as u64;
            if kept > budget {
                body = None;
                record.error = Some(format!(
                    "not kept for the scan: the pages kept before it fill the {} MB the engine \
                     may use",
                    budget >> 20
                ));
            } else {
                kept_bytes.set(kept);
            }
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
    let all = async {
        match request.model {
            // lesson: fetch
            IoModel::Sequential => {
                let mut done = Vec::with_capacity(n);
                for index in 0..n {
                    done.push(one(index, 0).await);
                }
                done
            }
            // end lesson
            // lesson: fetch thousands
            IoModel::Gather | IoModel::Pipeline => {
                futures::future::join_all((0..n).map(|index| one(index, index))).await
            }
            // end lesson
            // lesson: bounded
            IoModel::Bounded => {
                // Lanes are assigned afterwards: buffer_unordered does not say which slot ran what.
                stream::iter((0..n).map(|index| one(index, 0)))
                    .buffer_unordered(request.workers)
                    .collect()
                    .await
            }
            // end lesson
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
        }
    };
    let cancelled = control.cancelled();
    let done: Vec<Option<(RequestRecord, Option<String>, usize)>> =
        match select(pin!(all), pin!(cancelled)).await {
            Either::Left((done, _)) => done,
            Either::Right(_) => return (IoReply::Cancelled, Vec::new()),
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
    let blocked = blocker
        .zip(timers)
        .map(|((at, b), t)| Blocked::of(&records, at, b, t.sleep_ms));
    let run = IoRun {
        blocked,
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
