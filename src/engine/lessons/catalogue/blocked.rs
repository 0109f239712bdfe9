//! Lesson 10: one blocking call inside a coroutine stalls every coroutine on its event loop;
//! `asyncio.to_thread` and `await asyncio.sleep` do not.

use crate::engine::io::{Blocker, Blocking};
use crate::engine::rounds::Verdict;

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{io_run, outcomes, sleeps_beside, spread_of, verdict_of};
use super::super::{Grade, Lesson, Outcome, Words};

/// Ten coroutines each awaiting a timer of [`SLEEP_MS`], beside an eleventh whose one call takes
/// [`BLOCK_MS`]: long enough against the timers that a stalled loop reads ten times their sleep.
const COROUTINES: u32 = 10;
const SLEEP_MS: f64 = 100.0;
const BLOCK_MS: f64 = 1_000.0;

const ALONE: usize = 0;
const ON_THE_LOOP: usize = 1;
const IN_A_THREAD: usize = 2;
const AWAITED: usize = 3;

/// At most this many times their sleep for timers that fired on time: a loop not otherwise busy
/// fires them within milliseconds (CPython here: 101 ms for 100 ms timers, every round).
const ON_TIME: f64 = 2.0;
/// At least this many times their sleep for timers stalled behind the call: they can fire only
/// once it returns, at ten times their sleep (CPython here: 1 001 ms).
const STALLED: f64 = 5.0;

const CLAIMS: &[Claim] = &[
    Claim {
        id: "blocked.alone",
        says: "10 timers alone fire on time",
        measure: Measure::OverIdeal {
            step: ALONE,
            ideal_ms: SLEEP_MS,
        },
        bound: Bound::AtMost(ON_TIME),
        margin: 0.0,
        role: Role::Needs,
        why: "What the lesson compares with: timers of 100 ms on a loop with nothing else to do \
              all fire within twice that. A machine too busy to fire them on time cannot show \
              what a blocking call adds.",
    },
    Claim {
        id: "blocked.on-loop",
        says: "beside time.sleep(1) in a coroutine, the timers finish no sooner than the call: at \
               least 5 times their sleep",
        measure: Measure::OverIdeal {
            step: ON_THE_LOOP,
            ideal_ms: SLEEP_MS,
        },
        bound: Bound::AtLeast(STALLED),
        margin: 1.0,
        role: Role::Claim,
        why: "The call holds the one thread the event loop runs on, so no timer fires and no \
              coroutine runs until it returns, at 10 times their sleep. CPython here: the ten \
              finish at 1 001 ms, their timers 901 ms late (python/measured/blocked.json).",
    },
    Claim {
        id: "blocked.in-thread",
        says: "beside await asyncio.to_thread(time.sleep, 1), the timers fire on time: within \
               twice their sleep",
        measure: Measure::OverIdeal {
            step: IN_A_THREAD,
            ideal_ms: SLEEP_MS,
        },
        bound: Bound::AtMost(ON_TIME),
        margin: 1.0,
        role: Role::Claim,
        why: "The call holds another thread; the loop awaits it and runs the timers meanwhile. \
              CPython here: 101 ms.",
    },
    Claim {
        id: "blocked.awaited",
        says: "beside await asyncio.sleep(1), the timers fire on time: within twice their sleep",
        measure: Measure::OverIdeal {
            step: AWAITED,
            ideal_ms: SLEEP_MS,
        },
        bound: Bound::AtMost(ON_TIME),
        margin: 1.0,
        role: Role::Claim,
        why: "Awaited, the wait is one more timer on the loop: nothing is held. CPython here: \
              101 ms.",
    },
];

