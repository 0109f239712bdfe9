//! The history of past runs in localStorage ([`crate::engine::history`]), and its panel.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::history::{Entry, History, Record, VERSION};

fn key() -> String {
    format!("overlap.history.v{VERSION}")
}

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser does not let the page keep local storage".to_string())
}

/// The saved history, or an empty one and why. What cannot be read is copied aside under a key
/// of its own first, so saving the next run never destroys it.
pub fn load() -> (History, Option<String>) {
    let storage = match storage() {
        Ok(storage) => storage,
        Err(why) => return (History::new(), Some(format!("History is off: {why}."))),
    };
    let Ok(Some(json)) = storage.get_item(&key()) else {
        return (History::new(), None);
    };
    match History::read(&json) {
        Ok(history) => (history, None),
        Err(why) => {
            let aside = format!("{}.unreadable.{}", key(), js_sys::Date::now() as u64);
            let kept = storage.set_item(&aside, &json).is_ok();
            let _ = storage.remove_item(&key());
            let where_ = if kept {
                format!("it was kept in localStorage as \u{201c}{aside}\u{201d}")
            } else {
                "it could not be kept".into()
            };
            (
                History::new(),
                Some(format!("Starting a new history: {why}; {where_}.")),
            )
        }
    }
}

/// Saves `history`; a full or forbidden storage gives the reason.
pub fn save(history: &History) -> Result<(), String> {
    storage()?
        .set_item(&key(), &history.to_json())
        .map_err(|_| "the browser's storage for this page is full or forbidden".to_string())
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
            <p class="hint">{ "Your finished runs, kept in this browser only. Restore one to see its results and settings again." }</p>
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
}

impl Reducible for HistoryState {
    type Action = HistoryAction;

    /// Every change is saved at once; a failed save keeps the change on the page and says so.
    fn reduce(self: Rc<Self>, action: HistoryAction) -> Rc<Self> {
        let mut history = (*self.history).clone();
        match action {
            HistoryAction::Add(entry) => {
                history.add(entry);
            }
            HistoryAction::Remove(id) => history.remove(id),
            HistoryAction::Say(message) => {
                return Rc::new(HistoryState {
                    history: Rc::clone(&self.history),
                    message: Some(message),
                })
            }
        }
        let message = save(&history)
            .err()
            .map(|why| format!("Not saved: {why}. It stays on this page until you reload."));
        Rc::new(HistoryState {
            history: Rc::new(history),
            message,
        })
    }
}
