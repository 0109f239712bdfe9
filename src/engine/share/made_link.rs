//! A link once made, and whether the page still shows what it carries.
//!
//! The labs, the Python lab and the classroom show the link a copy button made in a read-only
//! field, for browsers that refuse the clipboard. Left there after the form changed, that field
//! handed out a link to the experiment or code as it was: a student who edited the code and then
//! copied the field shared the old code. So a made link keeps what it was made from, and the field
//! shows it only while the page shows that same thing again.

/// A link and what it was made from (the experiment, the code, the class's medians).
#[derive(Clone, Debug, PartialEq)]
pub struct MadeLink<T> {
    pub from: T,
    pub url: String,
}

/// What a link field shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkShown<'a> {
    /// No link made yet (or the last one was refused).
    None,
    /// The link, still to what the page shows.
    Current(&'a str),
    /// A link was made, but the page has changed since: the field is empty and says so.
    Stale,
}

impl<T> MadeLink<T> {
    pub fn new(from: T, url: String) -> Self {
        MadeLink { from, url }
    }

    /// What the field shows for `made`, given whether what it was made from is still on the page.
    pub fn shown(made: Option<&Self>, still_shown: impl FnOnce(&T) -> bool) -> LinkShown<'_> {
        match made {
            None => LinkShown::None,
            Some(made) if still_shown(&made.from) => LinkShown::Current(&made.url),
            Some(_) => LinkShown::Stale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_shows_only_while_the_page_shows_what_it_carries() {
        let made = MadeLink::new("print(1)".to_string(), "https://x/#py.1".into());
        let shown = |code: &str| MadeLink::shown(Some(&made), |from| from == code);
        assert_eq!(shown("print(1)"), LinkShown::Current("https://x/#py.1"));
        assert_eq!(shown("print(2)"), LinkShown::Stale);
        // Edited back: the link is to this code again.
        assert_eq!(shown("print(1)"), LinkShown::Current("https://x/#py.1"));
        assert_eq!(MadeLink::<String>::shown(None, |_| true), LinkShown::None);
    }
}
