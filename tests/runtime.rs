//! The browser runtime, end to end below the UI: a real engine worker with a real rayon pool, real
//! worker processes, typed messages, progress, Cancel and faults. Runs on a test page, which
//! starts the engine exactly as the app does.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use overlap::engine::protocol::{MeasureReply, MeasureRequest, SharedDemo, SharedOutcome};
use overlap::engine::run::dispatch::MapStyle;
use overlap::engine::run::models::{Model, RunConfig, Spawn};
use overlap::engine::run::shared_state::Increment;
use overlap::engine::run::trace::Trace;
use overlap::engine::workload::Checksum;
use overlap::web::client::engine_worker::{Answer, EngineWorker};
use overlap::web::client::shared_engine::{Holder, SharedEngine, BUSY};
use overlap::web::platform::worker_api::{now_ms, sleep};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const POOL: usize = 2;

fn request(kernel: &str, size: u64, run: RunConfig) -> MeasureRequest {
    MeasureRequest {
        kernel: kernel.into(),
        size,
        repeats: 2,
        run,
    }
}

async fn engine() -> EngineWorker {
    let engine = EngineWorker::start(POOL).await.expect("the engine starts");
    assert_eq!(engine.pool_threads(), POOL, "{:?}", engine.pool_error());
    engine
}

/// Measures and expects a result.
async fn done(engine: &mut EngineWorker, request: &MeasureRequest) -> (Checksum, Trace) {
    match engine.measure(request, |_| {}).await {
        Answer::Reply(MeasureReply::Done {
            checksum, trace, ..
        }) => (checksum, *trace),
        other => panic!("{:?}: expected a measurement, got {other:?}", request.run),
    }
}

/// Every model in the engine worker gives the sequential checksum, with a trace on one timeline.
#[wasm_bindgen_test]
async fn every_model_gives_the_sequential_answer() {
    let mut engine = engine().await;
    for (kernel, size) in [("count", 20_000_000), ("merge-sort", 200_000)] {
        let (expected, _) = done(&mut engine, &request(kernel, size, RunConfig::default())).await;
        let configs = [
            RunConfig::new(Model::GilThreads, 2),
            RunConfig::new(Model::FreeThreads, 1),
            RunConfig::new(Model::FreeThreads, 2),
            RunConfig::new(Model::Async, 3),
            RunConfig::new(Model::Processes, 2),
            RunConfig::new(Model::Processes, 2).with_style(MapStyle::ImapUnordered, Some(5)),
            RunConfig {
                spawn: Spawn::PerRun,
                ..RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, None)
            },
        ];
        for config in configs {
            let (checksum, trace) = done(&mut engine, &request(kernel, size, config.clone())).await;
            assert_eq!(checksum, expected, "{kernel} {config:?}");
            assert_eq!(trace.tasks.len(), 64, "{kernel} {config:?}");
            // Spans from pool threads and worker processes share the engine's timeline.
            for span in &trace.tasks {
                assert!(
                    span.start_ms >= -1.0 && span.end_ms <= trace.wall_ms + 1.0,
                    "{span:?}"
                );
                assert!(span.worker < config.workers, "{span:?}");
            }
            if config.model == Model::Processes {
                let copy = trace.copy.expect("processes report their copies");
                assert!(
                    copy.bytes_sent > 0 && copy.bytes_received >= 64 * 8,
                    "{copy:?}"
                );
                assert_eq!(
                    copy.spawn_ms > 0.0,
                    config.spawn == Spawn::PerRun,
                    "{copy:?}"
                );
            }
        }
    }
}

