//! The processes model: `multiprocessing.Pool` with isolated workers.
//!
//! A process shares nothing with its parent. The parent serializes each chunk of tasks (see
//! [`Workload::encode_tasks`]), sends the bytes, and the worker rebuilds the tasks in its own
//! memory with the kernel's `decode`, runs them and sends the results back as bytes. So a run pays
//! for the copies, and the trace says how many bytes and how long.
//!
//! The two sides are plain functions over bytes, with no transport: [`serve_chunk`] is the
//! worker's loop body and [`Dispatcher`] the parent's bookkeeping. Natively [`ProcessPool`] joins
//! them with threads and channels (the isolation is the byte boundary: a worker is given nothing
//! else); the browser runtime joins them with Web Workers, each its own wasm instance and memory,
//! and `postMessage`.

use std::fmt;
use std::ops::Range;

use crate::engine::clock::Clock;
use crate::engine::kernels;
use crate::engine::run::control::RunControl;
use crate::engine::run::dispatch::{chunks, MapStyle};
use crate::engine::run::trace::{ChunkTrip, CopyStats, TaskSpan, Trace};
use crate::engine::wire::{DecodeError, Reader, Writer};
use crate::engine::workload::{run_one, Workload};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessError {
    /// The workload names no kernel a process could look up (like pickling a lambda).
    NotPicklable,
    /// A worker could not run a chunk; the message says why.
    Worker(String),
    /// A message or reply was not what the other side writes.
    Garbled(String),
    /// A worker went away before answering.
    Lost,
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::NotPicklable => write!(
                f,
                "these tasks cannot be sent to a process: they name no kernel (like pickling a lambda)"
            ),
            ProcessError::Worker(why) => write!(f, "a worker process failed: {why}"),
            ProcessError::Garbled(why) => write!(f, "a garbled message between processes: {why}"),
            ProcessError::Lost => write!(f, "a worker process went away before answering"),
        }
    }
}

impl std::error::Error for ProcessError {}

impl From<DecodeError> for ProcessError {
    fn from(err: DecodeError) -> Self {
        ProcessError::Garbled(err.0)
    }
}

/// A worker's answer for one chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkReply {
    pub first_task: usize,
    pub results: Vec<u64>,
    /// Start and end of each task on the worker's clock.
    pub spans: Vec<[f64; 2]>,
    /// Time the worker spent reading the arguments back.
    pub decode_ms: f64,
}

const REPLY_OK: u64 = 0;
const REPLY_FAILED: u64 = 1;

/// The parent's message for one chunk: which kernel, where the chunk starts, its arguments.
fn chunk_message(kernel: &str, tasks: Range<usize>, arguments: &[u8]) -> Vec<u8> {
    Writer::new()
        .bytes(kernel.as_bytes())
        .u64(tasks.start as u64)
        .bytes(arguments)
        .finish()
}

/// The worker's side: reads a chunk message, rebuilds its tasks, runs them and answers with
/// the results, or with why not. Never panics on a bad message.
pub fn serve_chunk(message: &[u8], clock: Clock) -> Vec<u8> {
    match run_chunk(message, clock) {
        Ok(reply) => {
            let spans: Vec<f64> = reply.spans.iter().flatten().copied().collect();
            Writer::new()
                .u64(REPLY_OK)
                .u64(reply.first_task as u64)
                .u64s(&reply.results)
                .f64s(&spans)
                .f64s(&[reply.decode_ms])
                .finish()
        }
        Err(why) => Writer::new()
            .u64(REPLY_FAILED)
            .bytes(why.as_bytes())
            .finish(),
    }
}

