//! The guided lessons ([`crate::engine::lessons`]): pick one, predict, run its measurements on the
//! shared engine, read the conclusion computed from them.

use std::rc::Rc;

use yew::prelude::*;

use super::components::StatusLine;
use super::engine_slot::{EngineContext, EngineSlot, Holder};
use super::engine_worker::Answer;
use crate::engine::io::IoReply;
use crate::engine::lessons::{self, Conclusion, Lesson, Outcome, Probe, LESSONS};
use crate::engine::protocol::MeasureReply;
use crate::engine::run::control::Progress;
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
            Action::Measured(label, outcome) => next.measured.push((label, Rc::new(outcome))),
            Action::Concluded(conclusion) => {
                next.conclusion = Some(conclusion);
                next.status.apply(RunEvent::Finished);
            }
        }
        Rc::new(next)
    }
}

/// Makes the lesson's measurements one after another, then concludes.
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
    let total = steps.len() as f64;
    let mut outcomes = Vec::with_capacity(steps.len());
    for (i, step) in steps.into_iter().enumerate() {
        if slot.is_cancelled() {
            dispatch.dispatch(Action::Run(RunEvent::Cancelled));
            slot.put_back(engine);
            return;
        }
        let label = step.label.clone();
        let on_progress = |progress: Progress| {
            dispatch.dispatch(Action::Run(RunEvent::Progress {
                fraction: (i as f64 + progress.fraction()) / total,
                doing: format!("{} of {}: {label}", i + 1, total as usize),
            }))
        };
        on_progress(Progress::default());
        let result: Result<Option<Outcome>, String> = match step.probe {
            Probe::Cpu(request) => match engine.measure(&request, on_progress).await {
                Answer::Reply(MeasureReply::Done {
                    samples_ms, trace, ..
                }) => Summary::of(&samples_ms)
                    .map(|summary| Some(Outcome::Cpu { summary, trace }))
                    .ok_or_else(|| "no samples".to_string()),
                Answer::Reply(MeasureReply::Cancelled) => Ok(None),
                Answer::Reply(MeasureReply::Failed { message }) | Answer::Fault(message) => {
                    Err(message)
                }
            },
            Probe::Io(request) => match engine.io(&request, &base, on_progress).await {
                Ok(IoReply::Done(run)) => Ok(Some(Outcome::Io(run))),
                Ok(IoReply::Cancelled) => Ok(None),
                Ok(IoReply::Failed { message }) | Err(message) => Err(message),
            },
            Probe::Shared(demo) => engine.shared(demo).await.map(|o| Some(Outcome::Shared(o))),
        };
        match result {
            Ok(Some(outcome)) => {
                dispatch.dispatch(Action::Measured(label, outcome.clone()));
                outcomes.push(outcome);
            }
            Ok(None) => {
                dispatch.dispatch(Action::Run(RunEvent::Cancelled));
                slot.put_back(engine);
                return;
            }
            Err(message) => {
                dispatch.dispatch(Action::Run(RunEvent::Failed(format!("{label}: {message}"))));
                if engine.is_broken() {
                    slot.replace_broken(pool_threads).await;
                } else {
                    slot.put_back(engine);
                }
                return;
            }
        }
    }
    dispatch.dispatch(Action::Concluded((lesson.conclude)(k, &outcomes)));
    slot.put_back(engine);
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
    {
        let slot = Rc::clone(&engine.slot);
        use_effect_with(running, move |&running| {
            if !running {
                slot.end(Holder::Lessons);
            }
        });
    }
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
    let predicted = state.prediction;
    let actions = dispatcher.to_callback();

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
                        onclick={on_run}
                    >
                        { if running { "Running…" } else { "Run" } }
                    </button>
                    <button id="lesson-cancel" type="button" disabled={!running} onclick={on_cancel}>{ "Cancel" }</button>
                    if predicted.is_none() {
                        <small class="hint">{ "Choose a prediction to run the lesson." }</small>
                    } else if unavailable {
                        <small class="hint">{ "This lesson needs threads, which this page cannot start (see above)." }</small>
                    } else if engine_busy && !running {
                        <small class="hint">{ "Another run is using the engine; Run comes back when it is done." }</small>
                    }
                </div>
                <StatusLine status={state.status.clone()} prefix="lesson-" noun="lesson" />
                if !state.measured.is_empty() {
                    <table id="lesson-results">
                        <caption>{ "What each step measured" }</caption>
                        <tbody>
                            { for state.measured.iter().map(|(label, outcome)| html! {
                                <tr data-step={label.clone()}>
                                    <th scope="row">{ label.clone() }</th>
                                    <td>{ outcome.describe() }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
                { match &state.conclusion {
                    Some(Ok(conclusion)) => html! {
                        <div class={classes!("conclusion", if conclusion.holds { "holds" } else { "differs" })}>
                            <p id="lesson-conclusion" data-holds={conclusion.holds.to_string()}>
                                <strong>{ if conclusion.holds { "Measured: " } else { "Measured, and not as claimed: " } }</strong>
                                { conclusion.line.clone() }
                            </p>
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
            </article>
        </section>
    }
}