pub(super) const LESSON: Lesson = Lesson {
    slug: "blocked",
    title: "What does one slow call do to an event loop?",
    setup: "10 coroutines each await a 100 ms timer (`asyncio.sleep`) on one event loop, first \
            alone, then beside an eleventh coroutine, started after them, that spends 1 s in one \
            call made three ways: `time.sleep(1)` inside the coroutine (here, a loop on the \
            thread the event loop runs on); `await asyncio.to_thread(time.sleep, 1)` (here, \
            another worker thread held for 1 s); `await asyncio.sleep(1)`. What is measured is \
            when the ten finish, and how late their timers fire.",
    claim: "One blocking call inside a coroutine stalls every coroutine on the loop until it \
            returns; the same wait made off the loop (asyncio.to_thread) or awaited \
            (asyncio.sleep) leaves the others running.",
    folklore: Some(
        "Code inside `async def` runs concurrently: while one coroutine waits, the event loop \
         runs the others.",
    ),
    explanation: "An event loop is one thread taking turns among its coroutines, and a \
                  coroutine gives up its turn only at an `await`. A call that blocks (a \
                  `time.sleep`, a `requests.get`, a CPU loop, a file read) holds the thread \
                  itself: no timer fires and no other coroutine runs until it returns, and a \
                  server written this way stops answering everyone while it serves one. This is \
                  the most common asyncio bug in real code, and asyncio's debug mode (`asyncio.run(\
                  main(), debug=True)`) logs any step slower than 100 ms for that reason. Await \
                  the asynchronous form (`asyncio.sleep`, `aiohttp`), or hand the blocking call \
                  to a thread with `asyncio.to_thread` (`loop.run_in_executor` before 3.9), or \
                  CPU work to a process pool with `run_in_executor`.",
    python: r#"import asyncio, time

async def timer(start):
    await asyncio.sleep(0.1)
    return time.perf_counter() - start  # due at 0.1 s

async def slow(how):
    if how == 'blocking':
        time.sleep(1)  # holds the loop's thread: nothing else runs
    elif how == 'to_thread':
        await asyncio.to_thread(time.sleep, 1)  # another thread waits
    else:
        await asyncio.sleep(1)  # a timer: nothing is held

async def main(how):
    start = time.perf_counter()
    *timers, _ = await asyncio.gather(*(timer(start) for _ in range(10)), slow(how))
    print(how, f'the ten finished by {max(timers):.2f} s')

for how in ('blocking', 'to_thread', 'awaited'):
    asyncio.run(main(how))"#,
    question: "Ten coroutines each await a 100 ms timer, while an eleventh calls \
               `time.sleep(1)`. The ten finish…",
    options: [
        "after about 100 ms: the loop runs them while the eleventh sleeps",
        "after about 1 s: nothing else runs until time.sleep returns",
        "never: the loop deadlocks",
    ],
    answer: 1,
    needs_pool: false,
    claims: CLAIMS,
    steps: |_| {
        let beside = |label: &str, how| {
            let blocker = Blocker { ms: BLOCK_MS, how };
            sleeps_beside(label.into(), COROUTINES, SLEEP_MS, Some(blocker))
        };
        vec![
            sleeps_beside("10 timers alone".into(), COROUTINES, SLEEP_MS, None),
            beside("beside time.sleep(1) in a coroutine", Blocking::OnTheLoop),
            beside(
                "beside await asyncio.to_thread(time.sleep, 1)",
                Blocking::InAThread,
            ),
            beside("beside await asyncio.sleep(1)", Blocking::Awaited),
        ]
    },
    words,
    grade,
    timeline: Some(ON_THE_LOOP),
    about_s: 4,
};

/// The option the timers' finish beside `time.sleep` bears out, in times their sleep: on time
/// (0) up to [`ON_TIME`], stalled behind the call (1) from [`STALLED`]; between, neither.
fn option_for(times_sleep: f64) -> Option<usize> {
    if times_sleep <= ON_TIME {
        Some(0)
    } else if times_sleep >= STALLED {
        Some(1)
    } else {
        None
    }
}

fn grade(_: usize, outcomes: &[Outcome], _: &[Judged]) -> Option<Grade> {
    let run = io_run(outcomes.get(ON_THE_LOOP)?).ok()?;
    let done_ms = run.figure_ms();
    Some(Grade {
        option: option_for(done_ms / SLEEP_MS)?,
        measured: format!(
            "beside time.sleep(1), the ten coroutines awaiting 100 ms timers finished at \
             {done_ms:.0} ms"
        ),
    })
}

