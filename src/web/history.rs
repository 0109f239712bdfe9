//! The history of past runs in localStorage ([`crate::engine::history`]), and its panel.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::history::{Change, Entry, History, Record, MAX_ENTRIES, VERSION};

fn key() -> String {
    format!("overlap.history.v{VERSION}")
}

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| {
            "History is off: this browser does not let the page keep local storage.".to_string()
        })
}

/// Copies `json` aside under a key of its own, so writing the history over it loses nothing.
/// The key, or why it could not be copied (a full storage).
fn keep_aside(storage: &web_sys::Storage, json: &str) -> Result<String, String> {
    let aside = format!("{}.unreadable.{}", key(), js_sys::Date::now() as u64);
    storage
        .set_item(&aside, json)
        .map(|()| aside)
        .map_err(|_| "the browser's storage for this page is full".to_string())
}

/// What is stored right now, to change: the history this page can read, with anything it
/// cannot read copied aside first. Err when something unreadable could not be copied aside:
/// then nothing may be written over it.
fn stored_now(storage: &web_sys::Storage) -> Result<(History, Option<String>), String> {
    let Ok(Some(json)) = storage.get_item(&key()) else {
        return Ok((History::new(), None));
    };
    let (history, why) = match History::read(&json) {
        Ok(stored) if stored.unreadable.is_empty() => return Ok((stored.history, None)),
        Ok(stored) => (
            stored.history,
            format!(
                "{} saved run{} could not be read ({})",
                stored.unreadable.len(),
                if stored.unreadable.len() == 1 {
                    ""
                } else {
                    "s"
                },
                stored.unreadable.join("; ")
            ),
        ),
        Err(why) => (History::new(), why),
    };
    let what = if history.entries.is_empty() {
        "Starting a new history"
    } else {
        "Some runs are set aside"
    };
    match keep_aside(storage, &json) {
        Ok(aside) => {
            // The original is aside: the key now holds what this page can read, so the next
            // read is clean and nothing is copied aside twice.
            let _ = storage.set_item(&key(), &history.to_json());
            let kept = format!("kept in localStorage as \u{201c}{aside}\u{201d}");
            let said = format!("{what}: {why}; the whole saved history was {kept}.");
            Ok((history, Some(said)))
        }
        Err(full) => Err(format!(
            "History is off: {why}, and it could not be copied aside ({full}), so it is \
             left where it is, untouched. Free some storage for this site and reload."
        )),
    }
}

/// The saved history as this page loads, and anything worth saying about it.
pub fn load() -> (History, Option<String>) {
    match storage().and_then(|storage| stored_now(&storage)) {
        Ok(loaded) => loaded,
        Err(why) => (History::new(), Some(why)),
    }
}

/// Applies `change` to what is stored now (another tab may have saved since this page read it)
/// and saves the result. The history to show, and the message, if any; a failed save keeps the
/// change on this page and says so.
fn change_stored(shown: &History, change: Change) -> (History, Option<String>) {
    let fresh = storage().and_then(|storage| stored_now(&storage).map(|loaded| (storage, loaded)));
    let (storage, (mut history, read_note)) = match fresh {
        Ok(fresh) => fresh,
        Err(why) => {
            let mut history = shown.clone();
            history.apply(change);
            return (
                history,
                Some(format!("{why} It stays on this page until you reload.")),
            );
        }
    };
    let cap_note = history.apply(change);
    let saved = storage
        .set_item(&key(), &history.to_json())
        .map_err(|_| "the browser's storage for this page is full or forbidden".to_string());
    let message = match saved {
        Err(why) => Some(format!(
            "Not saved: {why}. It stays on this page until you reload."
        )),
        Ok(()) => match (read_note, cap_note) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, b) => a.or(b),
        },
    };
    (history, message)
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
            <p class="hint">{ format!("Your finished runs, kept in this browser only (the {MAX_ENTRIES} newest) and shared by its tabs. Restore one to see its results and settings again.") }</p>
            if let Some(message) = &props.message {
                <p class="notice" role="status" data-notice="history">{ message }</p>
            }
            if entries.is_empty() {
                <p class="hint" data-history="empty">{ "Nothing yet: finished runs appear here." }</p>
            } else {
                <ul class="history-list">
                    { for entries.iter().map(|entry: &Entry| {
                        let (id, at) = (entry.id, entry.saved_ms);
                        let kind = match entry.record { Record::Cpu { .. } => "cpu", Record::Io { .. } => "io" };
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

/// The page's history and the last thing worth saying about it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryState {
    pub history: Rc<History>,
    pub message: Option<String>,
}

impl Default for HistoryState {
    fn default() -> Self {
        let (history, message) = load();
        HistoryState {
            history: Rc::new(history),
            message,
        }
    }
}

pub enum HistoryAction {
    Add(Entry),
    /// The entry with this id.
    Remove(u64),
    Say(String),
    /// Another tab changed the stored history: show it.
    Reload,
}

impl Reducible for HistoryState {
    type Action = HistoryAction;

    /// Every change is applied to what is stored and saved at once.
    fn reduce(self: Rc<Self>, action: HistoryAction) -> Rc<Self> {
        let change = match action {
            HistoryAction::Add(mut entry) => {
                entry.id = fresh_id();
                Change::Add(Box::new(entry))
            }
            HistoryAction::Remove(id) => Change::Remove(id),
            HistoryAction::Say(message) => {
                return Rc::new(HistoryState {
                    history: Rc::clone(&self.history),
                    message: Some(message),
                })
            }
            HistoryAction::Reload => {
                let (history, message) = load();
                return Rc::new(HistoryState {
                    history: Rc::new(history),
                    message: message.or_else(|| self.message.clone()),
                });
            }
        };
        let (history, message) = change_stored(&self.history, change);
        Rc::new(HistoryState {
            history: Rc::new(history),
            message,
        })
    }
}

/// The `storage` event's key for this history: whether `key` is it.
pub fn is_history_key(key: Option<String>) -> bool {
    key.is_none_or(|k| k == self::key())
}

/// Shows what another tab saves as soon as it saves it: the browser fires `storage` in every
/// other tab of the same origin when one writes.
#[hook]
pub fn use_history_from_other_tabs(history: &UseReducerHandle<HistoryState>) {
    let dispatcher = history.dispatcher();
    use_effect_with((), move |_| {
        let on_storage = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
            move |event: web_sys::Event| {
                let key = js_sys::Reflect::get(&event, &"key".into())
                    .ok()
                    .and_then(|k| k.as_string());
                if is_history_key(key) {
                    dispatcher.dispatch(HistoryAction::Reload);
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
