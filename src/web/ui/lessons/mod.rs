//! The guided lessons ([`crate::engine::lessons`]): pick one, predict, run its measurements on the
//! shared engine, read the conclusion computed from them.

mod picker;
mod python_here;
mod run;
mod verdict;

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::lessons::claims;
use crate::engine::lessons::cpython::{self};
use crate::engine::lessons::{Outcome, Probe, LESSONS};
use crate::engine::protocol::SharedOutcome;
use crate::engine::route::Place;
use crate::engine::share::trace_events;
use crate::engine::state::lesson::{LessonAction, LessonState};
use crate::web::client::shared_engine::{Holder, BUSY};
use crate::web::ui::components::charts::TraceTimeline;
use crate::web::ui::components::{
    CpythonJudged, CpythonPanel, EmbedSnippet, Runs, StatusLine, TraceDownload, WhatRuns,
};
use crate::web::ui::components::{WaitsForPicture, Waterfall};
use crate::web::ui::download::download_blob;
use crate::web::ui::engine_run::use_engine_run;
use crate::web::ui::focus;
use crate::web::ui::route::embed_address;
use picker::LessonPicker;
use python_here::{cpython_ms, outcome_ms, PythonHere};
use run::run_lesson;
use verdict::LessonVerdict;

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
    /// Why this page has no threads, in words, where it has none.
    #[prop_or_default]
    pub no_threads: Option<String>,
    /// Embedded in another page: the lesson alone, compact (no picker, the code folded).
    #[prop_or_default]
    pub embed: bool,
}

fn code(language: &'static str, caption: &'static str, text: &'static str) -> Html {
    html! {
        <figure class="code">
            <figcaption>{ caption }</figcaption>
            // Focusable and named: on a phone the code scrolls sideways, and a keyboard must reach it
            // (axe's scrollable-region-focusable), as `ScrollBox` does for tables.
            <pre tabindex="0" role="region" aria-label={caption}><code class={format!("language-{language}")}>{ text }</code></pre>
        </figure>
    }
}

