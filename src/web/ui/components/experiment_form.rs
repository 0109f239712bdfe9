use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::engine::cpu_settings::{CpuSettings, Field as CpuField, Refusals};
use crate::engine::experiment::{REPEATS, SWEEP_MODELS};
use crate::engine::kernels::KERNELS;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;

use super::Field;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The form as typed.
    pub settings: CpuSettings,
    /// Why each refused field is refused.
    pub refusals: Refusals,
    /// A text field changed.
    pub on_edit: Callback<(CpuField, String)>,
    pub size_hint: String,
    pub threads_hint: String,
    /// Whether the thread models can run here.
    pub threads_available: bool,
    pub running: bool,
    /// Another part of the page is using the engine.
    #[prop_or_default]
    pub engine_busy: bool,
    pub on_kernel: Callback<String>,
    pub on_style: Callback<MapStyle>,
    pub on_model: Callback<Model>,
    pub on_run: Callback<(), Result<(), String>>,
    pub on_cancel: Callback<()>,
}

/// Kernel, size, repeats and models; Run, or Cancel while running.
#[function_component]
pub fn ExperimentForm(props: &Props) -> Html {
    let settings = &props.settings;
    let kernel = settings.kernel();
    let invalid = !props.refusals.is_empty();
    let edit = |field: CpuField| props.on_edit.reform(move |text| (field, text));
    let text = |field: CpuField| AttrValue::from(settings.clone().text_mut(field).clone());
    let on_style = props.on_style.reform(|event: Event| {
        let value = event.target_unchecked_into::<HtmlSelectElement>().value();
        MapStyle::from_slug(&value).unwrap_or_default()
    });
    let onsubmit = {
        let on_run = props.on_run.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            // The form shows why a run cannot start.
            let _ = on_run.emit(());
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
                        <option value={k.slug} selected={kernel.slug == k.slug}>{ k.title }</option>
                    }) }
                </select>
            </div>
            <Field
                id="size"
                label={kernel.size_means}
                hint={props.size_hint.clone()}
                value={text(CpuField::Size)}
                error={props.refusals.get(CpuField::Size)}
                disabled={running}
                on_input={edit(CpuField::Size)}
                inputmode="text"
            />
            <Field
                id="repeats"
                label="Repeats (rounds)"
                hint={format!("{} to {}; every step runs once per round, the table shows the median", REPEATS.min, REPEATS.max)}
                value={text(CpuField::Repeats)}
                error={props.refusals.get(CpuField::Repeats)}
                disabled={running}
                on_input={edit(CpuField::Repeats)}
            />
            <Field
                id="threads"
                label="Threads (k)"
                hint={props.threads_hint.clone()}
                value={text(CpuField::Threads)}
                error={props.refusals.get(CpuField::Threads)}
                disabled={running}
                on_input={edit(CpuField::Threads)}
                inputmode="text"
            />
            <div class="field">
                <label for="style">{ "Hand tasks out with" }</label>
                <select id="style" onchange={on_style} disabled={running}>
                    { for MapStyle::ALL.iter().map(|&s| html! {
                        <option value={s.slug()} selected={settings.style == s}>{ format!("pool.{}", s.slug().replace('-', "_")) }</option>
                    }) }
                </select>
                <small class="hint">{ "map: results at the end; imap: in order as they come; imap_unordered: as they finish" }</small>
            </div>
            <Field
                id="chunksize"
                label="Chunksize"
                hint={"blank: Python's default (map: len/(4k), imap: 1)".to_string()}
                value={text(CpuField::Chunksize)}
                error={props.refusals.get(CpuField::Chunksize)}
                disabled={running}
                on_input={edit(CpuField::Chunksize)}
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
                                checked={settings.models.contains(&model) && !unavailable}
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
            </div>
        </form>
    }
}
