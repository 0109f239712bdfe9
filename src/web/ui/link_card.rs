//! The card a share link opens: the experiment in words, anything that had to be replaced, the
//! results it carries with the machine they came from, and Run here.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::experiment::Report;
use crate::engine::share::{self, Opened, Shared};
use crate::web::ui::components::charts::{Compare, SpeedupChart};
use crate::web::ui::components::ScrollBox;

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub opened: Rc<Opened>,
    /// The link's CPU results as a report, if it carries any.
    pub compare: Option<Rc<Compare>>,
    /// Said when the link's thread counts do not all fit this machine.
    pub note: Option<String>,
    /// Why Run here started nothing (a setting this machine refuses), if it did not.
    #[prop_or_default]
    pub run_refused: Option<String>,
    /// The engine is busy with another run.
    pub busy: bool,
    pub on_run: Callback<()>,
}

fn describe(shared: &Shared) -> String {
    match &shared.lab {
        share::Lab::Cpu(cpu) => {
            let models: Vec<String> = cpu.models.iter().map(|m| m.to_string()).collect();
            format!(
                "A CPU sweep of {} at {} against {}, k = {}, {} repeats, {}{}.",
                cpu.kernel,
                crate::engine::size::group(cpu.size),
                if models.is_empty() {
                    "nothing but the sequential run".into()
                } else {
                    models.join(", ")
                },
                cpu.threads,
                cpu.repeats,
                cpu.style.python(),
                cpu.chunksize
                    .map(|c| format!(", chunksize {c}"))
                    .unwrap_or_default()
            )
        }
        share::Lab::Io(io) => {
            let models: Vec<&str> = io.choices.iter().map(|c| c.key()).collect();
            let what = match io.target_kind {
                crate::engine::io::settings::TargetKind::Builtin => format!(
                    "{} requests to built-in targets of {} ms",
                    io.requests, io.latency_ms
                ),
                // Said up front, with every host: Run here makes this browser contact them.
                crate::engine::io::settings::TargetKind::Urls => {
                    let urls = crate::engine::io::parse_urls(&io.urls);
                    let hosts = crate::engine::io::hosts(&urls);
                    format!(
                        "{} URLs the link lists (see the I/O lab), which Run here fetches from this \
                         browser, contacting {}",
                        urls.len(),
                        match hosts.len() {
                            0 => "no other host".to_string(),
                            1 => format!("1 host: {}", hosts[0]),
                            n => format!("{n} hosts: {}", hosts.join(", ")),
                        }
                    )
                }
            };
            format!("An I/O run of {what}; models: {}.", models.join(", "))
        }
    }
}

fn carried_cpu(report: &Report) -> Html {
    html! {
        <ScrollBox label="the link's results"><table data-table="carried">
            <thead><tr>
                <th scope="col">{ "Model" }</th><th scope="col">{ "k" }</th>
                <th scope="col">{ "Median (ms)" }</th><th scope="col">{ "Range (ms)" }</th>
                <th scope="col">{ "Speedup" }</th>
            </tr></thead>
            <tbody>
                { for report.rows().iter().map(|row| html! {
                    <tr data-model={row.model.slug()} data-threads={row.threads.to_string()} data-ms={format!("{:.2}", row.summary.median)}>
                        <th scope="row">{ row.model.to_string() }</th>
                        <td class="num">{ row.threads }</td>
                        <td class="num">{ format!("{:.1}", row.summary.median) }</td>
                        <td class="num">{ format!("{:.1}–{:.1}", row.summary.min, row.summary.max) }</td>
                        <td class="num speedup">{ report.speedup(row).map(|s| format!("{s:.2}×")).unwrap_or_else(|| "–".into()) }</td>
                    </tr>
                }) }
            </tbody>
        </table></ScrollBox>
    }
}

fn carried_io(rows: &[share::IoResult]) -> Html {
    html! {
        <ScrollBox label="the link's results"><table data-table="carried">
            <thead><tr>
                <th scope="col">{ "Model" }</th><th scope="col">{ "k" }</th>
                <th scope="col">{ "Requests" }</th><th scope="col">{ "Wall (ms)" }</th>
                <th scope="col">{ "Ideal (ms)" }</th><th scope="col">{ "OK / failed" }</th>
            </tr></thead>
            <tbody>
                { for rows.iter().map(|r| html! {
                    <tr data-model={r.choice.key()} data-ms={format!("{:.2}", r.wall_ms)}>
                        <th scope="row">{ r.choice.label() }</th>
                        <td class="num">{ r.workers }</td>
                        <td class="num">{ r.requests }</td>
                        <td class="num">{ format!("{:.0}", r.wall_ms) }</td>
                        <td class="num">{ r.ideal_ms.map(|i| format!("{i:.0}")).unwrap_or_else(|| "–".into()) }</td>
                        <td class="num">{ format!("{} / {}", r.ok, r.failed) }</td>
                    </tr>
                }) }
            </tbody>
        </table></ScrollBox>
    }
}

/// What a link opened: the experiment in words, anything that had to be replaced, the results
/// it carries with the machine they came from, and Run here.
#[function_component]
pub fn LinkCard(props: &CardProps) -> Html {
    let shared = &props.opened.shared;
    let problems = &props.opened.problems;
    let lab = match shared.lab {
        share::Lab::Cpu(_) => "cpu",
        share::Lab::Io(_) => "io",
    };
    let on_run = props.on_run.reform(|_: MouseEvent| ());
    let machine = shared.machine.as_ref();
    html! {
        <section class="card shared-link" aria-labelledby="link-title" data-link-lab={lab}>
            <h2 id="link-title">{ "Opened from a link" }</h2>
            <p data-link-summary="true">{ describe(shared) }</p>
            if !problems.is_empty() {
                <div class="notice" role="alert" data-link-problems={problems.len().to_string()}>
                    <strong>{ "Part of this link could not be used." }</strong>
                    <ul>
                        { for problems.iter().map(|p| html! { <li data-link-problem="true">{ p }</li> }) }
                    </ul>
                </div>
            }
            if let Some(note) = &props.note {
                <p class="notice" role="note" data-link-note="true">{ note }</p>
            }
            if let Some(results) = &shared.results {
                <h3>{ match machine {
                    Some(m) => format!(
                        "Results measured on {} cores, {}{}",
                        m.cores,
                        m.browser,
                        if m.cross_origin_isolated { "" } else { " (not cross-origin isolated: no threads)" }
                    ),
                    None => "Results carried by the link (machine unknown)".into(),
                } }</h3>
                { match (results, &props.compare) {
                    (share::Results::Io(rows), _) => carried_io(rows),
                    (share::Results::Cpu(_), Some(carried)) => html! {
                        <>
                            { carried_cpu(&carried.report) }
                            <SpeedupChart
                                report={carried.report.clone()}
                                name="link-speedup"
                                label={machine.map(|m| AttrValue::from(m.label()))}
                            />
                        </>
                    },
                    (share::Results::Cpu(_), None) => html! {},
                } }
            }
            <div class="actions">
                <button type="button" id="link-run" class="primary" disabled={props.busy} onclick={on_run}>
                    { "Run here" }
                </button>
                if let Some(why) = &props.run_refused {
                    <p class="field-error" role="alert" id="link-run-refused">
                        { format!("Nothing ran. {why}") }
                    </p>
                }
                <span class="hint">{ if shared.results.is_some() {
                    "Runs the same experiment on this machine; its results then show beside the link's."
                } else {
                    "Runs the same experiment on this machine."
                } }</span>
            </div>
        </section>
    }
}
