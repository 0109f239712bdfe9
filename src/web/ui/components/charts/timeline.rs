use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::{axes, fmt, ticks_of};
use crate::engine::chart::{self, describe, Activity, Frame, Scale};
use crate::engine::experiment::Report;
use crate::engine::run::models::Model;
use crate::engine::run::trace::Trace;
use crate::web::ui::components::ScrollBox;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
}

/// One run's timeline, outside a sweep (a lesson's step).
#[derive(Properties, PartialEq)]
pub struct TraceProps {
    pub trace: Rc<Trace>,
    pub model: Model,
    pub threads: usize,
    /// Prefixes the chart's ids, so two timelines on one page keep theirs apart.
    pub prefix: AttrValue,
}

const LANE: f64 = 26.0;

/// The run shown first: GIL threads at their largest k (the lesson's picture), else the
/// largest k of any model.
fn default_row(report: &Report) -> Option<usize> {
    let rows = report.rows();
    let largest = |model: Option<Model>| {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.trace.is_some() && model.is_none_or(|m| r.model == m))
            .max_by_key(|(_, r)| r.threads)
            .map(|(i, _)| i)
    };
    largest(Some(Model::GilThreads)).or_else(|| largest(None))
}

/// The sweep's per-worker timeline, of the run chosen in its menu ([`TraceTimeline`]).
#[function_component]
pub fn Timeline(props: &Props) -> Html {
    let chosen = use_state(|| None::<usize>);
    let report = &props.report;
    let index = (*chosen)
        .filter(|&i| report.rows().get(i).is_some_and(|r| r.trace.is_some()))
        .or_else(|| default_row(report));
    let Some(index) = index else {
        return html! {};
    };
    let row = &report.rows()[index];
    let trace: Rc<Trace> = Rc::new(
        row.trace
            .as_deref()
            .expect("chosen rows have traces")
            .clone(),
    );
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            chosen.set(value.parse().ok());
        })
    };
    html! {
        <div class="timeline-of-sweep">
            <div class="field inline">
                <label for="timeline-run">{ "Timeline of" }</label>
                <select id="timeline-run" {onchange}>
                    { for report.rows().iter().enumerate().filter(|(_, r)| r.trace.is_some()).map(|(i, r)| html! {
                        <option value={i.to_string()} selected={i == index}>{ format!("{} k = {}", r.model, r.threads) }</option>
                    }) }
                </select>
            </div>
            <TraceTimeline {trace} model={row.model} threads={row.threads} prefix="" />
        </div>
    }
}

