//! The messages between the UI and the engine worker, as JSON strings: postMessage copies a string
//! cheaply, and both sides are Rust, so one serde definition serves both.
//!
//! Every enum here (and the I/O run's request and reply under it) is externally tagged, serde's
//! default: `{"reply": {"id": 7, "reply": {"done": {…}}}}`. Nothing but this release's own two
//! sides reads these messages, so the shape is free, and an internally tagged enum
//! (`#[serde(tag = …)]`) costs code: serde reads one by buffering the whole message into its
//! `Content` and deserializing that again, a second copy of every message type's deserializer.
//! Externally tagged, the release's wasm was 11.7 KB smaller gzipped (734.7 -> 723.0 KB).
//! Saved formats (history, links) keep their tags; they are in `history` and `share`. For the
//! same reason [`MeasureRequest`] (flat, as the bench and tests write it) and history's
//! `RecordV1` are read by hand: with no reader through `Content` left, serde's buffer is gone.

use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;
use crate::engine::io::{IoReply, IoRequest};
use crate::engine::kernels::{self, KernelError};
use crate::engine::run::control::Progress;
use crate::engine::run::control::RunControl;
use crate::engine::run::coroutines::block_on;
use crate::engine::run::deadlock::{LockOrder, WaitFor};
use crate::engine::run::harness::Repeater;
use crate::engine::run::harness::{self, HarnessError, Measurement};
use crate::engine::run::models::{Model, RunConfig, RunError};
use crate::engine::run::runtime::Runtime;
use crate::engine::run::shared_state::Increment;
use crate::engine::run::trace::Trace;
use crate::engine::workload::{Checksum, Workload};

/// What the page tells the engine worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToEngine {
    /// Measure `request`; the engine answers with progress and then one [`FromEngine::Reply`]
    /// carrying the same `id`. One measurement at a time.
    Measure { id: u32, request: MeasureRequest },
    /// Make the I/O run `request`; built-in targets are under `targets` (the service worker's
    /// `__overlap/io/`, empty where there is none). Answered like a measurement, with progress
    /// and then one [`FromEngine::IoReply`].
    Io {
        id: u32,
        request: IoRequest,
        #[serde(default)]
        targets: String,
    },
    /// Run a shared-state demo on the pool's threads; answered by one [`FromEngine::SharedReply`].
    Shared { id: u32, demo: SharedDemo },
    /// Stop measurement or I/O run `id` (ignored if it is already over).
    Cancel { id: u32 },
}

/// The shared-state demos ([`crate::engine::run::shared_state`]), each on every thread of the pool.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharedDemo {
    /// Every thread adds 1 to one counter `per_thread` times, as `increment` says.
    Counter {
        increment: Increment,
        per_thread: u64,
    },
    /// One producer puts `items` into a queue of `capacity`; the other threads consume.
    Queue {
        items: u64,
        capacity: usize,
    },
    /// Two threads take locks A and B `rounds` times each, the second in `order`.
    TwoLocks {
        order: LockOrder,
        rounds: u64,
    },
    /// The fault drill: a pool thread panics on purpose, as the `fault-drill` kernel's task does,
    /// so tests can check that a trapped demo is reported and the engine replaced.
    FaultDrill,
    /// Drills of the page's watches, for tests, in the browser's engine only: its own thread
    /// aborts with no panic to report it (as running out of memory does), or stops answering.
    AbortDrill,
    HangDrill,
}

/// What a shared-state demo found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharedOutcome {
    Counter {
        threads: usize,
        expected: u64,
        counted: u64,
        ms: f64,
        /// How much the threads counted at the same time, 0 to 1 (see
        /// [`crate::engine::run::shared_state::CounterOutcome`]); absent from older outcomes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        together: Option<f64>,
    },
    Queue {
        items: u64,
        /// Items each consumer took.
        per_consumer: Vec<u64>,
        /// The sum of every item taken, against `0 + 1 + … + (items - 1)`.
        sum: u64,
        expected_sum: u64,
        ms: f64,
    },
    /// Rounds that took both locks, of those asked for; where the watchdog found the threads
    /// when it ended a deadlock (empty if it did not have to).
    TwoLocks {
        order: LockOrder,
        expected: u64,
        completed: u64,
        retries: u64,
        waits_for: Vec<WaitFor>,
        ms: f64,
    },
    Failed {
        message: String,
    },
    /// Stopped on request.
    Cancelled,
}

