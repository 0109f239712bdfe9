//! What happened during one run: which worker ran each task and when, how busy each worker was,
//! what the GIL did and what crossed a process boundary. The timeline and the lessons are drawn
//! from this.
//!
//! Every time is in milliseconds from the start of the run, read from the run's injected clock.

use serde::{Deserialize, Serialize};

use crate::engine::clock::Clock;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::gil::GilStats;

/// One task's life. Every model submits all tasks when the run starts (as `Pool.map` does), so a
/// task's queue wait is the time from the start until a worker picked it up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSpan {
    pub task: usize,
    /// The worker (thread, process or coroutine) that ran it, `0..workers`.
    pub worker: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

impl TaskSpan {
    /// Runs `task` on `worker` and times it on `clock`, from `origin_ms`.
    pub fn time<R>(
        task: usize,
        worker: usize,
        clock: Clock,
        origin_ms: f64,
        run: impl FnOnce() -> R,
    ) -> (R, TaskSpan) {
        let start_ms = clock() - origin_ms;
        let result = run();
        let end_ms = clock() - origin_ms;
        let span = TaskSpan {
            task,
            worker,
            start_ms,
            end_ms,
        };
        (result, span)
    }

    pub fn queue_wait_ms(&self) -> f64 {
        self.start_ms.max(0.0)
    }

    pub fn duration_ms(&self) -> f64 {
        self.end_ms - self.start_ms
    }
}

/// What crossing process boundaries cost: the pickle analogue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CopyStats {
    /// Messages sent to workers (one per chunk).
    pub messages: usize,
    /// Bytes of task arguments sent to the workers.
    pub bytes_sent: usize,
    /// Bytes of results sent back.
    pub bytes_received: usize,
    /// Time the parent spent serializing arguments.
    pub serialize_ms: f64,
    /// Time the workers spent reading arguments back into their own memory.
    pub deserialize_ms: f64,
    /// Time to start the workers (zero for a pool that was already running).
    pub spawn_ms: f64,
}

impl CopyStats {
    pub fn bytes_copied(&self) -> usize {
        self.bytes_sent + self.bytes_received
    }
}

/// One chunk's trip to a worker process and back, in ms from the start of the run: the arrows a
/// trace export draws from the parent to the worker and back.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkTrip {
    pub worker: usize,
    pub first_task: usize,
    pub tasks: usize,
    /// When the parent began pickling the chunk's arguments.
    pub sent_ms: f64,
    /// How long pickling took.
    pub serialize_ms: f64,
    pub bytes_sent: usize,
    /// How long the worker took to read the arguments back, just before the chunk's first task.
    pub decode_ms: f64,
    /// When the results arrived back; `None` for a chunk still out when the run was cancelled.
    pub back_ms: Option<f64>,
    pub bytes_received: usize,
}

/// The trace of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub workers: usize,
    pub style: MapStyle,
    pub chunksize: usize,
    /// From the start of the run until the last result was back.
    pub wall_ms: f64,
    /// When the caller could have used its first result (see [`MapStyle::delivered_at`]).
    pub first_result_ms: f64,
    /// Every task, in task order.
    pub tasks: Vec<TaskSpan>,
    /// Milliseconds each worker spent computing. Under a GIL, the time it held the GIL (unless
    /// the tasks let go of it to compute: then the time in tasks, as without one).
    pub busy_ms: Vec<f64>,
    pub gil: Option<GilStats>,
    pub copy: Option<CopyStats>,
    /// Every chunk sent to a worker process, in the order sent (empty for the other models).
    #[serde(default)]
    pub chunks: Vec<ChunkTrip>,
}