/// Progress arrives while each model runs, Cancel stops it within a tenth of a second even in the
/// middle of a task of seconds (sha256 at a billion blocks), and the engine (or, for the async
/// model, whose coroutine holds its thread, the fresh engine that replaces it) then measures again
/// as if nothing happened.
#[wasm_bindgen_test]
async fn progress_flows_and_cancel_stops_every_model_within_a_task() {
    let mut engine = engine().await;
    let mut late_stops = 0;
    for config in [
        RunConfig::default(),
        RunConfig::new(Model::GilThreads, 2),
        RunConfig::new(Model::FreeThreads, 2),
        RunConfig::new(Model::Async, 2),
        RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, Some(1)),
    ] {
        // 64 tasks of seconds each: only Cancel ends it. A process is stopped by terminating it,
        // however long its task; it gets long count tasks, whose untimed first task (on the
        // engine's pool, see the next test) is over before Cancel, so Cancel comes in its
        // timed tasks.
        let (kernel, size) = if config.model == Model::Processes {
            ("count", 4_000_000_000)
        } else {
            ("sha256", 1_000_000_000)
        };
        let long = request(kernel, size, config.clone());
        // A fresh engine's first run in WebKit was slow to reach its checkpoints: the engine
        // heard Cancel within 3-30 ms, but the run ended 115-350 ms later, where every later
        // model's ended within 45 ms. A small run of the same model first makes this test time
        // the Cancel, not code running for the first time.
        let warm = request(kernel, 10_000, config.clone());
        done(&mut engine, &warm).await;
        let updates = Rc::new(Cell::new(0usize));
        let cancelled_at = Rc::new(Cell::new(f64::NAN));
        let canceller = engine.canceller();
        {
            let (updates, cancelled_at) = (updates.clone(), cancelled_at.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // Cancel part-way through the first tasks, once progress has come in.
                while updates.get() < 4 {
                    sleep(20.0).await;
                }
                cancelled_at.set(now_ms());
                canceller.cancel();
            });
        }
        let mut last_done = 0;
        let answer = engine
            .measure(&long, |progress| {
                assert!(progress.done >= last_done, "progress never goes back");
                last_done = progress.done;
                updates.set(updates.get() + 1);
            })
            .await;
        let stopped_after = now_ms() - cancelled_at.get();
        assert_eq!(answer, Answer::Reply(MeasureReply::Cancelled), "{config:?}");
        if config.model != Model::Processes {
            assert_eq!(last_done, 0, "{config:?}: a task of seconds finished");
        }
        let line = format!(
            "{:?}: stopped {stopped_after:.0} ms after Cancel",
            config.model
        );
        web_sys::console::log_1(&line.into());
        // The target is 100 ms; this wide margin keeps a loaded machine from failing it.
        assert!(
            stopped_after < 400.0,
            "{config:?}: {stopped_after} ms after Cancel"
        );
        if engine.is_broken() {
            // Only a coroutine is stopped by terminating the engine: for the others the engine
            // says at once that it heard Cancel, and their tasks check in every few
            // microseconds (sha2 is optimised in this debug build for that: unoptimised,
            // WebKit's first checkpoint came 230 ms after Cancel). A loaded machine may
            // still make one model miss once; twice in one test is a model that does not stop
            // by itself.
            if config.model != Model::Async {
                late_stops += 1;
                web_sys::console::log_1(&format!("{config:?}: stopped by the page").into());
                assert!(
                    late_stops <= 1,
                    "{config:?}: the second model stopped by the page"
                );
            }
            engine = self::engine().await;
        }

        let small = request("count", 5_000_000, config.clone());
        let (checksum, _) = done(&mut engine, &small).await;
        let (expected, _) = done(
            &mut engine,
            &request("count", 5_000_000, RunConfig::default()),
        )
        .await;
        assert_eq!(checksum, expected, "{config:?} after a cancel");
    }
}

