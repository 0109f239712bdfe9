//! What every chart shares: ticks, the two axes with their gridlines, and number formatting.

use yew::prelude::*;

use crate::engine::chart::{self, Frame, Scale};

/// A tick: where it is in data units and what it says.
pub struct Tick {
    pub at: f64,
    pub label: String,
}

pub fn ticks_of(values: Vec<f64>, label: impl Fn(f64) -> String) -> Vec<Tick> {
    values
        .into_iter()
        .map(|at| Tick {
            at,
            label: label(at),
        })
        .collect()
}

/// The x axis along the bottom of the plot and the y axis up its left side, with gridlines at
/// the y ticks and a label on each axis.
pub fn axes(
    frame: &Frame,
    x: Scale,
    x_ticks: &[Tick],
    x_label: &str,
    y: Scale,
    y_ticks: &[Tick],
    y_label: &str,
) -> Html {
    let bottom = frame.height - frame.bottom;
    let (left, right) = (frame.left, frame.width - frame.right);
    html! {
        <g class="axes">
            { for y_ticks.iter().map(|t| {
                let at = y.at(t.at);
                html! {
                    <g class="tick y">
                        <line class="grid" x1={fmt(left)} x2={fmt(right)} y1={fmt(at)} y2={fmt(at)} />
                        <text x={fmt(left - 6.0)} y={fmt(at)} text-anchor="end" dominant-baseline="middle">{ &t.label }</text>
                    </g>
                }
            }) }
            { for x_ticks.iter().map(|t| {
                let at = x.at(t.at);
                html! {
                    <g class="tick x">
                        <line x1={fmt(at)} x2={fmt(at)} y1={fmt(bottom)} y2={fmt(bottom + 4.0)} />
                        <text x={fmt(at)} y={fmt(bottom + 16.0)} text-anchor="middle">{ &t.label }</text>
                    </g>
                }
            }) }
            <line class="axis" x1={fmt(left)} x2={fmt(right)} y1={fmt(bottom)} y2={fmt(bottom)} />
            <line class="axis" x1={fmt(left)} x2={fmt(left)} y1={fmt(frame.top)} y2={fmt(bottom)} />
            <text class="axis-label" x={fmt((left + right) / 2.0)} y={fmt(frame.height - 4.0)} text-anchor="middle">{ x_label }</text>
            <text
                class="axis-label"
                transform={format!("translate(12 {}) rotate(-90)", fmt((frame.top + bottom) / 2.0))}
                text-anchor="middle"
            >{ y_label }</text>
        </g>
    }
}

/// Two decimals are plenty for pixels.
pub fn fmt(value: f64) -> String {
    format!("{value:.2}")
}

/// Where a speedup-against-k chart draws: the lab's chart and the classroom's, the same size.
pub const SPEEDUP_FRAME: Frame = Frame {
    width: 560.0,
    height: 320.0,
    left: 48.0,
    right: 16.0,
    top: 12.0,
    bottom: 40.0,
};

/// The axes of a speedup-against-k chart: k = 1..`max_k` across, 0 up to the highest speedup
/// drawn (at least the ideal `max_k`×, plus 5 %), their ticks (every k up to 16, then round
/// numbers), and the path of the ideal line k×.
pub struct SpeedupAxes {
    pub x: Scale,
    pub y: Scale,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub ideal: String,
}

pub fn speedup_axes(frame: &Frame, max_k: usize, highest: f64) -> SpeedupAxes {
    let top = highest.max(max_k as f64) * 1.05;
    let x = frame.x((1.0, max_k as f64));
    let y = frame.y((0.0, top));
    let ks: Vec<f64> = if max_k <= 16 {
        (1..=max_k).map(|k| k as f64).collect()
    } else {
        chart::ticks(max_k as f64, 8)
            .into_iter()
            .map(|k| k.max(1.0))
            .collect()
    };
    SpeedupAxes {
        x,
        y,
        x_ticks: ticks_of(ks, |k| format!("{k:.0}")),
        y_ticks: ticks_of(chart::ticks(top, 5), |v| format!("{v}×")),
        ideal: chart::path(&[
            (x.at(1.0), y.at(1.0)),
            (x.at(max_k as f64), y.at(max_k as f64)),
        ]),
    }
}
