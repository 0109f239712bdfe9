use yew::prelude::*;

use crate::engine::status::{announcement, seconds_left, Status};
use crate::web::ui::focus;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: Status,
    /// Prefixes the ids (`status`, `progress`) so each lab's line has its own.
    #[prop_or_default]
    pub prefix: AttrValue,
    /// What a run is called here: "sweep", "run".
    #[prop_or(AttrValue::Static("sweep"))]
    pub noun: AttrValue,
    /// What the line says before a run: why Run cannot be pressed yet, or what pressing it will
    /// take. Never "Ready" while Run is disabled.
    #[prop_or(AttrValue::Static("Ready. Press Run."))]
    pub idle: AttrValue,
    /// Whether Run is disabled for the reason `idle` gives (`data-blocked`).
    #[prop_or_default]
    pub blocked: bool,
    /// When the run started (`performance.now()` ms): the line then says about how long is left.
    #[prop_or_default]
    pub started_ms: Option<f64>,
}

/// What a lab's status line says before a run, and whether Run is blocked: the first thing that
/// keeps Run from being pressed (a field the form refuses, a missing target, another lab holding
/// the engine), or "Ready" when nothing does.
pub fn before_run(form: Option<String>, missing: Option<String>, busy: bool) -> (AttrValue, bool) {
    let blocked = match (form, missing) {
        (Some(why), _) => Some(format!("Run waits for the form: {why}")),
        (None, Some(why)) => Some(format!("Run waits: {why}")),
        (None, None) if busy => Some(crate::web::client::shared_engine::BUSY.to_string()),
        _ => None,
    };
    let blocked_now = blocked.is_some();
    (
        blocked.map_or(AttrValue::Static("Ready. Press Run."), AttrValue::from),
        blocked_now,
    )
}

/// What the experiment is doing, with a progress bar while it runs; `data-state` lets tests wait
/// for it.
#[function_component]
pub fn StatusLine(props: &Props) -> Html {
    let noun = &props.noun;
    {
        // Run and Cancel are `{prefix}run` and `{prefix}cancel` in every lab: the one that just
        // became disabled hands the keyboard's focus to the other (web::focus).
        let prefix = props.prefix.to_string();
        let first = use_mut_ref(|| true);
        use_effect_with(props.status.is_running(), move |&running| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                let (run, cancel) = (format!("{prefix}run"), format!("{prefix}cancel"));
                if running {
                    focus::hand_over(run, cancel);
                } else {
                    focus::hand_over(cancel, run);
                }
            }
        });
    }
    let (state, text) = match &props.status {
        Status::Idle => ("idle", props.idle.to_string()),
        Status::Running { fraction, doing } => {
            let left = props
                .started_ms
                .and_then(|at| {
                    seconds_left(crate::web::platform::worker_api::now_ms() - at, *fraction)
                })
                .map(|s| format!(", about {s:.0} s left"))
                .unwrap_or_default();
            (
                "running",
                format!("{doing} ({:.0} % of the {noun}{left})", fraction * 100.0),
            )
        }
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
            <p id={format!("{}status", props.prefix)} class={classes!("status", state)} data-state={state}
                data-blocked={(props.blocked && props.status == Status::Idle).then_some("true")}>
                { text }
            </p>
            // The visible line changes with every tick; a screen reader hears only the start,
            // each quarter and the end (`announcement`), from a region of its own.
            <p id={format!("{}announce", props.prefix)} class="visually-hidden" role="status" aria-live="polite">
                { announcement(&props.status, noun) }
            </p>
        </div>
    }
}
