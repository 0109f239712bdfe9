use super::ScrollBox;
use yew::prelude::*;

use crate::engine::experiment::{as_shown_ms, Report, Row, Verdict};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
}

fn row_html(report: &Report, row: &Row) -> Html {
    let verdict = report.verdict(row);
    let (check, check_class) = match verdict {
        Verdict::Reference => ("reference".to_string(), "ok"),
        Verdict::Matches => ("matches".to_string(), "ok"),
        Verdict::Mismatch { expected } => (format!("MISMATCH: expected {expected}"), "error"),
        Verdict::Unchecked => ("unchecked".to_string(), ""),
    };
    let speedup = report
        .speedup(row)
        .map(|s| format!("{s:.2}×"))
        .unwrap_or_else(|| "–".to_string());
    // Each round's own ratio, where there were rounds: the middle half of them.
    let spread = report
        .speedup_spread(row)
        .filter(|s| s.rounds > 1 && row.model != crate::engine::run::models::Model::Sequential)
        .map(|s| format!("{:.2}–{:.2} over {} rounds", s.low, s.high, s.rounds));
    let s = row.summary;
    let beyond = report.beyond_cores(row);
    html! {
        <tr
            data-kernel={report.kernel.clone()}
            data-model={row.model.slug()}
            data-threads={row.threads.to_string()}
            data-ms={format!("{:.3}", s.median)}
            data-speedup={report.speedup(row).map(|x| format!("{x:.3}"))}
            data-samples-ms={row
                .samples_ms
                .iter()
                .map(|ms| format!("{ms:.3}"))
                .collect::<Vec<_>>()
                .join(" ")}
            data-checksum={row.checksum.to_string()}
            data-verdict={if matches!(verdict, Verdict::Mismatch { .. }) { "mismatch" } else { "ok" }}
            data-beyond-cores={beyond.then_some("true")}
        >
            <th scope="row">
                { row.model.to_string() }
                <div class="python"><code>{ row.model.python_analogue() }</code></div>
            </th>
            <td class="num">{ row.threads }</td>
            // As a share link carries them, so a link's reader sees the same text.
            <td class="num">{ format!("{:.1}", as_shown_ms(s.median)) }</td>
            <td class="num spread">{ format!("{:.1}–{:.1}", as_shown_ms(s.min), as_shown_ms(s.max)) }</td>
            <td class="num speedup">
                { speedup }
                if let Some(spread) = spread {
                    <div class="hint">{ spread }</div>
                }
                if beyond {
                    <div class="error">{ "more than its cores can give: no result" }</div>
                }
            </td>
            <td><code>{ row.checksum.to_string() }</code></td>
            <td class={check_class}>{ check }</td>
        </tr>
    }
}

/// Every measured run, with its speedup over the sequential baseline and its checksum check.
#[function_component]
pub fn ResultsTable(props: &Props) -> Html {
    let report = &props.report;
    if report.rows().is_empty() {
        return html! {};
    }
    let mismatches = report.mismatches();
    let beyond = report
        .rows()
        .iter()
        .filter(|row| report.beyond_cores(row))
        .count();
    html! {
        <>
            if beyond > 0 {
                <p class="error-banner" role="alert" data-error="beyond-cores">
                    { format!("{beyond} run(s) read faster than k cores can run: the sequential run \
                               they are measured against ran slow here (a busy core, or the browser \
                               still compiling it), so their speedups are no result. Run again.") }
                </p>
            }
            if mismatches > 0 {
                <p class="error-banner" role="alert" data-error="checksum-mismatch">
                    { format!("{mismatches} run(s) computed a different answer from the sequential run. \
                               Their timings mean nothing.") }
                </p>
            }
            <ScrollBox label="results table">
                <table id="results">
                    <caption>{ format!("{}: median wall time per run and speedup against the sequential run", report.kernel) }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Model" }</th>
                            <th scope="col" class="num">{ "k" }</th>
                            <th scope="col" class="num">{ "Median ms" }</th>
                            <th scope="col" class="num">{ "Range ms" }</th>
                            <th scope="col" class="num">{ "Speedup" }</th>
                            <th scope="col">{ "Checksum" }</th>
                            <th scope="col">{ "Check" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for report.rows().iter().map(|row| row_html(report, row)) }
                    </tbody>
                </table>
            </ScrollBox>
        </>
    }
}
