//! The history of past runs in localStorage ([`crate::engine::history`]), and its panel. What the
//! panel shows changes only through [`crate::engine::state::history`]'s pure reducer; this file
//! does the reading and saving around it ([`use_history`]), and draws it.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::history::{Change, Entry, History, Record, MAX_CHARS, MAX_ENTRIES, VERSION};
use crate::engine::state::history::{HistoryAction, HistoryShown};

fn key() -> String {
    format!("overlap.history.v{VERSION}")
}

/// Where earlier releases copied a history they could not wholly read, one key per copy, and
/// where a history that is not JSON at all is still copied before a new one is started.
fn aside_prefix() -> String {
    format!("{}.unreadable.", key())
}

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| {
            "History is off: this browser does not let the page keep local storage.".to_string()
        })
}

/// What is stored right now, to change. Entries this page cannot read are in it, kept as they
/// were ([`crate::engine::history::Kept`]). Only a stored history that is not one at all (not
/// JSON, another version under this key) is copied aside, once, under a key of its own, with
/// the message saying so; Err when it could not be copied: then nothing may be written over it.
fn stored_now(storage: &web_sys::Storage) -> Result<(History, Option<String>), String> {
    let Ok(Some(json)) = storage.get_item(&key()) else {
        return Ok((History::new(), None));
    };
    let why = match History::read(&json) {
        Ok(history) => return Ok((history, None)),
        Err(why) => why,
    };
    let aside = format!("{}{}", aside_prefix(), js_sys::Date::now() as u64);
    match storage.set_item(&aside, &json) {
        Ok(()) => {
            // The original is aside: the key now holds an empty history, so the next read is
            // clean and nothing is copied aside twice.
            let _ = storage.set_item(&key(), &History::new().to_json());
            let said = format!(
                "Starting a new history: {why}; the whole saved history was kept in \
                 localStorage as \u{201c}{aside}\u{201d}."
            );
            Ok((History::new(), Some(said)))
        }
        Err(_) => Err(format!(
            "History is off: {why}, and it could not be copied aside (the browser's storage \
             for this page is full), so it is left where it is, untouched. Free some storage \
             for this site and reload."
        )),
    }
}

