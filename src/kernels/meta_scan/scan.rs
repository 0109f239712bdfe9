//! The tag scanner: [`super::TAG_PATTERN`] and [`super::ATTRIBUTE_PATTERN`] matched by hand.
//!
//! Why the hand-written match finds what the regexes find: every part of the tag pattern is
//! decided by the next byte, so the leftmost-first match needs no backtracking.
//! - A match starts at a `<`; the search tries each `<` in turn, resuming after a match's end
//!   (matches never overlap, and none is empty).
//! - The element name `[a-zA-Z][a-zA-Z0-9]*` stops at the first other byte, which no later part
//!   can start with a name byte.
//! - Each attribute is whitespace, a name, `="`, any bytes but `"`, and `"`. An attempt that
//!   fails part-way leaves the attributes where the last whole one ended: giving back a whole
//!   attribute cannot help, as what follows it (whitespace and a name byte) can never be the
//!   tag's end `[ \t\n]*/?>`.
//! - The attribute pattern, searched over the attribute text, matches exactly these attributes:
//!   its name class has no whitespace, and each search resumes after a closing quote.
//!
//! All classes are ASCII, and `"` never occurs inside a multi-byte UTF-8 character, so bytes
//! give the same answer as characters, and every boundary falls on a character's.

use std::ops::Range;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

fn is_attribute_name(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b':' || b == b'-'
}

/// What one attribute attempt at `at` found: its name, its value and where it ends.
struct Attribute {
    name: Range<usize>,
    value: Range<usize>,
    end: usize,
}

/// `[ \t\n]+[a-zA-Z:-]+="[^"]*"` at `at`, if it matches there.
fn attribute(html: &[u8], at: usize) -> Option<Attribute> {
    let name_start = at + html[at..].iter().take_while(|&&b| is_space(b)).count();
    if name_start == at {
        return None;
    }
    let name_end = name_start
        + html[name_start..]
            .iter()
            .take_while(|&&b| is_attribute_name(b))
            .count();
    if name_end == name_start || html.get(name_end..name_end + 2) != Some(b"=\"") {
        return None;
    }
    let value_start = name_end + 2;
    let value_len = html[value_start..].iter().position(|&b| b == b'"')?;
    Some(Attribute {
        name: name_start..name_end,
        value: value_start..value_start + value_len,
        end: value_start + value_len + 1,
    })
}

/// One match of the tag pattern.
struct Tag {
    span: Range<usize>,
    /// For a meta tag, its last `name` and `content` values, if it has both (the attribute loop
    /// keeps the last of each, as the regex loop did).
    meta: Option<(Range<usize>, Range<usize>)>,
}

/// The tag pattern at `start` (a `<`), if it matches there.
fn tag_at(html: &[u8], start: usize) -> Option<Tag> {
    let name_start = start + 1;
    if !html.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = name_start
        + 1
        + html[name_start + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    let is_meta = html[name_start..name_end].eq_ignore_ascii_case(b"meta");
    let (mut name, mut content) = (None, None);
    let mut at = name_end;
    while let Some(found) = attribute(html, at) {
        if is_meta {
            match &html[found.name.clone()] {
                b"name" => name = Some(found.value),
                b"content" => content = Some(found.value),
                _ => {}
            }
        }
        at = found.end;
    }
    at += html[at..].iter().take_while(|&&b| is_space(b)).count();
    if html.get(at) == Some(&b'/') {
        at += 1;
    }
    if html.get(at) != Some(&b'>') {
        return None;
    }
    Some(Tag {
        span: start..at + 1,
        meta: name.zip(content),
    })
}

/// Every tag in `html`, in order.
fn tags(html: &[u8]) -> impl Iterator<Item = Tag> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = html[from..].iter().position(|&b| b == b'<') {
            let start = from + offset;
            match tag_at(html, start) {
                Some(tag) => {
                    from = tag.span.end;
                    return Some(tag);
                }
                None => from = start + 1,
            }
        }
        None
    })
}

