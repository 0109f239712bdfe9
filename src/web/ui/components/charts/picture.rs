use yew::prelude::*;

use crate::engine::experiment::Report;
use crate::engine::picture::{mandelbrot_data_url, row_workers, WORKER_COLOURS};
use crate::engine::run::models::Model;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
}

/// Pixels across: small enough to draw on the page's thread in a few milliseconds.
const WIDTH: u64 = 300;

/// The Mandelbrot kernel's picture; with "colour by worker", each row tinted by the worker that
/// computed it in the chosen run, showing how rows were shared out (and how uneven rows are).
#[function_component]
pub fn MandelbrotPicture(props: &Props) -> Html {
    let by_worker = use_state(|| true);
    let report = &props.report;
    // The most parallel run, free threads first: its rows are spread over the most workers.
    let run = report
        .rows()
        .iter()
        .filter(|r| r.trace.is_some() && r.model != Model::Sequential)
        .max_by_key(|r| (r.threads, r.model == Model::FreeThreads));
    let owners = run.and_then(|r| {
        let trace = r.trace.as_deref()?;
        let rows = trace.tasks.iter().map(|t| t.task + 1).max().unwrap_or(0);
        Some(row_workers(trace, rows))
    });
    let tinted = *by_worker && owners.is_some();
    // The SIMD kernel draws the same picture, row for row.
    let shown = matches!(report.kernel.as_str(), "mandelbrot" | "mandelbrot-simd");
    // Drawn only for Mandelbrot runs, and again only when the rows' workers change.
    let url = use_memo(
        (owners.clone(), tinted, shown),
        |(owners, tinted, shown)| {
            if *shown {
                mandelbrot_data_url(WIDTH, owners.as_deref().filter(|_| *tinted))
            } else {
                String::new()
            }
        },
    );
    if !shown {
        return html! {};
    }
    let toggle = {
        let by_worker = by_worker.clone();
        Callback::from(move |_: Event| by_worker.set(!*by_worker))
    };
    let workers = run.map_or(0, |r| r.threads);
    let alt = match run {
        Some(r) if tinted => format!(
            "The Mandelbrot set, each row tinted by which of {} workers computed it in {} k = {}",
            r.threads, r.model, r.threads
        ),
        _ => "The Mandelbrot set computed by the kernel".to_string(),
    };
    html! {
        <figure class="chart picture" data-chart="mandelbrot" data-tinted={tinted.to_string()}>
            <img src={(*url).clone()} alt={alt} width="300" height="200" />
            <figcaption class="legend">
                if let Some(r) = run {
                    <label class="choice">
                        <input type="checkbox" checked={*by_worker} onchange={toggle} />
                        { format!("Colour rows by worker ({} k = {})", r.model, r.threads) }
                    </label>
                    if tinted {
                        { for (0..workers).map(|w| {
                            let [red, green, blue] = WORKER_COLOURS[w % WORKER_COLOURS.len()];
                            html! {
                                <span class="legend-item">
                                    <span class="key" style={format!("background: rgb({red} {green} {blue})")} />
                                    { format!("worker {w}") }
                                </span>
                            }
                        }) }
                    }
                }
            </figcaption>
        </figure>
    }
}
