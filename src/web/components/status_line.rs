use yew::prelude::*;

use crate::engine::status::Status;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: Status,
    /// Prefixes the ids (`status`, `progress`) so each lab's line has its own.
    #[prop_or_default]
    pub prefix: AttrValue,
    /// What a run is called here: "sweep", "run".
    #[prop_or(AttrValue::Static("sweep"))]
    pub noun: AttrValue,
}

/// What the experiment is doing, with a progress bar while it runs; `data-state` lets tests wait
/// for it.
#[function_component]
pub fn StatusLine(props: &Props) -> Html {
    let noun = &props.noun;
    let (state, text) = match &props.status {
        Status::Idle => ("idle", "Ready. Press Run.".to_string()),
        Status::Running { fraction, doing } => (
            "running",
            format!("{doing} ({:.0} % of the {noun})", fraction * 100.0),
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
                    id={format!("{}progress", props.prefix)}
                    max="1"
                    value={format!("{fraction:.4}")}
                    aria-label={format!("Progress of the {noun}")}
                />
            }
            <p id={format!("{}status", props.prefix)} class={classes!("status", state)} role="status" aria-live="polite" data-state={state}>
                { text }
            </p>
        </div>
    }
}
