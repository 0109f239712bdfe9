//! Past runs kept in the visitor's browser: what was asked and what it measured, newest first.
//! The browser shell stores the JSON in localStorage; reading it back never fails loudly: what
//! cannot be read is reported, never silently overwritten, and one entry this page cannot read
//! costs nothing at all: it is kept verbatim in its place ([`Kept`]), so a tab of an older
//! release saving beside a newer one never strips the newer one's runs. What is stored is
//! [`v1`]'s format, field by field, not the serde shape of these types.
//!
//! Several tabs share one stored history: each change ([`Change`]) is applied to what is stored
//! at that moment, read afresh, never to a tab's own older copy, so one tab's save cannot undo
//! another's. Entries carry ids unique across tabs (the shell draws them); histories are
//! [`History::merge`]d by id. The cap of [`MAX_ENTRIES`] and the size budget of [`MAX_CHARS`]
//! drop the oldest, readable or kept, with a message naming them ([`History::apply`]).

/// Entries kept at most; the oldest go first.
pub const MAX_ENTRIES: usize = 30;

/// The stored history's JSON at most, in characters (all but titles are ASCII). localStorage
/// allows an origin about 5 million characters in every engine the suite runs, shared with the
/// classroom's links; an I/O run of 6 models keeps up to 200 requests each, some 250 000
/// characters, so 30 of them would not fit. The oldest go first.
pub const MAX_CHARS: usize = 2_000_000;

mod entry;
mod kept;
pub mod v1;
pub mod v1_python;

pub use entry::{Entry, Record, MAX_REQUESTS_KEPT};
pub use kept::Kept;
pub use v1::VERSION;

/// A change a tab makes to the stored history.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A finished run. An id of 0 (or one already taken) is replaced by a fresh one.
    Add(Box<Entry>),
    /// The entry with this id.
    Remove(u64),
}

/// A version and the entries, newest first: those this page can read, and those it keeps as
/// they were stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub version: u32,
    pub entries: Vec<Entry>,
    pub kept: Vec<Kept>,
}

/// What the cap and the budget dropped to make room: titles, newest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dropped {
    pub titles: Vec<String>,
    /// The cap on entries dropped them; else the size budget did.
    pub by_count: bool,
}

impl Dropped {
    /// "The history keeps …: “newest dropped” and n older ones made room for `what`."
    pub fn message(&self, what: &str) -> Option<String> {
        let (first, more) = self.titles.split_first()?;
        let keeps = if self.by_count {
            format!("the {MAX_ENTRIES} newest runs")
        } else {
            format!("at most {} MB of runs", MAX_CHARS / 1_000_000)
        };
        Some(format!(
            "The history keeps {keeps}: \u{201c}{first}\u{201d}{} made room for {what}.",
            match more.len() {
                0 => String::new(),
                n => format!(" and {n} older ones"),
            }
        ))
    }
}

/// What [`History::merge`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    /// Entries the other history had and this one did not.
    pub added: usize,
    pub dropped: Dropped,
}

/// One stored entry, readable or kept, as [`History::trim`] and [`History::to_json`] see it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Entry(usize),
    Kept(usize),
}

impl History {
    pub fn new() -> History {
        History {
            version: VERSION,
            ..History::default()
        }
    }

