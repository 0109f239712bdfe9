//! Running a lesson on the shared engine: first, for a lesson whose steps take a k, the k this
//! machine gains up to ([`workers`]); then CPU steps in interleaved rounds, any other step after
//! step, each outcome handed to the lesson's state as it comes.

use yew::prelude::*;

use crate::engine::io::IoReply;
use crate::engine::lessons::set_aside::{self, SetAside};
use crate::engine::lessons::workers::{self, Chosen};
use crate::engine::lessons::{Lesson, Outcome, Probe, Step};
use crate::engine::protocol::SharedOutcome;
use crate::engine::rounds::{self, Verdict, MIN_ROUNDS};
use crate::engine::run::control::Progress;
use crate::engine::state::lesson::{LessonAction, LessonState};
use crate::engine::stats::Summary;
use crate::engine::status::RunEvent;
use crate::web::client::engine_worker::EngineWorker;
use crate::web::client::rounds::{in_rounds, measure_once, Measured, RoundStep, Stopped};
use crate::web::client::shared_engine::Lease;

/// Makes the lesson's measurements, then concludes: a lesson whose steps take a k first measures
/// which k this machine gains up to ([`choose_k`]), of at most `cores` (the browser's report); a
/// lesson whose steps are all CPU runs runs them in interleaved rounds ([`cpu_rounds`]), any
/// other one step after step.
pub(super) async fn run_lesson(
    lesson: &'static Lesson,
    cores: usize,
    lease: &mut Lease,
    pool_threads: usize,
    dispatch: UseReducerDispatcher<LessonState>,
) -> RunEvent {
    let wants_targets = (lesson.steps)(2)
        .iter()
        .any(|s| matches!(s.probe, Probe::Io(_)));
    let (engine, base) = match lease.open(pool_threads, wants_targets).await {
        Ok(opened) => opened,
        Err(why) => return RunEvent::Failed(why.message("This lesson needs them.")),
    };
    let probed = workers::takes_k(lesson);
    let chosen = if probed {
        let progress = part_of(&dispatch, 0.0, PROBE_SHARE);
        choose_k(cores, pool_threads, engine, &progress).await
    } else {
        Ok(Chosen::unmeasured(cores))
    };
    let k = chosen.as_ref().map_or(2, |c| c.k);
    if let Ok(chosen) = &chosen {
        dispatch.dispatch(LessonAction::Workers(chosen.clone()));
    }
    let steps = (lesson.steps)(k);
    let progress = part_of(&dispatch, if probed { PROBE_SHARE } else { 0.0 }, 1.0);
    let measured = if let Err(stopped) = chosen {
        Err(stopped)
    } else if steps.iter().all(|s| matches!(s.probe, Probe::Cpu(_))) {
        cpu_rounds(lesson, k, &steps, engine, &dispatch, &progress).await
    } else {
        one_by_one(&steps, &base, engine, &dispatch, &progress)
            .await
            .map(|outcomes| (outcomes, Vec::new()))
    };
    match measured {
        Ok((outcomes, set_aside)) => {
            let conclusion = lesson.conclude_rounds(k, &outcomes, set_aside);
            dispatch.dispatch(LessonAction::Concluded(conclusion));
            RunEvent::Finished
        }
        Err(Stopped::Cancelled) => RunEvent::Cancelled,
        Err(Stopped::Failed(message) | Stopped::Fault(message)) => RunEvent::Failed(message),
    }
}

/// The share of a lesson's progress bar its choice of k takes.
const PROBE_SHARE: f64 = 0.1;

/// Run events for the part `from`..`to` of the progress bar: a fraction of the part becomes a
/// fraction of the whole, so the bar never goes back between the parts.
fn part_of(
    dispatch: &UseReducerDispatcher<LessonState>,
    from: f64,
    to: f64,
) -> impl Fn(RunEvent) + '_ {
    move |event| {
        dispatch.dispatch(LessonAction::Run(match event {
            RunEvent::Progress { fraction, doing } => RunEvent::Progress {
                fraction: from + (to - from) * fraction,
                doing,
            },
            other => other,
        }))
    }
}

/// Which k the lesson runs at: free threads (or processes, without a pool) count on the ladder of
/// k up to the reported `cores`, in rounds against one thread ([`workers`]). Nothing to measure
/// when the ladder is k = 2 alone. Free threads need a pool of the ladder's largest k: the
/// engine's pool has the reported cores' threads, so the ladder stops there.
async fn choose_k(
    cores: usize,
    pool_threads: usize,
    engine: &mut EngineWorker,
    on_progress: &dyn Fn(RunEvent),
) -> Result<Chosen, Stopped> {
    let threads = pool_threads >= 2;
    let most = if threads {
        cores.min(pool_threads)
    } else {
        cores
    };
    let ladder = workers::ladder(most);
    if ladder.len() < 2 {
        return Ok(Chosen::unmeasured(cores));
    }
    let steps: Vec<RoundStep> = workers::probe_steps(&ladder, threads)
        .into_iter()
        .map(|step| {
            let Probe::Cpu(request) = step.probe else {
                unreachable!("the probe's steps are CPU runs");
            };
            RoundStep {
                label: format!("How many workers gain here: {}", step.label),
                request,
            }
        })
        .collect();
    let mut times: Vec<Vec<f64>> = Vec::new();
    in_rounds(
        engine,
        &steps,
        workers::PROBE_ROUNDS,
        on_progress,
        |_, _| {},
        |made, _| {
            times = made
                .iter()
                .map(|runs| runs.iter().map(|m| m.ms).collect())
                .collect();
            made[0].len() < workers::PROBE_ROUNDS
        },
    )
    .await?;
    Ok(Chosen::from_rounds(cores, &ladder, &times).unwrap_or_else(|| Chosen::unmeasured(cores)))
}

