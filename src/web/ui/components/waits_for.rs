//! Who waited for whom when the deadlock lesson's watchdog ended a run: a waits-for picture of
//! two threads and two locks, each lock's holder drawn with a solid arrow and each thread's wait
//! with a dashed one, so the cycle reads round the square; and the same as a list.

use yew::prelude::*;

use super::charts::fmt;
use crate::engine::run::deadlock::WaitFor;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cycle: Vec<WaitFor>,
}

/// Where a node sits: thread 0 and the lock it holds on top, the other pair below, so that the
/// cycle runs round the square.
fn corners(cycle: &[WaitFor]) -> Option<[(String, (f64, f64)); 4]> {
    let [first, second] = cycle else {
        return None;
    };
    Some([
        (format!("thread {}", first.thread), (70.0, 40.0)),
        (format!("lock {}", first.holds), (290.0, 40.0)),
        (format!("thread {}", second.thread), (290.0, 160.0)),
        (format!("lock {}", second.holds), (70.0, 160.0)),
    ])
}

#[function_component]
pub fn WaitsForPicture(props: &Props) -> Html {
    let lines: Vec<String> = props
        .cycle
        .iter()
        .map(|w| {
            format!(
                "thread {} holds lock {} and waits for lock {}",
                w.thread, w.holds, w.wants
            )
        })
        .collect();
    // Arrows between the corners, by index: each lock to its holder (solid), each thread to the
    // lock it waits for (dashed).
    let arrows = [
        (1, 0, "holds"),
        (2, 1, "waits"),
        (3, 2, "holds"),
        (0, 3, "waits"),
    ];
    html! {
        <figure class="chart waits-for" data-chart="waits-for">
            if let Some(nodes) = corners(&props.cycle) {
                <svg viewBox="0 0 360 200" role="img" aria-labelledby="waits-for-title">
                    <title id="waits-for-title">{ format!(
                        "A cycle: {}. Neither can go on.", lines.join("; ")
                    ) }</title>
                    <defs>
                        <marker id="waits-for-arrow" viewBox="0 0 10 10" refX="9" refY="5"
                            markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                        </marker>
                    </defs>
                    { for arrows.iter().map(|&(from, to, kind)| {
                        let ((x1, y1), (x2, y2)) = (nodes[from].1, nodes[to].1);
                        // Stop short of the boxes, which are 100 by 30.
                        let (dx, dy) = (x2 - x1, y2 - y1);
                        let (sx, sy) = if dy == 0.0 { (55.0 * dx.signum(), 0.0) } else { (0.0, 20.0 * dy.signum()) };
                        html! {
                            <line class={classes!("edge", kind)}
                                x1={fmt(x1 + sx)} y1={fmt(y1 + sy)} x2={fmt(x2 - sx)} y2={fmt(y2 - sy)}
                                marker-end="url(#waits-for-arrow)" />
                        }
                    }) }
                    { for arrows.iter().map(|&(from, to, kind)| {
                        let ((x1, y1), (x2, y2)) = (nodes[from].1, nodes[to].1);
                        let label = if kind == "holds" { "held by" } else { "waits for" };
                        // Beside a vertical arrow, above a horizontal one.
                        let (x, y, anchor) = match (x1 == x2, x1 < 180.0) {
                            (true, true) => (x1 - 8.0, (y1 + y2) / 2.0, "end"),
                            (true, false) => (x1 + 8.0, (y1 + y2) / 2.0, "start"),
                            (false, _) => ((x1 + x2) / 2.0, y1 - 6.0, "middle"),
                        };
                        html! {
                            <text class="edge-label" x={fmt(x)} y={fmt(y)} text-anchor={anchor}>{ label }</text>
                        }
                    }) }
                    { for nodes.iter().map(|(name, (x, y))| html! {
                        <g class={classes!("node", name.starts_with("lock").then_some("lock"))}>
                            <rect x={fmt(x - 50.0)} y={fmt(y - 15.0)} width="100" height="30" rx="4" />
                            <text x={fmt(*x)} y={fmt(*y)} text-anchor="middle" dominant-baseline="middle">{ name.clone() }</text>
                        </g>
                    }) }
                </svg>
            }
            <figcaption>
                <ul class="waits-for-list">
                    { for props.cycle.iter().zip(&lines).map(|(w, line)| html! {
                        <li data-thread={w.thread.to_string()} data-holds={w.holds.clone()} data-wants={w.wants.clone()}>
                            { line.clone() }
                        </li>
                    }) }
                </ul>
            </figcaption>
        </figure>
    }
}