    /// Reads stored JSON: every entry this page can read, and every other one kept verbatim
    /// with why it could not be read. Err (with why) only when none of it is a history of this
    /// version. Entries saved before ids existed (or sharing one) are numbered afresh.
    pub fn read(json: &str) -> Result<History, String> {
        #[derive(serde::Deserialize)]
        struct Outline<'a> {
            version: u32,
            #[serde(borrow)]
            entries: Vec<&'a serde_json::value::RawValue>,
        }
        let outline: Outline = serde_json::from_str(json)
            .map_err(|e| format!("the saved history could not be read ({e})"))?;
        if outline.version != VERSION {
            return Err(format!(
                "the saved history is version {}, this page reads version {VERSION}",
                outline.version
            ));
        }
        let mut history = History::new();
        for (i, raw) in outline.entries.into_iter().enumerate() {
            let entry = serde_json::from_str::<v1::EntryV1>(raw.get())
                .map_err(|e| e.to_string())
                .and_then(|stored| stored.to_entry());
            match entry {
                Ok(entry) => history.entries.push(entry),
                Err(why) => history
                    .kept
                    .push(Kept::new(raw.get(), format!("entry {} holds {why}", i + 1))),
            }
        }
        history.number_afresh_if_needed();
        Ok(history)
    }

    /// Applies `change` (to what is stored right now). Returns the message to show, if any:
    /// what the cap or the budget dropped to make room.
    pub fn apply(&mut self, change: Change) -> Option<String> {
        match change {
            Change::Add(entry) => self.add(*entry).1.message("this one"),
            Change::Remove(id) => {
                self.remove(id);
                None
            }
        }
    }

    /// Adds every entry of `other` this history lacks (by id; a kept entry without one, by its
    /// text), in its place by age, then drops the oldest beyond the cap and the budget.
    pub fn merge(&mut self, other: History) -> Merged {
        let mut added = 0;
        for entry in other.entries {
            if !self.has_id(entry.id) {
                self.entries.push(entry);
                added += 1;
            }
        }
        for kept in other.kept {
            let known = if kept.id != 0 {
                self.has_id(kept.id)
            } else {
                self.kept.iter().any(|k| k.is_same(&kept))
            };
            if !known {
                self.kept.push(kept);
                added += 1;
            }
        }
        // Newest first; a stable sort keeps entries saved in one millisecond in their order.
        self.entries
            .sort_by(|a, b| b.saved_ms.total_cmp(&a.saved_ms));
        self.kept.sort_by(|a, b| b.saved_ms.total_cmp(&a.saved_ms));
        self.number_afresh_if_needed();
        Merged {
            added,
            dropped: self.trim(None),
        }
    }

    /// The stored form: readable and kept entries together, newest first, each kept one
    /// exactly as it was read.
    pub fn to_json(&self) -> String {
        let items: Vec<String> = self.slots().iter().map(|&slot| self.text(slot)).collect();
        format!(
            "{{\"version\":{VERSION},\"entries\":[{}]}}",
            items.join(",")
        )
    }

    /// Every stored entry, newest first by `saved_ms` (readable ones first among equals, each
    /// kind in its own order).
    fn slots(&self) -> Vec<Slot> {
        let mut slots: Vec<(f64, Slot)> = (self.entries.iter().enumerate())
            .map(|(i, e)| (e.saved_ms, Slot::Entry(i)))
            .chain(
                self.kept
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (k.saved_ms, Slot::Kept(i))),
            )
            .collect();
        slots.sort_by(|a, b| b.0.total_cmp(&a.0));
        slots.into_iter().map(|(_, slot)| slot).collect()
    }

    fn text(&self, slot: Slot) -> String {
        match slot {
            Slot::Entry(i) => serde_json::to_string(&v1::EntryV1::from(&self.entries[i]))
                .expect("history serializes"),
            Slot::Kept(i) => self.kept[i].text.clone(),
        }
    }

    /// Drops the oldest entries, readable or kept, while there are more than [`MAX_ENTRIES`]
    /// or their JSON is over [`MAX_CHARS`]; never the entry with id `spare` (the one just
    /// added, which the history is for).
    fn trim(&mut self, spare: Option<u64>) -> Dropped {
        let mut sizes: Vec<(Slot, usize)> = (self.slots().into_iter())
            .map(|slot| (slot, self.text(slot).len() + 1))
            .collect();
        let mut chars: usize = 30 + sizes.iter().map(|(_, n)| n).sum::<usize>();
        let mut dropped = Dropped::default();
        let mut gone = Vec::new();
        while sizes.len() > MAX_ENTRIES || chars > MAX_CHARS {
            let oldest = sizes.iter().rposition(|&(slot, _)| match slot {
                Slot::Entry(i) => Some(self.entries[i].id) != spare,
                Slot::Kept(_) => true,
            });
            let Some(oldest) = oldest else { break };
            dropped.by_count |= sizes.len() > MAX_ENTRIES;
            let (slot, size) = sizes.remove(oldest);
            chars -= size;
            dropped.titles.push(match slot {
                Slot::Entry(i) => self.entries[i].title.clone(),
                Slot::Kept(i) => self.kept[i].title.clone(),
            });
            gone.push(slot);
        }
        dropped.titles.reverse();
        // Removed highest index first, so the indices still to remove stay right.
        gone.sort_by_key(|&slot| match slot {
            Slot::Entry(i) | Slot::Kept(i) => std::cmp::Reverse(i),
        });
        for slot in gone {
            match slot {
                Slot::Entry(i) => {
                    self.entries.remove(i);
                }
                Slot::Kept(i) => {
                    self.kept.remove(i);
                }
            }
        }
        dropped
    }

    fn has_id(&self, id: u64) -> bool {
        self.find(id).is_some() || self.kept.iter().any(|k| k.id == id)
    }

    /// Gives every readable entry without an id of its own (0, or one another entry has) a new
    /// one. Kept entries keep theirs: they are written back as they came.
    fn number_afresh_if_needed(&mut self) {
        let mut seen: std::collections::HashSet<u64> = self.kept.iter().map(|k| k.id).collect();
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
        let readable = self.entries.iter().map(|e| e.id);
        let kept = self.kept.iter().map(|k| k.id);
        readable.chain(kept).max().unwrap_or(0) + 1
    }

    /// Adds `entry` first, keeping its id if it has one no other entry has (the shell draws
    /// ids unique across tabs), else giving it a new one; drops the oldest beyond the cap and
    /// the budget. Returns the id and what was dropped.
    pub fn add(&mut self, mut entry: Entry) -> (u64, Dropped) {
        if entry.id == 0 || self.has_id(entry.id) {
            entry.id = self.next_id();
        }
        let id = entry.id;
        self.entries.insert(0, entry);
        (id, self.trim(Some(id)))
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
