//! The async model: `asyncio.gather` over k coroutines on one thread.
//!
//! Each coroutine takes the next task, runs it and then awaits a yield point (`await
//! asyncio.sleep(0)`), so the coroutines take turns and the trace shows their tasks interleaved.
//! They share one thread, so CPU-bound work gets no faster: concurrency is not parallelism.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::engine::clock::Clock;
use crate::engine::run::control::RunControl;
use crate::engine::run::trace::TaskSpan;
use crate::engine::workload::{run_one_checkpointed, Checked, Workload};

/// `await asyncio.sleep(0)`: gives every other ready coroutine a turn before coming back.
#[derive(Default)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// k coroutines working through the tasks of `work`; `yield_point` is awaited after every task,
/// and `checkpoint` is called inside each ([`Workload::run_task_with_checkpoints`]). Returns each
/// task's result (in task order) and span (times from `origin_ms`), stopping early (with only the
/// spans of the tasks that ran) once `control` is cancelled or a checkpoint interrupts a task.
///
/// Generic over the yield point so a browser event loop can supply its own (one that lets
/// messages in between tasks) while native runs use [`YieldNow`]. No message gets in during a
/// task, which holds the one thread as a CPU-bound coroutine holds asyncio's loop; the browser's
/// checkpoint says "still alive" to the page from there.
pub async fn gather<W, Y, F>(
    work: &W,
    coroutines: usize,
    clock: Clock,
    origin_ms: f64,
    control: &RunControl,
    yield_point: Y,
    checkpoint: &dyn Fn() -> Checked,
) -> (Vec<u64>, Vec<TaskSpan>)
where
    W: Workload + ?Sized,
    Y: Fn() -> F,
    F: Future<Output = ()>,
{
    let next_task = Cell::new(0);
    let results = RefCell::new(vec![0; work.task_count()]);
    let spans = RefCell::new(Vec::with_capacity(work.task_count()));
    let coroutine = |me: usize| {
        let (next_task, results, spans, yield_point) = (&next_task, &results, &spans, &yield_point);
        let checkpoint = &checkpoint;
        async move {
            // lesson: async-cpu
            loop {
                let task = next_task.get();
                if task >= work.task_count() || control.is_cancelled() {
                    break;
                }
                next_task.set(task + 1);
                let (result, span) = TaskSpan::time(task, me, clock, origin_ms, || {
                    run_one_checkpointed(work, task, checkpoint)
                });
                let Ok(result) = result else { break };
                results.borrow_mut()[task] = result;
                spans.borrow_mut().push(span);
                control.tasks_done(1);
                yield_point().await;
            }
            // end lesson
        }
    };
    let all: Vec<_> = (0..coroutines.max(1)).map(coroutine).collect();
    join_all(all).await;
    (results.into_inner(), spans.into_inner())
}

/// Polls every future in turn until all are done: a minimal `asyncio.gather`.
async fn join_all<F: Future<Output = ()>>(futures: Vec<F>) {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        pending.retain_mut(|future| future.as_mut().poll(cx).is_pending());
        if pending.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Runs a future to completion on this thread: the event loop of the native async model. Its
/// futures never wait for anything outside the loop, so a pending poll just means "poll again".
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::system_clock;
    use crate::engine::kernels::count::CountLoop;

    #[test]
    fn coroutines_take_turns_on_one_thread() {
        let work = CountLoop::new(640_000).unwrap();
        let (results, spans) = block_on(gather(
            &work,
            4,
            system_clock,
            0.0,
            &RunControl::default(),
            YieldNow::default,
            &crate::engine::workload::no_checkpoint,
        ));
        assert_eq!(results.iter().sum::<u64>(), 640_000);
        assert_eq!(spans.len(), 64);
        // Round robin: the first four tasks went to coroutines 0, 1, 2, 3 in turn...
        let workers: Vec<usize> = spans.iter().take(8).map(|s| s.worker).collect();
        assert_eq!(workers, [0, 1, 2, 3, 0, 1, 2, 3]);
        // ...and, one thread, no two tasks overlapped.
        for pair in spans.windows(2) {
            assert!(pair[1].start_ms >= pair[0].end_ms);
        }
    }

    #[test]
    fn one_coroutine_is_sequential() {
        let work = CountLoop::new(64_000).unwrap();
        let (_, spans) = block_on(gather(
            &work,
            1,
            system_clock,
            0.0,
            &RunControl::default(),
            YieldNow::default,
            &crate::engine::workload::no_checkpoint,
        ));
        assert!(spans.iter().all(|s| s.worker == 0));
        assert!(spans.windows(2).all(|p| p[0].task + 1 == p[1].task));
    }
}
