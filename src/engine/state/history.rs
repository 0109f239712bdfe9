//! The history panel's state: the history as last read or saved, and the last thing worth
//! saying about it. Reading and saving are the shell's (`src/web/ui/history.rs`: another tab may
//! have saved since, so every change is applied to what is stored then); it hands in what came
//! of them.

use std::rc::Rc;

use crate::engine::history::{Change, History};
use crate::engine::state::Reducer;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryShown {
    pub history: Rc<History>,
    pub message: Option<String>,
}

impl HistoryShown {
    /// The history as the page loads, and anything worth saying about it.
    pub fn loaded(history: History, message: Option<String>) -> Self {
        HistoryShown {
            history: Rc::new(history),
            message,
        }
    }
}

pub enum HistoryAction {
    /// A change saved: the stored history with it, and what to say (a note on reading, what the
    /// cap dropped).
    Saved {
        history: History,
        message: Option<String>,
    },
    /// A change that could not be saved, and why: it is made on this page only.
    Unsaved {
        change: Change,
        why: String,
    },
    /// Another tab changed the stored history: this is it now. A message of its own replaces
    /// the one shown; none keeps it.
    Reloaded {
        history: History,
        message: Option<String>,
    },
    Say(String),
}

impl Reducer for HistoryShown {
    type Action = HistoryAction;

    fn reduce(&self, action: HistoryAction) -> Option<Self> {
        Some(match action {
            HistoryAction::Saved { history, message } => HistoryShown::loaded(history, message),
            HistoryAction::Unsaved { change, why } => {
                let mut history = (*self.history).clone();
                history.apply(change);
                HistoryShown::loaded(
                    history,
                    Some(format!("{why} It stays on this page until you reload.")),
                )
            }
            HistoryAction::Reloaded { history, message } => {
                HistoryShown::loaded(history, message.or_else(|| self.message.clone()))
            }
            HistoryAction::Say(message) => HistoryShown {
                history: Rc::clone(&self.history),
                message: Some(message),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::history::Entry;
    use crate::engine::io::settings::IoSettings;

    fn entry(id: u64) -> Entry {
        let mut entry = Entry::io(1_000.0, &IoSettings::default(), &[]);
        entry.id = id;
        entry
    }

    #[test]
    fn a_change_that_cannot_be_saved_is_made_here_and_says_so() {
        let shown = HistoryShown::default();
        let next = shown
            .reduce(HistoryAction::Unsaved {
                change: Change::Add(Box::new(entry(7))),
                why: "History is off: no storage.".into(),
            })
            .unwrap();
        assert!(next.history.find(7).is_some());
        let message = next.message.unwrap();
        assert!(message.starts_with("History is off") && message.contains("until you reload"));
    }

    #[test]
    fn a_reload_keeps_the_message_shown_unless_it_has_one() {
        let shown = HistoryShown::default()
            .reduce(HistoryAction::Say("Restored it.".into()))
            .unwrap();
        let quiet = shown
            .reduce(HistoryAction::Reloaded {
                history: History::new(),
                message: None,
            })
            .unwrap();
        assert_eq!(quiet.message.as_deref(), Some("Restored it."));
        let loud = shown
            .reduce(HistoryAction::Reloaded {
                history: History::new(),
                message: Some("Merged.".into()),
            })
            .unwrap();
        assert_eq!(loud.message.as_deref(), Some("Merged."));
    }

    #[test]
    fn a_saved_change_shows_what_is_stored_and_its_message_alone() {
        let mut stored = History::new();
        stored.apply(Change::Add(Box::new(entry(3))));
        let shown = HistoryShown::default()
            .reduce(HistoryAction::Say("old".into()))
            .unwrap()
            .reduce(HistoryAction::Saved {
                history: stored.clone(),
                message: None,
            })
            .unwrap();
        assert_eq!(*shown.history, stored);
        assert_eq!(shown.message, None);
    }
}