impl Trace {
    /// Assembles a trace from task spans; `busy_ms` is summed from the spans unless the GIL says
    /// who really computed.
    pub fn new(
        workers: usize,
        style: MapStyle,
        chunksize: usize,
        wall_ms: f64,
        mut tasks: Vec<TaskSpan>,
        gil: Option<GilStats>,
        copy: Option<CopyStats>,
    ) -> Trace {
        tasks.sort_by_key(|span| span.task);
        let busy_ms = match &gil {
            Some(gil) if !gil.released_in_tasks => gil.held_ms(workers),
            _ => {
                let mut busy = vec![0.0; workers];
                for span in &tasks {
                    if let Some(b) = busy.get_mut(span.worker) {
                        *b += span.duration_ms();
                    }
                }
                busy
            }
        };
        let chunk_done: Vec<f64> = tasks
            .chunks(chunksize.max(1))
            .map(|chunk| chunk.iter().map(|s| s.end_ms).fold(0.0, f64::max))
            .collect();
        let first_result_ms = style.first_result(chunksize, tasks.len(), &chunk_done);
        Trace {
            workers,
            style,
            chunksize,
            wall_ms,
            first_result_ms,
            tasks,
            busy_ms,
            gil,
            copy,
            chunks: Vec::new(),
        }
    }

    /// Whether the workers computed only while holding a GIL: GIL threads, unless their tasks
    /// let go of it to compute.
    pub fn computes_holding_gil(&self) -> bool {
        self.gil.as_ref().is_some_and(|gil| !gil.released_in_tasks)
    }

    /// Busy time over the time the workers were there to use: 1.0 when none sat idle.
    pub fn utilisation(&self) -> f64 {
        if self.wall_ms <= 0.0 || self.workers == 0 {
            return 0.0;
        }
        self.busy_ms.iter().sum::<f64>() / (self.wall_ms * self.workers as f64)
    }

    /// The longest any task waited in the queue.
    pub fn max_queue_wait_ms(&self) -> f64 {
        self.tasks
            .iter()
            .map(TaskSpan::queue_wait_ms)
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(task: usize, worker: usize, start_ms: f64, end_ms: f64) -> TaskSpan {
        TaskSpan {
            task,
            worker,
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn busy_time_and_first_result_come_from_the_spans() {
        let spans = vec![
            span(2, 0, 10.0, 30.0),
            span(0, 0, 0.0, 10.0),
            span(1, 1, 0.0, 5.0),
            span(3, 1, 5.0, 25.0),
        ];
        let trace = Trace::new(2, MapStyle::ImapUnordered, 1, 30.0, spans, None, None);
        assert_eq!(
            trace.tasks.iter().map(|s| s.task).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(trace.busy_ms, vec![30.0, 25.0]);
        assert_eq!(trace.first_result_ms, 5.0);
        assert_eq!(trace.max_queue_wait_ms(), 10.0);
        assert!((trace.utilisation() - 55.0 / 60.0).abs() < 1e-12);
        let ordered = Trace::new(2, MapStyle::Map, 2, 30.0, trace.tasks.clone(), None, None);
        assert_eq!(ordered.first_result_ms, 30.0);
    }

    #[test]
    fn under_a_gil_busy_time_is_time_holding_it() {
        use crate::engine::run::gil::Hold;
        let gil = GilStats {
            holds: vec![
                Hold {
                    worker: 0,
                    start_ms: 0.0,
                    end_ms: 5.0,
                },
                Hold {
                    worker: 1,
                    start_ms: 5.0,
                    end_ms: 10.0,
                },
                Hold {
                    worker: 0,
                    start_ms: 10.0,
                    end_ms: 12.0,
                },
            ],
            ..GilStats::default()
        };
        let spans = vec![span(0, 0, 0.0, 12.0), span(1, 1, 0.0, 10.0)];
        let trace = Trace::new(2, MapStyle::Map, 1, 12.0, spans, Some(gil), None);
        assert_eq!(trace.busy_ms, vec![7.0, 5.0]);
        assert!(
            trace.utilisation() <= 0.5 + 1e-12,
            "one core's worth at most"
        );
    }
}
