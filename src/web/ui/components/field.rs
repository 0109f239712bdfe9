use web_sys::HtmlInputElement;
use yew::prelude::*;

fn input_text(event: InputEvent) -> String {
    event.target_unchecked_into::<HtmlInputElement>().value()
}

/// One labelled text field with its limits and, when the value is refused, the reason.
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub hint: String,
    pub value: AttrValue,
    pub error: Option<String>,
    pub disabled: bool,
    pub on_input: Callback<String>,
    /// The phone keyboard that fits what the field accepts: `numeric` for whole numbers, `text`
    /// where letters or punctuation are allowed (`1e8`, `all`, `1, 2, 4`, `2-4`).
    #[prop_or(AttrValue::Static("numeric"))]
    pub inputmode: AttrValue,
}

#[function_component]
pub fn Field(props: &FieldProps) -> Html {
    let error_id = format!("{}-error", props.id);
    let hint_id = format!("{}-hint", props.id);
    let on_input = props.on_input.reform(input_text);
    html! {
        <div class={classes!("field", props.error.is_some().then_some("invalid"))}>
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                id={props.id.clone()}
                type="text"
                inputmode={props.inputmode.clone()}
                autocomplete="off"
                spellcheck="false"
                value={props.value.clone()}
                disabled={props.disabled}
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
