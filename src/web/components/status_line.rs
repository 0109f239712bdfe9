use yew::prelude::*;

use crate::web::app::Status;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: Status,
}

/// One line saying what the experiment is doing; `data-state` lets tests wait for it.
#[function_component]
pub fn StatusLine(props: &Props) -> Html {
    let (state, text) = match &props.status {
        Status::Idle => ("idle", "Ready. Press Run.".to_string()),
        Status::Running { done, total } => (
            "running",
            format!("Running: {done} of {total} runs measured…"),
        ),
        Status::Done => ("done", "Done.".to_string()),
        Status::Failed(message) => ("failed", format!("The run failed. {message}")),
    };
    html! {
        <p id="status" class={classes!("status", state)} role="status" aria-live="polite" data-state={state}>
            { text }
        </p>
    }
}