/// Cancel while the processes model runs its untimed first task (seconds of sha256 at this size,
/// on a pool thread) is heard at once, so the engine is kept, and with it the processes' kept
/// pool. The task ran on the engine's own thread before: deaf to Cancel for seconds, the engine
/// was terminated by the page 60 ms after it, pool and all.
#[wasm_bindgen_test]
async fn cancel_in_the_processes_untimed_first_task_keeps_the_engine_and_its_pool() {
    let mut engine = engine().await;
    let mut reused = RunConfig::new(Model::Processes, 2);
    reused.spawn = Spawn::Reused;
    // A pool to keep, and the sequential answer to check against.
    let small = request("sha256", 10_000, reused.clone());
    let (expected, _) = done(
        &mut engine,
        &request("sha256", 10_000, RunConfig::default()),
    )
    .await;
    assert_eq!(done(&mut engine, &small).await.0, expected);

    let canceller = engine.canceller();
    let cancelled_at = Rc::new(Cell::new(f64::NAN));
    {
        let cancelled_at = cancelled_at.clone();
        wasm_bindgen_futures::spawn_local(async move {
            sleep(300.0).await;
            cancelled_at.set(now_ms());
            canceller.cancel();
        });
    }
    let long = request("sha256", 1_000_000_000, reused);
    let mut progress_seen = 0;
    let answer = engine.measure(&long, |_| progress_seen += 1).await;
    let stopped_after = now_ms() - cancelled_at.get();
    assert_eq!(answer, Answer::Reply(MeasureReply::Cancelled));
    web_sys::console::log_1(
        &format!("processes' first task: stopped {stopped_after:.0} ms after Cancel").into(),
    );
    assert!(
        !engine.is_broken(),
        "the engine was terminated: it did not hear Cancel"
    );
    assert!(progress_seen > 0, "the engine spoke while it warmed up");
    assert!(stopped_after < 400.0, "{stopped_after} ms after Cancel");
    // The same engine measures on, its kept pool with it.
    assert_eq!(done(&mut engine, &small).await.0, expected);
}

/// An engine that dies with nobody to report it, or stops answering, is reported as a fault that
/// says so, instead of leaving the page waiting for ever; a fresh engine then works.
#[wasm_bindgen_test]
async fn an_engine_that_dies_silently_or_hangs_is_a_fault() {
    let mut engine = engine().await;
    let started = now_ms();
    match engine.shared(SharedDemo::AbortDrill).await {
        Err(message) => assert!(!message.is_empty()),
        other => panic!("expected a fault, got {other:?}"),
    }
    assert!(engine.is_broken());
    assert!(
        now_ms() - started < 5_000.0,
        "the abort was reported at once"
    );

    let mut engine = self::engine().await.with_patience(1_500.0);
    let started = now_ms();
    match engine.shared(SharedDemo::HangDrill).await {
        Err(message) => assert!(message.contains("stopped answering"), "{message}"),
        other => panic!("expected a fault, got {other:?}"),
    }
    let waited = now_ms() - started;
    assert!(
        (1_500.0..6_000.0).contains(&waited),
        "waited {waited:.0} ms"
    );
    assert!(engine.is_broken());

    let mut engine = self::engine().await;
    done(
        &mut engine,
        &request("count", 5_000_000, RunConfig::default()),
    )
    .await;
}

/// A task that panics is reported with its message, the run fails, and the next run works: on the
/// pool (the page must replace the trapped engine), on the event loop, and in a worker process
/// (the engine replaces the process pool itself).
#[wasm_bindgen_test]
async fn a_panicking_task_is_reported_and_the_next_run_works() {
    let drill = |model| request("fault-drill", 20, RunConfig::new(model, 2));
    let ok = |model| request("count", 5_000_000, RunConfig::new(model, 2));
    for model in [
        Model::FreeThreads,
        Model::GilThreads,
        Model::Sequential,
        Model::Async,
    ] {
        let mut engine = engine().await;
        match engine.measure(&drill(model), |_| {}).await {
            Answer::Fault(message) => assert!(
                message.contains("task 20 raised on purpose"),
                "{model}: {message}"
            ),
            other => panic!("{model}: expected a fault, got {other:?}"),
        }
        assert!(engine.is_broken());
        let mut engine = self::engine().await;
        done(&mut engine, &ok(model)).await;
    }

    let mut engine = engine().await;
    match engine.measure(&drill(Model::Processes), |_| {}).await {
        Answer::Reply(MeasureReply::Failed { message }) => {
            assert!(message.contains("task 20 raised on purpose"), "{message}")
        }
        other => panic!("processes: expected a failed run, got {other:?}"),
    }
    assert!(
        !engine.is_broken(),
        "a dead process does not take the engine with it"
    );
    done(&mut engine, &ok(Model::Processes)).await;
}

