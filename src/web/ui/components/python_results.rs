//! The Python lab's results: a row per model (wall time over the rounds, speedup against
//! sequential taken within each round, whether the results agree, bytes pickled across), the
//! models it cannot run and why, each interpreter's start (the spawn cost), and the pool's last
//! round as a timeline, one lane per interpreter.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::python::measured::{PyModel, PythonRun, NO_THREADS, NO_THREADS_ISSUE};
use crate::engine::rounds::Spread;
use crate::engine::stats::Summary;

use super::ScrollBox;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub run: Rc<PythonRun>,
    /// This machine's cores as the page knows them: a speedup past them is said as such.
    pub cores: usize,
}

fn bytes(n: u64) -> String {
    match n {
        0 => "\u{2014}".into(),
        n if n < 10_000 => format!("{n} B"),
        n if n < 10_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn row(run: &PythonRun, model: PyModel, cores: usize) -> Html {
    let Some(r) = run.row(model) else {
        return html! {};
    };
    let wall = Summary::of(&r.wall_ms);
    let speedup = run.speedup(model);
    let agrees = run.agrees(model);
    html! {
        <tr
            data-model={model.slug()}
            data-median-ms={wall.map(|w| format!("{:.1}", w.median))}
            data-speedup={speedup.map(|s| format!("{:.3}", s.median))}
            data-agrees={agrees.map(|a| a.to_string())}
            data-bytes={r.bytes_copied.to_string()}
        >
            <th scope="row">
                { model.label(run.workers) }
                <div class="python"><code>{ model.python(run.workers, run.chunksize) }</code></div>
            </th>
            <td class="num">{ wall.map_or("\u{2014}".into(), |w| format!("{:.0} ({:.0}\u{2013}{:.0})", w.median, w.min, w.max)) }</td>
            <td class="num speedup">
                { if model == PyModel::Sequential { "1\u{d7} (the baseline)".into() } else { run.speedup_text(model, cores) } }
            </td>
            <td class={classes!("results", (agrees == Some(false)).then_some("error"))}>
                { match (agrees, &r.outcome) {
                    (Some(false), Some(o)) => format!("differ from sequential's: {}", o.preview),
                    (_, Some(o)) if model == PyModel::Sequential => format!("{} results: {}", o.count, o.preview),
                    (Some(true), _) => "\u{2713} the same as sequential's".into(),
                    _ => "\u{2014}".into(),
                } }
            </td>
            <td class="num">{ bytes(r.bytes_copied) }</td>
        </tr>
    }
}

/// Each model's speedup against sequential as a bar (its median over the rounds, the whisker the
/// middle half of them), with a line at what the pool's interpreters can give on this machine's cores.
fn speedup_chart(run: &PythonRun, cores: usize) -> Html {
    let bars: Vec<(PyModel, Spread)> = run
        .rows
        .iter()
        .filter_map(|r| Some((r.model, run.speedup(r.model)?)))
        .collect();
    if bars.len() < 2 {
        return html! {};
    }
    const WIDTH: f64 = 560.0;
    const ROW: f64 = 26.0;
    const LEFT: f64 = 150.0;
    let bound = run.workers.min(cores.max(1)) as f64;
    let most = bars.iter().map(|(_, s)| s.high).fold(bound, f64::max) * 1.1;
    let x = |v: f64| LEFT + v / most * (WIDTH - LEFT - 16.0);
    let height = ROW * bars.len() as f64 + 30.0;
    let description = bars
        .iter()
        .map(|(m, s)| format!("{}: {:.2}\u{d7}", m.label(run.workers), s.median))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <figure class="chart python-speedup" data-chart="python-speedup">
            <figcaption class="chart-caption hint">
                { format!("How to read it: each model's speedup against sequential, the median of \
                           its rounds, the whisker the middle half of them. The dashed line is {bound:.0}\u{d7}: \
                           what {} interpreters can give on {bound:.0} cores.", run.workers) }
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img"
                aria-label={format!("Speedup against sequential: {description}.")}>
                { for bars.iter().enumerate().map(|(i, (model, s))| {
                    let y = ROW * i as f64 + 4.0;
                    html! {
                        <g data-model={model.slug()}>
                            <text x="0" y={format!("{:.0}", y + 14.0)} class="lane-label">{ model.label(run.workers) }</text>
                            <rect class="span" x={format!("{LEFT}")} y={format!("{y:.1}")}
                                width={format!("{:.1}", (x(s.median) - LEFT).max(1.0))} height="16" />
                            <line class="whisker" x1={format!("{:.1}", x(s.low))} x2={format!("{:.1}", x(s.high))}
                                y1={format!("{:.1}", y + 8.0)} y2={format!("{:.1}", y + 8.0)} />
                            <text x={format!("{:.1}", x(s.high) + 4.0)} y={format!("{:.0}", y + 13.0)} class="axis">
                                { format!("{:.2}\u{d7}", s.median) }
                            </text>
                        </g>
                    }
                }) }
                <line class="bound" x1={format!("{:.1}", x(bound))} x2={format!("{:.1}", x(bound))}
                    y1="0" y2={format!("{:.0}", height - 20.0)} />
                <text x={format!("{:.1}", x(bound))} y={format!("{:.0}", height - 6.0)} text-anchor="middle" class="axis">
                    { format!("{bound:.0}\u{d7}") }
                </text>
            </svg>
        </figure>
    }
}

/// The pool's last round: a lane per interpreter, a bar per chunk.
fn timeline(run: &PythonRun) -> Html {
    let end = run.spans.iter().map(|s| s.end_ms).fold(0.0, f64::max);
    if run.spans.is_empty() || end <= 0.0 {
        return html! {};
    }
    const WIDTH: f64 = 600.0;
    const LANE: f64 = 22.0;
    let x = |ms: f64| 90.0 + ms / end * (WIDTH - 100.0);
    let height = LANE * run.workers as f64 + 24.0;
    let busy: Vec<f64> = (0..run.workers)
        .map(|i| {
            let lane = run.spans.iter().filter(|s| s.interpreter == i);
            lane.map(|s| s.end_ms - s.start_ms).sum()
        })
        .collect();
    let description = format!(
        "The pool's last round, {:.0} ms from the parent's first pickle to its last unpickle: {}.",
        end,
        busy.iter()
            .enumerate()
            .map(|(i, ms)| format!("interpreter {} ran chunks for {ms:.0} ms", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    html! {
        <figure class="python-timeline">
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img" aria-label={description.clone()}>
                { for (0..run.workers).map(|i| html! {
                    <text x="0" y={format!("{:.0}", LANE * i as f64 + 15.0)} class="lane-label">
                        { format!("interpreter {}", i + 1) }
                    </text>
                }) }
                { for run.spans.iter().map(|s| html! {
                    <rect class="span" data-interpreter={s.interpreter.to_string()}
                        x={format!("{:.1}", x(s.start_ms))}
                        y={format!("{:.1}", LANE * s.interpreter as f64 + 3.0)}
                        width={format!("{:.1}", (x(s.end_ms) - x(s.start_ms)).max(1.0))}
                        height={format!("{:.1}", LANE - 6.0)}>
                        <title>{ format!("chunk {}: {:.0}\u{2013}{:.0} ms", s.chunk + 1, s.start_ms, s.end_ms) }</title>
                    </rect>
                }) }
                <text x={format!("{:.0}", x(end))} y={format!("{:.0}", height - 4.0)} text-anchor="end" class="axis">
                    { format!("{end:.0} ms") }
                </text>
            </svg>
            <figcaption>{ description }</figcaption>
        </figure>
    }
}

#[function_component]
pub fn PythonResults(props: &Props) -> Html {
    let run = &props.run;
    let mismatches = run.mismatches();
    html! {
        <>
            if !mismatches.is_empty() {
                <p class="notice error" role="alert" id="py-mismatch">
                    { format!("Results differ between models: {} gave other results than sequential. \
                               Does work depend on state outside its argument (a global, a random \
                               number, the time)? Each interpreter has its own.",
                               mismatches.iter().map(|m| m.label(run.workers)).collect::<Vec<_>>().join(", ")) }
                </p>
            }
            <ScrollBox label="Python results table">
                <table id="py-results">
                    <caption>
                        { format!("{} inputs, median over the rounds (wall time: range in brackets). Speedup is \
                                   sequential's time over the model's, within each round.", run.tasks) }
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Model" }</th>
                            <th scope="col" class="num">{ "Wall ms" }</th>
                            <th scope="col" class="num">{ "Speedup" }</th>
                            <th scope="col">{ "Results" }</th>
                            <th scope="col" class="num">{ "Pickled across" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for run.rows.iter().map(|r| row(run, r.model, props.cores)) }
                        <tr data-model="threads" class="unavailable">
                            <th scope="row">{ "Threads" }</th>
                            <td colspan="4">
                                { NO_THREADS }{ " " }
                                <a href={NO_THREADS_ISSUE} target="_blank" rel="noopener">{ "Pyodide issue 237" }</a>
                                { ", " }
                                <a href="?lesson=gil">{ "the GIL lesson" }</a>
                                { "." }
                            </td>
                        </tr>
                        if !run.is_async {
                            <tr data-model="gather" class="unavailable">
                                <th scope="row">{ "asyncio.gather" }</th>
                                <td colspan="4">{ "Only for async def work: plain work would block the event loop and run one after another." }</td>
                            </tr>
                        }
                    </tbody>
                </table>
            </ScrollBox>
            <div id="py-starts">
                <h3>{ "Starting the interpreters: the spawn cost" }</h3>
                if run.starts.is_empty() {
                    <p class="hint">{ "The interpreters were kept from the last run, as a pool keeps its processes: no start this time." }</p>
                } else {
                    <ul>
                        { for run.starts.iter().enumerate().map(|(i, s)| html! {
                            <li data-start-ms={format!("{:.0}", s.ms)} data-from-module={s.from_module.to_string()}>
                                { format!("Interpreter {}: {:.1} s{}", i + 1, s.ms / 1000.0,
                                    if s.from_module { ", from the module compiled once for all" }
                                    else if i == 0 { ", fetching and compiling the interpreter first" }
                                    else { "" }) }
                            </li>
                        }) }
                    </ul>
                }
            </div>
            { speedup_chart(run, props.cores) }
            { timeline(run) }
        </>
    }
}
