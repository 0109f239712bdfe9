use std::rc::Rc;

use yew::prelude::*;

use super::charts::{axes, fmt, ticks_of};
use crate::engine::chart::{self, describe, Frame, Scale};
use crate::engine::io::{IoRun, RequestRecord, Scan};
use crate::engine::quote::prefix;

use crate::engine::io::settings::Choice;

/// Bars drawn at most; larger runs show an even sample, first and last included.
const MAX_BARS: usize = 120;
/// Failures listed at most.
const MAX_FAILURES: usize = 50;
/// The height of one request's row, in the SVG's own units.
const ROW: f64 = 11.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub run: Rc<IoRun>,
}

fn describe(r: &RequestRecord) -> String {
    let mut parts = vec![
        format!(
            "request {} on worker {}: {}",
            r.index + 1,
            r.worker + 1,
            prefix(&r.url)
        ),
        format!("started {:.0} ms", r.started_ms),
    ];
    if let Some(first) = r.first_byte_ms {
        parts.push(format!("first byte {first:.0} ms"));
    }
    parts.push(format!("finished {:.0} ms", r.finished_ms));
    if let Some(status) = r.status {
        parts.push(format!("HTTP {status}"));
    }
    if r.bytes > 0 {
        parts.push(format!("{} bytes", r.bytes));
    }
    if let Some(protocol) = &r.protocol {
        parts.push(protocol.clone());
    }
    if let Some(error) = &r.error {
        parts.push(format!("failed: {error}"));
    }
    parts.join(", ")
}

/// Where one row's bars go: its top edge and the time scale.
#[derive(Clone, Copy)]
struct Lane {
    top: f64,
    x: Scale,
}

impl Lane {
    /// A bar from `from` to `to` ms, at least half a unit wide so that a 0 ms stage still shows.
    fn segment(self, class: &'static str, from: f64, to: f64) -> Html {
        self.rect(class, from, to, (self.top + 2.0, ROW - 4.0))
    }

    /// Time spent waiting for a slot: a thin line, since the request has not started and should
    /// not read as a bar; nothing when it never waited.
    fn queued(self, from: f64, to: f64) -> Html {
        if to <= from {
            return html! {};
        }
        self.rect("wf-queued", from, to, (self.top + ROW / 2.0 - 1.0, 2.0))
    }

    fn rect(self, class: &'static str, from: f64, to: f64, (top, height): (f64, f64)) -> Html {
        let (left, right) = (self.x.at(from), self.x.at(to));
        html! {
            <rect
                class={class}
                x={fmt(left)}
                y={fmt(top)}
                width={fmt((right - left).max(0.5))}
                height={fmt(height)}
            />
        }
    }
}

/// One request: its label, then queued (waiting for a slot, a thin line), waiting for the
/// first byte, receiving and, for the pipeline on one thread, scanning.
fn bar(r: &RequestRecord, lane: Lane, label_x: f64, label: String) -> Html {
    // Without a first byte (synchronous requests, failures) the whole request is one bar.
    let first = r.first_byte_ms.unwrap_or(r.finished_ms);
    let failed = r.error.is_some();
    html! {
        <g class={classes!("wf-row", failed.then_some("failed"))} data-index={r.index.to_string()}>
            <title>{ describe(r) }</title>
            <text class="row-label" x={fmt(label_x)} y={fmt(lane.top + ROW / 2.0)} text-anchor="end" dominant-baseline="middle">
                { label }
            </text>
            { lane.queued(r.queued_ms, r.started_ms) }
            { lane.segment("wf-waiting", r.started_ms, first) }
            { lane.segment("wf-receiving", first, r.finished_ms) }
            if let Some(scan) = r.scan_ms {
                { lane.segment("wf-scan", r.finished_ms, r.finished_ms + scan) }
            }
        </g>
    }
}

