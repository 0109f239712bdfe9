use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::engine::experiment::{REPEATS, SWEEP_MODELS};
use crate::engine::kernels::KERNELS;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;

use super::Field;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The chosen kernel's slug.
    pub kernel: AttrValue,
    pub size_label: AttrValue,
    pub size_hint: String,
    pub size_text: AttrValue,
    pub size_error: Option<String>,
    pub repeats_text: AttrValue,
    pub repeats_error: Option<String>,
    pub threads_text: AttrValue,
    pub threads_hint: String,
    pub threads_error: Option<String>,
    pub style: MapStyle,
    pub chunksize_text: AttrValue,
    pub chunksize_error: Option<String>,
    pub on_threads: Callback<String>,
    pub on_style: Callback<MapStyle>,
    pub on_chunksize: Callback<String>,
    pub models: Vec<Model>,
    /// Whether the thread models can run here.
    pub threads_available: bool,
    pub running: bool,
    /// Another part of the page is using the engine.
    #[prop_or_default]
    pub engine_busy: bool,
    pub on_kernel: Callback<String>,
    pub on_size: Callback<String>,
    pub on_repeats: Callback<String>,
    pub on_model: Callback<Model>,
    pub on_run: Callback<()>,
    pub on_cancel: Callback<()>,
}

/// Kernel, size, repeats and models; Run, or Cancel while running.
#[function_component]
pub fn ExperimentForm(props: &Props) -> Html {
    let invalid = props.size_error.is_some()
        || props.repeats_error.is_some()
        || props.threads_error.is_some()
        || props.chunksize_error.is_some();
    let on_style = props.on_style.reform(|event: Event| {
        let value = event.target_unchecked_into::<HtmlSelectElement>().value();
        MapStyle::from_slug(&value).unwrap_or_default()
    });
    let onsubmit = {
        let on_run = props.on_run.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_run.emit(());
        })
    };
    let on_kernel = props
        .on_kernel
        .reform(|event: Event| event.target_unchecked_into::<HtmlSelectElement>().value());
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let running = props.running;
    html! {
        <form class="experiment-form" {onsubmit} novalidate=true>
            <div class="field">
                <label for="kernel">{ "Workload" }</label>
                <select id="kernel" onchange={on_kernel} disabled={running}>
                    { for KERNELS.iter().map(|k| html! {
                        <option value={k.slug} selected={props.kernel == k.slug}>{ k.title }</option>
                    }) }
                </select>
            </div>
            <Field
                id="size"
                label={props.size_label.clone()}
                hint={props.size_hint.clone()}
                value={props.size_text.clone()}
                error={props.size_error.clone()}
                disabled={running}
                on_input={props.on_size.clone()}
            />
            <Field
                id="repeats"
                label="Repeats (rounds)"
                hint={format!("{} to {}; every step runs once per round, the table shows the median", REPEATS.min, REPEATS.max)}
                value={props.repeats_text.clone()}
                error={props.repeats_error.clone()}
                disabled={running}
                on_input={props.on_repeats.clone()}
            />
            <Field
                id="threads"
                label="Threads (k)"
                hint={props.threads_hint.clone()}
                value={props.threads_text.clone()}
                error={props.threads_error.clone()}
                disabled={running}
                on_input={props.on_threads.clone()}
            />
            <div class="field">
                <label for="style">{ "Hand tasks out with" }</label>
                <select id="style" onchange={on_style} disabled={running}>
                    { for MapStyle::ALL.iter().map(|&s| html! {
                        <option value={s.slug()} selected={props.style == s}>{ format!("pool.{}", s.slug().replace('-', "_")) }</option>
                    }) }
                </select>
                <small class="hint">{ "map: results at the end; imap: in order as they come; imap_unordered: as they finish" }</small>
            </div>
            <Field
                id="chunksize"
                label="Chunksize"
                hint={"blank: Python's default (map: len/(4k), imap: 1)".to_string()}
                value={props.chunksize_text.clone()}
                error={props.chunksize_error.clone()}
                disabled={running}
                on_input={props.on_chunksize.clone()}
            />
            <fieldset class="models" disabled={running}>
                <legend>{ "Compare with sequential" }</legend>
                { for SWEEP_MODELS.iter().map(|&model| {
                    let unavailable = model.uses_pool() && !props.threads_available;
                    let onchange = props.on_model.reform(move |_: Event| model);
                    html! {
                        <label class={classes!("model", unavailable.then_some("unavailable"))}>
                            <input
                                type="checkbox"
                                name="model"
                                value={model.slug()}
                                checked={props.models.contains(&model) && !unavailable}
                                disabled={unavailable}
                                {onchange}
                            />
                            { model.to_string() }
                            <code class="python">{ model.python_analogue() }</code>
                        </label>
                    }
                }) }
            </fieldset>
            <div class="actions">
                <button id="run" type="submit" disabled={running || invalid || props.engine_busy}>
                    { if running { "Running…" } else { "Run" } }
                </button>
                <button id="cancel" type="button" disabled={!running} onclick={on_cancel}>
                    { "Cancel" }
                </button>
                if props.engine_busy && !running {
                    <small class="hint">{ "Another run is using the engine; Run comes back when it is done." }</small>
                }
            </div>
        </form>
    }
}
