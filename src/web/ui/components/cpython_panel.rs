//! "Run it in Python yourself": the lesson's script to download, a box for the line it prints,
//! and CPython's figures beside the browser's ([`crate::engine::lessons::cpython`]).

use yew::prelude::*;

use crate::engine::lessons::cpython::{Compared, CpythonRun, Figure};
use crate::engine::rounds::Verdict;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// What the script downloads as (`overlap-gil.py`).
    pub script_name: String,
    /// The lesson's steps beside CPython's, once a line has been read.
    pub compared: Option<Vec<Compared>>,
    pub cpython: Option<CpythonRun>,
    /// What the lesson's claims say of CPython's figures, judged as the browser's are.
    pub cpython_verdict: Option<Verdict>,
    /// Why the last paste could not be read.
    pub error: Option<String>,
    pub on_download: Callback<()>,
    pub on_import: Callback<String>,
}

/// A relative figure as the table says it: times against the first step, counts as a share.
fn relative(value: Option<f64>, figure: Option<&Figure>) -> String {
    match (value, figure) {
        (Some(v), Some(Figure::Counted { .. })) => format!("{:.0} % counted", v * 100.0),
        (
            Some(v),
            Some(Figure::Ms {
                baseline_rounds_ms: Some(_),
                ..
            }),
        ) => format!("{v:.2}× its own one-thread time"),
        (Some(v), Some(Figure::Ms { .. })) => format!("{v:.2}× the first step's time"),
        _ => "–".into(),
    }
}

const ROW_HEIGHT: f64 = 34.0;
const LABEL_WIDTH: f64 = 300.0;
const BAR_WIDTH: f64 = 300.0;

/// Paired bars, one pair per step: the browser's relative figure and CPython's, on one scale.
fn chart(rows: &[Compared]) -> Html {
    let max = rows
        .iter()
        .flat_map(|r| [r.browser_relative, r.cpython_relative])
        .flatten()
        .fold(1.0f64, f64::max);
    let height = ROW_HEIGHT * rows.len() as f64 + 24.0;
    let bar = |value: Option<f64>, y: f64, class: &'static str| match value {
        Some(v) => {
            let width = (v / max * BAR_WIDTH).max(1.0);
            html! {
                <>
                    <rect class={classes!("bar", class)} x={LABEL_WIDTH.to_string()} y={y.to_string()}
                        width={format!("{width:.1}")} height="12" />
                    <text class="value" x={format!("{:.1}", LABEL_WIDTH + width + 4.0)} y={(y + 10.0).to_string()}>
                        { format!("{v:.2}") }
                    </text>
                </>
            }
        }
        None => html! {
            <text class="value" x={LABEL_WIDTH.to_string()} y={(y + 10.0).to_string()}>{ "not measured" }</text>
        },
    };
    html! {
        <svg id="lesson-compare-chart" class="compare-chart" role="img"
            viewBox={format!("0 0 {} {height}", LABEL_WIDTH + BAR_WIDTH + 60.0)}
            aria-label="Each step relative to the first (times) or the share counted: the browser's bar above CPython's">
            { for rows.iter().enumerate().map(|(i, row)| {
                let y = ROW_HEIGHT * i as f64;
                html! {
                    <g data-step={row.label.clone()}>
                        <text class="label" x="0" y={(y + 16.0).to_string()}>{ row.label.clone() }</text>
                        { bar(row.browser_relative, y + 2.0, "browser") }
                        { bar(row.cpython_relative, y + 16.0, "cpython") }
                    </g>
                }
            }) }
            <g class="legend">
                <rect class="bar browser" x={LABEL_WIDTH.to_string()} y={(height - 14.0).to_string()} width="10" height="10" />
                <text x={(LABEL_WIDTH + 14.0).to_string()} y={(height - 5.0).to_string()}>{ "this browser" }</text>
                <rect class="bar cpython" x={(LABEL_WIDTH + 110.0).to_string()} y={(height - 14.0).to_string()} width="10" height="10" />
                <text x={(LABEL_WIDTH + 124.0).to_string()} y={(height - 5.0).to_string()}>{ "CPython" }</text>
            </g>
        </svg>
    }
}