/// The `(name, content)` pairs of every meta tag in `html` that has both, in order.
pub fn meta_tags(html: &str) -> Vec<(&str, &str)> {
    tags(html.as_bytes())
        .filter_map(|tag| tag.meta)
        .map(|(name, content)| (&html[name], &html[content]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{page, ATTRIBUTE_PATTERN, TAG_PATTERN};
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    /// Where the tag pattern matches, by the regex and by the scanner: a tag that nearly
    /// matches shows here even when it is not a meta tag.
    fn spans(html: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let tag = Regex::new(TAG_PATTERN).unwrap();
        let by_regex = tag.find_iter(html).map(|m| m.range()).collect();
        (
            by_regex,
            tags(html.as_bytes()).map(|tag| tag.span).collect(),
        )
    }

    /// The scan as the regexes do it: the reference the scanner must equal.
    fn by_regex(html: &str) -> Vec<(&str, &str)> {
        let tag = Regex::new(TAG_PATTERN).unwrap();
        let attribute = Regex::new(ATTRIBUTE_PATTERN).unwrap();
        let mut found = Vec::new();
        for captures in tag.captures_iter(html) {
            let (_, [element, attributes]) = captures.extract();
            if !element.eq_ignore_ascii_case("meta") {
                continue;
            }
            let (mut name, mut content) = (None, None);
            for attribute in attribute.captures_iter(attributes) {
                match attribute.extract() {
                    (_, ["name", value]) => name = Some(value),
                    (_, ["content", value]) => content = Some(value),
                    _ => {}
                }
            }
            if let (Some(name), Some(content)) = (name, content) {
                found.push((name, content));
            }
        }
        found
    }

    #[test]
    fn finds_what_the_regexes_find_on_the_corpus() {
        for index in 0..500 {
            let html = page(index);
            assert_eq!(meta_tags(&html), by_regex(&html), "page {index}");
            let (expected, found) = spans(&html);
            assert_eq!(found, expected, "page {index}");
        }
    }

    #[test]
    fn finds_what_the_regexes_find_at_the_edges() {
        for html in [
            r#"<meta name="a" content="b">"#,
            r#"<META content="b" name="a"/>"#,
            r#"<meta name="a" content="b" name="c">"#,
            r#"<meta  name="a"	content="b"
            >"#,
            r#"<meta name="a" content="b" x>"#,
            r#"<meta name="a" content="b"<meta name="c" content="d">"#,
            r#"<<meta name="a" content="b">>"#,
            r#"<meta name="a" content="é ü">"#,
            r#"<meta name="a" content="unterminated>"#,
            r#"<metadata name="a" content="b">"#,
            r#"<meta name= "a" content="b">"#,
            r#"<meta name="a" content="b" / >"#,
            r#"<meta name="a" content="b" //>"#,
            "<",
            "",
            r#"<m1 name="a"><meta name="x" content="y"/>"#,
            "<meta\rname=\"a\" content=\"b\">",
            // What the property test below shrank to when the scanner took `\r` for whitespace.
            "<meta\r>",
        ] {
            assert_eq!(meta_tags(html), by_regex(html), "{html:?}");
            let (expected, found) = spans(html);
            assert_eq!(found, expected, "{html:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Random strings of tag-shaped pieces, whole attributes among them, so that tags which
        /// nearly match are common.
        #[test]
        fn finds_what_the_regexes_find_on_near_html(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("<meta"), Just("<META"), Just("<p"), Just("<m1"), Just("<"), Just(">"),
                    Just("/>"), Just("/"), Just(" "), Just("\t"), Just("\n"), Just("\r"),
                    Just(r#"name="a""#), Just(r#"content="b c""#), Just(r#"x:y-z="v""#),
                    Just("name="), Just("content"), Just("\""), Just("="), Just("é"),
                    Just("a"), Just("1"),
                ],
                0..24,
            )
        ) {
            let html = pieces.concat();
            prop_assert_eq!(meta_tags(&html), by_regex(&html), "{:?}", html);
            let (expected, found) = spans(&html);
            prop_assert_eq!(found, expected, "{:?}", html);
        }
    }
}
