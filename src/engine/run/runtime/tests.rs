//! Every model's runs: the sequential answer, turns under the GIL, copies, Cancel.

use super::*;
use crate::engine::clock::system_clock;
use crate::engine::kernels::count::CountLoop;
use crate::engine::run::processes::IN_FLIGHT_PER_WORKER;
use crate::engine::test_pool as pool;
use crate::engine::workload::Checksum;
use std::sync::Mutex;
use std::time::Duration;

const IN_FLIGHT: usize = 2 * IN_FLIGHT_PER_WORKER;

/// Runs `config` in a rayon pool of exactly `threads`.
fn run_in_pool<W: Workload + ?Sized>(work: &W, config: &RunConfig, threads: usize) -> Run {
    pool(threads).install(|| {
        let mut runtime = Runtime::new(system_clock, threads);
        runtime.warm_up(work, config).unwrap();
        runtime.run(work, config).unwrap()
    })
}

#[test]
fn every_model_and_worker_count_gives_the_sequential_checksum() {
    for total in [1_000, 64_001, 5_000_000] {
        let work = CountLoop::new(total).unwrap();
        let sequential = run_in_pool(&work, &RunConfig::default(), 1).results;
        assert_eq!(sequential.iter().sum::<u64>(), total);
        for workers in 1..=4 {
            for model in Model::ALL {
                let got = run_in_pool(&work, &RunConfig::new(model, workers), workers);
                assert_eq!(
                    Checksum::of(&got.results),
                    Checksum::of(&sequential),
                    "total {total}, {model} with {workers} workers"
                );
            }
        }
    }
}

#[test]
fn free_threads_really_use_the_pool() {
    // Each task sleeps briefly; with 4 workers more than one must have taken part, and the
    // trace must say which ran what.
    struct Sleepy;
    impl Workload for Sleepy {
        fn task_count(&self) -> usize {
            64
        }
        fn run_task(&self, _: usize) -> u64 {
            std::thread::sleep(Duration::from_millis(1));
            rayon::current_thread_index().unwrap_or(usize::MAX) as u64
        }
    }
    let config = RunConfig::new(Model::FreeThreads, 4).with_style(MapStyle::Imap, None);
    let run = run_in_pool(&Sleepy, &config, 4);
    let mut workers: Vec<usize> = run.trace.tasks.iter().map(|s| s.worker).collect();
    workers.sort_unstable();
    workers.dedup();
    assert!(workers.len() > 1, "all tasks ran on {workers:?}");
    assert!(run.results.iter().all(|&t| t < 4));
    assert_eq!(run.trace.busy_ms.len(), 4);
    assert!(run.trace.utilisation() > 0.3, "{}", run.trace.utilisation());
}

#[test]
fn gil_threads_take_turns_when_the_run_outlasts_the_interval() {
    // Tens of milliseconds of counting against a 1 ms interval: the second thread must ask
    // for the GIL and get it, many times, and the holds never overlap.
    let work = CountLoop::new(30_000_000).unwrap();
    let config = RunConfig {
        switch_interval_ms: 1.0,
        ..RunConfig::new(Model::GilThreads, 2)
    };
    let run = run_in_pool(&work, &config, 2);
    assert_eq!(run.results.iter().sum::<u64>(), 30_000_000);
    let gil = run.trace.gil.as_ref().unwrap();
    assert!(gil.drop_requests > 0, "{gil:?}");
    assert!(gil.handoffs >= 2, "{gil:?}");
    assert!(gil.wait_ms > 0.0, "{gil:?}");
    assert!(gil.holds.iter().any(|h| h.worker == 1) && gil.holds.iter().any(|h| h.worker == 0));
    for pair in gil.holds.windows(2) {
        assert!(pair[1].start_ms >= pair[0].end_ms - 1e-9, "{pair:?}");
    }
    // Busy time is time holding the GIL: together never more than the wall time.
    let busy: f64 = run.trace.busy_ms.iter().sum();
    assert!(
        busy <= run.trace.wall_ms + 1e-6,
        "{busy} > {}",
        run.trace.wall_ms
    );
}

