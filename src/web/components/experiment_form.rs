use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::experiment::REPEATS;
use crate::engine::kernels::count;
use crate::engine::size::group;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub size_text: AttrValue,
    pub size_error: Option<String>,
    pub repeats_text: AttrValue,
    pub repeats_error: Option<String>,
    pub running: bool,
    pub on_size: Callback<String>,
    pub on_repeats: Callback<String>,
    pub on_run: Callback<()>,
}

fn input_text(event: InputEvent) -> String {
    event.target_unchecked_into::<HtmlInputElement>().value()
}

/// One labelled text field with its limits and, when the value is refused, the reason.
#[derive(Properties, PartialEq)]
struct FieldProps {
    id: AttrValue,
    label: AttrValue,
    hint: String,
    value: AttrValue,
    error: Option<String>,
    on_input: Callback<String>,
}

#[function_component]
fn Field(props: &FieldProps) -> Html {
    let error_id = format!("{}-error", props.id);
    let hint_id = format!("{}-hint", props.id);
    let on_input = props.on_input.reform(input_text);
    html! {
        <div class={classes!("field", props.error.is_some().then_some("invalid"))}>
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                id={props.id.clone()}
                type="text"
                inputmode="numeric"
                autocomplete="off"
                spellcheck="false"
                value={props.value.clone()}
                aria-invalid={props.error.is_some().to_string()}
                aria-describedby={format!("{hint_id} {error_id}")}
                oninput={on_input}
            />
            <small id={hint_id} class="hint">{ props.hint.clone() }</small>
            <p id={error_id} class="field-error" role="alert">
                { props.error.clone().unwrap_or_default() }
            </p>
        </div>
    }
}

#[function_component]
pub fn ExperimentForm(props: &Props) -> Html {
    let invalid = props.size_error.is_some() || props.repeats_error.is_some();
    let onsubmit = {
        let on_run = props.on_run.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_run.emit(());
        })
    };
    html! {
        <form class="experiment-form" {onsubmit} novalidate=true>
            <Field
                id="count-size"
                label="Count to N"
                hint={format!("{} to {}; 100_000_000 and 1e8 both work", group(count::LIMITS.min), group(count::LIMITS.max))}
                value={props.size_text.clone()}
                error={props.size_error.clone()}
                on_input={props.on_size.clone()}
            />
            <Field
                id="repeats"
                label="Repeats per run"
                hint={format!("{} to {}; the table shows the median", REPEATS.min, REPEATS.max)}
                value={props.repeats_text.clone()}
                error={props.repeats_error.clone()}
                on_input={props.on_repeats.clone()}
            />
            <button id="run" type="submit" disabled={props.running || invalid}>
                { if props.running { "Running…" } else { "Run" } }
            </button>
        </form>
    }
}
