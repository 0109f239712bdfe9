use yew::prelude::*;

use super::{axes, fmt, ticks_of};
use crate::engine::chart::{self, describe, Frame, Scale};
use crate::engine::experiment::Report;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
}

const ROW: f64 = 20.0;

/// Each run's median wall time as a bar, the line across it spanning its fastest to slowest
/// repeat.
#[function_component]
pub fn WallBars(props: &Props) -> Html {
    let rows = props.report.rows();
    if rows.is_empty() {
        return html! {};
    }
    let frame = Frame {
        width: 560.0,
        height: 40.0 + 12.0 + ROW * rows.len() as f64,
        left: 150.0,
        right: 16.0,
        top: 12.0,
        bottom: 40.0,
    };
    let most = rows.iter().map(|r| r.summary.max).fold(0.0, f64::max) * 1.05;
    let x = frame.x((0.0, most.max(1.0)));
    let y = Scale::new((0.0, 1.0), (frame.top, frame.top + ROW));
    let x_ticks = ticks_of(chart::ticks(most, 5), |v| format!("{v}"));
    html! {
        <figure class="chart wall-bars" data-chart="wall">
            <figcaption class="chart-caption hint">{ "How to read it: each run's median wall time; \
                shorter is faster. The whisker spans its fastest to its slowest round." }</figcaption>
            <svg
                viewBox={format!("0 0 {} {}", frame.width, frame.height)}
                role="img"
                aria-labelledby="wall-title"
                aria-describedby="wall-desc"
            >
                <title id="wall-title">{ "Median wall time of each run, with the range of its repeats; the results table has the numbers" }</title>
                <desc id="wall-desc">{ describe::wall_bars(&props.report) }</desc>
                { axes(&frame, x, &x_ticks, "wall time (ms)", y, &[], "") }
                { for rows.iter().enumerate().map(|(i, row)| {
                    let top = y.at(i as f64) + 3.0;
                    let mid = top + (ROW - 6.0) / 2.0;
                    let slug = row.model.slug();
                    let s = row.summary;
                    let says = format!("{} k = {}: median {:.1} ms, {:.1}–{:.1} ms over {} repeats", row.model, row.threads, s.median, s.min, s.max, s.repeats);
                    html! {
                        <g class={classes!("bar", format!("model-{slug}"))} tabindex="0" role="img" aria-label={says.clone()} data-model={slug} data-threads={row.threads.to_string()}>
                            <text class="row-label" x={fmt(frame.left - 6.0)} y={fmt(mid)} text-anchor="end" dominant-baseline="middle">
                                { format!("{} k={}", row.model, row.threads) }
                            </text>
                            <rect x={fmt(x.at(0.0))} y={fmt(top)} width={fmt(x.at(s.median) - x.at(0.0))} height={fmt(ROW - 6.0)}>
                                <title>{ says }</title>
                            </rect>
                            <line class="spread" x1={fmt(x.at(s.min))} x2={fmt(x.at(s.max))} y1={fmt(mid)} y2={fmt(mid)} />
                        </g>
                    }
                }) }
            </svg>
        </figure>
    }
}
