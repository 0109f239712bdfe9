//! The sequential model's run ([`run_sequential`]): every task one after another on one thread, as
//! a Python `for` loop runs them. It is the baseline every speedup is taken against, so which
//! thread runs it matters.
//!
//! A machine's cores need not be alike: efficiency cores beside performance ones, a logical core
//! whose SMT sibling is busy, a VM's vCPU sharing its core with another tenant. On this project's
//! 2-vCPU CI machine one vCPU at times hashes sha256 at half the other's pace while counting at
//! the same pace (native, `taskset`, alternating runs: 500–700 ms on one, 501–1 224 ms on the
//! other). A one-thread baseline that ran there made the `released` lesson's two threads read
//! 2.42× and 2.70× "on 2 cores", a figure no machine gives: a speedup is over the best one
//! thread can do, and the threads of a k-thread run use every core, fast and slow.
//!
//! So the run hands one task to each pool thread in turn (never two at once), runs the next few
//! on whichever did its task fastest, then probes again, since a core's pace changes. A browser
//! cannot pin a thread to a core, but a thread woken alone goes back to the core it last ran on
//! when that core is idle, and the pool's threads last ran on different cores. The time is
//! still one thread's: every task one after another, the probes included. Without a pool (or
//! with one thread) it runs where it is called.

use crate::engine::clock::Clock;
use crate::engine::run::control::RunControl;
use crate::engine::run::trace::TaskSpan;
use crate::engine::workload::{run_one_checkpointed, Workload};

/// How the tasks are probed: in segments of `segment` tasks, each starting with `probes` tasks one
/// to each of the first `probes` threads, the rest of the segment on the fastest of them. Every
/// thread probed (up to a quarter of the tasks), a segment four times the threads probed, so a
/// quarter of each is probes; no probes with fewer than two threads to choose between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probing {
    pub probes: usize,
    pub segment: usize,
}

impl Probing {
    pub fn of(tasks: usize, threads: usize) -> Option<Probing> {
        let probes = threads.min(tasks / 4);
        (probes >= 2).then_some(Probing {
            probes,
            segment: 4 * probes,
        })
    }
}

/// Every task of `work` in order, one at a time, on the fastest of the current rayon pool's
/// threads (see the module note); `pool_threads` is 0 where no pool was started. Stops at a
/// Cancel, returning what was done.
pub fn run_sequential<W: Workload + ?Sized>(
    work: &W,
    clock: Clock,
    origin: f64,
    control: &RunControl,
    pool_threads: usize,
) -> (Vec<u64>, Vec<TaskSpan>) {
    let tasks = work.task_count();
    let one = |task: usize| -> Option<(u64, TaskSpan)> {
        // Lane 0 whichever pool thread runs it: the trace shows one thread, as the model is.
        let (result, span) = TaskSpan::time(task, 0, clock, origin, || {
            run_one_checkpointed(work, task, &|| control.checkpoint())
        });
        let result = result.ok()?;
        control.tasks_done(1);
        Some((result, span))
    };
    let probing = match pool_threads {
        0 => None,
        threads => Probing::of(tasks, threads.min(rayon::current_num_threads())),
    };
    let Some(Probing { probes, segment }) = probing else {
        return (0..tasks).map_while(one).unzip();
    };
    let mut done: Vec<(u64, TaskSpan)> = Vec::with_capacity(tasks);
    // A core's pace changes (another program starts on its sibling): each segment probes again.
    for start in (0..tasks).step_by(segment) {
        let end = (start + segment).min(tasks);
        let probed = (start..end).take(probes);
        let mut paces = Vec::with_capacity(probes);
        for (thread, task) in probed.clone().enumerate() {
            let Some(ran) = on_thread(thread, || one(task)) else {
                return done.into_iter().unzip();
            };
            paces.push((thread, ran.1.duration_ms()));
            done.push(ran);
        }
        let fastest = paces.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map(|p| p.0);
        let rest = || {
            (start + paces.len()..end)
                .map_while(one)
                .collect::<Vec<_>>()
        };
        let ran = match fastest {
            Some(thread) => on_thread(thread, rest),
            None => rest(),
        };
        let stopped = ran.len() < end - start - paces.len();
        done.extend(ran);
        if stopped {
            break;
        }
    }
    done.into_iter().unzip()
}

/// Runs `job` on thread `thread` of the current rayon pool while the others do nothing, and waits
/// for it. `rayon::broadcast` is rayon's one way to name the thread a job runs on.
fn on_thread<R: Send>(thread: usize, job: impl Fn() -> R + Sync) -> R {
    rayon::broadcast(|ctx| (ctx.index() == thread).then(&job))
        .into_iter()
        .flatten()
        .next()
        .expect("every pool thread takes part in a broadcast")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_is_probed_in_each_segment_but_never_more_than_a_quarter_of_the_tasks() {
        let of = |tasks, threads| Probing::of(tasks, threads).map(|p| (p.probes, p.segment));
        assert_eq!(of(64, 2), Some((2, 8)));
        assert_eq!(of(64, 4), Some((4, 16)));
        assert_eq!(of(64, 20), Some((16, 64)));
        assert_eq!(of(64, 1), None);
        assert_eq!(of(7, 4), None, "one probe chooses nothing");
        assert_eq!(of(8, 4), Some((2, 8)));
        assert_eq!(of(0, 4), None);
    }
}