fn run_chunk(message: &[u8], clock: Clock) -> Result<ChunkReply, String> {
    let decode_start = clock();
    let mut reader = Reader::new(message);
    let kernel = reader.bytes().map_err(|e| e.to_string())?;
    let first_task = reader.u64().map_err(|e| e.to_string())? as usize;
    let arguments = reader.bytes().map_err(|e| e.to_string())?;
    reader.end().map_err(|e| e.to_string())?;
    let kernel = std::str::from_utf8(kernel).map_err(|_| "a kernel name that is not UTF-8")?;
    let info = kernels::find(kernel).ok_or_else(|| format!("no kernel is called {kernel:?}"))?;
    // lesson: copy
    let tasks = (info.decode)(arguments).map_err(|e| e.to_string())?;
    let decode_ms = clock() - decode_start;
    let (results, spans) = (0..tasks.task_count())
        .map(|task| {
            let (result, span) = TaskSpan::time(task, 0, clock, 0.0, || run_one(&*tasks, task));
            (result, [span.start_ms, span.end_ms])
        })
        .unzip();
    // end lesson
    Ok(ChunkReply {
        first_task,
        results,
        spans,
        decode_ms,
    })
}

/// Reads a worker's answer.
pub fn read_reply(reply: &[u8]) -> Result<ChunkReply, ProcessError> {
    let mut reader = Reader::new(reply);
    match reader.u64()? {
        REPLY_OK => {
            let first_task = reader.u64()? as usize;
            let results = reader.u64s()?;
            let flat = reader.f64s()?;
            let decode_ms = reader.f64s()?.first().copied().unwrap_or(0.0);
            reader.end()?;
            if flat.len() != results.len() * 2 {
                return Err(ProcessError::Garbled("spans do not match results".into()));
            }
            let spans = flat.chunks_exact(2).map(|s| [s[0], s[1]]).collect();
            Ok(ChunkReply {
                first_task,
                results,
                spans,
                decode_ms,
            })
        }
        REPLY_FAILED => {
            let why = reader.bytes()?;
            Err(ProcessError::Worker(
                String::from_utf8_lossy(why).into_owned(),
            ))
        }
        other => Err(ProcessError::Garbled(format!("unknown reply kind {other}"))),
    }
}

/// One pool run's plan: how many workers take part, how tasks are handed out, and the times the
/// run is measured from (`spawn_ms` is the part of it spent starting the pool, 0 when reused).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolRun {
    pub workers: usize,
    pub style: MapStyle,
    pub chunksize: usize,
    pub origin_ms: f64,
    pub spawn_ms: f64,
}

/// Chunks each worker may hold at once: one to run and one waiting, so a worker never sits idle
/// while the parent serializes its next chunk (Python's task handler likewise fills the queue
/// ahead of the workers).
pub const IN_FLIGHT_PER_WORKER: usize = 2;

/// The parent's side of a pool run, free of any transport: it decides which worker gets the next
/// chunk (every worker holds up to [`IN_FLIGHT_PER_WORKER`]), serializes it, and files the
/// replies. A transport loops: post everything [`Dispatcher::outbox`] gives, stop when
/// [`Dispatcher::is_waiting`] is false, otherwise wait for a reply and pass it to
/// [`Dispatcher::on_reply`].
pub struct Dispatcher<'w, W: Workload + ?Sized> {
    work: &'w W,
    kernel: &'static str,
    plan: PoolRun,
    chunks: Vec<Range<usize>>,
    next_chunk: usize,
    in_flight: Vec<usize>,
    results: Vec<u64>,
    spans: Vec<TaskSpan>,
    chunk_done: Vec<f64>,
    chunk_back: Vec<bool>,
    trips: Vec<ChunkTrip>,
    copy: CopyStats,
    clock: Clock,
}

