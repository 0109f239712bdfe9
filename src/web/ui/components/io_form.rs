use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::engine::io::settings::{
    Choice, Field as Setting, IoSettings, Preset, Refusals, TargetKind,
};
use crate::engine::io::{MAX_URLS, MAX_WORKERS};

use super::Field;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub settings: IoSettings,
    pub refusals: Refusals,
    /// Why the built-in targets cannot be reached, when they cannot.
    pub builtin_missing: Option<String>,
    /// Whether the engine has a thread pool for the pipeline's scan.
    pub pool: bool,
    pub running: bool,
    /// The other lab is using the engine.
    pub engine_busy: bool,
    pub on_edit: Callback<(Setting, String)>,
    pub on_targets: Callback<TargetKind>,
    pub on_toggle: Callback<Choice>,
    pub on_preset: Callback<Preset>,
    pub on_run: Callback<(), Result<(), String>>,
    pub on_cancel: Callback<()>,
}

/// Targets, models, k and timeout; presets; Run, or Cancel while running.
#[function_component]
pub fn IoForm(props: &Props) -> Html {
    let s = &props.settings;
    let running = props.running;
    let field = |setting: Setting, label: &'static str, hint: String, value: &String| {
        let on_input = props.on_edit.reform(move |text| (setting, text));
        html! {
            <Field
                id={setting.id()}
                {label}
                {hint}
                value={value.clone()}
                error={props.refusals.get(setting)}
                disabled={running}
                {on_input}
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
    let target_radio = |kind: TargetKind, value: &'static str, label: &'static str| {
        let onchange = props.on_targets.reform(move |_: Event| kind);
        html! {
            <label class="choice">
                <input type="radio" name="io-targets" {value} checked={s.target_kind == kind} {onchange} />
                { label }
            </label>
        }
    };
    let on_urls = props.on_edit.reform(|event: InputEvent| {
        let text = event.target_unchecked_into::<HtmlTextAreaElement>().value();
        (Setting::Urls, text)
    });
    let urls_error = props.refusals.get(Setting::Urls);
    let models_error = props.refusals.get(Setting::Models);
    let blocked = !props.refusals.is_empty()
        || props.engine_busy
        || (s.target_kind == TargetKind::Builtin && props.builtin_missing.is_some());

    html! {
        <form class="experiment-form io-form" {onsubmit} novalidate=true>
            <div class="presets" role="group" aria-label="Ready-made experiments">
                <span class="hint">{ "Try:" }</span>
                { for Preset::ALL.iter().map(|&preset| {
                    let onclick = props.on_preset.reform(move |_: MouseEvent| preset);
                    html! {
                        <button type="button" class="preset" data-preset={preset.key()} disabled={running} {onclick}>
                            { preset.label() }
                        </button>
                    }
                }) }
            </div>
            <fieldset class="models" disabled={running}>
                <legend>{ "Targets" }</legend>
                { target_radio(TargetKind::Builtin, "builtin", "Built-in pages: answered inside your browser, exact latency, work offline") }
                { target_radio(TargetKind::Urls, "urls", "Your own URLs") }
            </fieldset>
            if s.target_kind == TargetKind::Builtin {
                if let Some(why) = &props.builtin_missing {
                    <p class="notice" role="note" data-notice="no-builtin-targets">
                        { format!("Built-in targets are unavailable because {why}. Your own URLs still work.") }
                    </p>
                }
                { field(Setting::Requests, "Requests (N)", "1 to 10_000".into(), &s.requests) }
                { field(Setting::Latency, "Latency per request (L, ms)", "0 to 10_000".into(), &s.latency_ms) }
                { field(Setting::Jitter, "Jitter (± ms)", "each request waits L ± up to this".into(), &s.jitter_ms) }
                { field(Setting::FailPercent, "Failures (%)", "share of requests answered 503".into(), &s.fail_percent) }
                { field(Setting::PageKib, "Page size (KiB)", "0 to 4096".into(), &s.page_kib) }
                { field(Setting::Seed, "Seed", "the same seed gives the same pages, delays and failures".into(), &s.seed) }
            } else {
                <div class={classes!("field", "wide", urls_error.is_some().then_some("invalid"))}>
                    <label for="io-urls">{ "URLs, one per line" }</label>
                    <textarea
                        id="io-urls"
                        rows="5"
                        spellcheck="false"
                        placeholder="https://example.org/"
                        value={s.urls.clone()}
                        disabled={running}
                        aria-invalid={urls_error.is_some().to_string()}
                        aria-describedby="io-urls-hint io-urls-error"
                        oninput={on_urls}
                    />
                    <small id="io-urls-hint" class="hint">
                        { format!("Up to {MAX_URLS}; # starts a comment. Requests use CORS and skip the cache: \
                                   a site that sends no Access-Control-Allow-Origin fails with the reason, \
                                   and the others carry on.") }
                    </small>
                    <p id="io-urls-error" class="field-error" role="alert">{ urls_error.unwrap_or_default() }</p>
                </div>
            }
            <fieldset id="io-models" class="models" disabled={running}>
                <legend>{ "Models" }</legend>
                { for Choice::ALL.iter().map(|&choice| {
                    let onchange = props.on_toggle.reform(move |_: Event| choice);
                    html! {
                        <label class="model">
                            <input
                                type="checkbox"
                                name="io-model"
                                value={choice.key()}
                                checked={s.choices.contains(&choice)}
                                {onchange}
                            />
                            { choice.label() }
                            <code class="python">{ choice.python() }</code>
                        </label>
                    }
                }) }
                if !props.pool {
                    <small class="hint">{ "No thread pool on this page: the pipeline scans on the engine's own thread." }</small>
                }
                <p id="io-models-error" class="field-error" role="alert">{ models_error.unwrap_or_default() }</p>
            </fieldset>
            { field(Setting::Workers, "k (workers)", format!("1 to {MAX_WORKERS}; for the bounded and thread models"), &s.workers) }
            { field(Setting::Timeout, "Timeout per request (ms)", "100 to 120_000; the request is aborted after it".into(), &s.timeout_ms) }
            <div class="actions">
                <button id="io-run" type="submit" disabled={running || blocked}>
                    { if running { "Running…" } else { "Run" } }
                </button>
                <button id="io-cancel" type="button" disabled={!running} onclick={props.on_cancel.reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            </div>
        </form>
    }
}
