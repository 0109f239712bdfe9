use yew::prelude::*;

use crate::web::app::Status;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: Status,
}

/// What the experiment is doing, with a progress bar while it runs; `data-state` lets tests wait
/// for it.
#[function_component]
pub fn StatusLine(props: &Props) -> Html {
    let (state, text) = match &props.status {
        Status::Idle => ("idle", "Ready. Press Run.".to_string()),
        Status::Running { fraction, doing } => (
            "running",
            format!("{doing} ({:.0} % of the sweep)", fraction * 100.0),
        ),
        Status::Done => ("done", "Done.".to_string()),
        Status::Cancelled => (
            "cancelled",
            "Cancelled. The rows measured so far are kept.".to_string(),
        ),
        Status::Failed(message) => ("failed", format!("The run failed. {message}")),
    };
    html! {
        <div class="status-block">
            if let Status::Running { fraction, .. } = &props.status {
                <progress
                    id="progress"
                    max="1"
                    value={format!("{fraction:.4}")}
                    aria-label="Sweep progress"
                />
            }
            <p id="status" class={classes!("status", state)} role="status" aria-live="polite" data-state={state}>
                { text }
            </p>
        </div>
    }
}