/// The lesson's CPU steps in interleaved rounds ([`in_rounds`], as the CPU lab's): at least
/// [`MIN_ROUNDS`] kept, then more while the conclusion is unsure, within the rounds' limits. A
/// round whose one-thread run ran slower than a core can is set aside and made again
/// ([`set_aside`]). The table shows every step's figures over the rounds kept after every round.
/// The outcomes of the rounds kept, and the rounds set aside.
async fn cpu_rounds(
    lesson: &'static Lesson,
    k: usize,
    steps: &[Step],
    engine: &mut EngineWorker,
    dispatch: &UseReducerDispatcher<LessonState>,
    on_progress: &dyn Fn(RunEvent),
) -> Result<(Vec<Outcome>, Vec<SetAside>), Stopped> {
    let round_steps: Vec<RoundStep> = steps
        .iter()
        .map(|step| {
            let Probe::Cpu(request) = &step.probe else {
                unreachable!("cpu_rounds is only given CPU steps");
            };
            RoundStep {
                label: step.label.clone(),
                request: request.clone(),
            }
        })
        .collect();
    let mut concluded = (Vec::new(), Vec::new());
    in_rounds(
        engine,
        &round_steps,
        MIN_ROUNDS,
        on_progress,
        |_, _| {},
        |made, elapsed_ms| {
            let every_round: Vec<Outcome> = made.iter().map(outcome_of).collect();
            let split = set_aside::split(lesson.claims, steps, &every_round);
            let outcomes: Vec<Outcome> = made
                .iter()
                .map(|runs| outcome_of(split.kept.iter().map(|&r| &runs[r])))
                .collect();
            for (step, outcome) in steps.iter().zip(&outcomes) {
                dispatch.dispatch(LessonAction::Measured(step.label.clone(), outcome.clone()));
            }
            let verdict = lesson
                .conclude_rounds(k, &outcomes, split.set_aside.clone())
                .map_or(Verdict::Holds, |c| c.verdict);
            let go_on = rounds::another_round(made[0].len(), split.kept.len(), verdict, elapsed_ms);
            concluded = (outcomes, split.set_aside);
            go_on
        },
    )
    .await?;
    Ok(concluded)
}

/// A step's rounds as one outcome: every round's time in order, and the median round's trace.
fn outcome_of<'a>(rounds: impl IntoIterator<Item = &'a Measured>) -> Outcome {
    let rounds: Vec<&Measured> = rounds.into_iter().collect();
    let samples_ms: Vec<f64> = rounds.iter().map(|m| m.ms).collect();
    let first_results_ms: Vec<f64> = rounds.iter().map(|m| m.trace.first_result_ms).collect();
    let summary = Summary::of(&samples_ms).expect("every round was measured");
    let mut by_time = rounds;
    by_time.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    let trace = by_time[(by_time.len() - 1) / 2].trace.clone();
    Outcome::Cpu {
        summary,
        trace,
        samples_ms,
        first_results_ms,
    }
}

/// Each step after the other (I/O runs and shared-state demos), each measured as it asks.
async fn one_by_one(
    steps: &[Step],
    base: &str,
    engine: &mut EngineWorker,
    dispatch: &UseReducerDispatcher<LessonState>,
    on_step_progress: &dyn Fn(RunEvent),
) -> Result<Vec<Outcome>, Stopped> {
    let total = steps.len() as f64;
    let mut outcomes = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        if engine.cancel_asked() {
            return Err(Stopped::Cancelled);
        }
        let label = step.label.clone();
        let on_progress = |progress: Progress| {
            on_step_progress(RunEvent::Progress {
                fraction: (i as f64 + progress.fraction()) / total,
                doing: format!("{} of {}: {label}", i + 1, total as usize),
            })
        };
        on_progress(Progress::default());
        let result: Result<Outcome, Stopped> = match &step.probe {
            Probe::Cpu(request) => measure_once(engine, request, on_progress)
                .await
                .map(|measured| outcome_of([&measured])),
            Probe::Io(request) => match engine.io(request, base, on_progress).await {
                Ok(IoReply::Done(run)) => Ok(Outcome::Io(run)),
                Ok(IoReply::Cancelled) => Err(Stopped::Cancelled),
                Ok(IoReply::Failed { message }) | Err(message) => Err(Stopped::Failed(message)),
            },
            Probe::Shared(demo) => match engine.shared(*demo).await {
                Ok(SharedOutcome::Cancelled) => Err(Stopped::Cancelled),
                Ok(outcome) => Ok(Outcome::Shared(outcome)),
                Err(message) => Err(Stopped::Failed(message)),
            },
        };
        let outcome = result.map_err(|stopped| stopped.at(&label))?;
        dispatch.dispatch(LessonAction::Measured(label, outcome.clone()));
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
