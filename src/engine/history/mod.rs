//! Past runs kept in the visitor's browser: what was asked and what it measured, newest first.
//! The browser shell stores the JSON in localStorage; reading it back never fails loudly: what
//! cannot be read is reported and set aside, never silently overwritten, and one entry this
//! page cannot read costs only that entry ([`History::read`]). What is stored is [`v1`]'s
//! format, field by field, not the serde shape of these types.
//!
//! Several tabs share one stored history: each change ([`Change`]) is applied to what is stored
//! at that moment, read afresh, never to a tab's own older copy, so one tab's save cannot undo
//! another's. Entries carry ids unique across tabs (the shell draws them), and the cap of
//! [`MAX_ENTRIES`] drops the oldest with a message naming them ([`History::apply`]).

/// Entries kept at most; the oldest go first.
pub const MAX_ENTRIES: usize = 30;

mod entry;
pub mod v1;

pub use entry::{Entry, Record, MAX_REQUESTS_KEPT};
pub use v1::VERSION;

/// What was stored, read: the entries this page can read, and why each other one could not be.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub history: History,
    /// One reason per entry left out; the shell keeps the stored JSON aside before it is
    /// written over.
    pub unreadable: Vec<String>,
}

/// A change a tab makes to the stored history.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A finished run. An id of 0 (or one already taken) is replaced by a fresh one.
    Add(Box<Entry>),
    /// The entry with this id.
    Remove(u64),
}

/// A version and the entries, newest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl History {
    pub fn new() -> History {
        History {
            version: VERSION,
            entries: Vec::new(),
        }
    }

    /// Reads stored JSON: every entry this page can read, and why each other one could not be
    /// read. Err (with why) only when none of it is a history of this version. Entries saved
    /// before ids existed (or sharing one) are numbered afresh.
    pub fn read(json: &str) -> Result<Stored, String> {
        #[derive(serde::Deserialize)]
        struct Outline {
            version: u32,
            entries: Vec<serde_json::Value>,
        }
        let outline: Outline = serde_json::from_str(json)
            .map_err(|e| format!("the saved history could not be read ({e})"))?;
        if outline.version != VERSION {
            return Err(format!(
                "the saved history is version {}, this page reads version {VERSION}",
                outline.version
            ));
        }
        let mut entries = Vec::with_capacity(outline.entries.len());
        let mut unreadable = Vec::new();
        for (i, value) in outline.entries.into_iter().enumerate() {
            let entry = serde_json::from_value::<v1::EntryV1>(value)
                .map_err(|e| e.to_string())
                .and_then(|stored| stored.to_entry());
            match entry {
                Ok(entry) => entries.push(entry),
                Err(why) => unreadable.push(format!("entry {} holds {why}", i + 1)),
            }
        }
        let mut history = History {
            version: VERSION,
            entries,
        };
        history.number_afresh_if_needed();
        Ok(Stored {
            history,
            unreadable,
        })
    }

    /// Applies `change` (to what is stored right now). Returns the message to show, if any:
    /// what the cap dropped to make room.
    pub fn apply(&mut self, change: Change) -> Option<String> {
        match change {
            Change::Add(entry) => {
                let dropped = self.add(*entry).1;
                let (first, more) = dropped.split_first()?;
                Some(format!(
                    "The history keeps the {MAX_ENTRIES} newest runs: \u{201c}{}\u{201d}{} made \
                     room for this one.",
                    first.title,
                    match more.len() {
                        0 => String::new(),
                        n => format!(" and {n} older ones"),
                    }
                ))
            }
            Change::Remove(id) => {
                self.remove(id);
                None
            }
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&v1::HistoryV1::from(&self.entries[..])).expect("history serializes")
    }

    /// Gives every entry without an id of its own (0, or one another entry has) a new one.
    fn number_afresh_if_needed(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let mut next = self.next_id();
        for entry in &mut self.entries {
            if entry.id == 0 || !seen.insert(entry.id) {
                entry.id = next;
                seen.insert(next);
                next += 1;
            }
        }
    }

    fn next_id(&self) -> u64 {
        self.entries.iter().map(|e| e.id).max().unwrap_or(0) + 1
    }

    /// Adds `entry` first, keeping its id if it has one no other entry has (the shell draws
    /// ids unique across tabs), else giving it a new one; drops the oldest beyond
    /// [`MAX_ENTRIES`]. Returns the id and what was dropped, newest first.
    pub fn add(&mut self, mut entry: Entry) -> (u64, Vec<Entry>) {
        if entry.id == 0 || self.find(entry.id).is_some() {
            entry.id = self.next_id();
        }
        let id = entry.id;
        self.entries.insert(0, entry);
        let dropped = self.entries.split_off(self.entries.len().min(MAX_ENTRIES));
        (id, dropped)
    }

    pub fn remove(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
    }

    pub fn find(&self, id: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

#[cfg(test)]
mod tests;
