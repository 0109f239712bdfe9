//! The processes model's two halves and the native pool.

use super::*;
use crate::engine::clock::system_clock;
use crate::engine::kernels;
use crate::engine::workload::Checksum;

const PLAN: PoolRun = PoolRun {
    workers: 2,
    style: MapStyle::Map,
    chunksize: 1,
    origin_ms: 0.0,
    spawn_ms: 0.0,
};

#[test]
fn a_pool_gives_the_sequential_answer_and_counts_the_copies() {
    let work = kernels::build("merge-sort", 8_000).unwrap();
    let sequential: Vec<u64> = (0..work.task_count()).map(|i| work.run_task(i)).collect();
    let pool = ProcessPool::spawn(3, system_clock).unwrap();
    for (style, chunksize) in [
        (MapStyle::Map, 6),
        (MapStyle::Imap, 1),
        (MapStyle::ImapUnordered, 64),
    ] {
        let plan = PoolRun {
            workers: 3,
            style,
            chunksize,
            origin_ms: system_clock(),
            spawn_ms: 0.0,
        };
        let control = RunControl::default();
        let (results, trace) = pool.run(&*work, plan, &control).unwrap();
        assert_eq!(control.progress().done, 64);
        assert_eq!(Checksum::of(&results), Checksum::of(&sequential));
        let copy = trace.copy.unwrap();
        assert_eq!(copy.messages, 64usize.div_ceil(chunksize));
        // 8 000 numbers of 8 bytes went out; one result of 8 bytes per task came back.
        assert!(copy.bytes_sent > 64_000, "{copy:?}");
        assert!(copy.bytes_received >= 64 * 8, "{copy:?}");
        assert_eq!(trace.tasks.len(), 64);
        assert!(trace
            .tasks
            .iter()
            .all(|s| s.worker < 3 && s.end_ms >= s.start_ms));
    }
}

#[test]
fn the_outbox_keeps_two_chunks_in_flight_per_worker_handed_out_in_turn() {
    let work = kernels::build("count", 64_000).unwrap();
    let plan = PoolRun {
        chunksize: 8,
        ..PLAN
    };
    let mut dispatcher = Dispatcher::new(&*work, plan, system_clock).unwrap();
    let control = RunControl::default();
    let out = dispatcher.outbox(&control);
    let workers: Vec<usize> = out.iter().map(|(w, _)| *w).collect();
    assert_eq!(workers, [0, 1, 0, 1]);
    assert!(
        dispatcher.outbox(&control).is_empty(),
        "every worker is full"
    );
    // Worker 1 answers its second chunk: only worker 1 gets another.
    let reply = serve_chunk(&out[3].1, system_clock);
    assert_eq!(dispatcher.on_reply(1, &reply).unwrap(), 8);
    let next: Vec<usize> = dispatcher
        .outbox(&control)
        .iter()
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(next, [1]);
    // A reply from a worker with nothing out is refused.
    let stray = serve_chunk(&out[0].1, system_clock);
    let mut other = Dispatcher::new(&*work, plan, system_clock).unwrap();
    assert!(other.on_reply(1, &stray).is_err());
    // Cancel: nothing more goes out, and what is out is still awaited.
    control.cancel();
    assert!(dispatcher.outbox(&control).is_empty());
    assert!(dispatcher.is_waiting());
}

#[test]
fn bad_messages_are_answered_with_why() {
    let reply = serve_chunk(b"not a message", system_clock);
    assert!(matches!(read_reply(&reply), Err(ProcessError::Worker(_))));
    let message = chunk_message("quicksort", 0..1, &[]);
    let why = read_reply(&serve_chunk(&message, system_clock)).unwrap_err();
    assert!(why.to_string().contains("quicksort"), "{why}");
    assert!(matches!(
        read_reply(b"\x07\0\0\0\0\0\0\0"),
        Err(ProcessError::Garbled(_))
    ));
}

#[test]
fn tasks_without_a_kernel_cannot_be_pickled() {
    struct Lambda;
    impl Workload for Lambda {
        fn task_count(&self) -> usize {
            1
        }
        fn run_task(&self, _: usize) -> u64 {
            0
        }
    }
    assert!(matches!(
        Dispatcher::new(&Lambda, PLAN, system_clock),
        Err(ProcessError::NotPicklable)
    ));
}
