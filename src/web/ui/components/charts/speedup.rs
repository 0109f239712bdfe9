use std::rc::Rc;

use yew::prelude::*;

use super::{axes, fmt, speedup_axes, SpeedupAxes, SPEEDUP_FRAME};
use crate::engine::chart::{self, describe, Scale};
use crate::engine::experiment::Report;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    /// Another machine's sweep to draw under this one (a share link's results), with its label.
    #[prop_or_default]
    pub compare: Option<Rc<Compare>>,
    /// What this report's series are called when there is something to compare with.
    #[prop_or_default]
    pub label: Option<AttrValue>,
    /// Prefix for element ids, unique per chart on the page.
    #[prop_or(AttrValue::Static("speedup"))]
    pub name: AttrValue,
}

/// Results from elsewhere: "16 cores, Chrome 156".
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    pub label: String,
    pub report: Report,
}

/// One model's line, points and fit. A carried series (another machine's) is drawn dashed
/// with hollow points, so the two sweeps read apart in colour-blind and greyscale prints too.
fn series_html(
    s: &chart::SpeedupSeries,
    (x, y): (Scale, Scale),
    max_k: usize,
    from: Option<&str>,
) -> Html {
    let slug = s.model.slug();
    let line: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (x.at(p.threads as f64), y.at(p.speedup)))
        .collect();
    let fit = s.fit.map(|fit| {
        let curve: Vec<(f64, f64)> = chart::amdahl_curve(fit, max_k, 8)
            .into_iter()
            .map(|(k, v)| (x.at(k), y.at(v)))
            .collect();
        chart::path(&curve)
    });
    let whose = from.map(|label| format!(" on {label}")).unwrap_or_default();
    html! {
        <g class={classes!("series", format!("model-{slug}"), from.is_some().then_some("carried"))} data-model={slug} data-carried={from.is_some().to_string()}>
            if let Some(d) = fit.filter(|_| from.is_none()) {
                <path class="fit" d={d} />
            }
            <path class="line" d={chart::path(&line)} />
            { for s.points.iter().map(|p| {
                let cx = fmt(x.at(p.threads as f64));
                let says = format!("{}{whose} k = {}: {:.2}× (range {:.2}–{:.2}×)", s.model, p.threads, p.speedup, p.low, p.high);
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
}

/// Speedup against k for each model, with the ideal line (k×), each point's spread over its
/// repeats, and Amdahl's law fitted to each model (dotted), its serial fraction in the legend.
/// With `compare`, another machine's sweep is drawn under this one, labelled with its cores.
#[function_component]
pub fn SpeedupChart(props: &Props) -> Html {
    let series = chart::speedup_series(&props.report);
    let carried = props
        .compare
        .as_ref()
        .map(|c| chart::speedup_series(&c.report))
        .unwrap_or_default();
    if series.is_empty() && carried.is_empty() {
        return html! {};
    }
    let every = || series.iter().chain(&carried);
    let max_k = every()
        .flat_map(|s| s.points.iter().map(|p| p.threads))
        .max()
        .unwrap_or(1)
        .max(2);
    let highest = every()
        .flat_map(|s| s.points.iter().map(|p| p.high))
        .fold(0.0, f64::max);
    let SpeedupAxes {
        x,
        y,
        x_ticks,
        y_ticks,
        ideal,
    } = speedup_axes(&SPEEDUP_FRAME, max_k, highest);
    let compare_label = props.compare.as_ref().map(|c| c.label.as_str());
    let own_label = props.label.as_deref();
    let title_id = format!("{}-title", props.name);
    let desc_id = format!("{}-desc", props.name);
    // What the chart found, for a screen reader: where each model ends against the ideal.
    let description = match compare_label {
        Some(label) if !carried.is_empty() => format!(
            "{} The link's results ({label}): {}",
            describe::speedup(&series),
            describe::speedup(&carried)
        ),
        _ => describe::speedup(&series),
    };

    html! {
        <figure class="chart speedup-chart" data-chart="speedup" data-name={props.name.clone()}>
            <figcaption class="legend">
                <span class="chart-caption hint">{ "How to read it: how many times faster than one \
                    thread each model ran with k workers. Higher is faster; the dashed diagonal is \
                    k×, every worker fully used. The dotted curve fits Amdahl's law: its serial \
                    share is the part of the work that never ran in parallel." }</span>
                <span class="legend-item"><span class="key ideal-key" />{ "ideal" }</span>
                { for series.iter().map(|s| html! {
                    <span class="legend-item" data-model={s.model.slug()}>
                        <span class={classes!("key", format!("model-{}", s.model.slug()))} />
                        { s.model.to_string() }
                        if let Some(label) = own_label {
                            { format!(" ({label})") }
                        }
                        if let Some(fit) = s.fit {
                            <span class="fit-label" data-serial-fraction={format!("{:.4}", fit.serial_fraction)}>
                                { format!(" (fits Amdahl's law with {:.0} % serial)", fit.serial_fraction * 100.0) }
                            </span>
                        }
                    </span>
                }) }
                { for carried.iter().map(|s| html! {
                    <span class="legend-item carried" data-model={s.model.slug()} data-carried="true">
                        <span class={classes!("key", "carried-key", format!("model-{}", s.model.slug()))} />
                        { format!("{} ({})", s.model, compare_label.unwrap_or_default()) }
                    </span>
                }) }
                <span class="hint">{ if carried.is_empty() {
                    "dotted: the fitted curve; whiskers: fastest to slowest repeat"
                } else {
                    "dashed with hollow points: the link's results; dotted: the fitted curve; whiskers: fastest to slowest repeat"
                } }</span>
            </figcaption>
            <svg
                viewBox={format!("0 0 {} {}", SPEEDUP_FRAME.width, SPEEDUP_FRAME.height)}
                role="img"
                aria-labelledby={title_id.clone()}
                aria-describedby={desc_id.clone()}
                data-description={description.clone()}
            >
                <title id={title_id}>{ format!(
                    "Speedup against workers (k) on {}{}; the results table has the numbers",
                    props.report.kernel,
                    compare_label.map(|l| format!(", beside {l} (dashed)")).unwrap_or_default()
                ) }</title>
                <desc id={desc_id}>{ description }</desc>
                { axes(&SPEEDUP_FRAME, x, &x_ticks, "workers (k)", y, &y_ticks, "speedup against sequential") }
                <path class="ideal" d={ideal} />
                <text class="ideal-label" x={fmt(x.at(max_k as f64) - 4.0)} y={fmt(y.at(max_k as f64) - 6.0)} text-anchor="end">{ "ideal: k×" }</text>
                { for carried.iter().map(|s| series_html(s, (x, y), max_k, compare_label)) }
                { for series.iter().map(|s| series_html(s, (x, y), max_k, None)) }
            </svg>
        </figure>
    }
}