impl SharedDemo {
    /// Runs the demo on the current rayon pool. `clock` times it; `control` carries Cancel.
    pub fn run(self, clock: Clock, control: &RunControl) -> SharedOutcome {
        use crate::engine::run::deadlock::two_locks;
        use crate::engine::run::shared_state::{count_together, produce_and_consume};
        let started = clock();
        let outcome = match self {
            SharedDemo::Counter {
                increment,
                per_thread,
            } => {
                let outcome =
                    count_together(increment, per_thread.min(100_000_000), clock, control);
                SharedOutcome::Counter {
                    threads: rayon::current_num_threads(),
                    expected: outcome.expected,
                    counted: outcome.counted,
                    ms: clock() - started,
                    together: Some(outcome.together),
                }
            }
            SharedDemo::Queue { items, capacity } => {
                let items = items.min(100_000_000);
                match produce_and_consume(items, capacity.clamp(1, 1 << 20), control) {
                    Ok(tally) => SharedOutcome::Queue {
                        items,
                        per_consumer: tally.per_consumer,
                        sum: tally.sum,
                        expected_sum: items * items.saturating_sub(1) / 2,
                        ms: clock() - started,
                    },
                    Err(why) => SharedOutcome::Failed {
                        message: why.to_string(),
                    },
                }
            }
            SharedDemo::TwoLocks { order, rounds } => {
                let outcome = two_locks(order, rounds.min(10_000), clock, control);
                SharedOutcome::TwoLocks {
                    order,
                    expected: outcome.expected,
                    completed: outcome.completed,
                    retries: outcome.retries,
                    waits_for: outcome.waits_for,
                    ms: clock() - started,
                }
            }
            SharedDemo::AbortDrill | SharedDemo::HangDrill => SharedOutcome::Failed {
                message: "this drill is for the browser's engine thread only".into(),
            },
            SharedDemo::FaultDrill => {
                rayon::broadcast(|context| {
                    if context.index() == 0 {
                        panic!("the fault drill raised on a pool thread, as asked");
                    }
                });
                SharedOutcome::Failed {
                    message: "the fault drill did not raise".into(),
                }
            }
        };
        if control.is_cancelled() {
            SharedOutcome::Cancelled
        } else {
            outcome
        }
    }
}

/// What the engine worker tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FromEngine {
    /// The worker's script runs and can take its start message (sent before anything else).
    Listening,
    /// Loaded, with a rayon pool of `threads` (0: none) that took `pool_start_ms` to start, or
    /// with no pool and `pool_error` saying why it did not start.
    Ready {
        threads: usize,
        pool_start_ms: f64,
        #[serde(default)]
        pool_error: Option<String>,
    },
    /// Cancel reached run `id`, which stops at its tasks' next checkpoints. An engine whose own
    /// thread is busy (a coroutine in the middle of a CPU-bound task) cannot say this, and the
    /// page stops it instead.
    Stopping {
        id: u32,
    },
    /// Tasks done so far in measurement `id`, at least every 100 ms while it runs.
    Progress {
        id: u32,
        progress: Progress,
    },
    Reply {
        id: u32,
        reply: MeasureReply,
    },
    IoReply {
        id: u32,
        reply: IoReply,
    },
    SharedReply {
        id: u32,
        outcome: SharedOutcome,
    },
    /// A thread of the engine trapped (a panic in wasm aborts): its memory can no longer be
    /// trusted, so the page must start a new engine. Also sent when the engine fails to load.
    Fault {
        message: String,
    },
}

impl ToEngine {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages always serialize")
    }
}

impl FromEngine {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages always serialize")
    }

    /// Reads a message on the page; a garbled one becomes a fault that says so.
    pub fn read(json: &str) -> FromEngine {
        serde_json::from_str(json).unwrap_or_else(|err| FromEngine::Fault {
            message: format!("unreadable message from the engine: {err}"),
        })
    }
}

/// Run kernel `kernel` at `size` as `run` says, `repeats` times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureRequest {
    pub kernel: String,
    pub size: u64,
    pub repeats: u32,
    /// The model and its settings, flattened: `{"kernel": "count", "size": 1e9, "repeats": 3,
    /// "model": "free-threads", "workers": 2}`; settings left out take their defaults.
    #[serde(flatten)]
    pub run: RunConfig,
}

