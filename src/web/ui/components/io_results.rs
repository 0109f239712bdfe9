use std::rc::Rc;

use yew::prelude::*;

use crate::engine::io::settings::Choice;
use crate::engine::io::{IoRun, Memory, Scan, TARGETS_DIR};

use super::{ScrollBox, Waterfall};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub runs: Vec<Rc<IoRun>>,
}

fn row(run: &IoRun) -> Html {
    let s = &run.summary;
    let choice = Choice::of_run(run);
    // How many requests' worth of waiting went on at once, on average.
    let overlap = if s.wall_ms > 0.0 {
        format!("{:.1}×", s.sum_latency_ms / s.wall_ms)
    } else {
        "–".into()
    };
    html! {
        <tr
            data-model={run.model.slug()}
            data-scan={run.scan.as_ref().map(|_| if choice.scan == Scan::Pool { "pool" } else { "one-thread" })}
            data-workers={run.workers.to_string()}
            data-requests={run.requests.len().to_string()}
            data-ms={format!("{:.1}", s.wall_ms)}
            data-failed={s.failed.to_string()}
            data-in-flight={s.max_in_flight.to_string()}
        >
            <th scope="row">
                { choice.label() }
                <div class="python"><code>{ choice.python() }</code></div>
            </th>
            <td class="num">{ if run.model.takes_workers() { run.workers.to_string() } else { "–".into() } }</td>
            <td class="num">{ run.requests.len() }</td>
            <td class={classes!("num", (s.failed > 0).then_some("error"))}>{ s.failed }</td>
            <td class="num">{ format!("{:.0}", s.wall_ms) }</td>
            <td class="num">{ run.ideal_ms.map_or("–".into(), |ms| format!("{ms:.0}")) }</td>
            <td class="num">{ format!("{:.0}", s.sum_latency_ms) }</td>
            <td class="num speedup">{ overlap }</td>
            <td class="num">{ s.max_in_flight }</td>
            <td class="num">{ run.memory.as_ref().map_or("–".into(), Memory::describe) }</td>
        </tr>
    }
}

/// One row per run, then each run's waterfall.
#[function_component]
pub fn IoResults(props: &Props) -> Html {
    if props.runs.is_empty() {
        return html! {};
    }
    let builtin = props
        .runs
        .iter()
        .any(|run| run.requests.iter().any(|r| r.url.contains(TARGETS_DIR)));
    html! {
        <>
            <ScrollBox label="results table">
                <table id="io-results">
                    <caption>
                        { "Wall time of each run against the ideal, and against the sum of its requests' \
                           latencies (what one after another would take). Overlap = sum ÷ wall." }
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Model" }</th>
                            <th scope="col" class="num">{ "k" }</th>
                            <th scope="col" class="num">{ "Requests" }</th>
                            <th scope="col" class="num">{ "Failed" }</th>
                            <th scope="col" class="num">{ "Wall ms" }</th>
                            <th scope="col" class="num">{ "Ideal ms" }</th>
                            <th scope="col" class="num">{ "Sum of latencies ms" }</th>
                            <th scope="col" class="num">{ "Overlap" }</th>
                            <th scope="col" class="num">{ "Most in flight" }</th>
                            <th scope="col" class="num">{ "Memory at peak" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for props.runs.iter().map(|run| row(run)) }
                    </tbody>
                </table>
            </ScrollBox>
            if builtin {
                <p class="hint" data-note="builtin-targets">
                    { "Built-in targets are answered by this page's service worker inside your browser: \
                       no network and no limit on connections, so the waits are exactly the latency \
                       you set. Against a real server over HTTP/1.1 the browser opens at most 6 \
                       connections per host and the rest queue; try your own URLs to see it." }
                </p>
            }
            { for props.runs.iter().map(|run| html! { <Waterfall run={Rc::clone(run)} /> }) }
        </>
    }
}
