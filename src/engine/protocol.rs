//! The messages between the UI and the engine worker, as JSON strings: postMessage copies a string
//! cheaply, and both sides are Rust, so one serde definition serves both.

use serde::{Deserialize, Serialize};

use super::harness::{self, Clock};
use super::kernels::count::CountLoop;
use super::models::Model;
use super::workload::Checksum;

/// Run `model` over a count of `count`, `repeats` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureRequest {
    pub model: Model,
    pub count: u64,
    pub repeats: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum MeasureReply {
    Done {
        samples_ms: Vec<f64>,
        checksum: Checksum,
        /// Threads in the pool that ran it (1 for sequential).
        threads: usize,
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
/// `pool_threads` is the size of the rayon pool free-threads runs use.
pub fn handle(request_json: &str, pool_threads: usize, clock: Clock) -> String {
    let reply = match serde_json::from_str::<MeasureRequest>(request_json) {
        Err(err) => MeasureReply::failed(format!("unreadable request: {err}")),
        // Touching rayon without a started pool would try to spawn OS threads, which wasm lacks.
        Ok(request) if request.model.uses_pool() && pool_threads == 0 => MeasureReply::failed(
            format!("{} need a thread pool, and none was started", request.model),
        ),
        Ok(request) => match CountLoop::new(request.count) {
            Err(err) => MeasureReply::failed(err),
            Ok(work) => match harness::measure(&work, request.model, request.repeats, clock) {
                Err(err) => MeasureReply::failed(err),
                Ok(m) => MeasureReply::Done {
                    samples_ms: m.samples_ms,
                    checksum: m.checksum,
                    threads: if request.model.uses_pool() {
                        pool_threads
                    } else {
                        1
                    },
                },
            },
        },
    };
    serde_json::to_string(&reply).expect("replies always serialize")
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

    fn ask(request: &str) -> MeasureReply {
        read_reply(&handle(request, 3, system_clock))
    }

    #[test]
    fn a_good_request_is_measured() {
        let request = MeasureRequest {
            model: Model::FreeThreads,
            count: 100_000,
            repeats: 3,
        };
        match ask(&serde_json::to_string(&request).unwrap()) {
            MeasureReply::Done {
                samples_ms,
                checksum,
                threads,
            } => {
                assert_eq!(samples_ms.len(), 3);
                assert_eq!(threads, 3);
                let work = CountLoop::new(100_000).unwrap();
                assert_eq!(
                    checksum,
                    Checksum::of(&Model::Sequential.run(&work, system_clock))
                );
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }

    #[test]
    fn bad_requests_get_a_message_not_a_panic() {
        for (request, expect) in [
            ("not json", "unreadable request"),
            (
                r#"{"model":"gil","count":5000,"repeats":1}"#,
                "unreadable request",
            ),
            (
                r#"{"model":"sequential","count":5,"repeats":1}"#,
                "at least 1_000",
            ),
            (
                r#"{"model":"sequential","count":5000,"repeats":0}"#,
                "repeats must be",
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
    fn free_threads_without_a_pool_are_refused() {
        let request = r#"{"model":"free-threads","count":5000,"repeats":1}"#;
        let reply = read_reply(&handle(request, 0, system_clock));
        assert!(matches!(reply, MeasureReply::Failed { message } if message.contains("no")));
    }

    #[test]
    fn garbled_replies_are_reported() {
        assert!(matches!(read_reply("{}"), MeasureReply::Failed { .. }));
    }
}