#[test]
fn gil_turns_follow_the_interval_inside_long_tasks() {
    // fib's tasks are each many intervals long. Were the GIL handed over only between tasks,
    // every hold would end where one of its thread's tasks ends. Checking in inside the task,
    // most holds end part-way through one. Counted, not timed: on a busy machine the turns
    // stretch (106 handoffs for 60 tasks in 298 ms were seen in CI, against about 300 when
    // quiet), but wherever they fall, they fall inside tasks.
    let work = crate::engine::kernels::fib::Fib::new(31).unwrap();
    let config = RunConfig {
        switch_interval_ms: 1.0,
        ..RunConfig::new(Model::GilThreads, 2)
    };
    let run = run_in_pool(&work, &config, 2);
    let gil = run.trace.gil.as_ref().unwrap();
    let tasks = work.task_count();
    // A tenth of a millisecond from either end: far more than the clock reads take, far less
    // than a fib task (about 5 ms).
    let inside = |t: f64, span: &TaskSpan| t > span.start_ms + 0.1 && t < span.end_ms - 0.1;
    let mid_task = gil
        .holds
        .iter()
        .filter(|hold| {
            run.trace
                .tasks
                .iter()
                .any(|span| span.worker == hold.worker && inside(hold.end_ms, span))
        })
        .count();
    assert!(
        mid_task > tasks / 2,
        "{mid_task} of {} holds ended inside a task; {} handoffs for {tasks} tasks in {:.0} ms",
        gil.holds.len(),
        gil.handoffs,
        run.trace.wall_ms
    );
    let turns_per_ms = gil.handoffs as f64 / run.trace.wall_ms;
    assert!(turns_per_ms > 0.1, "{turns_per_ms} handoffs per ms");
}

/// Tasks that wait 3 ms each without checking in, like a C call that never looks at the eval
/// breaker, noting when each wait began and ended on which thread: whether two GIL threads' waits
/// overlap depends only on whether the task lets go of the GIL.
#[derive(Default)]
struct CCall {
    waits: Mutex<Vec<(Option<usize>, std::time::Instant, std::time::Instant)>>,
}

impl Workload for CCall {
    fn task_count(&self) -> usize {
        16
    }
    fn run_task(&self, index: usize) -> u64 {
        let start = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        let wait = (
            rayon::current_thread_index(),
            start,
            std::time::Instant::now(),
        );
        self.waits.lock().unwrap().push(wait);
        index as u64
    }
}

impl CCall {
    /// Whether two threads were inside a task's wait at the same time.
    fn overlapped(&self) -> bool {
        let waits = self.waits.lock().unwrap();
        waits
            .iter()
            .any(|a| waits.iter().any(|b| a.0 != b.0 && a.1 < b.2 && b.1 < a.2))
    }
}

#[test]
fn gil_threads_whose_tasks_release_it_run_their_tasks_at_once() {
    let held = CCall::default();
    run_in_pool(&held, &RunConfig::new(Model::GilThreads, 2), 2);
    assert!(!held.overlapped(), "held, yet two waits overlapped");
    let released = CCall::default();
    let config = RunConfig::new(Model::GilThreads, 2).releasing_gil();
    let run = run_in_pool(&released, &config, 2);
    assert!(
        released.overlapped(),
        "released, yet no two waits overlapped"
    );
    assert_eq!(run.results, (0..16).collect::<Vec<u64>>());
    // The GIL is held only between tasks: no hold reaches into the middle of one of its own
    // thread's tasks (the thread takes the GIL back as its task ends), and holds never overlap.
    let gil = run.trace.gil.as_ref().unwrap();
    let between_tasks = |hold: &crate::engine::run::gil::Hold| {
        run.trace.tasks.iter().all(|span| {
            span.worker != hold.worker
                || hold.end_ms <= span.start_ms + 0.5
                || hold.start_ms >= span.end_ms - 0.5
        })
    };
    assert!(gil.holds.iter().all(between_tasks), "{gil:?}");
    for pair in gil.holds.windows(2) {
        assert!(pair[1].start_ms >= pair[0].end_ms - 1e-9, "{pair:?}");
    }
}

