use yew::prelude::*;

use super::{axes, fmt, speedup_axes, SpeedupAxes, SPEEDUP_FRAME};
use crate::engine::chart::{self, describe};
use crate::engine::classroom::{Curve, MedianPoint};
use crate::engine::run::models::Model;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: Model,
    /// One per machine; empty for a classroom link, which carries only the medians.
    pub curves: Vec<Curve>,
    pub medians: Vec<MedianPoint>,
}

/// How many machine colours the stylesheet has; machines past it reuse them, dashed.
const PALETTE: usize = 8;

/// The class's speedup against k for one model: a thin line per machine, a thick one for the
/// median machine, and the ideal k×.
#[function_component]
pub fn ClassChart(props: &Props) -> Html {
    let points = || {
        props
            .curves
            .iter()
            .flat_map(|c| c.points.iter().copied())
            .chain(props.medians.iter().map(|m| (m.threads, m.speedup)))
    };
    let max_k = points().map(|p| p.0).max().unwrap_or(1).max(2);
    let highest = points().map(|p| p.1).fold(0.0, f64::max);
    let SpeedupAxes {
        x,
        y,
        x_ticks,
        y_ticks,
        ideal,
    } = speedup_axes(&SPEEDUP_FRAME, max_k, highest);
    let line = |points: &[(usize, f64)]| {
        let at: Vec<(f64, f64)> = points
            .iter()
            .map(|&(k, s)| (x.at(k as f64), y.at(s)))
            .collect();
        chart::path(&at)
    };
    let medians: Vec<(usize, f64)> = props
        .medians
        .iter()
        .map(|m| (m.threads, m.speedup))
        .collect();
    let model = props.model;

    html! {
        <figure class="chart speedup-chart class-chart" data-chart="classroom" data-model={model.slug()}>
            <svg viewBox={format!("0 0 {} {}", SPEEDUP_FRAME.width, SPEEDUP_FRAME.height)} role="img" aria-labelledby="classroom-chart-title" aria-describedby="classroom-chart-desc">
                <title id="classroom-chart-title">{ format!(
                    "{model}: speedup against k on {} machines, and the median machine (thick); the table below has the numbers",
                    props.curves.len().max(props.medians.iter().map(|m| m.machines).max().unwrap_or(0))
                ) }</title>
                <desc id="classroom-chart-desc">{ describe::classroom(
                    &props.medians.iter().map(|m| (m.threads, m.speedup, m.machines)).collect::<Vec<_>>()
                ) }</desc>
                { axes(&SPEEDUP_FRAME, x, &x_ticks, "threads or processes (k)", y, &y_ticks, "speedup against its own sequential run") }
                <path class="ideal" d={ideal} />
                { for props.curves.iter().map(|c| {
                    let colour = c.entry % PALETTE;
                    html! {
                        <g class={classes!("machine", format!("machine-{colour}"), (c.entry >= PALETTE).then_some("dashed"))}
                            data-machine={c.label.clone()} data-points={c.points.len().to_string()}>
                            <path class="line" d={line(&c.points)} />
                            { for c.points.iter().map(|&(k, s)| html! {
                                <circle cx={fmt(x.at(k as f64))} cy={fmt(y.at(s))} r="3" tabindex="0"
                                    role="img" aria-label={format!("{} k = {k}: {s:.2}×", c.label)}>
                                    <title>{ format!("{} k = {k}: {s:.2}×", c.label) }</title>
                                </circle>
                            }) }
                        </g>
                    }
                }) }
                <g class="median" data-machine="median" data-points={medians.len().to_string()}>
                    <path class="line" d={line(&medians)} />
                    { for props.medians.iter().map(|m| {
                        let says = format!("median of {} machines at k = {}: {:.2}×", m.machines, m.threads, m.speedup);
                        html! {
                            <circle cx={fmt(x.at(m.threads as f64))} cy={fmt(y.at(m.speedup))} r="4.5" tabindex="0"
                                role="img" aria-label={says.clone()} data-threads={m.threads.to_string()} data-speedup={format!("{:.3}", m.speedup)}>
                                <title>{ says }</title>
                            </circle>
                        }
                    }) }
                </g>
            </svg>
            <figcaption class="legend">
                <span class="legend-item"><span class="key ideal-key" />{ "ideal: k×" }</span>
                <span class="legend-item"><span class="key median-key" />{ "the median machine" }</span>
                { for props.curves.iter().map(|c| html! {
                    <span class="legend-item" data-machine={c.label.clone()}>
                        <span class={classes!("key", format!("machine-{}", c.entry % PALETTE))} />{ c.label.clone() }
                    </span>
                }) }
            </figcaption>
        </figure>
    }
}
