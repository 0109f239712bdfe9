//! The Python lab's form: templates, the visitor's code, the pool's size, the chunksize, the
//! rounds; Run, or Cancel while running.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::engine::python::settings::{
    Field as Setting, PythonSettings, MAX_CHUNKSIZE, MAX_CODE_CHARS, MAX_ROUNDS, MAX_WORKERS,
    TEMPLATES,
};
use crate::engine::refusals::Refusals;

use super::Field;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub settings: PythonSettings,
    pub refusals: Refusals<Setting>,
    pub running: bool,
    /// Another part of the page holds the lease.
    pub busy: bool,
    pub on_edit: Callback<(Setting, String)>,
    pub on_template: Callback<&'static str>,
    pub on_run: Callback<(), Result<(), String>>,
    pub on_cancel: Callback<()>,
}

fn id(setting: Setting) -> &'static str {
    match setting {
        Setting::Code => "py-code",
        Setting::Workers => "py-workers",
        Setting::Chunksize => "py-chunksize",
        Setting::Rounds => "py-rounds",
    }
}

#[function_component]
pub fn PythonForm(props: &Props) -> Html {
    let s = &props.settings;
    let running = props.running;
    let field = |setting: Setting, hint: String, value: &String| {
        html! {
            <Field
                id={id(setting)}
                label={setting.label()}
                {hint}
                value={value.clone()}
                error={props.refusals.get(setting)}
                disabled={running}
                on_input={props.on_edit.reform(move |text| (setting, text))}
            />
        }
    };
    let onsubmit = {
        let on_run = props.on_run.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            // The form shows why a run cannot start.
            let _ = on_run.emit(());
        })
    };
    let on_code = props.on_edit.reform(|event: InputEvent| {
        let text = event.target_unchecked_into::<HtmlTextAreaElement>().value();
        (Setting::Code, text)
    });
    let code_error = props.refusals.get(Setting::Code);
    let blocked = !props.refusals.is_empty() || props.busy;
    html! {
        <form class="experiment-form python-form" {onsubmit} novalidate=true>
            <div class="presets" role="group" aria-label="Templates">
                <span class="hint">{ "Start from:" }</span>
                { for TEMPLATES.iter().map(|t| {
                    let slug = t.slug;
                    let onclick = props.on_template.reform(move |_: MouseEvent| slug);
                    html! {
                        <button type="button" class="preset" data-template={slug} disabled={running} {onclick}>
                            { t.label }
                        </button>
                    }
                }) }
            </div>
            <div class={classes!("field", "wide", code_error.is_some().then_some("invalid"))}>
                <label for="py-code">{ "Your code: define work(x) and inputs" }</label>
                <textarea
                    id="py-code"
                    class="code"
                    rows="14"
                    spellcheck="false"
                    autocapitalize="off"
                    autocomplete="off"
                    value={s.code.clone()}
                    disabled={running}
                    aria-invalid={code_error.is_some().to_string()}
                    aria-describedby="py-code-hint py-code-error"
                    oninput={on_code}
                />
                <small id="py-code-hint" class="hint">
                    { format!("Overlap calls work(x) once for each x in inputs, under each model. \
                               Write async def work for asyncio. TARGETS is the built-in pages' \
                               address. Kept in this browser as you type; up to {MAX_CODE_CHARS} characters.") }
                </small>
                <p id="py-code-error" class="field-error" role="alert">{ code_error.unwrap_or_default() }</p>
            </div>
            { field(Setting::Workers, format!("k, 1 to {MAX_WORKERS}: each is an interpreter, started once and kept"), &s.workers) }
            { field(Setting::Chunksize, format!("1 to {MAX_CHUNKSIZE}: inputs per pickled chunk, as map's chunksize"), &s.chunksize) }
            { field(Setting::Rounds, format!("1 to {MAX_ROUNDS}, after one warm-up round; more while the speedups vary"), &s.rounds) }
            <div class="actions">
                <button id="py-run" type="submit" disabled={running || blocked}>
                    { if running { "Running…" } else { "Run" } }
                </button>
                <button id="py-cancel" type="button" disabled={!running} onclick={props.on_cancel.reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            </div>
        </form>
    }
}
