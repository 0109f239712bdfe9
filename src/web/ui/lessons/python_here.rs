//! "Run the Python here": a lesson whose steps browser CPython can run
//! ([`crate::engine::python::lessons`]) runs them on the page's interpreters, through the same
//! run as the Python lab (its reducer, [`python_work`]), and shows three speedups against the
//! lesson's own baseline side by side: the model's on this page, real CPython's in this page,
//! and CPython's on the student's machine (imported from the lesson's script).

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::lessons::cpython::{CpythonRun, Figure};
use crate::engine::lessons::Outcome;
use crate::engine::python::lessons::in_page;
use crate::engine::python::measured::PyModel;
use crate::engine::python::settings::{PythonSettings, MAX_WORKERS};
use crate::engine::state::python_lab::{PythonAction, PythonLabState};
use crate::engine::status::Status;
use crate::web::client::shared_engine::{EngineContext, Holder};
use crate::web::ui::components::{before_run, StatusLine};
use crate::web::ui::engine_run::use_engine_run;
use crate::web::ui::labs::python_lab::python_work;

/// A step's figure on this page, in ms, where it is a time.
pub fn outcome_ms(outcome: &Outcome) -> Option<f64> {
    match outcome {
        Outcome::Cpu { summary, .. } => Some(summary.median),
        Outcome::Io(run) => Some(run.figure_ms()),
        Outcome::Shared(_) => None,
    }
}

/// A step's figure from CPython's script, in ms, where it is a time.
pub fn cpython_ms(run: &CpythonRun) -> Vec<Option<f64>> {
    run.steps
        .iter()
        .map(|(_, figure)| match figure {
            Some(Figure::Ms { ms, .. }) => Some(*ms),
            _ => None,
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub slug: &'static str,
    /// The lesson's k: the pool gets as many interpreters.
    pub k: usize,
    pub cores: usize,
    /// The lesson's steps' labels, in order.
    pub labels: Vec<String>,
    /// Each step's figure on this page (ms), in order, where measured.
    pub model_ms: Vec<Option<f64>>,
    /// Each step's figure from CPython's script (ms), in order, where imported.
    pub cpython_ms: Vec<Option<f64>>,
}

fn ratio(figures: &[Option<f64>], base: usize, step: usize) -> Option<f64> {
    let (b, s) = (figures.get(base).copied()??, figures.get(step).copied()??);
    crate::engine::stats::speedup(b, s)
}

fn times(speedup: Option<f64>) -> String {
    speedup.map_or("\u{2014}".into(), |s| format!("{s:.2}\u{d7}"))
}

#[function_component]
pub fn PythonHere(props: &Props) -> Html {
    let page = in_page(props.slug);
    let settings = PythonSettings {
        code: page.map(|p| p.code).unwrap_or_default().into(),
        workers: props.k.clamp(1, MAX_WORKERS).to_string(),
        chunksize: "1".into(),
        rounds: "3".into(),
    };
    let state = use_reducer(|| PythonLabState::with(settings.clone()));
    let engine = use_context::<EngineContext>().expect("the page provides the engine");
    let run = use_engine_run(
        Holder::Python,
        state.dispatcher().to_callback().reform(PythonAction::Run),
    );
    let Some(page) = page else {
        return html! {};
    };
    let running = state.status.is_running();
    let on_run = {
        let (run, dispatch, shared) = (run.clone(), state.dispatcher(), Rc::clone(&engine.shared));
        let settings = settings.clone();
        Callback::from(move |_: MouseEvent| {
            let Ok(plan) = settings.plan() else {
                return;
            };
            let _ = run.start(python_work(
                dispatch.clone(),
                settings.clone(),
                plan,
                Rc::clone(&shared),
            ));
        })
    };
    let base = page.steps[0].0;
    let label = |i: usize| props.labels.get(i).cloned().unwrap_or_default();
    let rows = state.run.as_ref().map(|measured| {
        page.steps
            .iter()
            .map(|&(step, model)| {
                let here = if model == PyModel::Sequential {
                    "1\u{d7}".to_string()
                } else {
                    measured.speedup_text(model, props.cores)
                };
                let agrees = measured.agrees(model) != Some(false);
                html! {
                    <tr data-step={label(step)} data-python-model={format!("{model:?}")}
                        data-python-speedup={measured.speedup(model).map(|s| format!("{:.3}", s.median))}>
                        <th scope="row">{ label(step) }<div class="python"><code>{ model.python(measured.workers, measured.chunksize) }</code></div></th>
                        <td class="num">{ times(ratio(&props.model_ms, base, step)) }</td>
                        <td class={classes!("num", (!agrees).then_some("error"))}>
                            { here }{ if agrees { "" } else { " (results differ from sequential's)" } }
                        </td>
                        <td class="num">{ times(ratio(&props.cpython_ms, base, step)) }</td>
                    </tr>
                }
            })
            .collect::<Html>()
    });
    let (idle, blocked) = before_run(None, None, run.others_busy());
    html! {
        <section class="python-here" aria-labelledby="python-here-title">
            <h4 id="python-here-title">{ "Run the Python here" }</h4>
            <p class="lede">
                { format!("Real CPython 3.14 in this page (the Python lab's interpreters) runs this \
                           lesson's steps that need no threads: one interpreter, then {}. {}",
                          page.steps[1..].iter().map(|(_, m)| m.label(props.k)).collect::<Vec<_>>().join(", then "),
                          page.left_out_said()) }
            </p>
            <details class="python-code">
                <summary>{ "The Python it runs" }</summary>
                <pre><code class="language-python">{ page.code }</code></pre>
            </details>
            <div class="actions">
                <button id="python-here-run" type="button" disabled={running || blocked} onclick={on_run}>
                    { if running { "Running…" } else { "Run the Python here" } }
                </button>
                <button id="python-here-cancel" type="button" disabled={!running} onclick={run.cancel().reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            </div>
            <StatusLine status={state.status.clone()} prefix="python-here-" noun="run" {idle} {blocked} />
            if let Some((loaded, total)) = state.download {
                <progress max={total.max(loaded).to_string()} value={loaded.to_string()} aria-label="Interpreter download" />
            }
            if let Some(error) = &state.error {
                <pre class="traceback" role="alert">{ error }</pre>
            }
            if let Some(rows) = rows.filter(|_| state.status == Status::Done) {
                <table id="python-here-results">
                    <caption>{ "Speedup against the lesson's first step, each measured its own way" }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Step" }</th>
                            <th scope="col" class="num">{ "Overlap's model, this page" }</th>
                            <th scope="col" class="num">{ "Real CPython, this page" }</th>
                            <th scope="col" class="num">{ "CPython, your machine (imported)" }</th>
                        </tr>
                    </thead>
                    <tbody>{ rows }</tbody>
                </table>
            }
        </section>
    }
}
