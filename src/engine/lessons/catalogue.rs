//! The nine lessons, one entry each: claim, explanation, the Python it stands for and the Rust
//! that runs, the steps it measures and how it concludes. The types are in [`super`]; this file
//! is the catalogue.

use crate::engine::io::{Builtin, IoModel, IoRun};
use crate::engine::protocol::{SharedDemo, SharedOutcome};
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, RunConfig, Spawn};
use crate::engine::run::shared_state::Increment;

use super::steps::{
    countdown, cpu, io, io_run, median, mib, outcomes, sleeps, speedup, too_busy_note, trace,
    GIL_HIGH, GIL_LOW, PROCESSES_SHARE,
};
use super::{group, Conclusion, Lesson, Outcome, Probe, Step};
use crate::engine::rounds::Verdict;

/// The thousands lesson: coroutines that each sleep [`SLEEP_MS`], and the real requests it
/// sends afterwards to show what the browser's request rate does to the same wait.
const COROUTINES: u32 = 5_000;
const SLEEP_MS: f64 = 50.0;
const REAL_REQUESTS: u32 = 1_000;

/// Increments per thread for the lock lesson's GIL counters.
const GIL_COUNTS: u64 = 30_000_000;

pub const LESSONS: &[Lesson] = &[
    Lesson {
        slug: "gil",
        title: "Threads under a GIL do not speed up CPU work; processes do",
        claim: "Two CPython threads counting down take as long as one thread doing both halves, \
                while two processes take about half as long.",
        explanation: "CPython lets one thread run Python bytecode at a time: a thread must hold \
                      the global interpreter lock (GIL), and gives it up every 5 ms so others \
                      get a turn. For pure computation, threads take turns instead of running \
                      together. Processes each have their own interpreter and their own GIL, so \
                      they run on separate cores. Here the same countdown runs sequentially, on \
                      k threads that take turns under one lock with CPython's switch interval, \
                      and on k worker processes. On this project's 2-core test machine CPython \
                      3.11 itself gave 2 threads 0.88× (0.81–1.28 over 5 rounds) and 2 \
                      processes 1.68× (1.23–1.86).",
        python: r#"import time
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

def count(n):
    while n > 0:
        n -= 1

if __name__ == '__main__':
    N, K = 100_000_000, 2
    for Pool in (ThreadPoolExecutor, ProcessPoolExecutor):
        start = time.perf_counter()
        with Pool(K) as pool:
            list(pool.map(count, [N // K] * K))
        print(Pool.__name__, time.perf_counter() - start)"#,
        question: "With k threads under a GIL, the countdown will take…",
        options: [
            "about 1/k of the time: threads share the work",
            "about as long as one thread, or longer",
            "it depends on the size of N",
        ],
        answer: 1,
        needs_pool: true,
        steps: |k| {
            vec![
                countdown("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
                countdown(
                    format!("{k} GIL threads"),
                    RunConfig::new(Model::GilThreads, k),
                ),
                countdown(
                    format!("{k} processes"),
                    RunConfig::new(Model::Processes, k),
                ),
            ]
        },
        conclude: |k, all| {
            let [seq, gil, proc] = outcomes::<3>(all)?;
            // Ratios within each round, judged by their spread against CPython's shape: threads
            // under a GIL as fast as one thread or a little slower (0.75–1.10×), processes at
            // least PROCESSES_SHARE·k×.
            let (g, p) = (speedup(seq, gil)?, speedup(seq, proc)?);
            let enough = PROCESSES_SHARE * k as f64;
            let threads = g.judge(|x| (GIL_LOW..=GIL_HIGH).contains(&x));
            let processes = p.judge(|x| x >= enough);
            let gil_words = match threads {
                Verdict::Holds => "no faster than one thread",
                Verdict::Fails if g.median > GIL_HIGH => "faster than the claim allows",
                Verdict::Fails => "slower than one thread",
                Verdict::TooBusy => "unclear",
            };
            let proc_words = match processes {
                Verdict::Holds => "they use the other cores",
                Verdict::Fails => "little gain on this machine",
                Verdict::TooBusy => "unclear",
            };
            let verdict = Verdict::all(&[threads, processes]);
            Ok(Conclusion {
                line: format!(
                    "{k} GIL threads: {g} — {gil_words}; {k} processes: {p} — {proc_words}.{}",
                    too_busy_note(verdict)
                ),
                verdict,
            })
        },
    },
    Lesson {
        slug: "copy",
        title: "Processes pay to copy their data",
        claim: "Processes share nothing, so every input and result is pickled, sent and \
                unpickled; with large data that copying eats the gain.",
        explanation: "A process pool sends each chunk of work to a worker as bytes (pickle in \
                      Python, postMessage here) and the result back the same way. Threads read \
                      the same memory and copy nothing. Sorting 8 million numbers in chunks of \
                      one task each makes the copying plain to see. The threads here are free \
                      threads (as free-threaded 3.13t): under the GIL, CPython's own threads \
                      gain nothing on the sort either. On a 2-core machine CPython 3.11 took \
                      1.09× the sequential time on 2 threads and 1.44× on 2 processes: there \
                      the copying ate all of the gain and more.",
        python: r#"import random, time
from multiprocessing import Pool

if __name__ == '__main__':
    data = [random.random() for _ in range(8_000_000)]
    chunks = [data[i:i + 250_000] for i in range(0, len(data), 250_000)]
    start = time.perf_counter()
    with Pool(2) as pool:
        # every chunk is pickled to a worker and its result pickled back
        runs = list(pool.imap(sorted, chunks, chunksize=1))
    print(time.perf_counter() - start)"#,
        question: "Sorting 8 million numbers on k processes, against k threads that share memory…",
        options: [
            "processes are as fast as threads",
            "processes are slower: copying the data costs time",
            "processes are faster: no shared memory to fight over",
        ],
        answer: 1,
        needs_pool: true,
        steps: |k| {
            vec![
                cpu(
                    "Sequential".into(),
                    "merge-sort",
                    8_000_000,
                    3,
                    RunConfig::new(Model::Sequential, 1),
                ),
                cpu(
                    format!("{k} threads sharing memory"),
                    "merge-sort",
                    8_000_000,
                    3,
                    RunConfig::new(Model::FreeThreads, k).with_style(MapStyle::Imap, Some(1)),
                ),
                cpu(
                    format!("{k} processes, copying"),
                    "merge-sort",
                    8_000_000,
                    3,
                    RunConfig::new(Model::Processes, k).with_style(MapStyle::Imap, Some(1)),
                ),
            ]
        },
        conclude: |k, all| {
            let [seq, free, proc] = outcomes::<3>(all)?;
            let (s, f, p) = (median(seq)?, median(free)?, median(proc)?);
            let copy = trace(proc)?.copy.unwrap_or_default();
            Ok(Conclusion {
                line: format!(
                    "{k} processes: {:.2}× while copying {} ({:.0} ms packing and unpacking); \
                     {k} threads sharing memory: {:.2}×, nothing copied.",
                    s / p,
                    mib(copy.bytes_copied() as f64),
                    copy.serialize_ms + copy.deserialize_ms,
                    s / f
                ),
                verdict: Verdict::from(p > f && copy.bytes_copied() > 0),
            })
        },
    },
    Lesson {
        slug: "reuse",
        title: "A reused pool beats spawning one per batch",
        claim: "Starting processes is expensive: make the pool once and reuse it, instead of \
                `with Pool()` around every small batch.",
        explanation: "A new process must start an interpreter and import your modules; here a \
                      new worker must start and instantiate its own copy of the WebAssembly \
                      module. For small batches of work that start-up dwarfs the work itself.",
        python: r#"from multiprocessing import Pool

def is_prime(n): ...

# A new pool per batch: the start-up is paid every time
for batch in batches:
    with Pool(2) as pool:
        pool.map(is_prime, batch)

# One pool, reused: paid once
with Pool(2) as pool:
    for batch in batches:
        pool.map(is_prime, batch)"#,
        question: "For a small batch (primes below 200 000), spawning the workers each time is…",
        options: [
            "about as fast: starting a worker is cheap",
            "much slower: the start-up costs more than the work",
            "faster: fresh workers have clean memory",
        ],
        answer: 1,
        needs_pool: false,
        steps: |k| {
            let run = |spawn| RunConfig {
                spawn,
                ..RunConfig::new(Model::Processes, k)
            };
            vec![
                cpu(
                    format!("A new pool of {k} per batch"),
                    "primes",
                    200_000,
                    5,
                    run(Spawn::PerRun),
                ),
                cpu(
                    format!("One pool of {k}, reused"),
                    "primes",
                    200_000,
                    5,
                    run(Spawn::Reused),
                ),
            ]
        },
        conclude: |k, all| {
            let [fresh, reused] = outcomes::<2>(all)?;
            let (f, r) = (median(fresh)?, median(reused)?);
            let spawn_ms = trace(fresh)?.copy.as_ref().map_or(0.0, |c| c.spawn_ms);
            Ok(Conclusion {
                line: format!(
                    "A new pool of {k} per batch: {f:.0} ms a batch ({spawn_ms:.0} ms of it starting \
                     workers); one pool reused: {r:.0} ms — {:.1}× faster.",
                    f / r
                ),
                verdict: Verdict::from(r < f),
            })
        },
    },
    Lesson {
        slug: "imap",
        title: "imap yields its first result before map",
        claim: "`pool.map` hands back nothing until every task is done; `pool.imap` yields \
                results as they come, in order.",
        explanation: "map builds the whole result list before returning it. imap returns an \
                      iterator: the first result is ready as soon as the first task finishes, \
                      so you can start using results while the rest are computed.",
        python: r#"import time
from multiprocessing import Pool

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

if __name__ == '__main__':
    with Pool(2) as pool:
        start = time.perf_counter()
        for result in pool.imap(fib, [27] * 32):
            print('first result after', time.perf_counter() - start)
            break"#,
        question: "How soon does the caller get its first result with imap, against map?",
        options: [
            "at the same time: both wait for all the tasks",
            "much sooner: right after the first task",
            "later: imap has more overhead",
        ],
        answer: 1,
        needs_pool: true,
        steps: |k| {
            vec![
                Step {
                    first_result: true,
                    ..cpu(
                        format!("map on {k} threads"),
                        "fib",
                        32,
                        3,
                        RunConfig::new(Model::FreeThreads, k).with_style(MapStyle::Map, None),
                    )
                },
                Step {
                    first_result: true,
                    ..cpu(
                        format!("imap on {k} threads"),
                        "fib",
                        32,
                        3,
                        RunConfig::new(Model::FreeThreads, k).with_style(MapStyle::Imap, Some(1)),
                    )
                },
            ]
        },
        conclude: |_, all| {
            let [map, imap] = outcomes::<2>(all)?;
            let (m, i) = (trace(map)?, trace(imap)?);
            Ok(Conclusion {
                line: format!(
                    "map: first result after {:.0} ms of {:.0} ms; imap: after {:.0} ms ({:.0} % of its run).",
                    m.first_result_ms,
                    m.wall_ms,
                    i.first_result_ms,
                    i.first_result_ms / i.wall_ms.max(1e-9) * 100.0
                ),
                verdict: Verdict::from(i.first_result_ms < 0.5 * m.first_result_ms),
            })
        },
    },
    Lesson {
        slug: "fetch",
        title: "Concurrent requests beat sequential ones",
        claim: "Sixteen requests of 200 ms take 3.2 s one after another and about 0.2 s all at \
                once, on a single thread.",
        explanation: "While a request waits for its answer, nothing needs the CPU. \
                      asyncio.gather starts every request and waits for all of them together, \
                      so the waits overlap. No second core, no thread: one event loop.",
        python: r#"import asyncio, time
import aiohttp

async def main(urls):
    async with aiohttp.ClientSession() as session:
        async def get(url):
            async with session.get(url) as response:
                return await response.text()

        start = time.perf_counter()
        for url in urls:
            await get(url)                     # one at a time
        print(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*map(get, urls))  # all at once
        print(time.perf_counter() - start)"#,
        question: "16 requests of 200 ms each, all at once on one thread, take about…",
        options: [
            "3.2 s: one thread can only wait for one",
            "0.2 s: the waits overlap",
            "1.6 s: half and half",
        ],
        answer: 1,
        needs_pool: false,
        steps: |_| {
            vec![
                io(
                    "One at a time".into(),
                    IoModel::Sequential,
                    1,
                    Builtin::default(),
                ),
                io(
                    "All at once (gather)".into(),
                    IoModel::Gather,
                    1,
                    Builtin::default(),
                ),
            ]
        },
        conclude: |_, all| {
            let [seq, gather] = outcomes::<2>(all)?;
            let (s, g) = (io_run(seq)?, io_run(gather)?);
            let n = s.requests.len();
            Ok(Conclusion {
                line: format!(
                    "{n} requests: one at a time {:.0} ms, all at once {:.0} ms — {:.1}× faster on one thread.",
                    s.summary.wall_ms,
                    g.summary.wall_ms,
                    s.summary.wall_ms / g.summary.wall_ms.max(1e-9)
                ),
                verdict: Verdict::from(g.summary.wall_ms * 3.0 < s.summary.wall_ms && s.summary.failed + g.summary.failed == 0),
            })
        },
    },
    Lesson {
        slug: "bounded",
        title: "A bounded pool caps throughput",
        claim: "ThreadPoolExecutor(max_workers=k) finishes N requests of latency L in about \
                ⌈N/k⌉·L: at most k requests a latency.",
        explanation: "A pool of k workers, or a semaphore of k, lets only k requests wait at \
                      once. That protects the server and your memory, and it caps throughput \
                      at k requests per latency.",
        python: r#"import urllib.request
from concurrent.futures import ThreadPoolExecutor

def get(url):
    with urllib.request.urlopen(url) as response:
        return response.read()

for k in (2, 4, 8):
    with ThreadPoolExecutor(max_workers=k) as pool:
        list(pool.map(get, urls))  # about ceil(16 / k) * 0.2 s"#,
        question: "16 requests of 200 ms with at most 4 at a time take about…",
        options: ["0.2 s", "0.8 s", "3.2 s"],
        answer: 1,
        needs_pool: false,
        steps: |_| {
            [2, 4, 8]
                .into_iter()
                .map(|k| {
                    io(
                        format!("At most {k} at a time"),
                        IoModel::Bounded,
                        k,
                        Builtin::default(),
                    )
                })
                .collect()
        },
        conclude: |_, all| {
            let runs: Vec<&IoRun> = all.iter().map(io_run).collect::<Result<_, _>>()?;
            if runs.len() != 3 {
                return Err(format!("expected 3 runs, got {}", runs.len()));
            }
            let parts: Vec<String> = runs
                .iter()
                .map(|r| {
                    let per_s = r.requests.len() as f64 / (r.summary.wall_ms / 1e3);
                    format!(
                        "k = {}: {:.0} ms ({per_s:.0} requests/s)",
                        r.workers, r.summary.wall_ms
                    )
                })
                .collect();
            let near = runs.iter().all(|r| {
                r.ideal_ms
                    .is_some_and(|ideal| (r.summary.wall_ms - ideal).abs() <= 0.3 * ideal)
            });
            Ok(Conclusion {
                line: format!(
                    "{}: throughput grows with k, about k requests per 200 ms.",
                    parts.join("; ")
                ),
                verdict: Verdict::from(near),
            })
        },
    },
    Lesson {
        slug: "async-cpu",
        title: "async does not speed up CPU work",
        claim: "Coroutines take turns on one thread: for pure computation, k coroutines are \
                no faster than one loop.",
        explanation: "async code overlaps waiting, not computing. A coroutine that computes \
                      holds the event loop until it reaches an await; the others wait. However \
                      many coroutines share the work, one thread does all of it.",
        python: r#"import asyncio

async def count(n):
    while n > 0:
        n -= 1
        if n % 100_000 == 0:
            await asyncio.sleep(0)  # let the others run

async def main(N, K):
    await asyncio.gather(*(count(N // K) for _ in range(K)))

asyncio.run(main(100_000_000, 4))"#,
        question: "Splitting the countdown among k coroutines makes it…",
        options: [
            "about k times faster",
            "about as fast as one loop",
            "impossible: coroutines cannot compute",
        ],
        answer: 1,
        needs_pool: false,
        steps: |k| {
            vec![
                countdown("Sequential".into(), RunConfig::new(Model::Sequential, 1)),
                countdown(format!("{k} coroutines"), RunConfig::new(Model::Async, k)),
            ]
        },
        conclude: |k, all| {
            let [seq, coro] = outcomes::<2>(all)?;
            let spread = speedup(seq, coro)?;
            let verdict = spread.judge(|x| x < 1.15);
            Ok(Conclusion {
                line: format!(
                    "{k} coroutines: {spread} — one thread, however many coroutines share it.{}",
                    too_busy_note(verdict)
                ),
                verdict,
            })
        },
    },
    Lesson {
        slug: "thousands",
        title: "Coroutines scale to thousands of tasks",
        claim: "Thousands of waiting coroutines are cheap; thousands of threads are not.",
        explanation: "A coroutine is a small object on the heap; an OS thread reserves a stack \
                      (8 MiB of address space by default on Linux) and costs the scheduler. \
                      Here 5 000 coroutines each await a 50 ms timer (asyncio.sleep) at once \
                      on one thread, against at most 50 at a time: all at once is one wait, \
                      50 at a time is 100 waits in a row. On a 2-core machine CPython 3.10 to \
                      3.13 took 0.12–0.23 s at once and 5.2 s 50 at a time. Real requests \
                      are another matter: the last step sends 1 000 through the page's \
                      service worker, and the browser's rate of answering them, not the wait, \
                      sets their pace.",
        python: r#"import asyncio

async def task(i, limit=None):
    if limit is None:
        await asyncio.sleep(0.05)
    else:
        async with limit:  # at most 50 waiting at once
            await asyncio.sleep(0.05)
    return i

async def main(n, k=None):
    limit = asyncio.Semaphore(k) if k else None
    return await asyncio.gather(*(task(i, limit) for i in range(n)))

asyncio.run(main(5_000))      # all at once
asyncio.run(main(5_000, 50))  # 50 at a time"#,
        question: "5 000 coroutines each sleeping 50 ms, all waiting at once on one thread…",
        options: [
            "fail: one thread cannot hold that many",
            "finish in about one sleep, with memory to spare",
            "take 5 000 × 50 ms",
        ],
        answer: 1,
        needs_pool: false,
        steps: |_| {
            let real = Builtin {
                requests: REAL_REQUESTS,
                latency_ms: SLEEP_MS,
                bytes: 1024,
                ..Builtin::default()
            };
            vec![
                sleeps(
                    "5 000 at once (gather)".into(),
                    IoModel::Gather,
                    1,
                    COROUTINES,
                    SLEEP_MS,
                ),
                sleeps(
                    "At most 50 at a time (Semaphore(50))".into(),
                    IoModel::Bounded,
                    50,
                    COROUTINES,
                    SLEEP_MS,
                ),
                io(
                    "1 000 real requests at once (fetch)".into(),
                    IoModel::Gather,
                    1,
                    real,
                ),
            ]
        },
        conclude: |_, all| {
            let [gather, bounded, real] = outcomes::<3>(all)?;
            let (g, b, r) = (io_run(gather)?, io_run(bounded)?, io_run(real)?);
            let memory = g
                .memory
                .as_ref()
                .map(|m| {
                    let grown = m.wasm_bytes.saturating_sub(m.wasm_before_bytes) as f64;
                    format!(", the engine's memory growing by {}", mib(grown))
                })
                .unwrap_or_default();
            let (at_once, in_turns) = (g.summary.wall_ms, b.summary.wall_ms);
            let rate = r.summary.ok as f64 / (r.summary.wall_ms / 1e3).max(1e-3);
            // All of them waiting together, in a fraction of the time 100 waits in a row take.
            let holds = g.summary.failed == 0
                && g.summary.max_in_flight as u32 == COROUTINES
                && at_once * 10.0 < in_turns;
            Ok(Conclusion {
                line: format!(
                    "{} coroutines sleeping {SLEEP_MS:.0} ms: {} waiting at once, done in \
                     {:.2} s{memory}; 50 at a time: {:.1} s ({:.0}× as long, about {} sleeps in a \
                     row). CPython on a 2-core machine: 0.12–0.23 s and 5.2 s. {} real requests \
                     at once took {:.1} s: the browser answered about {:.0} a second, and that \
                     rate, not the {SLEEP_MS:.0} ms wait, set their pace. 5 000 threads would \
                     reserve some 40 GB of stack address space.",
                    group(u64::from(COROUTINES)),
                    group(g.summary.max_in_flight as u64),
                    at_once / 1e3,
                    in_turns / 1e3,
                    in_turns / at_once.max(1e-3),
                    COROUTINES / 50,
                    group(u64::from(REAL_REQUESTS)),
                    r.summary.wall_ms / 1e3,
                    rate
                ),
                verdict: Verdict::from(holds),
            })
        },
    },
    Lesson {
        slug: "lock",
        title: "Shared state needs a lock",
        claim: "A read and a write of shared state from several threads lose updates whenever \
                a thread switch falls between them; with a lock they never do. A queue built on \
                a lock and conditions hands every item to exactly one consumer.",
        explanation: "`counter += 1` is a read, an add and a write. If another thread writes \
                      between this thread's read and write, an update is lost. Under CPython's \
                      GIL a switch only happens where the interpreter checks in, at calls and \
                      loop ends, never inside `counter += 1` (3.10 and later): so a bare \
                      `counter += 1` loses nothing, which is why so many never see this race. \
                      Put a call between the read and the write, or run free-threaded CPython \
                      (3.13t), and updates are lost. On this machine CPython 3.10 to 3.13 lost \
                      none of 2 000 000 bare increments and 32 to 39 % with a call in between. A \
                      lock makes the read and the write one step. queue.Queue is a lock plus \
                      two conditions (not full, not empty): producers wait while it is full, \
                      consumers while it is empty.",
        python: r#"import threading

counter = 0
lock = threading.Lock()

def tick():
    pass  # any call: CPython may switch threads here

def add(n, mode):
    global counter
    for _ in range(n):
        if mode == 'bare':
            counter += 1  # under the GIL no switch falls inside this line
        elif mode == 'call':
            v = counter; tick(); counter = v + 1  # a switch can fall between read and write
        else:
            with lock:
                v = counter; tick(); counter = v + 1

for mode in ('bare', 'call', 'lock'):
    counter = 0
    threads = [threading.Thread(target=add, args=(1_000_000, mode)) for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(mode, counter)  # bare and lock: 2_000_000; call: less"#,
        question: "Two threads each run `v = counter; tick(); counter = v + 1` a million times \
                   without a lock. The counter ends at…",
        options: [
            "exactly 2 000 000",
            "less than 2 000 000",
            "more than 2 000 000",
        ],
        answer: 1,
        needs_pool: true,
        steps: |_| {
            let counter = |label: &str, increment, per_thread| Step {
                first_result: false,
                label: label.into(),
                probe: Probe::Shared(SharedDemo::Counter {
                    increment,
                    per_thread,
                }),
            };
            vec![
                // Long enough for dozens of 5 ms turns: in the browser 2 million increments
                // take under one switch interval, and a thread that never switches loses nothing.
                counter(
                    "GIL threads: counter += 1",
                    Increment::GilReadThenWrite,
                    GIL_COUNTS,
                ),
                counter(
                    "GIL threads: v = counter; f(); counter = v + 1",
                    Increment::GilReadCallWrite,
                    GIL_COUNTS,
                ),
                counter(
                    "free threads (3.13t): counter += 1",
                    Increment::ReadThenWrite,
                    5_000_000,
                ),
                counter("with lock: counter += 1", Increment::Locked, 5_000_000),
                Step {
                    first_result: false,
                    label: "producer/consumer through queue.Queue(16)".into(),
                    probe: Probe::Shared(SharedDemo::Queue {
                        items: 100_000,
                        capacity: 16,
                    }),
                },
            ]
        },
        conclude: |_, all| {
            let [bare, call, free, locked, queue] = outcomes::<5>(all)?;
            let lost = |o: &Outcome| match o {
                Outcome::Shared(SharedOutcome::Counter {
                    expected, counted, ..
                }) => Ok((*expected, expected - counted)),
                other => Err(format!("expected a counter, got {}", other.kind())),
            };
            let share = |(expected, lost): (u64, u64)| {
                if lost == 0 {
                    format!("none of {}", group(expected))
                } else {
                    format!(
                        "{} of {} ({:.0} %)",
                        group(lost),
                        group(expected),
                        100.0 * lost as f64 / expected as f64
                    )
                }
            };
            // A race needs its threads to count at the same time. On a busy machine the free
            // threads may only take turns on one core, whose time slices rarely split a
            // read-then-write; the GIL's threads may never switch at all. Then nothing is lost,
            // and "lost none" says nothing about the claim.
            let together = |o: &Outcome| match o {
                Outcome::Shared(SharedOutcome::Counter {
                    together: Some(together),
                    ..
                }) => *together,
                _ => 1.0,
            };
            let (call_apart, free_apart) = (together(call) == 0.0, together(free) < 0.5);
            let (bare, call, free, locked) = (lost(bare)?, lost(call)?, lost(free)?, lost(locked)?);
            let unseen = (call.1 == 0 && call_apart) || (free.1 == 0 && free_apart);
            let (items, delivered) = match queue {
                Outcome::Shared(SharedOutcome::Queue {
                    items,
                    per_consumer,
                    sum,
                    expected_sum,
                    ..
                }) => (
                    *items,
                    per_consumer.iter().sum::<u64>() == *items && sum == expected_sum,
                ),
                other => return Err(format!("expected a queue, got {}", other.kind())),
            };
            Ok(Conclusion {
                line: format!(
                    "Under a GIL, counter += 1 lost {} (as CPython: no switch falls inside it); \
                     with a call between the read and the write it lost {}; free threads (as \
                     3.13t) lost {}; with a lock, {}. The queue delivered {} items {}.",
                    share(bare),
                    share(call),
                    share(free),
                    share(locked),
                    group(items),
                    if delivered { "once each" } else { "WRONGLY" },
                ) + if unseen {
                    " The racing threads hardly ran at the same time, so nothing could be lost: \
                     this machine was too busy to tell. Run again, ideally with other programs \
                     closed."
                } else {
                    ""
                },
                verdict: if unseen && bare.1 == 0 && locked.1 == 0 && delivered {
                    Verdict::TooBusy
                } else {
                    Verdict::from(
                        bare.1 == 0 && call.1 > 0 && free.1 > 0 && locked.1 == 0 && delivered,
                    )
                },
            })
        },
    },
];