fn words(_: usize, all: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let [alone, held, thread, awaited] = outcomes::<4>(all)?;
    let late = |outcome: &Outcome| -> Result<(f64, f64), String> {
        let run = io_run(outcome)?;
        let blocked = run.blocked.ok_or("a step without its blocking coroutine")?;
        Ok((blocked.others_done_ms, blocked.late_ms))
    };
    let alone = io_run(alone)?.figure_ms();
    let (held_done, held_late) = late(held)?;
    let (thread_done, thread_late) = late(thread)?;
    let (awaited_done, awaited_late) = late(awaited)?;
    spread_of(judged, "blocked.on-loop")?;
    let held_words = match verdict_of(judged, "blocked.on-loop") {
        Some(Verdict::Holds) => "stalled until the call returned",
        Some(Verdict::Fails) => "on time, as if nothing held the loop",
        _ => "unclear",
    };
    Ok(format!(
        "Beside time.sleep(1) in a coroutine, the ten timers of 100 ms fired {held_late:.0} ms \
         late and the last coroutine finished at {held_done:.0} ms: {held_words}. Beside \
         asyncio.to_thread(time.sleep, 1) they finished at {thread_done:.0} ms ({thread_late:.0} \
         ms late), beside await asyncio.sleep(1) at {awaited_done:.0} ms ({awaited_late:.0} ms \
         late), and alone at {alone:.0} ms."
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::io::{Blocked, IoModel, IoRun, Summary};

    /// A run of the ten timers, finished by `done_ms` and `late_ms` late, beside `how`'s call.
    fn run(how: Option<Blocking>, done_ms: f64, late_ms: f64) -> Outcome {
        Outcome::Io(Box::new(IoRun {
            blocked: how.map(|how| Blocked {
                how,
                ms: BLOCK_MS,
                others_done_ms: done_ms,
                late_ms,
            }),
            model: IoModel::Gather,
            workers: 1,
            requests: vec![Default::default(); 10 + usize::from(how.is_some())],
            summary: Summary {
                wall_ms: if how.is_some() { 1_000.0 } else { done_ms },
                ..Summary::default()
            },
            ideal_ms: None,
            scan: None,
            memory: None,
            notes: Vec::new(),
        }))
    }

    #[test]
    fn the_loop_stalls_only_beside_the_blocking_call() {
        let lesson = crate::engine::lessons::find("blocked").unwrap();
        // CPython's figures on this machine (python/measured/blocked.json), as the browser's.
        let as_cpython = [
            run(None, 100.5, 0.5),
            run(Some(Blocking::OnTheLoop), 1_000.5, 900.5),
            run(Some(Blocking::InAThread), 101.0, 1.0),
            run(Some(Blocking::Awaited), 100.5, 0.5),
        ];
        let c = lesson.conclude(2, &as_cpython).unwrap();
        assert!(c.holds(), "{}", c.line);
        assert_eq!(c.grade.unwrap().option, lesson.answer);
        assert!(
            c.line.starts_with(
                "Beside time.sleep(1) in a coroutine, the ten timers of 100 ms fired 900 ms late \
                 and the last coroutine finished at 1000 ms: stalled until the call returned."
            ),
            "{}",
            c.line
        );
        // Timers that fired on time beside time.sleep: not as claimed.
        let mut on_time = as_cpython.clone();
        on_time[1] = run(Some(Blocking::OnTheLoop), 101.0, 1.0);
        let c = lesson.conclude(2, &on_time).unwrap();
        assert_eq!(c.verdict, Verdict::Fails, "{}", c.line);
        // A loop too busy to fire timers alone on time cannot tell.
        let mut busy = as_cpython;
        busy[0] = run(None, 450.0, 350.0);
        assert_eq!(lesson.conclude(2, &busy).unwrap().verdict, Verdict::TooBusy);
    }

    #[test]
    fn the_options_split_the_finishing_times_between_them() {
        assert_eq!(option_for(1.01), Some(0));
        assert_eq!(option_for(2.0), Some(0));
        assert_eq!(option_for(3.0), None);
        assert_eq!(option_for(10.0), Some(1));
    }
}