#[test]
fn releasing_the_gil_keeps_the_sequential_checksum() {
    let work = CountLoop::new(5_000_000).unwrap();
    let sequential = run_in_pool(&work, &RunConfig::default(), 1).results;
    for workers in 1..=4 {
        let config = RunConfig::new(Model::GilThreads, workers).releasing_gil();
        let got = run_in_pool(&work, &config, workers).results;
        assert_eq!(
            Checksum::of(&got),
            Checksum::of(&sequential),
            "{workers} workers"
        );
    }
}

#[test]
fn the_sequential_baseline_runs_on_the_fastest_pool_thread() {
    // Thread 0 of the pool is a slow core (a busy SMT sibling, an efficiency core): a task there
    // takes 20 ms, 1 ms elsewhere. In each segment of 12 the first three tasks go one to each
    // thread in turn, the rest to a fast one; never two at once, since the model is one thread.
    struct SlowThreadZero;
    impl Workload for SlowThreadZero {
        fn task_count(&self) -> usize {
            16
        }
        fn run_task(&self, _: usize) -> u64 {
            let thread = rayon::current_thread_index().unwrap_or(usize::MAX);
            std::thread::sleep(Duration::from_millis(if thread == 0 { 20 } else { 1 }));
            thread as u64
        }
    }
    let run = run_in_pool(&SlowThreadZero, &RunConfig::default(), 3);
    for segment in run.results.chunks(12) {
        assert_eq!(segment[..3], [0, 1, 2], "one probe per thread, in turn");
        let fastest = segment[3];
        assert_ne!(fastest, 0, "the rest ran on the slow thread: {segment:?}");
        assert!(segment[3..].iter().all(|&t| t == fastest), "{segment:?}");
    }
    for pair in run.trace.tasks.windows(2) {
        assert!(
            pair[0].end_ms <= pair[1].start_ms,
            "two tasks at once: {pair:?}"
        );
    }
    assert!(run.trace.tasks.iter().all(|span| span.worker == 0));
    // Without a pool to choose from, it runs where it is called.
    let alone = run_in_pool(&SlowThreadZero, &RunConfig::default(), 1);
    assert!(alone.results.iter().all(|&t| t == 0));
}

#[test]
fn one_gil_thread_never_hands_off() {
    let work = CountLoop::new(20_000_000).unwrap();
    let run = run_in_pool(&work, &RunConfig::new(Model::GilThreads, 1), 1);
    let gil = run.trace.gil.unwrap();
    assert_eq!(gil.handoffs, 0);
    assert_eq!(gil.drop_requests, 0);
}

#[test]
fn async_coroutines_interleave_on_one_thread() {
    let work = CountLoop::new(6_400_000).unwrap();
    let run = run_in_pool(&work, &RunConfig::new(Model::Async, 3), 1);
    let workers: Vec<usize> = run.trace.tasks.iter().take(6).map(|s| s.worker).collect();
    assert_eq!(workers, [0, 1, 2, 0, 1, 2]);
    let busy: f64 = run.trace.busy_ms.iter().sum();
    assert!(
        busy <= run.trace.wall_ms + 1e-6,
        "one thread: {busy} > {}",
        run.trace.wall_ms
    );
}

#[test]
fn processes_report_copies_and_spawning_per_run_costs_a_start() {
    let work = CountLoop::new(640_000).unwrap();
    for spawn in [Spawn::Reused, Spawn::PerRun] {
        let config = RunConfig {
            spawn,
            ..RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, Some(4))
        };
        let run = run_in_pool(&work, &config, 1);
        assert_eq!(run.results.iter().sum::<u64>(), 640_000);
        let copy = run.trace.copy.unwrap();
        assert_eq!(copy.messages, 16);
        assert!(
            copy.bytes_sent >= 64 * 8 && copy.bytes_received >= 64 * 8,
            "{copy:?}"
        );
        assert_eq!(
            spawn == Spawn::PerRun,
            copy.spawn_ms > 0.0,
            "{spawn:?}: {copy:?}"
        );
        assert!(run.trace.first_result_ms <= run.trace.wall_ms);
    }
}