impl<'w, W: Workload + ?Sized> Dispatcher<'w, W> {
    /// A run of `work` as `plan` says (at least one worker and a chunksize of at least one);
    /// times are read from `clock`.
    pub fn new(work: &'w W, plan: PoolRun, clock: Clock) -> Result<Self, ProcessError> {
        let kernel = work.kernel().ok_or(ProcessError::NotPicklable)?;
        let plan = PoolRun {
            workers: plan.workers.max(1),
            chunksize: plan.chunksize.max(1),
            ..plan
        };
        let chunks = chunks(work.task_count(), plan.chunksize);
        Ok(Dispatcher {
            work,
            kernel,
            chunk_done: vec![0.0; chunks.len()],
            chunk_back: vec![false; chunks.len()],
            trips: Vec::with_capacity(chunks.len()),
            chunks,
            next_chunk: 0,
            in_flight: vec![0; plan.workers],
            plan,
            results: vec![0; work.task_count()],
            spans: Vec::with_capacity(work.task_count()),
            copy: CopyStats::default(),
            clock,
        })
    }

    /// The messages to post now, each with its worker: chunks for every worker with room, in
    /// turn (worker 0, 1, …, then each one's second), serialized now (the time counts as
    /// serializing). Empty once every chunk is out, or once `control` is cancelled.
    pub fn outbox(&mut self, control: &RunControl) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        while !control.is_cancelled() && self.next_chunk < self.chunks.len() {
            let Some(worker) = (0..self.plan.workers)
                .filter(|&w| self.in_flight[w] < IN_FLIGHT_PER_WORKER)
                .min_by_key(|&w| self.in_flight[w])
            else {
                break;
            };
            let tasks = self.chunks[self.next_chunk].clone();
            self.next_chunk += 1;
            // lesson: copy
            let start = (self.clock)();
            let message = chunk_message(
                self.kernel,
                tasks.clone(),
                &self.work.encode_tasks(tasks.clone()),
            );
            let serialize_ms = (self.clock)() - start;
            self.copy.serialize_ms += serialize_ms;
            self.copy.bytes_sent += message.len();
            self.copy.messages += 1;
            // end lesson
            self.trips.push(ChunkTrip {
                worker,
                first_task: tasks.start,
                tasks: tasks.len(),
                sent_ms: start - self.plan.origin_ms,
                serialize_ms,
                bytes_sent: message.len(),
                decode_ms: 0.0,
                back_ms: None,
                bytes_received: 0,
            });
            self.in_flight[worker] += 1;
            out.push((worker, message));
        }
        out
    }

    /// Whether a chunk that went out is still to come back.
    pub fn is_waiting(&self) -> bool {
        self.in_flight.iter().any(|&n| n > 0)
    }

    /// Files `worker`'s reply; returns how many tasks it answered.
    pub fn on_reply(&mut self, worker: usize, reply: &[u8]) -> Result<usize, ProcessError> {
        let arrived = (self.clock)() - self.plan.origin_ms;
        let reply_bytes = reply.len();
        self.copy.bytes_received += reply_bytes;
        let reply = read_reply(reply)?;
        let chunk = reply.first_task / self.plan.chunksize;
        let expected = self
            .chunks
            .get(chunk)
            .filter(|tasks| tasks.start == reply.first_task && tasks.len() == reply.results.len())
            .filter(|_| chunk < self.next_chunk && !self.chunk_back[chunk])
            .filter(|_| self.in_flight.get(worker).is_some_and(|&n| n > 0))
            .ok_or_else(|| {
                ProcessError::Garbled(format!(
                    "{} results from task {} match no chunk that was sent to worker {worker} \
                     and not yet answered",
                    reply.results.len(),
                    reply.first_task
                ))
            })?;
        let origin = self.plan.origin_ms;
        for (i, (&result, &[start, end])) in reply.results.iter().zip(&reply.spans).enumerate() {
            let task = expected.start + i;
            self.results[task] = result;
            self.spans.push(TaskSpan {
                task,
                worker,
                start_ms: start - origin,
                end_ms: end - origin,
            });
        }
        self.copy.deserialize_ms += reply.decode_ms;
        // Chunks go out in order, so a chunk's trip is at its index.
        if let Some(trip) = self.trips.get_mut(chunk) {
            trip.decode_ms = reply.decode_ms;
            trip.back_ms = Some(arrived);
            trip.bytes_received = reply_bytes;
        }
        self.chunk_done[chunk] = arrived;
        self.chunk_back[chunk] = true;
        self.in_flight[worker] -= 1;
        Ok(reply.results.len())
    }

    /// Adds time the transport spent copying a message out (part of what pickling costs).
    pub fn add_serialize_ms(&mut self, ms: f64) {
        self.copy.serialize_ms += ms;
    }

    /// The results in task order and the run's trace.
    pub fn finish(self) -> (Vec<u64>, Trace) {
        let PoolRun {
            workers,
            style,
            chunksize,
            origin_ms,
            spawn_ms,
        } = self.plan;
        let wall_ms = (self.clock)() - origin_ms;
        let copy = CopyStats {
            spawn_ms,
            ..self.copy
        };
        let mut trace = Trace::new(
            workers,
            style,
            chunksize,
            wall_ms,
            self.spans,
            None,
            Some(copy),
        );
        trace.chunks = self.trips;
        // Results reach the caller when their message arrives, not when the worker finished.
        trace.first_result_ms = style.first_result(chunksize, trace.tasks.len(), &self.chunk_done);
        (self.results, trace)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::ProcessPool;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::thread::JoinHandle;

    use super::*;
    use crate::engine::run::control::RunControl;

    /// k worker "processes" for native runs: threads that are handed nothing but bytes, so the
    /// only way in or out is the serialization boundary.
    pub struct ProcessPool {
        inboxes: Vec<Sender<Vec<u8>>>,
        replies: Receiver<(usize, Vec<u8>)>,
        threads: Vec<JoinHandle<()>>,
        clock: Clock,
    }

    impl ProcessPool {
        /// Starts `workers` workers that read their clock from `clock`.
        pub fn spawn(workers: usize, clock: Clock) -> std::io::Result<ProcessPool> {
            let (reply_tx, replies) = channel();
            let mut inboxes = Vec::with_capacity(workers);
            let mut threads = Vec::with_capacity(workers);
            for me in 0..workers {
                let (tx, inbox) = channel::<Vec<u8>>();
                let reply_tx = reply_tx.clone();
                let thread = std::thread::Builder::new()
                    .name(format!("overlap-process-{me}"))
                    .spawn(move || {
                        for message in inbox {
                            if reply_tx.send((me, serve_chunk(&message, clock))).is_err() {
                                break;
                            }
                        }
                    })?;
                inboxes.push(tx);
                threads.push(thread);
            }
            Ok(ProcessPool {
                inboxes,
                replies,
                threads,
                clock,
            })
        }

        pub fn workers(&self) -> usize {
            self.inboxes.len()
        }

        /// Runs every task of `work` as `plan` says, on the first `plan.workers` workers of this
        /// pool, timing on the pool's clock. Once `control` is cancelled no more chunks go out;
        /// those already sent are waited for, so the pool is left with nothing in flight.
        pub fn run<W: Workload + ?Sized>(
            &self,
            work: &W,
            plan: PoolRun,
            control: &RunControl,
        ) -> Result<(Vec<u64>, Trace), ProcessError> {
            let plan = PoolRun {
                workers: plan.workers.clamp(1, self.workers()),
                ..plan
            };
            let mut dispatcher = Dispatcher::new(work, plan, self.clock)?;
            loop {
                for (worker, message) in dispatcher.outbox(control) {
                    self.inboxes[worker]
                        .send(message)
                        .map_err(|_| ProcessError::Lost)?;
                }
                if !dispatcher.is_waiting() {
                    return Ok(dispatcher.finish());
                }
                let (worker, reply) = self.replies.recv().map_err(|_| ProcessError::Lost)?;
                control.tasks_done(dispatcher.on_reply(worker, &reply)?);
            }
        }
    }

    impl Drop for ProcessPool {
        /// Closes the inboxes and waits for the workers, as `Pool.__exit__` terminates and joins.
        fn drop(&mut self) {
            self.inboxes.clear();
            for thread in self.threads.drain(..) {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
