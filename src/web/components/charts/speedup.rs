use yew::prelude::*;

use super::{axes, fmt, ticks_of};
use crate::engine::chart::{self, Frame};
use crate::engine::experiment::Report;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
}

const FRAME: Frame = Frame {
    width: 560.0,
    height: 320.0,
    left: 48.0,
    right: 16.0,
    top: 12.0,
    bottom: 40.0,
};

/// Speedup against k for each model, with the ideal line (k×), each point's spread over its
/// repeats, and Amdahl's law fitted to each model (dotted), its serial fraction in the legend.
#[function_component]
pub fn SpeedupChart(props: &Props) -> Html {
    let series = chart::speedup_series(&props.report);
    if series.is_empty() {
        return html! {};
    }
    let max_k = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.threads))
        .max()
        .unwrap_or(1)
        .max(2);
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.high))
        .fold(max_k as f64, f64::max)
        * 1.05;
    let x = FRAME.x((1.0, max_k as f64));
    let y = FRAME.y((0.0, top));
    let x_ticks = ticks_of((1..=max_k).map(|k| k as f64).collect(), |k| {
        format!("{k:.0}")
    });
    let y_ticks = ticks_of(chart::ticks(top, 5), |v| format!("{v}×"));
    let ideal = chart::path(&[
        (x.at(1.0), y.at(1.0)),
        (x.at(max_k as f64), y.at(max_k as f64)),
    ]);

    html! {
        <figure class="chart speedup-chart" data-chart="speedup">
            <svg
                viewBox={format!("0 0 {} {}", FRAME.width, FRAME.height)}
                role="img"
                aria-labelledby="speedup-title"
                aria-describedby="results"
            >
                <title id="speedup-title">{ format!("Speedup against threads on {}; the results table has the numbers", props.report.kernel) }</title>
                { axes(&FRAME, x, &x_ticks, "threads (k)", y, &y_ticks, "speedup against sequential") }
                <path class="ideal" d={ideal} />
                <text class="ideal-label" x={fmt(x.at(max_k as f64) - 4.0)} y={fmt(y.at(max_k as f64) - 6.0)} text-anchor="end">{ "ideal: k×" }</text>
                { for series.iter().map(|s| {
                    let slug = s.model.slug();
                    let line: Vec<(f64, f64)> = s.points.iter().map(|p| (x.at(p.threads as f64), y.at(p.speedup))).collect();
                    let fit = s.fit.map(|fit| {
                        let curve: Vec<(f64, f64)> = chart::amdahl_curve(fit, max_k, 8)
                            .into_iter()
                            .map(|(k, v)| (x.at(k), y.at(v)))
                            .collect();
                        chart::path(&curve)
                    });
                    html! {
                        <g class={classes!("series", format!("model-{slug}"))} data-model={slug}>
                            if let Some(d) = fit {
                                <path class="fit" d={d} />
                            }
                            <path class="line" d={chart::path(&line)} />
                            { for s.points.iter().map(|p| {
                                let cx = fmt(x.at(p.threads as f64));
                                let says = format!("{} k = {}: {:.2}× (range {:.2}–{:.2}×)", s.model, p.threads, p.speedup, p.low, p.high);
                                // Focusable so a keyboard can walk the points and hear each one.
                                html! {
                                    <g class="point" tabindex="0" role="img" aria-label={says.clone()} data-threads={p.threads.to_string()} data-speedup={format!("{:.3}", p.speedup)}>
                                        <line class="spread" x1={cx.clone()} x2={cx.clone()} y1={fmt(y.at(p.low))} y2={fmt(y.at(p.high))} />
                                        <circle cx={cx} cy={fmt(y.at(p.speedup))} r="4">
                                            <title>{ says }</title>
                                        </circle>
                                    </g>
                                }
                            }) }
                        </g>
                    }
                }) }
            </svg>
            <figcaption class="legend">
                <span class="legend-item"><span class="key ideal-key" />{ "ideal" }</span>
                { for series.iter().map(|s| html! {
                    <span class="legend-item" data-model={s.model.slug()}>
                        <span class={classes!("key", format!("model-{}", s.model.slug()))} />
                        { s.model.to_string() }
                        if let Some(fit) = s.fit {
                            <span class="fit-label" data-serial-fraction={format!("{:.4}", fit.serial_fraction)}>
                                { format!(" (Amdahl fit: {:.0} % serial)", fit.serial_fraction * 100.0) }
                            </span>
                        }
                    </span>
                }) }
                <span class="hint">{ "dotted: the fitted curve; whiskers: fastest to slowest repeat" }</span>
            </figcaption>
        </figure>
    }
}