#[test]
fn imap_streams_and_map_returns_all_at_once() {
    let work = CountLoop::new(64_000).unwrap();
    // imap streams its first result long before map's single list arrives.
    let streaming = run_in_pool(
        &work,
        &RunConfig::new(Model::FreeThreads, 2).with_style(MapStyle::Imap, None),
        2,
    );
    assert!(streaming.trace.first_result_ms < streaming.trace.wall_ms);
    let whole = run_in_pool(
        &work,
        &RunConfig::new(Model::FreeThreads, 2).with_style(MapStyle::Map, Some(8)),
        2,
    );
    assert_eq!(
        whole.trace.first_result_ms,
        whole
            .trace
            .tasks
            .iter()
            .map(|s| s.end_ms)
            .fold(0.0, f64::max)
    );
}

/// Tasks that ask their own run to stop when task `at` starts, counting how many ran.
struct CancelsAt {
    control: Arc<RunControl>,
    at: usize,
    ran: AtomicUsize,
}

impl Workload for CancelsAt {
    fn task_count(&self) -> usize {
        64
    }
    fn run_task(&self, index: usize) -> u64 {
        self.ran.fetch_add(1, Ordering::Relaxed);
        if index == self.at {
            self.control.cancel();
        }
        index as u64
    }
}

#[test]
fn a_cancel_stops_every_model_before_its_next_task() {
    for model in [
        Model::Sequential,
        Model::FreeThreads,
        Model::GilThreads,
        Model::Async,
    ] {
        pool(2).install(|| {
            let mut runtime = Runtime::new(system_clock, 2);
            let work = CancelsAt {
                control: Arc::clone(&runtime.control),
                at: 10,
                ran: AtomicUsize::new(0),
            };
            let got = runtime.run(&work, &RunConfig::new(model, 2));
            assert_eq!(got, Err(RunError::Cancelled), "{model}");
            // Task 10 and at most one task already under way on the other worker.
            let ran = work.ran.load(Ordering::Relaxed);
            assert!((11..=12).contains(&ran), "{model} ran {ran} tasks");
            // Task 10 is interrupted at its checkpoint, as is any task under way on the other
            // worker: an interrupted task is not done.
            let done = runtime.control.progress().done;
            assert!(
                (1..=2).contains(&(ran - done)),
                "{model}: ran {ran}, done {done}"
            );
        });
    }
}

#[test]
fn a_cancelled_process_pool_is_left_ready_for_the_next_run() {
    let work = CountLoop::new(20_000_000_000).unwrap();
    let config = RunConfig::new(Model::Processes, 2).with_style(MapStyle::Imap, Some(1));
    let mut runtime = Runtime::new(system_clock, 0);
    runtime.warm_up(&work, &config).unwrap();
    let control = Arc::clone(&runtime.control);
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        control.cancel();
    });
    let started = system_clock();
    assert_eq!(runtime.run(&work, &config), Err(RunError::Cancelled));
    // Only the chunks already in flight finish: 2 per worker, not all 64.
    assert!(
        runtime.control.progress().done <= IN_FLIGHT,
        "{:?}",
        runtime.control.progress()
    );
    assert!(system_clock() - started < 30_000.0);
    canceller.join().unwrap();

    runtime.control = Arc::default();
    let small = CountLoop::new(640_000).unwrap();
    let run = runtime.run(&small, &config).unwrap();
    assert_eq!(run.results.iter().sum::<u64>(), 640_000);
}

#[test]
fn a_cancel_stops_the_threads_part_way_through_a_long_task() {
    // sha256 over a billion blocks: 64 tasks of seconds each.
    let work = crate::engine::kernels::sha256::Sha256Chain::new(1_000_000_000).unwrap();
    for model in [Model::Sequential, Model::FreeThreads, Model::GilThreads] {
        pool(2).install(|| {
            let mut runtime = Runtime::new(system_clock, 2);
            let control = Arc::clone(&runtime.control);
            let canceller = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                control.cancel();
            });
            let started = system_clock();
            let got = runtime.run(&work, &RunConfig::new(model, 2));
            let took = system_clock() - started;
            canceller.join().unwrap();
            assert_eq!(got, Err(RunError::Cancelled), "{model}");
            assert_eq!(runtime.control.progress().done, 0, "{model}");
            // 50 ms, then tens of microseconds to the next checkpoint (the margin is for a
            // busy machine); a task run to its end would take seconds.
            assert!(took < 1_000.0, "{model} took {took:.0} ms to stop");
        });
    }
}
