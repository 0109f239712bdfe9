//! "Download trace": a run as Chrome Trace Event JSON for ui.perfetto.dev, `chrome://tracing` or
//! speedscope ([`trace_events`](crate::engine::share::trace_events)), with the one line that
//! says where to open it. The file is made on the click, not at every render: a trace of
//! thousands of requests is megabytes.

use yew::prelude::*;

use crate::engine::share::trace_events::WHERE_TO_OPEN;
use crate::web::ui::download::download_blob;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The button's id: `cpu-trace`, `io-trace`, `lesson-trace`.
    pub id: AttrValue,
    /// What the file is saved as: `overlap-count.trace.json`.
    pub file_name: AttrValue,
    /// Makes the file's text.
    pub make: Callback<(), String>,
}

#[function_component]
pub fn TraceDownload(props: &Props) -> Html {
    let said = use_state(|| None::<String>);
    let onclick = {
        let (make, name, said) = (props.make.clone(), props.file_name.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let text = make.emit(());
            said.set(Some(
                match download_blob(&name, "application/json", &text) {
                    Ok(()) => format!("Saved {name} ({} KB).", text.len().div_ceil(1024)),
                    Err(why) => format!(
                        "Could not save {name}: {}",
                        why.as_string().unwrap_or_else(|| format!("{why:?}"))
                    ),
                },
            ));
        })
    };
    html! {
        <div class="trace-download" data-trace={props.id.clone()}>
            <button type="button" class="small" id={props.id.clone()} {onclick}>{ "Download trace" }</button>
            <small class="hint">{ WHERE_TO_OPEN }</small>
            if let Some(said) = &*said {
                <small class="hint" role="status" data-trace-said="true">{ said }</small>
            }
        </div>
    }
}
