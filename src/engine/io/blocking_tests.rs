//! A coroutine's slow call beside timers, natively: made on the loop it stalls them; in a thread
//! or awaited it does not.

use std::time::Duration;

use futures::channel::oneshot;

use super::*;
use crate::engine::clock::system_clock;

/// A thread that sleeps `ms` and then wakes whoever awaits the answer.
fn after(ms: f64) -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(ms / 1e3));
        let _ = tx.send(());
    });
    rx
}

/// Timers, natively: a sleeping thread for each, and one for a blocking call made in a thread.
struct Timed;

impl Transport for Timed {
    fn get<'a>(&'a self, _: usize, url: &'a str, _: f64, _: bool) -> LocalFuture<'a, Fetched> {
        let ms: f64 = url
            .trim_start_matches("asyncio.sleep(")
            .trim_end_matches(')')
            .parse::<f64>()
            .unwrap()
            * 1e3;
        let rx = after(ms);
        Box::pin(async move {
            let _ = rx.await;
            Fetched::default()
        })
    }

    fn sleep(&self, ms: f64) -> LocalFuture<'_, Result<(), String>> {
        let rx = after(ms);
        Box::pin(async move { rx.await.map_err(|e| e.to_string()) })
    }

    fn block_in_thread(&self, ms: f64) -> LocalFuture<'_, Result<(), String>> {
        self.sleep(ms)
    }
}

#[test]
fn one_blocking_call_on_the_loop_makes_every_timer_late_and_nowhere_else() {
    let run = |how| {
        let request = IoRequest {
            model: IoModel::Gather,
            targets: Targets::Timers(Timers {
                coroutines: 10,
                sleep_ms: 40.0,
                blocker: Some(Blocker { ms: 300.0, how }),
            }),
            ..IoRequest::default()
        };
        request.check().unwrap();
        assert_eq!(request.ideal_ms(), Some(300.0));
        let targets = request.targets("");
        assert_eq!(targets.len(), 11);
        let control = RunControl::default();
        let (reply, _) =
            futures::executor::block_on(run(&request, &targets, &Timed, system_clock, &control));
        match reply {
            IoReply::Done(run) => *run,
            other => panic!("{how:?}: {other:?}"),
        }
    };
    let held = run(Blocking::OnTheLoop);
    assert_eq!(held.requests[10].url, "time.sleep(0.3)");
    let blocked = held.blocked.unwrap();
    // Every timer was due at 40 ms; none could fire before the loop was let go at 300 ms.
    assert!(blocked.others_done_ms >= 300.0, "{blocked:?}");
    assert!(blocked.late_ms >= 250.0, "{blocked:?}");
    assert_eq!(held.summary.failed, 0);
    for how in [Blocking::InAThread, Blocking::Awaited] {
        let run = run(how);
        let blocked = run.blocked.unwrap();
        assert_eq!(blocked.how, how);
        // The timers fired while the call was under way elsewhere.
        assert!(blocked.others_done_ms < 300.0, "{how:?}: {blocked:?}");
        assert!(
            run.requests[10].finished_ms >= 300.0,
            "{how:?}: {:?}",
            run.requests[10]
        );
        assert_eq!(run.summary.failed, 0);
    }
}
