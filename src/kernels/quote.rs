//! What the visitor typed, inside a message or a label: at most a short prefix of it, so a pasted
//! 50 000-character line (a URL, a size, a link's field) cannot fill the page with itself.

use std::borrow::Cow;

/// The most characters of the visitor's text a message repeats.
pub const QUOTE_CHARS: usize = 60;

/// `text` cut to its first [`QUOTE_CHARS`] characters, with "…" where it went on.
pub fn prefix(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
    }
}

/// [`prefix`] in quotes, as a message shows it: `"100 000 000"`, `"aaaa…"`.
pub fn quoted(text: &str) -> String {
    format!("{:?}", prefix(text).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole_and_long_text_by_its_start() {
        assert_eq!(quoted("1e9x"), "\"1e9x\"");
        let long = "é".repeat(50_000);
        let shown = quoted(&long);
        assert_eq!(shown.chars().count(), QUOTE_CHARS + 3, "{shown}");
        assert!(shown.ends_with("…\""));
        assert_eq!(prefix(&"a".repeat(QUOTE_CHARS)), "a".repeat(QUOTE_CHARS));
    }
}