/// Each request of one run as a bar on a shared time axis: queued (waiting for a slot),
/// waiting for its first byte, receiving, and, for the pipeline on one thread, scanning;
/// failed requests in red. The dashed line is the ideal wall time.
#[function_component]
pub fn Waterfall(props: &Props) -> Html {
    let run = &props.run;
    let choice = Choice::of_run(run);
    let s = &run.summary;
    let last = run
        .requests
        .iter()
        .map(|r| r.finished_ms + r.scan_ms.unwrap_or(0.0))
        .fold(s.wall_ms, f64::max);
    let span = last.max(run.ideal_ms.unwrap_or(0.0)).max(1.0);
    let shown = chart::sample(run.requests.len(), MAX_BARS);
    let failures: Vec<&RequestRecord> = run.requests.iter().filter(|r| r.error.is_some()).collect();
    let pool_scan = run
        .scan
        .as_ref()
        .filter(|scan| scan.on == Scan::Pool && scan.scan_ms > 0.0);
    let rows = shown.len() + usize::from(pool_scan.is_some());
    let frame = Frame {
        width: 560.0,
        height: 8.0 + 40.0 + ROW * rows.max(1) as f64,
        left: 64.0,
        right: 16.0,
        top: 8.0,
        bottom: 40.0,
    };
    let x = frame.x((0.0, span));
    let lane = |row: usize| Lane {
        top: frame.top + ROW * row as f64,
        x,
    };
    let x_ticks = ticks_of(chart::ticks(span, 6), |v| format!("{v}"));
    let no_y = Scale::new((0.0, 1.0), (frame.top, frame.top));
    let bottom = frame.height - frame.bottom;
    let title_id = format!("waterfall-title-{}", choice.key());
    let desc_id = format!("waterfall-desc-{}", choice.key());
    // Rows name their worker only where there is more than one; beside a coroutine making a
    // slow call (the blocked-loop lesson), rows are coroutines awaiting timers, and that call.
    let pool = run.requests.iter().any(|r| r.worker > 0);
    let slow_call = run.blocked.map(|_| run.requests.len().saturating_sub(1));
    let row_label = |r: &RequestRecord| match slow_call {
        Some(at) if r.index == at => "slow call".to_string(),
        Some(_) => format!("timer {}", r.index + 1),
        None if pool => format!("req {} · w{}", r.index + 1, r.worker + 1),
        None => format!("request {}", r.index + 1),
    };

    html! {
        <figure class="waterfall chart" data-model={run.model.slug()} data-key={choice.key()}>
            <figcaption>
                <strong>{ choice.label() }</strong>
                { format!(": {:.0} ms for {} requests", s.wall_ms, run.requests.len()) }
                if shown.len() < run.requests.len() {
                    <span class="hint">
                        { format!(" (showing {} of them, evenly spread)", shown.len()) }
                    </span>
                }
                <br /><span class="hint chart-caption">{ "How to read it: a row per request, time \
                    running left to right; each bar is one request's life, from waiting for a slot \
                    to its last byte. Bars side by side overlapped; bars in a staircase took turns." }</span>
                if let Some(blocked) = run.blocked {
                    <br /><span class="hint" data-late-ms={format!("{:.1}", blocked.late_ms)}>{ format!(
                        "Here a row per coroutine: the timers' bars run from their start until \
                         they fired, {:.0} ms late (the median); the last row is the coroutine \
                         that made the slow call of {:.0} ms.",
                        blocked.late_ms, blocked.ms
                    ) }</span>
                }
                <span class="wf-legend hint">
                    <span class="key wf-queued" />{ "queued for a slot " }
                    <span class="key wf-waiting" />{ "waiting for the first byte " }
                    <span class="key wf-receiving" />{ "receiving " }
                    if run.scan.is_some() || run.requests.iter().any(|r| r.scan_ms.is_some()) {
                        <span class="key wf-scan" />{ "scanning for <meta> " }
                    }
                    if s.failed > 0 {
                        <span class="key failed" />{ "failed " }
                    }
                    if run.ideal_ms.is_some() {
                        <span class="key wf-ideal-key" />{ "ideal" }
                    }
                </span>
            </figcaption>
            <svg
                viewBox={format!("0 0 {} {}", frame.width, frame.height)}
                role="img"
                aria-labelledby={title_id.clone()}
                aria-describedby={desc_id.clone()}
            >
                <title id={title_id}>{ format!(
                    "Waterfall of {} requests, {}: {:.0} ms in all; the summary below has the numbers",
                    run.requests.len(), choice.label(), s.wall_ms
                ) }</title>
                <desc id={desc_id}>{ describe::waterfall(
                    run.requests.len(), s.wall_ms, s.sum_latency_ms, s.max_in_flight
                ) }</desc>
                { axes(&frame, x, &x_ticks, "time in the run (ms)", no_y, &[], "") }
                { for shown.iter().enumerate().map(|(row, &i)| {
                    let r = &run.requests[i];
                    bar(r, lane(row), frame.left - 4.0, row_label(r))
                }) }
                if let Some(scan) = pool_scan {
                    <g class="wf-row pool-scan">
                        <title>{ format!("scanning {} pages on {} threads", scan.pages, scan.threads) }</title>
                        <text class="row-label" x={fmt(frame.left - 4.0)} y={fmt(lane(shown.len()).top + ROW / 2.0)} text-anchor="end" dominant-baseline="middle">{ "scan" }</text>
                        { lane(shown.len()).segment("wf-scan", scan.fetch_ms, scan.fetch_ms + scan.scan_ms) }
                    </g>
                }
                if let Some(ideal) = run.ideal_ms {
                    <line class="wf-ideal" x1={fmt(x.at(ideal))} x2={fmt(x.at(ideal))} y1={fmt(frame.top)} y2={fmt(bottom)}>
                        <title>{ format!("ideal: {ideal:.0} ms") }</title>
                    </line>
                }
            </svg>
            <dl class="io-summary">
                <dt>{ "Wall time" }</dt><dd>{ format!("{:.0} ms", s.wall_ms) }</dd>
                if let Some(ideal) = run.ideal_ms {
                    <dt>{ "Ideal" }</dt><dd>{ format!("{ideal:.0} ms") }</dd>
                }
                <dt>{ "Sum of latencies" }</dt><dd>{ format!("{:.0} ms", s.sum_latency_ms) }</dd>
                <dt>{ "Most in flight" }</dt><dd>{ s.max_in_flight }</dd>
                <dt>{ "Succeeded / failed" }</dt><dd>{ format!("{} / {}", s.ok, s.failed) }</dd>
                if let Some(scan) = &run.scan {
                    <dt>{ "Scan" }</dt>
                    <dd>{ format!(
                        "{} <meta> tags in {} pages: fetching took {:.0} ms, scanning {:.0} ms on {}",
                        scan.meta_tags,
                        scan.pages,
                        scan.fetch_ms,
                        scan.scan_ms,
                        if scan.on == Scan::Pool { format!("{} pool threads", scan.threads) } else { "the event loop, between requests".into() },
                    ) }</dd>
                }
                if let Some(memory) = &run.memory {
                    <dt>{ "Memory at peak" }</dt>
                    <dd>
                        { memory.describe() }
                        if run.requests.len() >= 1000 {
                            { format!(
                                ", about {:.0} bytes per task",
                                memory.wasm_bytes.saturating_sub(memory.wasm_before_bytes) as f64
                                    / run.requests.len() as f64
                            ) }
                        }
                        if memory.js_heap_bytes.is_none() {
                            <span class="hint">{ " (this browser reports no JS heap inside workers)" }</span>
                        }
                    </dd>
                }
            </dl>
            { for run.notes.iter().map(|note| html! {
                <p class="notice" role="note" data-note="run">{ note }</p>
            }) }
            if !failures.is_empty() {
                <details class="failures" open={failures.len() <= 10}>
                    <summary>{ format!("{} failed request(s), each with its reason", failures.len()) }</summary>
                    <ul>
                        { for failures.iter().take(MAX_FAILURES).map(|r| html! {
                            <li data-request-error={r.index.to_string()}>
                                <code>{ prefix(&r.url).into_owned() }</code>{ ": " }
                                <span class="reason">{ r.error.clone().unwrap_or_default() }</span>
                            </li>
                        }) }
                    </ul>
                    if failures.len() > MAX_FAILURES {
                        <p class="hint">{ format!("and {} more", failures.len() - MAX_FAILURES) }</p>
                    }
                </details>
            }
        </figure>
    }
}
