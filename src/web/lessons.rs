//! The guided lessons ([`crate::engine::lessons`]): pick one, predict, run its measurements on the
//! shared engine, read the conclusion computed from them.

use std::rc::Rc;

use yew::prelude::*;

use super::components::{CpythonPanel, StatusLine, TraceDownload};
use super::download::download_blob;
use super::engine_slot::{use_release_when_idle, EngineContext, EngineSlot, Holder, BUSY};
use super::engine_worker::EngineWorker;
use super::rounds::{in_rounds, measure_once, Measured, RoundStep, Stopped};
use crate::engine::io::IoReply;
use crate::engine::lessons::cpython::{self, CpythonRun};
use crate::engine::lessons::{self, Conclusion, Lesson, Outcome, Probe, Step, LESSONS};
use crate::engine::protocol::SharedOutcome;
use crate::engine::rounds::{self, Verdict, MIN_ROUNDS};
use crate::engine::run::control::Progress;
use crate::engine::share::trace_events;
use crate::engine::stats::Summary;
use crate::engine::status::{RunEvent, Status};

#[derive(Clone, Debug, PartialEq)]
pub struct LessonState {
    pub lesson: &'static Lesson,
    pub prediction: Option<usize>,
    pub status: Status,
    /// Each finished step: its label and what it measured.
    pub measured: Vec<(String, Rc<Outcome>)>,
    pub conclusion: Option<Result<Conclusion, String>>,
    /// CPython's figures for this lesson, pasted from its script.
    pub cpython: Option<CpythonRun>,
    /// Why the last paste was refused.
    pub import_error: Option<String>,
}

impl Default for LessonState {
    fn default() -> Self {
        LessonState::of(&LESSONS[0])
    }
}

impl LessonState {
    fn of(lesson: &'static Lesson) -> Self {
        LessonState {
            lesson,
            prediction: None,
            status: Status::Idle,
            measured: Vec::new(),
            conclusion: None,
            cpython: None,
            import_error: None,
        }
    }
}

pub enum Action {
    Choose(&'static str),
    Predict(usize),
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    Measured(String, Outcome),
    Concluded(Result<Conclusion, String>),
    /// What the student pasted from the lesson's script, for `k` workers.
    ImportCpython {
        pasted: String,
        k: usize,
    },
}

impl Reducible for LessonState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Choose(slug) => {
                if let Some(lesson) = lessons::find(slug) {
                    if lesson != self.lesson && !self.status.is_running() {
                        next = LessonState::of(lesson);
                    }
                }
            }
            Action::Predict(option) => next.prediction = Some(option),
            Action::Run(event) => {
                if event == RunEvent::Started {
                    next.measured.clear();
                    next.conclusion = None;
                }
                next.status.apply(event);
            }
            // A step measured in rounds is shown again after every round: its row is replaced.
            Action::Measured(label, outcome) => {
                let outcome = Rc::new(outcome);
                match next.measured.iter_mut().find(|(l, _)| *l == label) {
                    Some(row) => row.1 = outcome,
                    None => next.measured.push((label, outcome)),
                }
            }
            Action::Concluded(conclusion) => {
                next.conclusion = Some(conclusion);
                next.status.apply(RunEvent::Finished);
            }
            // A refused paste keeps the figures already shown, and says why beside the box.
            Action::ImportCpython { pasted, k } => match cpython::read(&pasted, self.lesson, k) {
                Ok(run) => {
                    next.cpython = Some(run);
                    next.import_error = None;
                }
                Err(why) => next.import_error = Some(why),
            },
        }
        Rc::new(next)
    }
}

