//! A finished lesson's verdict: the conclusion, the student's prediction graded against the
//! measured figure, CPython's shape on this project's machine, and the claims it was judged by.
//! It takes the keyboard and scrolls into view when a run ends (see `Lessons`).

use yew::prelude::*;

use crate::engine::lessons::cpython::Shape;
use crate::engine::lessons::{Conclusion, Lesson};
use crate::engine::rounds::{Verdict, BEYOND_CORES, MIN_ROUNDS};
use crate::web::ui::components::{ClaimsTable, CpythonJudged};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lesson: &'static Lesson,
    pub k: usize,
    pub conclusion: Conclusion,
    pub predicted: Option<usize>,
    /// Run again, offered when the machine was too busy to tell.
    pub on_run_again: Callback<MouseEvent>,
    pub can_run_again: bool,
    /// CPython's committed figures, judged by the same claims, and its shape step by step.
    pub cpython: Option<CpythonJudged>,
    pub cpython_shape: Option<Shape>,
}

/// "You predicted …. Measured: …, which is “…”: your prediction matches." and its data value.
fn graded(lesson: &Lesson, conclusion: &Conclusion, predicted: usize) -> (&'static str, String) {
    let chose = format!(
        "You predicted \u{201c}{}\u{201d}.",
        lesson.options[predicted]
    );
    match &conclusion.grade {
        Some(grade) if grade.option == predicted => (
            "matches",
            format!(
                "{chose} Measured: {}, which is \u{201c}{}\u{201d}: your prediction matches the \
                 measurement.",
                grade.measured, lesson.options[grade.option]
            ),
        ),
        Some(grade) => (
            "differs",
            format!(
                "{chose} Measured: {}, which is \u{201c}{}\u{201d}: your prediction does not \
                 match the measurement.",
                grade.measured, lesson.options[grade.option]
            ),
        ),
        None => (
            "unsettled",
            format!(
                "{chose} This run's figures fall between the options, so they do not say whether \
                 it matches: run again."
            ),
        ),
    }
}

/// Each round set aside, its steps' times in step order (rounds apart by `;`), for tools and
/// tests to check that every one read past its cores; `None` where none was.
fn set_aside_ms(conclusion: &Conclusion) -> Option<String> {
    (!conclusion.set_aside.is_empty()).then(|| {
        conclusion
            .set_aside
            .iter()
            .map(|round| {
                let times: Vec<String> = round
                    .rounds_ms
                    .iter()
                    .map(|ms| format!("{ms:.3}"))
                    .collect();
                times.join(" ")
            })
            .collect::<Vec<_>>()
            .join(";")
    })
}

#[function_component]
pub fn LessonVerdict(props: &Props) -> Html {
    let conclusion = &props.conclusion;
    let (class, said) = match conclusion.verdict {
        Verdict::Holds => ("holds", "Measured: "),
        Verdict::Fails => ("differs", "Measured, and not as claimed: "),
        Verdict::TooBusy => ("unsure", "Too busy to tell: "),
    };
    html! {
        <div id="lesson-verdict" class={classes!("conclusion", class)} tabindex="-1">
            <p id="lesson-conclusion" data-holds={conclusion.holds().to_string()}
                data-verdict={conclusion.verdict.slug()}
                data-beyond-cores={conclusion.beyond_cores.is_some().then_some("true")}
                data-cores-bound={BEYOND_CORES.to_string()}
                data-min-rounds={MIN_ROUNDS.to_string()}
                data-set-aside-ms={set_aside_ms(conclusion)}>
                <strong>{ said }</strong>
                { conclusion.line.clone() }
            </p>
            if conclusion.verdict == Verdict::TooBusy {
                <button type="button" id="lesson-run-again" class="small"
                    disabled={!props.can_run_again} onclick={props.on_run_again.clone()}>
                    { "Run again" }
                </button>
            }
            if let Some(p) = props.predicted {
                { {
                    let (value, text) = graded(props.lesson, conclusion, p);
                    html! {
                        <p id="lesson-grade" class="grade" data-prediction={value}
                            data-measured-option={conclusion.grade.as_ref().map(|g| g.option.to_string())}>
                            { text }
                        </p>
                    }
                } }
            }
            if let Some(Shape { k, python, steps }) = &props.cpython_shape {
                <p id="lesson-cpython-shape" class="hint" data-k={k.to_string()}>
                    { format!(
                        "CPython {python} on this project's 2-core machine, k = {k}, against its own \
                         first step: {}.",
                        steps.iter().map(|(label, x)| format!("{label} {x}")).collect::<Vec<_>>().join(", ")
                    ) }
                </p>
            }
            <ClaimsTable k={props.k} judged={conclusion.judged.clone()} cpython={props.cpython.clone()} />
        </div>
    }
}
