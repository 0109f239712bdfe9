use std::rc::Rc;

use yew::prelude::*;

use crate::engine::chart;
use crate::engine::io::{IoRun, RequestRecord, Scan};

use super::io_results::{choice_of, memory_text};

/// Bars drawn at most; larger runs show an even sample, first and last included.
const MAX_BARS: usize = 120;
/// Failures listed at most.
const MAX_FAILURES: usize = 50;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub run: Rc<IoRun>,
}

/// A bar from `from` to `to` ms on a track `span` ms wide.
fn segment(class: &'static str, from: f64, to: f64, span: f64) -> Html {
    let left = (from / span * 100.0).clamp(0.0, 100.0);
    let width = ((to - from) / span * 100.0).clamp(0.0, 100.0 - left);
    html! {
        <span class={class} style={format!("left:{left:.3}%;width:{width:.3}%")} />
    }
}

fn describe(r: &RequestRecord) -> String {
    let mut parts = vec![
        format!("#{} {}", r.index, r.url),
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

fn bar(r: &RequestRecord, span: f64) -> Html {
    // Without a first byte (synchronous requests, failures) the whole request is one bar.
    let first = r.first_byte_ms.unwrap_or(r.finished_ms);
    let failed = r.error.is_some();
    html! {
        <li class={classes!("wf-row", failed.then_some("failed"))} title={describe(r)} data-index={r.index.to_string()}>
            <span class="wf-label">{ format!("#{} ·{}", r.index, r.worker) }</span>
            <span class="wf-track">
                { segment("wf-queued", r.queued_ms, r.started_ms, span) }
                { segment("wf-waiting", r.started_ms, first, span) }
                { segment("wf-receiving", first, r.finished_ms, span) }
                if let Some(scan) = r.scan_ms {
                    { segment("wf-scan", r.finished_ms, r.finished_ms + scan, span) }
                }
            </span>
        </li>
    }
}

/// Each request of one run as a bar: queued (waiting for a slot), waiting for its first byte,
/// receiving, and, for the pipeline on one thread, scanning; failed requests in red. The
/// dashed line is the ideal wall time.
#[function_component]
pub fn Waterfall(props: &Props) -> Html {
    let run = &props.run;
    let choice = choice_of(run);
    let s = &run.summary;
    let last = run
        .requests
        .iter()
        .map(|r| r.finished_ms + r.scan_ms.unwrap_or(0.0))
        .fold(s.wall_ms, f64::max);
    let span = last.max(run.ideal_ms.unwrap_or(0.0)).max(1.0);
    let shown = chart::sample(run.requests.len(), MAX_BARS);
    let pct = |ms: f64| format!("{:.3}%", ms / span * 100.0);
    let failures: Vec<&RequestRecord> = run.requests.iter().filter(|r| r.error.is_some()).collect();
    let pool_scan = run
        .scan
        .as_ref()
        .filter(|scan| scan.on == Scan::Pool && scan.scan_ms > 0.0);

    html! {
        <figure class="waterfall" data-model={run.model.slug()} data-key={choice.key()}>
            <figcaption>
                <strong>{ choice.label() }</strong>
                { format!(": {:.0} ms for {} requests", s.wall_ms, run.requests.len()) }
                if shown.len() < run.requests.len() {
                    <span class="hint">
                        { format!(" (showing {} of them, evenly spread)", shown.len()) }
                    </span>
                }
            </figcaption>
            <div class="wf-chart">
                <div class="wf-axis" aria-hidden="true">
                    { for chart::ticks(span, 6).into_iter().map(|t| html! {
                        <span class="wf-tick" style={format!("left:{}", pct(t))}>{ format!("{t:.0}") }</span>
                    }) }
                    <span class="wf-unit">{ "ms" }</span>
                </div>
                <ol class="wf-rows">
                    { for shown.iter().map(|&i| bar(&run.requests[i], span)) }
                    if let Some(scan) = pool_scan {
                        <li class="wf-row pool-scan" title={format!("scanning {} pages on {} threads", scan.pages, scan.threads)}>
                            <span class="wf-label">{ "scan" }</span>
                            <span class="wf-track">
                                { segment("wf-scan", scan.fetch_ms, scan.fetch_ms + scan.scan_ms, span) }
                            </span>
                        </li>
                    }
                </ol>
                if let Some(ideal) = run.ideal_ms {
                    <div
                        class="wf-ideal"
                        style={format!("left:calc(var(--label) + (100% - var(--label)) * {:.5})", ideal / span)} title={format!("ideal: {ideal:.0} ms")} />
                }
            </div>
            <p class="wf-legend hint">
                <span class="key wf-queued" />{ "queued for a slot " }
                <span class="key wf-waiting" />{ "waiting for the first byte " }
                <span class="key wf-receiving" />{ "receiving " }
                <span class="key wf-scan" />{ "scanning for <meta> " }
                <span class="key failed" />{ "failed " }
                if run.ideal_ms.is_some() {
                    <span class="key wf-ideal-key" />{ "ideal" }
                }
                { " · rows are labelled #request ·worker" }
            </p>
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
                        { memory_text(memory) }
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
                                <code>{ r.url.clone() }</code>{ ": " }
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
