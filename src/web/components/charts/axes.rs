//! What every chart shares: ticks, the two axes with their gridlines, and number formatting.

use yew::prelude::*;

use crate::engine::chart::{Frame, Scale};

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
