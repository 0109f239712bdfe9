//! The lesson picker: numbered buttons, one per lesson, each titled with the lesson's question.
//! On a narrow screen only the numbers show, in one row of tap-sized buttons, with the current
//! lesson's question beside them, so the lesson itself comes first.

use yew::prelude::*;

use crate::engine::lessons::LESSONS;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub current: &'static str,
    /// No other lesson may be chosen while one runs.
    pub running: bool,
    pub on_choose: Callback<&'static str>,
}

#[function_component]
pub fn LessonPicker(props: &Props) -> Html {
    html! {
        <nav class="lesson-list" aria-label="Lessons">
            { for LESSONS.iter().enumerate().map(|(i, l)| {
                let current = l.slug == props.current;
                let onclick = props.on_choose.reform(move |_: MouseEvent| l.slug);
                html! {
                    <button
                        type="button"
                        class={classes!("lesson-tab", current.then_some("current"))}
                        data-lesson={l.slug}
                        aria-current={current.then_some("true")}
                        title={l.title}
                        disabled={props.running && !current}
                        {onclick}
                    >
                        // Its name is its text, "3. A new pool per batch…": on a phone only the number shows,
                        // and the title stays for screen readers (label in name, WCAG 2.5.3).
                        <span class="number">{ format!("{}.", i + 1) }</span>{ " " }
                        <span class="title">{ l.title }</span>
                    </button>
                }
            }) }
        </nav>
    }
}