/// A per-worker Gantt chart of one run: a bar per task on the worker that ran it. Under a GIL
/// the task bar is pale and the stretches holding the GIL are drawn solid over it, so threads
/// visibly take turns; free threads and processes run side by side.
#[function_component]
pub fn TraceTimeline(props: &TraceProps) -> Html {
    let trace = &*props.trace;
    let (model, threads) = (props.model, props.threads);
    let title_id = format!("{}timeline-title", props.prefix);
    let desc_id = format!("{}timeline-desc", props.prefix);
    let workers = trace.workers.max(1);
    let frame = Frame {
        width: 560.0,
        height: 12.0 + 40.0 + LANE * workers as f64,
        left: 72.0,
        right: 16.0,
        top: 12.0,
        bottom: 40.0,
    };
    let x = frame.x((0.0, trace.wall_ms.max(1e-3)));
    let lane = Scale::new((0.0, 1.0), (frame.top, frame.top + LANE));
    let x_ticks = ticks_of(chart::ticks(trace.wall_ms, 5), |v| format!("{v}"));
    // Merge GIL holds shorter than about a pixel: the eye cannot tell them apart.
    let pixel_ms = trace.wall_ms / (frame.width - frame.left - frame.right);
    let bars = chart::timeline(trace, pixel_ms);
    // Whether the threads computed only while holding the GIL; or held it only between tasks
    // that let go of it to compute (as hashlib does), drawn as marks between the task bars.
    let gil = trace.computes_holding_gil();
    let released = trace.gil.as_ref().is_some_and(|g| g.released_in_tasks);
    let slug = model.slug();

    html! {
        <figure class="chart timeline" data-chart="timeline" data-model={slug} data-threads={threads.to_string()}>
            <p class="chart-caption hint">{ if gil {
                "How to read it: a row per worker, time left to right. Pale: a task under way, \
                 waiting for the GIL; solid: holding it, computing. Solid bars never overlap: the \
                 threads took turns."
            } else if released {
                "How to read it: a row per worker, time left to right; a bar is a task, computing \
                 with the GIL let go (as hashlib does on a buffer over 2 KB); the dark marks are \
                 the moments a thread held the GIL, between tasks. Bars that overlap ran at the \
                 same time."
            } else {
                "How to read it: a row per worker, time left to right; a bar is a task. Bars that \
                 overlap ran at the same time."
            } }</p>
            <figcaption class="legend">
                if gil {
                    <span class="legend-item">
                        <span class={classes!("key", "task-key", "under-gil", format!("model-{slug}"))} />
                        { "task under way, waiting for the GIL" }
                    </span>
                    <span class="legend-item">
                        <span class={classes!("key", format!("model-{slug}"))} />{ "holding the GIL (computing)" }
                    </span>
                    if let Some(stats) = &trace.gil {
                        <span class="hint">{ format!("{} hand-offs, {:.0} ms spent waiting in all", stats.handoffs, stats.wait_ms) }</span>
                    }
                } else {
                    <span class="legend-item">
                        <span class={classes!("key", format!("model-{slug}"))} />
                        { if released { "a task computing, the GIL let go" } else { "a task computing" } }
                    </span>
                    if released {
                        <span class="legend-item">
                            <span class="key gil-between-tasks" />{ "holding the GIL, between tasks" }
                        </span>
                    }
                    <span class="hint">{ format!("{} tasks; busy {:.0} % of the time", trace.tasks.len(), trace.utilisation() * 100.0) }</span>
                }
            </figcaption>
            <svg
                viewBox={format!("0 0 {} {}", frame.width, frame.height)}
                role="img"
                aria-labelledby={title_id.clone()}
                aria-describedby={desc_id.clone()}
            >
                <title id={title_id}>{ format!(
                    "What each of {} workers did during {} k = {} ({:.0} ms){}",
                    workers, model, threads, trace.wall_ms,
                    if gil {
                        "; solid where a thread held the GIL"
                    } else if released {
                        "; the tasks let go of the GIL to compute"
                    } else {
                        ""
                    }
                ) + "; the table below sums each worker" }</title>
                <desc id={desc_id}>{ describe::timeline(&chart::worker_lines(trace), gil) }</desc>
                { axes(&frame, x, &x_ticks, "time in the run (ms)", lane, &[], "") }
                { for (0..workers).map(|w| html! {
                    <text class="row-label" x={fmt(frame.left - 6.0)} y={fmt(lane.at(w as f64) + LANE / 2.0)} text-anchor="end" dominant-baseline="middle">
                        { format!("worker {w}") }
                    </text>
                }) }
                <g class={classes!("bars", format!("model-{slug}"), gil.then_some("under-gil"))}>
                    { for bars.iter().map(|b| {
                        let top = lane.at(b.worker as f64) + 4.0;
                        let (class, height) = match b.activity {
                            Activity::Task => ("task", LANE - 8.0),
                            Activity::HoldingGil if released => ("gil-between-tasks", LANE - 8.0),
                            Activity::HoldingGil => ("holding-gil", LANE - 8.0),
                        };
                        html! {
                            <rect
                                class={class}
                                x={fmt(x.at(b.start_ms))}
                                y={fmt(top)}
                                width={fmt((x.at(b.end_ms) - x.at(b.start_ms)).max(0.5))}
                                height={fmt(height)}
                                data-worker={b.worker.to_string()}
                            >
                                <title>{ match b.task {
                                    Some(task) => format!("task {task} on worker {}: {:.1}–{:.1} ms", b.worker, b.start_ms, b.end_ms),
                                    None => format!("worker {} holds the GIL: {:.1}–{:.1} ms", b.worker, b.start_ms, b.end_ms),
                                } }</title>
                            </rect>
                        }
                    }) }
                </g>
            </svg>
            <details class="chart-table">
                <summary>{ "The timeline as a table" }</summary>
                <ScrollBox label="the timeline as a table"><table data-table="timeline">
                    <thead>
                        <tr>
                            <th scope="col">{ "Worker" }</th>
                            <th scope="col">{ "Tasks" }</th>
                            <th scope="col">{ if gil { "Held the GIL (ms)" } else { "Computing (ms)" } }</th>
                            if gil {
                                <th scope="col">{ "Waiting for it (ms)" }</th>
                            }
                            <th scope="col">{ "Share of the run" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for chart::worker_lines(trace).iter().map(|l| html! {
                            <tr data-worker={l.worker.to_string()}>
                                <th scope="row">{ l.worker }</th>
                                <td>{ l.tasks }</td>
                                <td>{ format!("{:.1}", l.busy_ms) }</td>
                                if gil {
                                    <td>{ format!("{:.1}", l.waiting_ms) }</td>
                                }
                                <td>{ format!("{:.0} %", l.busy_share * 100.0) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table></ScrollBox>
            </details>
        </figure>
    }
}
