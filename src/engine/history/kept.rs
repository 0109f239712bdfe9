//! Entries this page cannot read, kept as they were stored.
//!
//! Several releases of Overlap share one stored history: a tab left open on last week's release
//! reads entries a newer release saved (a model it does not know). It must not strip them when
//! it saves, nor copy the whole history aside each time: it keeps each such entry verbatim, in
//! its place by age, counted by the cap and the size budget like any other, and writes it back
//! untouched. Only what ordering and the budget need is read out of it: its id, its age, its
//! title and its size.

/// An entry kept verbatim, and why this page could not read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    /// Its `id`, or 0 when it has none this page can read (then it is matched by its text).
    pub id: u64,
    /// Its `saved_ms`, or 0 (the oldest) when it has none this page can read.
    pub saved_ms: f64,
    /// Its `title`, or a description of it, for the message that names what the cap dropped.
    pub title: String,
    pub why: String,
    /// Exactly what was stored, written back as it came.
    pub text: String,
}

impl Kept {
    /// `text`, one stored entry, kept with `why` it could not be read.
    pub fn new(text: &str, why: String) -> Kept {
        let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        Kept {
            id: value.get("id").and_then(|id| id.as_u64()).unwrap_or(0),
            saved_ms: value
                .get("saved_ms")
                .and_then(|ms| ms.as_f64())
                .unwrap_or(0.0),
            title: value
                .get("title")
                .and_then(|title| title.as_str())
                .unwrap_or("a run this version cannot read")
                .to_string(),
            why,
            text: text.to_string(),
        }
    }

    /// The same stored entry: the same id, or, without one, the same text.
    pub fn is_same(&self, other: &Kept) -> bool {
        if self.id != 0 || other.id != 0 {
            self.id == other.id
        } else {
            self.text == other.text
        }
    }
}
