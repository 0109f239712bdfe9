//! Scanning generated HTML pages for `<meta name=... content=...>` tags with a regular
//! expression: the CPU half of "fetch pages, then parse them". The corpus is built once, from a
//! seed, and is the input a process pool would have to copy.

use regex::Regex;

use super::{share, SEED, TASKS};
use crate::engine::rng::SplitMix64;
use crate::engine::size::{Limits, SizeError};
use crate::engine::workload::{digest_bytes, digest_u64s, Workload};

pub const LIMITS: Limits = Limits {
    min: 1,
    max: 200_000,
    default: 40_000,
};

const NAMES: [&str; 6] = [
    "description",
    "keywords",
    "author",
    "robots",
    "og:title",
    "viewport",
];
const WORDS: [&str; 12] = [
    "thread", "process", "lock", "queue", "pool", "future", "await", "gather", "worker", "core",
    "speedup", "latency",
];

/// `n` words drawn from [`WORDS`].
fn words(n: u64, rng: &mut SplitMix64) -> String {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Page `index` of the corpus: a head with zero to five meta tags, decoys that must not match,
/// and a body of one to four kilobytes.
pub fn page(index: u64) -> String {
    let mut rng = SplitMix64::stream(SEED, index);
    let mut html = format!("<!doctype html><html><head><title>Page {index}</title>");
    for _ in 0..rng.below(6) {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let content = words(1 + rng.below(4), &mut rng);
        html.push_str(&format!("<meta name=\"{name}\" content=\"{content}\">"));
    }
    html.push_str("<metadata>not a tag we want</metadata></head><body>");
    let body_len = 1_000 + rng.below(3_000) as usize;
    while html.len() < body_len {
        let sentence = words(8 + rng.below(8), &mut rng);
        html.push_str(&format!(
            "<p>{sentence}; see <a href=\"/meta\">meta</a>.</p>"
        ));
    }
    html.push_str("</body></html>");
    html
}

pub struct MetaScan {
    pages: Vec<String>,
    tag: Regex,
}

impl MetaScan {
    pub fn new(pages: u64) -> Result<Self, SizeError> {
        let pages = LIMITS.check(pages)?;
        Ok(MetaScan {
            pages: (0..pages).map(page).collect(),
            tag: Regex::new(r#"<meta +name="([^"]*)" +content="([^"]*)" */?>"#)
                .expect("a valid pattern"),
        })
    }

    /// The `(name, content)` pairs of every meta tag on page `index`.
    pub fn tags(&self, index: usize) -> Vec<(&str, &str)> {
        self.tag
            .captures_iter(&self.pages[index])
            .map(|c| {
                let (_, [name, content]) = c.extract();
                (name, content)
            })
            .collect()
    }

    /// Bytes of HTML in the corpus.
    pub fn corpus_bytes(&self) -> usize {
        self.pages.iter().map(String::len).sum()
    }
}

impl Workload for MetaScan {
    fn task_count(&self) -> usize {
        TASKS.min(self.pages.len())
    }

    fn run_task(&self, index: usize) -> u64 {
        let pages = share(
            self.pages.len() as u64,
            self.task_count() as u64,
            index as u64,
        );
        digest_u64s(pages.flat_map(|p| {
            self.tags(p as usize)
                .into_iter()
                .map(|(name, content)| digest_bytes(name.bytes().chain([0]).chain(content.bytes())))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_meta_tags() {
        let work = MetaScan::new(200).unwrap();
        let mut found = 0;
        for i in 0..200 {
            let html = &work.pages[i];
            let tags = work.tags(i);
            assert_eq!(tags.len(), html.matches("<meta name=").count(), "page {i}");
            assert!(tags.iter().all(|(name, _)| NAMES.contains(name)));
            found += tags.len();
        }
        assert!(found > 200, "about 2.5 tags a page, found {found}");
        assert_eq!(page(7), page(7), "pages are deterministic");
        assert!(work.corpus_bytes() > 200 * 1_000);
    }
}
