//! The classroom section: a teacher pastes the class's result links (or opens a file of them)
//! and sees every machine on one chart, the median machine, and what to look at twice. What the
//! links hold and how they combine is [`crate::engine::classroom`]; this is the form, the
//! reducer and the files.

use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::engine::classroom::link::{self, ClassLink};
use crate::engine::classroom::{export, read_class, workload_label, Class, View};
use crate::engine::run::models::Model;
use crate::engine::share::MadeLink;
use crate::engine::state::classroom::{ClassroomAction, ClassroomState};
use crate::web::ui::components::charts::ClassChart;
use crate::web::ui::components::ScrollBox;
use crate::web::ui::download::download_blob;
use crate::web::ui::share::{copy_link, link_field, link_to, save_chart};
use crate::web::ui::window_event::use_window_event;

/// How long typing must pause before the links are read and kept.
const SETTLE_MS: f64 = 300.0;

/// Where the pasted links are kept between visits: plain text, so any version can read it.
const KEPT: &str = "overlap.classroom.links";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The links pasted on an earlier visit (a teacher's twenty links survive a reload).
fn kept_links() -> String {
    storage()
        .and_then(|s| s.get_item(KEPT).ok().flatten())
        .unwrap_or_default()
}

/// Keeps `text` for the next visit; why not, if the browser refused.
fn keep_links(text: &str) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not let the page keep local storage")?;
    let kept = if text.trim().is_empty() {
        storage.remove_item(KEPT)
    } else {
        storage.set_item(KEPT, text)
    };
    kept.map_err(|_| "the browser's storage for this page is full".to_string())
}

/// The classroom link in the address bar, if the page was opened with one.
fn opened_link() -> Option<Result<ClassLink, String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    link::is_class_fragment(&hash).then(|| link::open(&hash))
}

#[function_component]
pub fn Classroom() -> Html {
    let state = use_reducer(|| {
        let kept = kept_links();
        ClassroomState {
            opened: opened_link(),
            text: kept.clone(),
            settled: kept,
            ..ClassroomState::default()
        }
    });
    {
        // Each change of the text settles after a pause; only the last one's still matches.
        let dispatcher = state.dispatcher();
        use_effect_with(state.text.clone(), move |text| {
            let text = text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                crate::web::platform::worker_api::sleep(SETTLE_MS).await;
                dispatcher.dispatch(ClassroomAction::Settle(text));
            });
        });
    }
    {
        // A page closed within the pause keeps what was typed last (only then: another tab's
        // newer links are not overwritten by this tab's unchanged ones).
        let unsaved = use_mut_ref(|| None::<String>);
        *unsaved.borrow_mut() = (state.text != state.settled).then(|| state.text.clone());
        use_window_event("pagehide", move || {
            if let Some(text) = unsaved.borrow().as_deref() {
                let _ = keep_links(text);
            }
        });
    }
    {
        let dispatcher = state.dispatcher();
        let first = use_mut_ref(|| true);
        use_effect_with(state.settled.clone(), move |text| {
            // What was just read from storage need not be written back.
            if std::mem::replace(&mut *first.borrow_mut(), false) {
                return;
            }
            if let Err(why) = keep_links(text) {
                dispatcher.dispatch(ClassroomAction::Say(format!(
                    "These links will not be kept for your next visit: {why}."
                )));
            }
        });
    }
    {
        // Opened from a classroom link: take the reader to it.
        let opened = state.opened.is_some();
        use_effect_with((), move |()| {
            if opened {
                if let Some(section) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("classroom"))
                {
                    section.scroll_into_view();
                }
            }
        });
    }
    let class = use_memo(state.settled.clone(), |text| {
        (!text.trim().is_empty()).then(|| read_class(text))
    });
    let dispatcher = state.dispatcher();
    let on_input = dispatcher.to_callback().reform(|e: InputEvent| {
        ClassroomAction::Edit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
    });
    let on_file = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                match JsFuture::from(file.text()).await.map(|t| t.as_string()) {
                    Ok(Some(text)) => dispatcher.dispatch(ClassroomAction::Add(text)),
                    _ => dispatcher.dispatch(ClassroomAction::Say(format!(
                        "Could not read {name} as text: choose a text file with one link per line."
                    ))),
                }
            });
            // The same file chosen again is a new change.
            input.set_value("");
        })
    };

    let opened = match &state.opened {
        Some(Ok(opened)) => link_view(opened),
        Some(Err(why)) => html! {
            <p class="error-banner" role="alert" data-classroom-error="true">{ format!("{why} Paste the class's links below to chart them afresh.") }</p>
        },
        None => html! {},
    };
    let body = match &*class {
        Some(Ok(class)) => {
            let models = class.models();
            let model = state
                .model
                .filter(|m| models.contains(m))
                .or(models.first().copied());
            match model {
                Some(model) => class_view(class, &class.view(model), &models, &state, &dispatcher),
                None => html! {},
            }
        }
        Some(Err(why)) => html! {
            <p class="hint" role="status" data-classroom-error="true">{ why.clone() }</p>
        },
        None => html! {},
    };
    let notes = match &*class {
        Some(Ok(class)) => class.notes.clone(),
        _ => Vec::new(),
    };

    html! {
        <section class="card classroom" id="classroom" aria-labelledby="classroom-title">
            <h2 id="classroom-title">{ "Classroom: every machine on one chart" }</h2>
            <p class="lede">
                { "Paste the links your students copied with \u{201c}Copy link with results\u{201d}, \
                   one per line, or open a file of them. Each machine becomes a curve of its \
                   speedup against its own sequential run; the thick line is the median machine." }
            </p>
            { opened }
            <div class="field">
                <label for="classroom-links">{ "Result links" }</label>
                <textarea id="classroom-links" rows="5" spellcheck="false"
                    placeholder="https://…/#v1.…  (one link per line)"
                    value={state.text.clone()} oninput={on_input} />
            </div>
            <div class="field">
                <label for="classroom-file">{ "Or open a file of links" }</label>
                <input id="classroom-file" type="file" accept=".txt,.csv,text/plain" onchange={on_file} />
            </div>
            if !notes.is_empty() {
                <ul class="classroom-notes" aria-label="Lines not charted">
                    { for notes.iter().map(|n| html! {
                        <li data-line={n.line.to_string()} data-skipped={n.skipped.to_string()}>{ n.text.clone() }</li>
                    }) }
                </ul>
            }
            { body }
            if let Some(said) = &state.said {
                <p class="hint" role="status" data-classroom-said="true">{ said.clone() }</p>
            }
        </section>
    }
}

