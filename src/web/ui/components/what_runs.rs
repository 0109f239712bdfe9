//! What runs in a lesson or a lab, said plainly near its top: no Python runs in the page, but a
//! model of CPython's threads, GIL and processes in Rust, on the visitor's own cores (students took
//! the figures for CPython's).

use yew::prelude::*;

/// Which place is saying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    /// A lesson or the CPU lab: the CPU models.
    Models,
    /// The I/O lab: the browser's own requests.
    Requests,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub runs: Runs,
}

#[function_component]
pub fn WhatRuns(props: &Props) -> Html {
    let (short, long) = match props.runs {
        Runs::Models => (
            "No Python runs in this page: Overlap runs a model of CPython's concurrency, in Rust, \
             on your own cores.",
            "Threads that take turns under one lock with CPython's 5 ms switch interval (the GIL), \
             free threads that run at once (as free-threaded Python 3.13t), worker processes that \
             each have their own memory and copy what they are sent, and coroutines on one event \
             loop: the same work, compiled to WebAssembly, timed on the cores your browser gives \
             this page. To measure CPython itself, run a lesson's script (\u{201c}Run it in \
             Python yourself\u{201d}) and paste what it prints beside these figures.",
        ),
        Runs::Requests => (
            "No Python runs in this page: the requests are your browser's own, made the way \
             Python's asyncio and thread pools would make them.",
            "All at once is asyncio.gather's model, k at a time a Semaphore(k) or a \
             ThreadPoolExecutor(max_workers=k), blocking threads real Web Workers making \
             synchronous requests. The built-in targets are answered by the page's service \
             worker after the latency you set; your own URLs go over the network.",
        ),
    };
    html! {
        <details class="what-runs" data-what-runs="true">
            <summary>{ short }</summary>
            <p>{ long }</p>
        </details>
    }
}