/// Reads back what earlier releases copied aside (a history with one entry they could not
/// read, copied whole each time) and merges it into `history` by id, once: each aside key is
/// removed after the merged history is saved. An aside that is not a history at all stays
/// where it is; the page that put it there said so.
fn merge_asides(storage: &web_sys::Storage, history: &mut History) -> Option<String> {
    let prefix = aside_prefix();
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    let mut merged_keys = Vec::new();
    let mut added = 0;
    let mut dropped = Vec::new();
    for aside in keys {
        let Some(Ok(copy)) = storage
            .get_item(&aside)
            .ok()
            .flatten()
            .map(|j| History::read(&j))
        else {
            continue;
        };
        let merged = history.merge(copy);
        added += merged.added;
        dropped.extend(merged.dropped.message("them"));
        merged_keys.push(aside);
    }
    if merged_keys.is_empty() {
        return None;
    }
    if storage.set_item(&key(), &history.to_json()).is_err() {
        return Some(
            "Runs an earlier version set aside could not be merged back: the browser's storage \
             for this page is full."
                .into(),
        );
    }
    for aside in &merged_keys {
        let _ = storage.remove_item(aside);
    }
    let back = match added {
        0 => "Copies an earlier version had set aside held no run missing here; they are removed."
            .to_string(),
        1 => "1 run an earlier version had set aside is back in the history.".to_string(),
        n => format!("{n} runs an earlier version had set aside are back in the history."),
    };
    Some(
        std::iter::once(back)
            .chain(dropped)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// What to say of entries this page keeps but cannot show.
fn kept_note(history: &History) -> Option<String> {
    let kept = &history.kept;
    let (one, _) = kept.split_first()?;
    Some(format!(
        "{} saved run{} cannot be shown by this version of Overlap ({}); {} stay{} saved, for \
         the version that made {}.",
        kept.len(),
        if kept.len() == 1 { "" } else { "s" },
        one.why,
        if kept.len() == 1 { "it" } else { "they" },
        if kept.len() == 1 { "s" } else { "" },
        if kept.len() == 1 { "it" } else { "them" },
    ))
}

/// The saved history as this page loads, and anything worth saying about it.
pub fn load() -> (History, Option<String>) {
    let storage = match storage() {
        Ok(storage) => storage,
        Err(why) => return (History::new(), Some(why)),
    };
    match stored_now(&storage) {
        Ok((mut history, set_aside)) => {
            let merged = merge_asides(&storage, &mut history);
            let notes: Vec<String> = [set_aside, merged, kept_note(&history)]
                .into_iter()
                .flatten()
                .collect();
            (history, (!notes.is_empty()).then(|| notes.join(" ")))
        }
        Err(why) => (History::new(), Some(why)),
    }
}

/// Applies `change` to what is stored now (another tab may have saved since this page read it)
/// and saves the result: the history stored and what to say, or why it could not be saved.
fn change_stored(change: &Change) -> Result<(History, Option<String>), String> {
    let storage = storage()?;
    let (mut history, read_note) = stored_now(&storage)?;
    let cap_note = history.apply(change.clone());
    storage
        .set_item(&key(), &history.to_json())
        .map_err(|_| "Not saved: the browser's storage for this page is full or forbidden.")?;
    let message = match (read_note, cap_note) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    };
    Ok((history, message))
}

/// An id no other tab's entry will have: the time and a random draw.
fn fresh_id() -> u64 {
    (js_sys::Date::now() as u64) * 1_000 + (js_sys::Math::random() * 1_000.0) as u64
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub history: Rc<History>,
    pub message: Option<String>,
    /// Called with the entry's id.
    pub on_restore: Callback<u64>,
    /// Called with the entry's id.
    pub on_delete: Callback<u64>,
}

fn when(saved_ms: f64) -> String {
    let date = js_sys::Date::new(&saved_ms.into());
    String::from(date.to_locale_string("default", &js_sys::Object::new()))
}

/// Past runs, newest first, each restorable and deletable.
#[function_component]
pub fn HistoryPanel(props: &Props) -> Html {
    let entries = &props.history.entries;
    html! {
        <section class="card history" aria-labelledby="history-title">
            <h2 id="history-title">{ "History" }</h2>
            <p class="hint">{ format!("Your finished runs, kept in this browser only (the {MAX_ENTRIES} newest, at most {} MB) and shared by its tabs and by every version of Overlap it opens. Restore one to see its results and settings again.", MAX_CHARS / 1_000_000) }</p>
            if let Some(message) = &props.message {
                <p class="notice" role="status" data-notice="history">{ message }</p>
            }
            if entries.is_empty() {
                <p class="hint" data-history="empty">{ "Nothing yet: finished runs appear here." }</p>
            } else {
                <ul class="history-list">
                    { for entries.iter().map(|entry: &Entry| {
                        let (id, at) = (entry.id, entry.saved_ms);
                        let kind = match entry.record { Record::Cpu { .. } => "cpu", Record::Io { .. } => "io", Record::Python { .. } => "python" };
                        html! {
                            <li data-history-entry={id.to_string()} data-kind={kind}>
                                <span class="history-title">{ &entry.title }</span>
                                <small class="hint">{ when(at) }</small>
                                <span class="history-actions">
                                    <button type="button" class="small restore" aria-label={format!("Restore: {}", entry.title)}
                                        onclick={props.on_restore.reform(move |_: MouseEvent| id)}>{ "Restore" }</button>
                                    <button type="button" class="small delete" aria-label={format!("Delete: {}", entry.title)}
                                        onclick={props.on_delete.reform(move |_: MouseEvent| id)}>{ "Delete" }</button>
                                </span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}

/// The page's history: what the panel shows, and the changes a page makes to it, each saved at
/// once.
#[derive(Clone)]
pub struct HistoryHandle {
    shown: UseReducerHandle<HistoryShown>,
}

impl HistoryHandle {
    pub fn shown(&self) -> &HistoryShown {
        &self.shown
    }

    /// Keeps a finished run, under an id no other tab's entry will have.
    pub fn add(&self, mut entry: Entry) {
        entry.id = fresh_id();
        self.save(Change::Add(Box::new(entry)));
    }

    /// Deletes the entry with this id, when the panel's Delete is pressed.
    pub fn remove(&self) -> Callback<u64> {
        let this = self.clone();
        Callback::from(move |id| this.save(Change::Remove(id)))
    }

    pub fn say(&self, message: String) {
        self.shown.dispatch(HistoryAction::Say(message));
    }

    fn save(&self, change: Change) {
        self.shown.dispatch(match change_stored(&change) {
            Ok((history, message)) => HistoryAction::Saved { history, message },
            Err(why) => HistoryAction::Unsaved { change, why },
        });
    }
}

/// The history as stored, kept up to date with what other tabs save.
#[hook]
pub fn use_history() -> HistoryHandle {
    let shown = use_reducer(|| {
        let (history, message) = load();
        HistoryShown::loaded(history, message)
    });
    use_history_from_other_tabs(&shown);
    HistoryHandle { shown }
}

/// The `storage` event's key for this history: whether `key` is it.
pub fn is_history_key(key: Option<String>) -> bool {
    key.is_none_or(|k| k == self::key())
}

/// Shows what another tab saves as soon as it saves it: the browser fires `storage` in every
/// other tab of the same origin when one writes.
#[hook]
fn use_history_from_other_tabs(history: &UseReducerHandle<HistoryShown>) {
    let dispatcher = history.dispatcher();
    use_effect_with((), move |_| {
        let on_storage = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
            move |event: web_sys::Event| {
                let key = js_sys::Reflect::get(&event, &"key".into())
                    .ok()
                    .and_then(|k| k.as_string());
                if is_history_key(key) {
                    let (history, message) = load();
                    dispatcher.dispatch(HistoryAction::Reloaded { history, message });
                }
            },
        );
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ = window
                .add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = &window {
                let _ = window.remove_event_listener_with_callback(
                    "storage",
                    on_storage.as_ref().unchecked_ref(),
                );
            }
        }
    });
}