#[function_component]
pub fn Lessons(props: &Props) -> Html {
    let state = use_reducer(LessonState::default);
    let run = use_engine_run(
        Holder::Lessons,
        state.dispatcher().to_callback().reform(LessonAction::Run),
    );
    let engine_busy = run.others_busy();
    let running = state.status.is_running();
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
                    dispatcher.dispatch(LessonAction::Choose(slug));
                    // The lesson's prediction, in view and with the keyboard.
                    focus::focus_soon("lesson-prediction", true);
                }
            }
        });
    }
    let on_run = {
        let (pool_threads, cores) = (props.pool_threads, props.cores);
        let (run, dispatcher) = (run.clone(), dispatcher.clone());
        Callback::from(move |_: MouseEvent| {
            // Run is disabled while another part holds the engine; the status line says so.
            let dispatcher = dispatcher.clone();
            let _ = run.start(Box::new(move |lease| {
                Box::pin(run_lesson(lesson, cores, lease, pool_threads, dispatcher))
            }));
        })
    };
    let on_cancel = run.cancel().reform(|_: MouseEvent| ());
    let steps = (lesson.steps)(k);
    // By label: where a step cannot run here (threads without a pool), the rest keep theirs.
    let step_labels: Vec<String> = steps.iter().map(|s| s.label.clone()).collect();
    let has_trace = !trace_events::lesson_runs(&steps, &state.measured).is_empty();
    let make_trace = {
        let measured = state.measured.clone();
        Callback::from(move |()| {
            let title = format!("Overlap: the lesson \u{201c}{}\u{201d}", lesson.title);
            let runs = trace_events::lesson_runs(&steps, &measured);
            trace_events::trace_file(&title, &runs).to_string()
        })
    };
    let actions = dispatcher.to_callback();
    let on_import = actions.reform(move |pasted: String| LessonAction::ImportCpython { pasted, k });
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
    let predicted = state.prediction;
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

    let started_ms = use_state(|| None::<f64>);
    // What the status line says before a run: what keeps Run from being pressed, or how long a
    // run takes. Never "Ready" beside a disabled Run.
    let blocked = if predicted.is_none() {
        Some("Choose a prediction above to run the lesson.".to_string())
    } else if unavailable {
        Some(format!(
            "This lesson needs threads, which this page cannot start: {}",
            props
                .no_threads
                .clone()
                .unwrap_or_else(|| "no pool of threads started".into())
        ))
    } else if engine_busy && !running {
        Some(BUSY.to_string())
    } else {
        None
    };
    let idle = blocked.clone().unwrap_or_else(|| {
        format!(
            "Ready: a run takes about {} s on this project's 2-core machine, warm-up included; \
             longer on a busy one.",
            lesson.about_s
        )
    });
    let on_run = {
        let (on_run, started_ms) = (on_run.clone(), started_ms.setter());
        Callback::from(move |e: MouseEvent| {
            started_ms.set(Some(crate::web::platform::worker_api::now_ms()));
            on_run.emit(e);
        })
    };
    {
        // A run that ends brings its verdict into view and gives it the keyboard.
        let concluded = state.conclusion.is_some();
        use_effect_with(concluded, |concluded| {
            if *concluded {
                focus::focus_soon("lesson-verdict", true);
            }
        });
    }
    // How the workers of the lesson's chosen step spent its median round, or how its
    // coroutines spent an I/O run.
    let timeline = (!running)
        .then_some(lesson.timeline)
        .flatten()
        .and_then(|i| (lesson.steps)(k).get(i).cloned())
        .and_then(|step| {
            let (_, outcome) = state.measured.iter().find(|(l, _)| *l == step.label)?;
            let label = &step.label;
            match (&**outcome, &step.probe) {
                (Outcome::Cpu { trace, .. }, Probe::Cpu(request)) => Some((
                    format!("How the workers spent a round: {label}"),
                    html! {
                        <TraceTimeline trace={Rc::new((**trace).clone())} model={request.run.model}
                            threads={request.run.workers} prefix="lesson-" />
                    },
                )),
                (Outcome::Io(run), Probe::Io(_)) => Some((
                    format!("How the coroutines spent the run: {label}"),
                    html! { <Waterfall run={Rc::new((**run).clone())} /> },
                )),
                (Outcome::Shared(SharedOutcome::TwoLocks { waits_for, .. }), _)
                    if !waits_for.is_empty() =>
                {
                    Some((
                        format!("Who waited for whom when the watchdog ended it: {label}"),
                        html! { <WaitsForPicture cycle={waits_for.clone()} /> },
                    ))
                }
                _ => None,
            }
        });
    let cpython_shape = concluded.then(|| cpython::shape(lesson, k)).flatten();
    let number = LESSONS.iter().position(|l| l == lesson).unwrap_or(0) + 1;
    let embed_src = embed_address(Place::Lesson(lesson.slug));
    let revealed = predicted.is_some() || !state.measured.is_empty();
    let shown_steps = (lesson.steps)(k);

    html! {
        <section class="card lessons" aria-labelledby="lessons-title">
            <h2 id="lessons-title">{ "Lessons: the folklore, measured" }</h2>
            if !props.embed {
            <LessonPicker current={lesson.slug} {running} on_choose={
                let (actions, on_choose) = (actions.clone(), props.on_choose.clone());
                Callback::from(move |slug: &'static str| {
                    actions.emit(LessonAction::Choose(slug));
                    on_choose.emit(slug);
                })
            } />
            }
            <article class="lesson" data-lesson={lesson.slug} data-k={k.to_string()}>
                <h3 id="lesson-title">{ format!("Lesson {number}: {}", lesson.title) }</h3>
                <WhatRuns runs={Runs::Models} />
                <p id="lesson-setup" class="lede">{ lesson.setup }</p>
                <fieldset class="models prediction" id="lesson-prediction" tabindex="-1" disabled={running}>
                    <legend>{ format!("Predict first: {}", lesson.question) }</legend>
                    { for lesson.options.iter().enumerate().map(|(i, option)| {
                        let onchange = actions.reform(move |_: Event| LessonAction::Predict(i));
                        html! {
                            <label class="choice">
                                <input type="radio" name="predict" value={i.to_string()} checked={predicted == Some(i)} {onchange} />
                                <span>{ *option }</span>
                            </label>
                        }
                    }) }
                </fieldset>
                <div class="actions">
                    <button
                        id="lesson-run"
                        type="button"
                        disabled={running || blocked.is_some()}
                        aria-describedby="lesson-status"
                        onclick={on_run.clone()}
                    >
                        { if running { "Running…" } else { "Run" } }
                    </button>
                    <button id="lesson-cancel" type="button" disabled={!running} onclick={on_cancel}>{ "Cancel" }</button>
                    if !props.embed {
                        <EmbedSnippet src={embed_src} title={lesson.title} prefix="lesson-" />
                    }
                </div>
                <StatusLine status={state.status.clone()} prefix="lesson-" noun="lesson"
                    idle={idle} blocked={blocked.is_some()} started_ms={*started_ms} />
                if let Some(chosen) = &state.workers {
                    <p id="lesson-k" class="hint" data-k={chosen.k.to_string()}
                        data-reported={chosen.reported.to_string()}>
                        { format!("This run measured its steps at {}", chosen.describe()) }
                    </p>
                }
                { match &state.conclusion {
                    Some(Ok(conclusion)) => html! {
                        <LessonVerdict {lesson} {k} conclusion={conclusion.clone()} {predicted}
                            on_run_again={on_run.clone()} can_run_again={!running && !engine_busy}
                            cpython={cpython_measured.clone()} {cpython_shape} />
                    },
                    Some(Err(why)) => html! {
                        <p class="error-banner" role="alert">{ format!("No conclusion: {why}") }</p>
                    },
                    None => html! {},
                } }
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
                                    Outcome::Io(run) => Some(format!("{:.3}", run.figure_ms())),
                                    _ => None,
                                }}>
                                    <th scope="row">{ label.clone() }</th>
                                    <td>{ shown_steps.iter().find(|s| s.label == *label)
                                        .map_or_else(|| outcome.describe(), |step| outcome.describe_for(step)) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    if let Some((heading, chart)) = timeline {
                        <section class="lesson-timeline" aria-label="Timeline">
                            <h4>{ heading }</h4>
                            { chart }
                        </section>
                    }
                    if !running && has_trace {
                        <TraceDownload id="lesson-trace" file_name={format!("overlap-{}.trace.json", lesson.slug)} make={make_trace} />
                    }
                }
                if revealed {
                    <section id="lesson-claim" class="revealed" aria-label="The claim">
                        <h4>{ "What the folklore says" }</h4>
                        if let Some(folklore) = lesson.folklore {
                            <blockquote class="folklore">{ folklore }</blockquote>
                            <h4>{ "What holds instead, and is measured here" }</h4>
                        }
                        <blockquote class="claim">{ lesson.claim }</blockquote>
                        <p class="lede">{ lesson.explanation }</p>
                        if props.embed {
                            <details class="python-code">
                                <summary>{ "The same experiment in Python" }</summary>
                                { code("python", "Python", lesson.python) }
                            </details>
                        } else {
                            { code("python", "The same experiment in Python", lesson.python) }
                        }
                        <details class="rust-code">
                            <summary>{ "What Overlap runs instead (Rust, cut from its source)" }</summary>
                            { code("rust", "Rust", lesson.rust()) }
                        </details>
                    </section>
                } else {
                    <p class="hint" id="lesson-claim-hidden">{ "The claim, why, and the code appear once you have predicted." }</p>
                }
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
                if !props.embed {
                    <PythonHere
                        key={lesson.slug}
                        slug={lesson.slug}
                        {k}
                        cores={props.cores}
                        labels={step_labels.clone()}
                        model_ms={step_labels.iter().map(|label| state.measured.iter()
                            .find(|(measured, _)| measured == label)
                            .and_then(|(_, o)| outcome_ms(o))).collect::<Vec<_>>()}
                        cpython_ms={state.cpython.as_ref().map(cpython_ms).unwrap_or_default()}
                    />
                }
            </article>
        </section>
    }
}