#[function_component]
pub fn CpythonPanel(props: &Props) -> Html {
    let text = use_state(String::new);
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            text.set(area.value());
        })
    };
    let on_import = {
        let text = text.clone();
        let on_import = props.on_import.clone();
        Callback::from(move |_: MouseEvent| on_import.emit((*text).clone()))
    };
    let on_download = props.on_download.reform(|_: MouseEvent| ());
    let error = props.error.clone();
    html! {
        <details id="lesson-cpython" class="cpython" open={props.cpython.is_some() || error.is_some()}>
            <summary>{ "Run it in Python yourself" }</summary>
            <p class="hint">
                { "Download the script, run " }
                <code>{ format!("python3 {}", props.script_name) }</code>
                { " (add --quick for a small run) and paste the line it prints below: CPython's \
                   numbers from this same machine appear beside the browser's." }
            </p>
            <div class="actions">
                <button id="lesson-script-download" type="button" class="small" onclick={on_download}>
                    { format!("Download {}", props.script_name) }
                </button>
            </div>
            <div class={classes!("field", "wide", error.is_some().then_some("invalid"))}>
                <label for="lesson-cpython-input">{ "The line the script printed" }</label>
                <textarea id="lesson-cpython-input" rows="3" spellcheck="false"
                    placeholder={r#"{"overlap": "cpython", "version": 1, "lesson": …}"#}
                    value={(*text).clone()} oninput={on_input}
                    aria-invalid={error.is_some().to_string()}
                    aria-describedby="lesson-cpython-error" />
                <p id="lesson-cpython-error" class="field-error" role="alert">{ error.unwrap_or_default() }</p>
            </div>
            <div class="actions">
                <button id="lesson-cpython-import" type="button" class="small" onclick={on_import}>
                    { "Show beside the browser's" }
                </button>
            </div>
            if let (Some(rows), Some(run)) = (&props.compared, &props.cpython) {
                if let Some(verdict) = props.cpython_verdict {
                    <p id="lesson-cpython-verdict" class="hint" data-cpython-verdict={verdict.slug()}>
                        { format!("Judged by the lesson's own claims, CPython's figures: {}.", match verdict {
                            Verdict::Holds => "the claim holds",
                            Verdict::Fails => "the claim does not hold",
                            Verdict::TooBusy => "too busy to tell",
                        }) }
                    </p>
                }
                <table id="lesson-compare" data-python={run.python.clone()}>
                    <caption>{ format!(
                        "This browser beside CPython {}{}: each step relative to the lesson's first \
                         step, since an interpreter's times and compiled code's say nothing about \
                         each other",
                        run.python,
                        run.cores.map(|c| format!(" on {c} cores")).unwrap_or_default()
                    ) }</caption>
                    <thead>
                        <tr><th scope="col">{ "Step" }</th><th scope="col">{ "This browser" }</th><th scope="col">{ "CPython" }</th></tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|row| html! {
                            <tr data-step={row.label.clone()}
                                data-browser-relative={row.browser_relative.map(|v| format!("{v:.4}"))}
                                data-cpython-relative={row.cpython_relative.map(|v| format!("{v:.4}"))}>
                                <th scope="row">{ row.label.clone() }</th>
                                <td>
                                    { row.browser.as_ref().map_or("not measured yet".into(), Figure::describe) }
                                    <br /><small class="hint">{ relative(row.browser_relative, row.browser.as_ref()) }</small>
                                </td>
                                <td>
                                    { row.cpython.as_ref().map_or("no counterpart in this CPython".into(), Figure::describe) }
                                    if let Some(label) = &row.cpython_label {
                                        <br /><small class="hint">{ format!("as \u{201c}{label}\u{201d}") }</small>
                                    }
                                    <br /><small class="hint">{ relative(row.cpython_relative, row.cpython.as_ref()) }</small>
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                { chart(rows) }
            }
        </details>
    }
}
