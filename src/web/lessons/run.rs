//! Running a lesson on the shared engine: CPU steps in interleaved rounds, any other step after
//! step, each outcome handed to the lesson's state as it comes.

use std::rc::Rc;

use yew::prelude::*;

use super::state::{Action, LessonState};
use crate::engine::io::IoReply;
use crate::engine::lessons::{Lesson, Outcome, Probe, Step};
use crate::engine::protocol::SharedOutcome;
use crate::engine::rounds::{self, Verdict, MIN_ROUNDS};
use crate::engine::run::control::Progress;
use crate::engine::stats::Summary;
use crate::engine::status::RunEvent;
use crate::web::engine_slot::EngineSlot;
use crate::web::engine_worker::EngineWorker;
use crate::web::rounds::{in_rounds, measure_once, Measured, RoundStep, Stopped};

/// Makes the lesson's measurements, then concludes: a lesson whose steps are all CPU runs runs
/// them in interleaved rounds ([`cpu_rounds`]), any other one step after step.
pub(super) async fn run_lesson(
    lesson: &'static Lesson,
    k: usize,
    slot: Rc<EngineSlot>,
    pool_threads: usize,
    dispatch: UseReducerDispatcher<LessonState>,
) {
    let steps = (lesson.steps)(k);
    let wants_targets = steps.iter().any(|s| matches!(s.probe, Probe::Io(_)));
    let (mut engine, base) = match slot.open(pool_threads, wants_targets).await {
        Ok(opened) => opened,
        Err(why) => {
            dispatch.dispatch(Action::Run(RunEvent::Failed(
                why.message("This lesson needs them."),
            )));
            return;
        }
    };
    let measured = if steps.iter().all(|s| matches!(s.probe, Probe::Cpu(_))) {
        cpu_rounds(lesson, k, &steps, &mut engine, &slot, &dispatch).await
    } else {
        one_by_one(&steps, &base, &mut engine, &slot, &dispatch).await
    };
    match measured {
        Ok(outcomes) => {
            dispatch.dispatch(Action::Concluded((lesson.conclude)(k, &outcomes)));
        }
        Err(Stopped::Cancelled) => dispatch.dispatch(Action::Run(RunEvent::Cancelled)),
        Err(Stopped::Failed(message) | Stopped::Fault(message)) => {
            dispatch.dispatch(Action::Run(RunEvent::Failed(message)));
            if engine.is_broken() {
                slot.replace_broken(pool_threads).await;
                return;
            }
        }
    }
    slot.put_back(engine);
}

/// The lesson's CPU steps in interleaved rounds ([`in_rounds`], as the CPU lab's): at least [`MIN_ROUNDS`], then
/// more while the conclusion is unsure, within the rounds' budget. The table shows every step's
/// figures after every round.
async fn cpu_rounds(
    lesson: &'static Lesson,
    k: usize,
    steps: &[Step],
    engine: &mut EngineWorker,
    slot: &EngineSlot,
    dispatch: &UseReducerDispatcher<LessonState>,
) -> Result<Vec<Outcome>, Stopped> {
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
    let mut outcomes = Vec::new();
    let on_progress = |event| dispatch.dispatch(Action::Run(event));
    in_rounds(
        engine,
        slot,
        &round_steps,
        MIN_ROUNDS,
        &on_progress,
        |_, _| {},
        |made, elapsed_ms| {
            outcomes = made.iter().map(|runs| outcome_of(runs)).collect();
            for (step, outcome) in steps.iter().zip(&outcomes) {
                dispatch.dispatch(Action::Measured(step.label.clone(), outcome.clone()));
            }
            let verdict = (lesson.conclude)(k, &outcomes).map_or(Verdict::Holds, |c| c.verdict);
            rounds::another_round(made[0].len(), verdict, elapsed_ms)
        },
    )
    .await?;
    Ok(outcomes)
}

/// A step's rounds as one outcome: every round's time in order, and the median round's trace.
fn outcome_of(rounds: &[Measured]) -> Outcome {
    let samples_ms: Vec<f64> = rounds.iter().map(|m| m.ms).collect();
    let summary = Summary::of(&samples_ms).expect("every round was measured");
    let mut by_time: Vec<&Measured> = rounds.iter().collect();
    by_time.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    let trace = by_time[(by_time.len() - 1) / 2].trace.clone();
    Outcome::Cpu {
        summary,
        trace,
        samples_ms,
    }
}

/// Each step after the other (I/O runs and shared-state demos), each measured as it asks.
async fn one_by_one(
    steps: &[Step],
    base: &str,
    engine: &mut EngineWorker,
    slot: &EngineSlot,
    dispatch: &UseReducerDispatcher<LessonState>,
) -> Result<Vec<Outcome>, Stopped> {
    let total = steps.len() as f64;
    let mut outcomes = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        if slot.is_cancelled() {
            return Err(Stopped::Cancelled);
        }
        let label = step.label.clone();
        let on_progress = |progress: Progress| {
            dispatch.dispatch(Action::Run(RunEvent::Progress {
                fraction: (i as f64 + progress.fraction()) / total,
                doing: format!("{} of {}: {label}", i + 1, total as usize),
            }))
        };
        on_progress(Progress::default());
        let result: Result<Outcome, Stopped> = match &step.probe {
            Probe::Cpu(request) => measure_once(engine, request, on_progress)
                .await
                .map(|measured| outcome_of(&[measured])),
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
        dispatch.dispatch(Action::Measured(label, outcome.clone()));
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
