//! The page: state, the actions that change it, and the sweep that feeds it.

use std::rc::Rc;

use yew::prelude::*;

use super::capabilities;
use super::components::{CapabilityPanel, ExperimentForm, ResultsTable, StatusLine};
use super::engine_worker::{EngineWorker, WorkerError};
use crate::engine::experiment::{self, Report, Row, Step};
use crate::engine::kernels::count;
use crate::engine::models::RunConfig;
use crate::engine::protocol::{MeasureReply, MeasureRequest};

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Running { done: usize, total: usize },
    Done,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    pub size_text: String,
    pub repeats_text: String,
    pub status: Status,
    pub report: Report,
    /// Set when the pool failed to start although the page looked capable.
    pub pool_failure: Option<String>,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            size_text: count::LIMITS.default.to_string(),
            repeats_text: experiment::REPEATS.default.to_string(),
            status: Status::Idle,
            report: Report::default(),
            pool_failure: None,
        }
    }
}

pub enum Action {
    EditSize(String),
    EditRepeats(String),
    Started { steps: usize },
    Measured(Row),
    PoolFailed(String),
    Failed(String),
    Finished,
}

impl Reducible for Experiment {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::EditSize(text) => next.size_text = text,
            Action::EditRepeats(text) => next.repeats_text = text,
            Action::Started { steps } => {
                next.report = Report::default();
                next.status = Status::Running {
                    done: 0,
                    total: steps,
                };
            }
            Action::Measured(row) => {
                next.report.push(row);
                if let Status::Running { done, .. } = &mut next.status {
                    *done += 1;
                }
            }
            Action::PoolFailed(message) => next.pool_failure = Some(message),
            Action::Failed(message) => next.status = Status::Failed(message),
            Action::Finished => next.status = Status::Done,
        }
        Rc::new(next)
    }
}

/// Runs each step in a fresh engine worker and reports rows as they arrive.
async fn run_sweep(
    steps: Vec<Step>,
    count: u64,
    repeats: u32,
    dispatch: UseReducerDispatcher<Experiment>,
) {
    for step in steps {
        let pool_threads = if step.model.uses_pool() {
            step.threads
        } else {
            0
        };
        let mut worker = match EngineWorker::start(pool_threads).await {
            Ok(worker) => worker,
            // The baseline is already measured; say why the sweep stops there.
            Err(WorkerError::Pool(message)) => {
                dispatch.dispatch(Action::PoolFailed(message));
                break;
            }
            Err(WorkerError::Load(message)) => {
                dispatch.dispatch(Action::Failed(format!(
                    "The engine worker failed to start: {message}"
                )));
                return;
            }
        };
        let request = MeasureRequest {
            kernel: "count".into(),
            size: count,
            repeats,
            run: RunConfig::new(step.model, step.threads),
        };
        let reply = worker.measure(&request).await;
        let threads = worker.pool_threads().max(1);
        drop(worker);
        match reply {
            MeasureReply::Done {
                samples_ms,
                checksum,
                ..
            } => match Row::from_samples(step.model, threads, &samples_ms, checksum) {
                Some(row) => dispatch.dispatch(Action::Measured(row)),
                None => {
                    dispatch.dispatch(Action::Failed(format!(
                        "{} with {threads} thread(s) returned no usable timings.",
                        step.model
                    )));
                    return;
                }
            },
            MeasureReply::Failed { message } => {
                dispatch.dispatch(Action::Failed(format!(
                    "{} with {threads} thread(s) failed: {message}",
                    step.model
                )));
                return;
            }
        }
    }
    dispatch.dispatch(Action::Finished);
}

#[function_component]
pub fn App() -> Html {
    let caps = *use_memo((), |_| capabilities::detect());
    let experiment = use_reducer(Experiment::default);

    let size = count::LIMITS.parse(&experiment.size_text);
    let repeats = experiment::REPEATS.parse(&experiment.repeats_text);
    let threads_refused = caps
        .threads()
        .err()
        .map(|why| why.to_string())
        .or_else(|| experiment.pool_failure.clone());
    let running = matches!(experiment.status, Status::Running { .. });

    let on_size = {
        let dispatcher = experiment.dispatcher();
        Callback::from(move |text| dispatcher.dispatch(Action::EditSize(text)))
    };
    let on_repeats = {
        let dispatcher = experiment.dispatcher();
        Callback::from(move |text| dispatcher.dispatch(Action::EditRepeats(text)))
    };
    let on_run = {
        let dispatcher = experiment.dispatcher();
        let (size, repeats) = (size.clone(), repeats.clone());
        let threads_available = threads_refused.is_none();
        Callback::from(move |()| {
            // The form shows the errors; a bad size or repeat count never starts a run.
            let (Ok(count), Ok(repeats)) = (size.clone(), repeats.clone()) else {
                return;
            };
            let steps = experiment::plan(threads_available, caps.cores);
            dispatcher.dispatch(Action::Started { steps: steps.len() });
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(run_sweep(steps, count, repeats as u32, dispatcher));
        })
    };

    html! {
        <>
            <header class="masthead">
                <h1>{ "Overlap" }</h1>
                <p class="tagline">
                    { "Python's concurrency lessons, measured on your own cores." }
                </p>
            </header>
            <main>
                <CapabilityPanel caps={caps} pool_failure={experiment.pool_failure.clone()} />
                <section class="card experiment" aria-labelledby="experiment-title">
                    <h2 id="experiment-title">{ "CPU-bound: count to N" }</h2>
                    <p class="lede">
                        { "Python's " }<code>{ "while n > 0: n -= 1" }</code>
                        { " is the classic CPU-bound loop. Under the GIL, two threads take turns \
                           and finish no sooner than one. Here the same count, split into 64 \
                           tasks, runs on one thread and then on a pool of k shared-memory \
                           threads with no global lock. Every run must reproduce the sequential \
                           checksum." }
                    </p>
                    <ExperimentForm
                        size_text={experiment.size_text.clone()}
                        size_error={size.err().map(|e| e.to_string())}
                        repeats_text={experiment.repeats_text.clone()}
                        repeats_error={repeats.err().map(|e| e.to_string())}
                        {running}
                        {on_size}
                        {on_repeats}
                        {on_run}
                    />
                    if let Some(why) = threads_refused {
                        <p class="notice" role="note" data-notice="sequential-only">
                            <strong>{ "Sequential only. " }</strong>
                            { format!("Threads are unavailable because {why}. \
                                       The experiment still runs, on one thread.") }
                        </p>
                    }
                    <StatusLine status={experiment.status.clone()} />
                    <ResultsTable report={experiment.report.clone()} />
                </section>
            </main>
        </>
    }
}