/// The page's one engine is lent to one run at a time: a second part of the page is told it is
/// busy, a Cancel given while the engine starts still reaches the run, and dropping the lease gives
/// the engine back, or, when a fault broke it, replaces it before the holder is let go, so the
/// next run finds a working engine without anyone putting back or replacing.
#[wasm_bindgen_test]
async fn a_lease_lends_the_engine_to_one_run_and_replaces_a_broken_one() {
    let told = Rc::new(RefCell::new(Vec::new()));
    let shared = SharedEngine::new(yew::Callback::from({
        let told = Rc::clone(&told);
        move |holder| told.borrow_mut().push(holder)
    }));
    let mut lease = shared.lease(Holder::Cpu).expect("the engine is free");
    assert_eq!(shared.lease(Holder::Io).err().as_deref(), Some(BUSY));
    shared.cancel();
    {
        let Ok((engine, _)) = lease.open(POOL, false).await else {
            panic!("the engine starts");
        };
        assert!(engine.cancel_asked(), "a Cancel given while it started");
        let drill = request("fault-drill", 20, RunConfig::new(Model::FreeThreads, 2));
        match engine.measure(&drill, |_| {}).await {
            Answer::Fault(message) => assert!(message.contains("raised on purpose"), "{message}"),
            other => panic!("expected a fault, got {other:?}"),
        }
    }
    assert!(lease.broken());
    drop(lease);
    assert_eq!(
        shared.holder(),
        Some(Holder::Cpu),
        "held while it is replaced"
    );
    let deadline = now_ms() + 20_000.0;
    while shared.holder().is_some() && now_ms() < deadline {
        sleep(20.0).await;
    }
    let mut lease = shared.lease(Holder::Io).expect("free once replaced");
    let Ok((engine, _)) = lease.open(POOL, false).await else {
        panic!("the replacement opens");
    };
    assert!(
        !engine.cancel_asked(),
        "the last run's Cancel is not this one's"
    );
    done(
        engine,
        &request("count", 5_000_000, RunConfig::new(Model::FreeThreads, 2)),
    )
    .await;
    drop(lease);
    let (cpu, io) = (Some(Holder::Cpu), Some(Holder::Io));
    assert_eq!(*told.borrow(), [cpu, None, io, None]);
}

/// A shared-state demo that traps on the pool is reported as a fault (it used to leave the page
/// waiting for ever), and a fresh engine then runs the demo.
#[wasm_bindgen_test]
async fn a_shared_state_demo_that_traps_is_a_fault_and_the_next_run_works() {
    let mut engine = engine().await;
    match engine.shared(SharedDemo::FaultDrill).await {
        Err(message) => assert!(message.contains("fault drill"), "{message}"),
        other => panic!("expected a fault, got {other:?}"),
    }
    assert!(engine.is_broken());
    let mut engine = self::engine().await;
    let demo = SharedDemo::Counter {
        increment: Increment::Locked,
        per_thread: 10_000,
    };
    match engine.shared(demo).await {
        Ok(SharedOutcome::Counter {
            expected, counted, ..
        }) => assert_eq!((expected, counted), (20_000, 20_000)),
        other => panic!("expected a count, got {other:?}"),
    }
}

/// Too big a size is refused before anything is allocated, with the size that would fit.
#[wasm_bindgen_test]
async fn too_big_a_size_is_refused_before_it_starts() {
    let mut engine = engine().await;
    let started = now_ms();
    let huge = request(
        "merge-sort",
        100_000_000,
        RunConfig::new(Model::FreeThreads, 2),
    );
    match engine.measure(&huge, |_| {}).await {
        Answer::Reply(MeasureReply::Failed { message }) => {
            assert!(message.contains("largest size that fits"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        now_ms() - started < 1_000.0,
        "refused without building 800 MB of data"
    );
}
