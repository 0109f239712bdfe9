//! The guided lessons ([`crate::engine::lessons`]): pick one, predict, run its measurements on the
//! shared engine, read the conclusion computed from them.

mod run;
mod state;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::components::{ClaimsTable, CpythonJudged, CpythonPanel, StatusLine, TraceDownload};
use super::download::download_blob;
use super::engine_slot::{use_release_when_idle, EngineContext, Holder, BUSY};
use crate::engine::lessons::claims;
use crate::engine::lessons::cpython::{self};
use crate::engine::lessons::{Outcome, LESSONS};
use crate::engine::rounds::Verdict;
use crate::engine::share::trace_events;
use crate::engine::status::RunEvent;
use run::run_lesson;
use state::{Action, LessonState};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub pool_threads: usize,
    pub cores: usize,
    /// The lesson the address names (`?lesson=gil`): chosen, with its prediction in view.
    #[prop_or_default]
    pub route_lesson: Option<&'static str>,
    /// A lesson chosen from the tabs.
    #[prop_or_default]
    pub on_choose: Callback<&'static str>,
}

/// Brings the lesson's prediction into view and gives it the keyboard, once it is rendered.
fn focus_prediction() {
    let focus = Closure::once_into_js(|| {
        if let Some(prediction) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("lesson-prediction"))
        {
            prediction.scroll_into_view();
            if let Ok(element) = prediction.dyn_into::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(focus.unchecked_ref());
    }
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
    // The k the steps ran at (chosen by the run from what this machine gains), or 2 before any.
    let k = state.k();
    let unavailable = lesson.needs_pool && props.pool_threads < 2;
    let dispatcher = state.dispatcher();
    {
        // An address that names a lesson opens it at its prediction: when the page starts, and
        // whenever Back, Forward or the navigation bar brings another one (a tab chosen here is
        // already the lesson shown, and stays where the reader is).
        let (dispatcher, shown) = (dispatcher.clone(), lesson.slug);
        let first = use_mut_ref(|| true);
        use_effect_with(props.route_lesson, move |slug| {
            let first = std::mem::replace(&mut *first.borrow_mut(), false);
            if let Some(slug) = *slug {
                if first || slug != shown {
                    dispatcher.dispatch(Action::Choose(slug));
                    focus_prediction();
                }
            }
        });
    }
    let on_run = {
        let slot = Rc::clone(&engine.slot);
        let (pool_threads, cores) = (props.pool_threads, props.cores);
        let dispatcher = dispatcher.clone();
        Callback::from(move |_: MouseEvent| {
            if !slot.begin(Holder::Lessons) {
                return;
            }
            dispatcher.dispatch(Action::Run(RunEvent::Started));
            wasm_bindgen_futures::spawn_local(run_lesson(
                lesson,
                cores,
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
    // What CPython's pasted figures say of the lesson's claims, judged as the browser's are.
    let cpython_verdict = state.cpython.as_ref().map(|run| {
        let judged = claims::judge(
            lesson.claims,
            &cpython::claims_figures(&(lesson.steps)(k), run),
        );
        claims::verdict(&judged)
    });
    // CPython's own figures from this project's machine, at the measured k nearest this run's:
    // shown beside the claims once the run has concluded.
    let concluded = matches!(state.conclusion, Some(Ok(_)));
    let cpython_measured = concluded
        .then(|| cpython::measured(lesson, k))
        .flatten()
        .map(|(at, run)| CpythonJudged {
            k: at,
            python: run.python.clone(),
            judged: claims::judge(
                lesson.claims,
                &cpython::claims_figures(&(lesson.steps)(at), &run),
            ),
        });

    html! {
        <section class="card lessons" aria-labelledby="lessons-title">
            <h2 id="lessons-title">{ "Lessons: the folklore, measured" }</h2>
            <nav class="lesson-list" aria-label="Lessons">
                { for LESSONS.iter().enumerate().map(|(i, l)| {
                    let onclick = {
                        let (actions, on_choose) = (actions.clone(), props.on_choose.clone());
                        Callback::from(move |_: MouseEvent| {
                            actions.emit(Action::Choose(l.slug));
                            on_choose.emit(l.slug);
                        })
                    };
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
                <fieldset class="models prediction" id="lesson-prediction" tabindex="-1" disabled={running}>
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
                if let Some(chosen) = &state.workers {
                    <p id="lesson-k" class="hint" data-k={chosen.k.to_string()}
                        data-reported={chosen.reported.to_string()}>
                        { format!("This run measured its steps at {}", chosen.describe()) }
                    </p>
                }
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
                                data-verdict={conclusion.verdict.slug()}
                                data-beyond-cores={conclusion.beyond_cores.is_some().then_some("true")}>
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
                            <ClaimsTable {k} judged={conclusion.judged.clone()} cpython={cpython_measured.clone()} />
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
                    {cpython_verdict}
                    cpython={state.cpython.clone()}
                    error={state.import_error.clone()}
                    {on_download}
                    {on_import}
                />
            </article>
        </section>
    }
}