/// Makes the lesson's measurements, then concludes: a lesson whose steps are all CPU runs runs
/// them in interleaved rounds ([`cpu_rounds`]), any other one step after step.
async fn run_lesson(
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

#[derive(Properties, PartialEq)]
pub struct Props {
    pub pool_threads: usize,
    pub cores: usize,
}

fn code(language: &'static str, caption: &'static str, text: &'static str) -> Html {
    html! {
        <figure class="code">
            <figcaption>{ caption }</figcaption>
            <pre><code class={format!("language-{language}")}>{ text }</code></pre>
        </figure>
    }
}

#[function_component]
pub fn Lessons(props: &Props) -> Html {
    let state = use_reducer(LessonState::default);
    let engine = use_context::<EngineContext>().expect("the page provides the engine");
    let engine_busy = engine.busy_for(Holder::Lessons);
    let running = state.status.is_running();
    use_release_when_idle(&engine.slot, Holder::Lessons, running);
    let lesson = state.lesson;
    let k = props.cores.max(2);
    let unavailable = lesson.needs_pool && props.pool_threads < 2;
    let dispatcher = state.dispatcher();
    let on_run = {
        let slot = Rc::clone(&engine.slot);
        let pool_threads = props.pool_threads;
        let dispatcher = dispatcher.clone();
        Callback::from(move |_: MouseEvent| {
            if !slot.begin(Holder::Lessons) {
                return;
            }
            dispatcher.dispatch(Action::Run(RunEvent::Started));
            wasm_bindgen_futures::spawn_local(run_lesson(
                lesson,
                k,
                Rc::clone(&slot),
                pool_threads,
                dispatcher.clone(),
            ));
        })
    };
    let on_cancel = {
        let slot = Rc::clone(&engine.slot);
        Callback::from(move |_: MouseEvent| slot.cancel())
    };
    let steps = (lesson.steps)(k);
    let has_trace = !trace_events::lesson_runs(&steps, &state.measured).is_empty();
    let make_trace = {
        let measured = state.measured.clone();
        Callback::from(move |()| {
            let title = format!("Overlap: the lesson \u{201c}{}\u{201d}", lesson.title);
            let runs = trace_events::lesson_runs(&steps, &measured);
            trace_events::trace_file(&title, &runs).to_string()
        })
    };
    let predicted = state.prediction;
    let actions = dispatcher.to_callback();
    let on_import = actions.reform(move |pasted: String| Action::ImportCpython { pasted, k });
    let on_download = Callback::from(move |()| {
        let name = cpython::script_name(lesson);
        if let Err(e) = download_blob(&name, "text/x-python", cpython::script(lesson)) {
            web_sys::console::warn_1(&e);
        }
    });
    let compared = state.cpython.as_ref().map(|run| {
        let steps = (lesson.steps)(k);
        let measured: Vec<Option<&Outcome>> = steps
            .iter()
            .map(|step| {
                state
                    .measured
                    .iter()
                    .find(|(label, _)| *label == step.label)
                    .map(|(_, outcome)| &**outcome)
            })
            .collect();
        cpython::compare(&steps, &measured, run)
    });

    html! {
        <section class="card lessons" aria-labelledby="lessons-title">
            <h2 id="lessons-title">{ "Lessons: the folklore, measured" }</h2>
            <nav class="lesson-list" aria-label="Lessons">
                { for LESSONS.iter().enumerate().map(|(i, l)| {
                    let onclick = actions.reform(move |_: MouseEvent| Action::Choose(l.slug));
                    let current = l == lesson;
                    html! {
                        <button
                            type="button"
                            class={classes!("lesson-tab", current.then_some("current"))}
                            data-lesson={l.slug}
                            aria-current={current.then_some("true")}
                            disabled={running && !current}
                            {onclick}
                        >
                            { format!("{}. {}", i + 1, l.title) }
                        </button>
                    }
                }) }
            </nav>
            <article class="lesson" data-lesson={lesson.slug}>
                <h3>{ lesson.title }</h3>
                <blockquote class="claim">{ lesson.claim }</blockquote>
                <p class="lede">{ lesson.explanation }</p>
                <div class="code-pair">
                    { code("python", "Python", lesson.python) }
                    { code("rust", "What Overlap runs (Rust, cut from its source)", lesson.rust()) }
                </div>
                <fieldset class="models prediction" disabled={running}>
                    <legend>{ format!("Predict first: {}", lesson.question) }</legend>
                    { for lesson.options.iter().enumerate().map(|(i, option)| {
                        let onchange = actions.reform(move |_: Event| Action::Predict(i));
                        html! {
                            <label class="choice">
                                <input type="radio" name="predict" value={i.to_string()} checked={predicted == Some(i)} {onchange} />
                                { *option }
                            </label>
                        }
                    }) }
                </fieldset>
                <div class="actions">
                    <button
                        id="lesson-run"
                        type="button"
                        disabled={running || predicted.is_none() || unavailable || engine_busy}
                        onclick={on_run.clone()}
                    >
                        { if running { "Running…" } else { "Run" } }
                    </button>
                    <button id="lesson-cancel" type="button" disabled={!running} onclick={on_cancel}>{ "Cancel" }</button>
                    if predicted.is_none() {
                        <small class="hint">{ "Choose a prediction to run the lesson." }</small>
                    } else if unavailable {
                        <small class="hint">{ "This lesson needs threads, which this page cannot start (see above)." }</small>
                    } else if engine_busy && !running {
                        <small class="hint">{ BUSY }</small>
                    }
                </div>
                <StatusLine status={state.status.clone()} prefix="lesson-" noun="lesson" />
                if !state.measured.is_empty() {
                    <table id="lesson-results">
                        <caption>{ "What each step measured" }</caption>
                        <tbody>
                            { for state.measured.iter().map(|(label, outcome)| html! {
                                <tr data-step={label.clone()} data-samples-ms={match &**outcome {
                                    // Each round's time, for tools and tests to recompute the
                                    // conclusion from.
                                    Outcome::Cpu { samples_ms, .. } => Some(samples_ms
                                        .iter()
                                        .map(|ms| format!("{ms:.3}"))
                                        .collect::<Vec<_>>()
                                        .join(" ")),
                                    // An I/O step is one run.
                                    Outcome::Io(run) => Some(format!("{:.3}", run.summary.wall_ms)),
                                    _ => None,
                                }}>
                                    <th scope="row">{ label.clone() }</th>
                                    <td>{ outcome.describe() }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    if !running && has_trace {
                        <TraceDownload id="lesson-trace" file_name={format!("overlap-{}.trace.json", lesson.slug)} make={make_trace} />
                    }
                }
                { match &state.conclusion {
                    Some(Ok(conclusion)) => html! {
                        <div class={classes!("conclusion", match conclusion.verdict {
                            Verdict::Holds => "holds",
                            Verdict::Fails => "differs",
                            Verdict::TooBusy => "unsure",
                        })}>
                            <p id="lesson-conclusion" data-holds={conclusion.holds().to_string()}
                                data-verdict={conclusion.verdict.slug()}>
                                <strong>{ match conclusion.verdict {
                                    Verdict::Holds => "Measured: ",
                                    Verdict::Fails => "Measured, and not as claimed: ",
                                    Verdict::TooBusy => "Too busy to tell: ",
                                } }</strong>
                                { conclusion.line.clone() }
                            </p>
                            if conclusion.verdict == Verdict::TooBusy {
                                <button type="button" id="lesson-run-again" class="small"
                                    disabled={running || engine_busy} onclick={on_run.clone()}>
                                    { "Run again" }
                                </button>
                            }
                            if let Some(p) = predicted {
                                <p class="hint" data-prediction={if p == lesson.answer { "as-claimed" } else { "other" }}>
                                    { if p == lesson.answer {
                                        format!("You predicted \u{201c}{}\u{201d}, which is what the claim says.", lesson.options[p])
                                    } else {
                                        format!("You predicted \u{201c}{}\u{201d}; the claim says \u{201c}{}\u{201d}.", lesson.options[p], lesson.options[lesson.answer])
                                    } }
                                </p>
                            }
                        </div>
                    },
                    Some(Err(why)) => html! {
                        <p class="error-banner" role="alert">{ format!("No conclusion: {why}") }</p>
                    },
                    None => html! {},
                } }
                <CpythonPanel
                    key={lesson.slug}
                    script_name={cpython::script_name(lesson)}
                    {compared}
                    cpython={state.cpython.clone()}
                    error={state.import_error.clone()}
                    {on_download}
                    {on_import}
                />
            </article>
        </section>
    }
}