/// Read by hand, not derived: serde reads a `flatten`ed field through its `Content` buffer too
/// (see the module's note). The object is read once, its own three fields taken out, and the
/// rest read as the [`RunConfig`] it is; unknown fields are ignored, as the derive did.
impl<'de> Deserialize<'de> for MeasureRequest {
    fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeOwned, Error};
        use serde_json::{Map, Value};
        fn take<T: DeserializeOwned, E: Error>(
            fields: &mut Map<String, Value>,
            name: &'static str,
        ) -> Result<T, E> {
            let value = fields.remove(name).ok_or_else(|| E::missing_field(name))?;
            serde_json::from_value(value).map_err(|err| E::custom(format!("{name}: {err}")))
        }
        let mut fields = Map::<String, Value>::deserialize(reader)?;
        Ok(MeasureRequest {
            kernel: take(&mut fields, "kernel")?,
            size: take(&mut fields, "size")?,
            repeats: take(&mut fields, "repeats")?,
            run: RunConfig::deserialize(Value::Object(fields)).map_err(D::Error::custom)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureReply {
    Done {
        samples_ms: Vec<f64>,
        checksum: Checksum,
        /// Workers that ran it (1 for sequential).
        threads: usize,
        /// The trace of the median repeat.
        trace: Box<Trace>,
    },
    Failed {
        message: String,
    },
    /// Stopped on request; nothing was measured.
    Cancelled,
}

impl MeasureReply {
    fn failed(message: impl ToString) -> Self {
        MeasureReply::Failed {
            message: message.to_string(),
        }
    }
}

/// Answers one request inside the engine: parse, validate, measure. Never panics on bad input.
/// `pool_threads` is the size of the rayon pool the thread models use (0 if none was started).
pub fn handle(request_json: &str, pool_threads: usize, clock: Clock) -> String {
    let reply = match serde_json::from_str::<MeasureRequest>(request_json) {
        Ok(request) => measure(&request, &mut Runtime::new(clock, pool_threads)),
        Err(err) => MeasureReply::failed(format!("unreadable request: {err}")),
    };
    serde_json::to_string(&reply).expect("replies always serialize")
}

/// Measures `request` on the blocking `runtime`, whose [`RunControl`] counts the tasks and
/// carries Cancel.
pub fn measure(request: &MeasureRequest, runtime: &mut Runtime) -> MeasureReply {
    let (pool_threads, control) = (
        runtime.pool_threads,
        std::sync::Arc::clone(&runtime.control),
    );
    block_on(measure_on(request, pool_threads, &control, runtime))
}

/// Measures `request` with the one driver ([`harness::measure_with`]) on any [`Repeater`]:
/// builds the workload (refusing what cannot run), measures, and says how it went.
pub async fn measure_on<R: Repeater + ?Sized>(
    request: &MeasureRequest,
    pool_threads: usize,
    control: &RunControl,
    repeater: &mut R,
) -> MeasureReply {
    match prepare(request) {
        Ok(work) => measure_prepared_on(request, &*work, pool_threads, control, repeater).await,
        Err(reply) => reply,
    }
}

/// [`measure_on`] with the workload already built by [`prepare`] (a caller that also needs it
/// on another thread).
pub async fn measure_prepared_on<R: Repeater + ?Sized>(
    request: &MeasureRequest,
    work: &dyn Workload,
    pool_threads: usize,
    control: &RunControl,
    repeater: &mut R,
) -> MeasureReply {
    reply(
        harness::measure_with(
            work,
            &request.run,
            request.repeats,
            pool_threads,
            control,
            repeater,
        )
        .await,
    )
}

/// Builds the request's workload, refusing an unknown kernel, a size outside its limits and a
/// size that would not fit in memory, before anything is allocated. Shared, so a pool thread
/// may take part in it.
pub fn prepare(request: &MeasureRequest) -> Result<std::sync::Arc<dyn Workload>, MeasureReply> {
    let copies = request.run.model == Model::Processes;
    kernels::build_checked(&request.kernel, request.size, copies)
        .map(std::sync::Arc::from)
        .map_err(|err: KernelError| MeasureReply::failed(err))
}

/// The reply for a measurement's outcome.
fn reply(outcome: Result<Measurement, HarnessError>) -> MeasureReply {
    match outcome {
        Err(HarnessError::Run(RunError::Cancelled)) => MeasureReply::Cancelled,
        Err(err) => MeasureReply::failed(err),
        Ok(m) => MeasureReply::Done {
            threads: m.median_trace().workers,
            trace: Box::new(m.median_trace().clone()),
            samples_ms: m.samples_ms(),
            checksum: m.checksum,
        },
    }
}

/// Reads a reply on the UI side; a garbled one becomes a `Failed` that says so.
pub fn read_reply(json: &str) -> MeasureReply {
    serde_json::from_str(json).unwrap_or_else(|err| {
        MeasureReply::failed(format!("unreadable reply from the engine: {err}"))
    })
}

#[cfg(test)]
mod tests;
