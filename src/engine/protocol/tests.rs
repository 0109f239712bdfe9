use super::*;
use crate::engine::clock::system_clock;
use crate::engine::kernels::count::CountLoop;
use crate::engine::run::models::Model;

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
    let request = r#"{"kernel":"count","size":64000,"repeats":1,"model":"processes","workers":2}"#;
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
fn messages_survive_their_json_and_garbled_ones_become_faults() {
    let measure = ToEngine::Measure {
        id: 7,
        request: serde_json::from_str(r#"{"kernel":"fib","size":30,"repeats":3}"#).unwrap(),
    };
    let json = measure.to_json();
    assert!(json.starts_with(r#"{"measure":{"id":7,"#), "{json}");
    assert_eq!(serde_json::from_str::<ToEngine>(&json).unwrap(), measure);
    let progress = FromEngine::Progress {
        id: 7,
        progress: Progress { done: 3, total: 9 },
    };
    assert_eq!(FromEngine::read(&progress.to_json()), progress);
    let cancelled = FromEngine::Reply {
        id: 7,
        reply: MeasureReply::Cancelled,
    };
    assert_eq!(FromEngine::read(&cancelled.to_json()), cancelled);
    let stopping = FromEngine::Stopping { id: 7 };
    assert_eq!(stopping.to_json(), r#"{"stopping":{"id":7}}"#);
    assert_eq!(FromEngine::read(&stopping.to_json()), stopping);
    assert!(matches!(FromEngine::read("{}"), FromEngine::Fault { .. }));
    let io = ToEngine::Io {
        id: 8,
        request: crate::engine::io::IoRequest::default(),
        targets: "http://h/__overlap/io/".into(),
    };
    assert!(io.to_json().starts_with(r#"{"io":{"id":8,"#));
    assert_eq!(serde_json::from_str::<ToEngine>(&io.to_json()).unwrap(), io);
    let failed = FromEngine::IoReply {
        id: 8,
        reply: IoReply::Failed {
            message: "no".into(),
        },
    };
    assert_eq!(FromEngine::read(&failed.to_json()), failed);
}

#[test]
fn a_cancelled_measurement_says_so_and_too_big_a_size_is_refused_first() {
    let mut runtime = Runtime::new(system_clock, 0);
    runtime.control.cancel();
    let request: MeasureRequest =
        serde_json::from_str(r#"{"kernel":"count","size":640000,"repeats":3}"#).unwrap();
    assert_eq!(measure(&request, &mut runtime), MeasureReply::Cancelled);
    let huge = r#"{"kernel":"merge-sort","size":100000000,"repeats":1}"#;
    match ask(huge) {
        MeasureReply::Failed { message } => {
            assert!(message.contains("largest size that fits"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn garbled_replies_are_reported() {
    assert!(matches!(read_reply("{}"), MeasureReply::Failed { .. }));
}

#[test]
fn the_engine_workers_own_messages_read_as_faults_and_listening() {
    // www/engine-worker.js writes these two by hand, before and around the module it loads.
    assert_eq!(FromEngine::read(r#""listening""#), FromEngine::Listening);
    assert_eq!(
        FromEngine::read(r#"{"fault":{"message":"the engine failed to load: x"}}"#),
        FromEngine::Fault {
            message: "the engine failed to load: x".into()
        }
    );
    assert_eq!(FromEngine::Listening.to_json(), r#""listening""#);
}

/// `MeasureRequest` is read by hand: flat, its run's settings beside its own three fields.
#[test]
fn a_flat_request_reads_its_run_and_names_what_is_wrong() {
    let request: MeasureRequest = serde_json::from_str(
        r#"{"kernel":"count","size":5000,"repeats":2,"model":"free-threads","workers":2,"later":1}"#,
    )
    .unwrap();
    assert_eq!((request.size, request.repeats), (5000, 2));
    assert_eq!(
        (request.run.model, request.run.workers),
        (Model::FreeThreads, 2)
    );
    assert_eq!(request.run.style, RunConfig::default().style);
    let json = serde_json::to_string(&request).unwrap();
    assert!(json.contains(r#""model":"free-threads""#), "{json}");
    assert_eq!(
        serde_json::from_str::<MeasureRequest>(&json).unwrap(),
        request
    );
    let missing = serde_json::from_str::<MeasureRequest>(r#"{"size":5000,"repeats":2}"#);
    let missing = missing.unwrap_err().to_string();
    assert!(missing.contains("missing field `kernel`"), "{missing}");
    let wrong =
        serde_json::from_str::<MeasureRequest>(r#"{"kernel":"count","size":"big","repeats":2}"#);
    let wrong = wrong.unwrap_err().to_string();
    assert!(wrong.starts_with("size: invalid type"), "{wrong}");
}
