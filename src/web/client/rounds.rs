//! The rounds protocol ([`crate::engine::rounds`]) driven on the engine worker, for the lessons
//! and the CPU lab alike: one untimed round (worker processes start, every instance's code is
//! optimised), then every step once per round (A B C, A B C, …), until the caller, shown every
//! round's measurements, says enough. What to conclude from the rounds, and when to stop, is the
//! caller's; the order, the progress and the way a run stops short are the same for both.

use crate::engine::protocol::{MeasureReply, MeasureRequest};
use crate::engine::rounds;
use crate::engine::run::control::Progress;
use crate::engine::run::trace::Trace;
use crate::engine::status::{RunEvent, Throttle, TIMED_PROGRESS_EVERY_MS};
use crate::engine::workload::Checksum;
use crate::web::client::engine_worker::{Answer, EngineWorker};
use crate::web::platform::worker_api::now_ms;

/// How measuring stopped short.
pub enum Stopped {
    Cancelled,
    Failed(String),
    /// The engine broke (a trap, a lost worker): it must be replaced.
    Fault(String),
}

impl Stopped {
    /// The same, with the step it happened to named in front of a failure.
    pub fn at(self, step: &str) -> Stopped {
        match self {
            Stopped::Failed(why) => Stopped::Failed(format!("{step}: {why}")),
            Stopped::Fault(why) => Stopped::Fault(format!("{step}: {why}")),
            cancelled => cancelled,
        }
    }
}

/// One run of a step.
#[derive(Clone)]
pub struct Measured {
    pub ms: f64,
    pub checksum: Checksum,
    pub trace: Box<Trace>,
}

/// `request` measured once.
pub async fn measure_once(
    engine: &mut EngineWorker,
    request: &MeasureRequest,
    on_progress: impl FnMut(Progress),
) -> Result<Measured, Stopped> {
    let once = MeasureRequest {
        repeats: 1,
        ..request.clone()
    };
    match engine.measure(&once, on_progress).await {
        Answer::Reply(MeasureReply::Done {
            samples_ms,
            checksum,
            trace,
            ..
        }) => match samples_ms.first() {
            Some(&ms) => Ok(Measured {
                ms,
                checksum,
                trace,
            }),
            None => Err(Stopped::Failed("the engine sent no time".into())),
        },
        Answer::Reply(MeasureReply::Cancelled) => Err(Stopped::Cancelled),
        Answer::Reply(MeasureReply::Failed { message }) => Err(Stopped::Failed(message)),
        Answer::Fault(message) => Err(Stopped::Fault(message)),
    }
}

/// A step to measure in rounds: what it is called in progress and messages, and what it runs.
pub struct RoundStep {
    pub label: String,
    pub request: MeasureRequest,
}

/// Measures `steps` in rounds: an untimed round, then round after round of every step. After
/// each step `on_measured(step, &measured)`; after each round `after_round(&rounds, elapsed_ms)`
/// with every step's runs so far (`rounds[step][round]`), which says whether to make another.
/// Progress counts the untimed round and the `asked` rounds as the whole
/// ([`rounds::progress`]), redrawn at most once a second while a step is timed.
pub async fn in_rounds(
    engine: &mut EngineWorker,
    steps: &[RoundStep],
    asked: usize,
    on_progress: &dyn Fn(RunEvent),
    mut on_measured: impl FnMut(usize, &Measured),
    mut after_round: impl FnMut(&[Vec<Measured>], f64) -> bool,
) -> Result<(), Stopped> {
    if steps.is_empty() {
        return Ok(());
    }
    // The untimed round counts as the first of the rounds asked for, so the bar moves (and the
    // time left can be told) while it runs.
    let asked_with_warm_up = asked + 1;
    for (i, step) in steps.iter().enumerate() {
        if engine.cancel_asked() {
            return Err(Stopped::Cancelled);
        }
        on_progress(RunEvent::Progress {
            fraction: rounds::progress(i as f64 / steps.len() as f64, asked_with_warm_up),
            doing: format!("Warming up: {}", step.label),
        });
        measure_once(engine, &step.request, |_| {})
            .await
            .map_err(|stopped| stopped.at(&step.label))?;
    }
    let started = now_ms();
    let mut rounds_made: Vec<Vec<Measured>> = vec![Vec::new(); steps.len()];
    let mut round = 0;
    loop {
        for (i, step) in steps.iter().enumerate() {
            if engine.cancel_asked() {
                return Err(Stopped::Cancelled);
            }
            let done = 1.0 + round as f64 + i as f64 / steps.len() as f64;
            let doing = format!("Round {} (of at least {asked}): {}", round + 1, step.label);
            let mut throttle = Throttle::every(TIMED_PROGRESS_EVERY_MS);
            let mut progress = |p: Progress| {
                if throttle.due(now_ms()) {
                    on_progress(RunEvent::Progress {
                        fraction: rounds::progress(
                            done + p.fraction() / steps.len() as f64,
                            asked_with_warm_up,
                        ),
                        doing: doing.clone(),
                    });
                }
            };
            progress(Progress::default());
            let measured = measure_once(engine, &step.request, progress)
                .await
                .map_err(|stopped| stopped.at(&step.label))?;
            on_measured(i, &measured);
            rounds_made[i].push(measured);
        }
        round += 1;
        if !after_round(&rounds_made, now_ms() - started) {
            return Ok(());
        }
    }
}
