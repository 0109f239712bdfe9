//! The messages between the UI and the engine worker, as JSON strings: postMessage copies a string
//! cheaply, and both sides are Rust, so one serde definition serves both.

use serde::{Deserialize, Serialize};

use super::harness::{self, Clock};
use super::kernels;
use super::models::{RunConfig, Runtime};
use super::trace::Trace;
use super::workload::Checksum;

/// Run kernel `kernel` at `size` as `run` says, `repeats` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureRequest {
    pub kernel: String,
    pub size: u64,
    pub repeats: u32,
    /// The model and its settings, flattened: `{"kernel": "count", "size": 1e9, "repeats": 3,
    /// "model": "free-threads", "workers": 2}`; settings left out take their defaults.
    #[serde(flatten)]
    pub run: RunConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
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
    serde_json::to_string(&answer(request_json, pool_threads, clock))
        .expect("replies always serialize")
}

fn answer(request_json: &str, pool_threads: usize, clock: Clock) -> MeasureReply {
    let request = match serde_json::from_str::<MeasureRequest>(request_json) {
        Ok(request) => request,
        Err(err) => return MeasureReply::failed(format!("unreadable request: {err}")),
    };
    let work = match kernels::build(&request.kernel, request.size) {
        Ok(work) => work,
        Err(err) => return MeasureReply::failed(err),
    };
    let mut runtime = Runtime::new(clock, pool_threads);
    match harness::measure(&*work, &request.run, request.repeats, &mut runtime) {
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
mod tests {
    use super::*;
    use crate::engine::harness::system_clock;
    use crate::engine::kernels::count::CountLoop;
    use crate::engine::models::Model;

    fn ask(request: &str) -> MeasureReply {
        read_reply(&handle(request, 3, system_clock))
    }

    fn sequential_checksum(total: u64) -> Checksum {
        let work = CountLoop::new(total).unwrap();
        Checksum::of(&(0..64).map(|i| work.task_len(i)).collect::<Vec<_>>())
    }

    #[test]
    fn a_good_request_is_measured() {
        let request = MeasureRequest {
            kernel: "count".into(),
            size: 100_000,
            repeats: 3,
            run: RunConfig::new(Model::FreeThreads, 3),
        };
        let json = serde_json::to_string(&request).unwrap();
        match crate::engine::test_pool(3).install(|| ask(&json)) {
            MeasureReply::Done {
                samples_ms,
                checksum,
                threads,
                trace,
            } => {
                assert_eq!(samples_ms.len(), 3);
                assert_eq!(threads, 3);
                assert_eq!(trace.tasks.len(), 64);
                assert_eq!(checksum, sequential_checksum(100_000));
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }

    #[test]
    fn left_out_settings_take_their_defaults() {
        let request =
            r#"{"kernel":"count","size":64000,"repeats":1,"model":"processes","workers":2}"#;
        match ask(request) {
            MeasureReply::Done {
                checksum, trace, ..
            } => {
                assert_eq!(checksum, sequential_checksum(64_000));
                // Python's default map chunksize for 64 tasks on 2 workers.
                assert_eq!(trace.chunksize, 8);
                assert_eq!(trace.copy.unwrap().messages, 8);
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }

    #[test]
    fn bad_requests_get_a_message_not_a_panic() {
        for (request, expect) in [
            ("not json", "unreadable request"),
            (
                r#"{"kernel":"count","model":"gil","size":5000,"repeats":1}"#,
                "unreadable request",
            ),
            (
                r#"{"kernel":"count","model":"sequential","size":5,"repeats":1}"#,
                "at least 1_000",
            ),
            (
                r#"{"kernel":"quicksort","size":5000,"repeats":1}"#,
                "try one of",
            ),
            (
                r#"{"kernel":"count","model":"sequential","size":5000,"repeats":0}"#,
                "repeats must be",
            ),
            (
                r#"{"kernel":"count","model":"free-threads","workers":4,"size":5000,"repeats":1}"#,
                "has 3",
            ),
            (
                r#"{"kernel":"count","model":"processes","workers":65,"size":5000,"repeats":1}"#,
                "at most 64",
            ),
            (
                r#"{"kernel":"count","model":"processes","workers":2,"chunksize":0,"size":5000,"repeats":1}"#,
                "chunksize must be at least 1",
            ),
            (
                r#"{"kernel":"count","model":"gil-threads","workers":2,"switch_interval_ms":0,"size":5000,"repeats":1}"#,
                "switch interval",
            ),
        ] {
            match ask(request) {
                MeasureReply::Failed { message } => {
                    assert!(message.contains(expect), "{request}: {message}")
                }
                other => panic!("{request}: expected Failed, got {other:?}"),
            }
        }
    }

    #[test]
    fn thread_models_without_a_pool_are_refused() {
        let request =
            r#"{"kernel":"count","model":"free-threads","workers":1,"size":5000,"repeats":1}"#;
        let reply = read_reply(&handle(request, 0, system_clock));
        assert!(
            matches!(&reply, MeasureReply::Failed { message } if message.contains("none was started")),
            "{reply:?}"
        );
    }

    #[test]
    fn garbled_replies_are_reported() {
        assert!(matches!(read_reply("{}"), MeasureReply::Failed { .. }));
    }
}