/// The class's chart, table, flags and what can be taken away.
fn class_view(
    class: &Class,
    view: &View,
    models: &[Model],
    state: &ClassroomState,
    dispatcher: &UseReducerDispatcher<ClassroomState>,
) -> Html {
    let ks: Vec<usize> = view.medians.iter().map(|m| m.threads).collect();
    let cell = |points: &[(usize, f64)], k: usize| {
        points
            .iter()
            .find(|p| p.0 == k)
            .map_or_else(String::new, |p| format!("{:.2}×", p.1))
    };
    let on_model = dispatcher.to_callback().reform(|e: Event| {
        let slug = e.target_unchecked_into::<HtmlSelectElement>().value();
        ClassroomAction::Choose(Model::from_slug(&slug).unwrap_or(Model::Processes))
    });
    let shared = ClassLink {
        kernel: class.kernel.clone(),
        size: class.size,
        model: view.model,
        machines: view.curves.len(),
        medians: view.medians.clone(),
    };
    let link_shown = MadeLink::shown(state.link.as_ref(), |from| *from == shared);
    let on_copy = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |_: MouseEvent| {
            let dispatcher = dispatcher.clone();
            match link::encode(&shared) {
                Ok(fragment) => {
                    let url = link_to(&fragment);
                    let from = shared.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let said = copy_link(&url, "classroom link").await;
                        let link = MadeLink::new(from, url);
                        dispatcher.dispatch(ClassroomAction::Copied { link, said });
                    });
                }
                Err(why) => dispatcher.dispatch(ClassroomAction::Say(why)),
            }
        })
    };
    // A Python class's workload is `python:<fingerprint>`: no colon in a file's name.
    let stem = format!("overlap-classroom-{}", class.kernel.replace(':', "-"));
    let save = |kind: &'static str| {
        let dispatcher = dispatcher.clone();
        let name = format!("{stem}.{kind}");
        let text = match kind {
            "csv" => export::csv(class, view),
            "json" => export::json(class, view).to_string(),
            _ => String::new(),
        };
        Callback::from(move |_: MouseEvent| {
            let (dispatcher, name, text) = (dispatcher.clone(), name.clone(), text.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let saved = match kind {
                    "csv" => download_blob(&name, "text/csv", &text),
                    "json" => download_blob(&name, "application/json", &text),
                    _ => {
                        save_chart(
                            ".classroom figure[data-chart=classroom] svg",
                            &name,
                            kind == "png",
                        )
                        .await
                    }
                };
                dispatcher.dispatch(ClassroomAction::Say(match saved {
                    Ok(()) => format!("Saved {name}."),
                    Err(why) => format!(
                        "Could not save {name}: {}",
                        why.as_string().unwrap_or_default()
                    ),
                }));
            });
        })
    };
    html! {
        <div class="classroom-view" data-machines={view.curves.len().to_string()}>
            <p data-classroom-summary="true">{ format!(
                "{} {} ran {}.",
                class.entries.len(),
                if class.entries.len() == 1 { "machine" } else { "machines" },
                workload_label(&class.kernel, class.size)
            ) }</p>
            if models.len() > 1 {
                <div class="field inline">
                    <label for="classroom-model">{ "Model" }</label>
                    <select id="classroom-model" onchange={on_model}>
                        { for models.iter().map(|m| html! {
                            <option value={m.slug()} selected={*m == view.model}>{ m.to_string() }</option>
                        }) }
                    </select>
                </div>
            }
            <ClassChart model={view.model} curves={view.curves.clone()} medians={view.medians.clone()} />
            if !view.flags.is_empty() {
                <ul class="classroom-flags" aria-label="Worth a second look">
                    { for view.flags.iter().map(|f| html! {
                        <li data-flag-entry={f.entry.to_string()}>{ f.text.clone() }</li>
                    }) }
                </ul>
            }
            <ScrollBox label="the class's speedups"><table data-table="classroom">
                <caption>{ format!("{}: speedup against each machine's own sequential run", view.model) }</caption>
                <thead><tr>
                    <th scope="col">{ "Machine" }</th>
                    <th scope="col">{ "Lines" }</th>
                    { for ks.iter().map(|k| html! { <th scope="col">{ format!("k = {k}") }</th> }) }
                </tr></thead>
                <tbody>
                    { for view.curves.iter().map(|c| html! {
                        <tr data-machine={c.label.clone()} data-flagged={view.flags.iter().any(|f| f.entry == c.entry).to_string()}>
                            <th scope="row">{ c.label.clone() }</th>
                            <td>{ class.entries[c.entry].lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ") }</td>
                            { for ks.iter().map(|&k| html! { <td>{ cell(&c.points, k) }</td> }) }
                        </tr>
                    }) }
                    <tr class="median-row" data-machine="median">
                        <th scope="row">{ "median machine" }</th>
                        <td />
                        { for view.medians.iter().map(|m| html! {
                            <td data-machines={m.machines.to_string()}>{ format!("{:.2}× (of {})", m.speedup, m.machines) }</td>
                        }) }
                    </tr>
                </tbody>
            </table></ScrollBox>
            <div class="share-panel" data-share="classroom">
                <div class="actions">
                    <button type="button" id="classroom-copy-link" onclick={on_copy}>{ "Copy classroom link" }</button>
                    <span class="export" role="group" aria-label="Export the class's results">
                        { "Export: " }
                        { for ["csv", "json", "svg", "png"].into_iter().map(|kind| html! {
                            <button type="button" class="small" data-export={kind} onclick={save(kind)}>{ kind.to_uppercase() }</button>
                        }) }
                    </span>
                </div>
                { link_field(
                    "classroom-link".into(),
                    link_shown,
                    "Press Copy classroom link: it carries the medians only",
                    "The class's links or the model changed after the link was made: press Copy classroom link for one to this chart.",
                ) }
            </div>
        </div>
    }
}

/// A classroom link opened: the median machine's curve, and what it summarises.
fn link_view(opened: &ClassLink) -> Html {
    html! {
        <div class="classroom-view" data-opened="true" data-machines={opened.machines.to_string()}>
            <p data-classroom-summary="true">{ format!(
                "A classroom link: the median of {} {} running {}, {}. The machines' own curves \
                 stay with whoever pasted their links.",
                opened.machines,
                if opened.machines == 1 { "machine" } else { "machines" },
                workload_label(&opened.kernel, opened.size),
                opened.model
            ) }</p>
            <ClassChart model={opened.model} curves={Vec::new()} medians={opened.medians.clone()} />
        </div>
    }
}
