//! Scanning generated HTML pages for `<meta name=... content=...>` tags: the CPU half of "fetch
//! pages, then parse them". Like a parser (and unlike a search for the literal `<meta`), it
//! visits every tag and reads the attributes of each meta tag, in any order. The corpus is built
//! once, from a seed, and is the input a process pool has to copy.
//!
//! The scan finds exactly what two regular expressions find ([`TAG_PATTERN`], then
//! [`ATTRIBUTE_PATTERN`] over each tag's attributes, as Python's `re.finditer` would), but reads
//! the bytes itself (`scan.rs`): the regex crate cost a fifth of the download (535 KB of code
//! before optimisation) and ran 1.49× slower in wasm than natively. The native tests check the
//! scanner against the regex crate on the corpus and on random near-HTML.

use std::cell::Cell;
use std::ops::Range;

use super::{share, TaskList, SEED, TASKS};
use crate::rng::SplitMix64;
use crate::size::{Limits, SizeError};
use crate::wire::{DecodeError, Reader, Writer};
use crate::workload::{digest_bytes, digest_u64s, Checked, Interrupted, Workload};

mod scan;

/// The `<meta name content>` pairs of one page, in order: the scan of each task's pages, and the
/// one the I/O lab's pipeline runs on fetched pages.
pub use scan::meta_tags;

/// Any start tag: its name and its attribute text.
pub const TAG_PATTERN: &str =
    r#"<([a-zA-Z][a-zA-Z0-9]*)((?:[ \t\n]+[a-zA-Z:-]+="[^"]*")*)[ \t\n]*/?>"#;
/// One `key="value"` attribute.
pub const ATTRIBUTE_PATTERN: &str = r#"([a-zA-Z:-]+)="([^"]*)""#;

pub const LIMITS: Limits = Limits {
    min: 1,
    max: 100_000,
    default: 20_000,
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

/// A page's bytes in memory, generously: bodies are one to four kilobytes (2.6 KB on average),
/// and a grown `String` may hold spare capacity.
pub const BYTES_PER_PAGE: u64 = 4_096;

/// Page `index` of the corpus: a head with zero to five meta tags, decoys that must not match,
/// and a body of one to four kilobytes.
pub fn page(index: u64) -> String {
    let mut rng = SplitMix64::stream(SEED, index);
    let mut html = format!("<!doctype html><html><head><title>Page {index}</title>");
    for _ in 0..rng.below(6) {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let content = words(1 + rng.below(4), &mut rng);
        // Attribute order varies, as it does in the wild.
        if rng.below(2) == 0 {
            html.push_str(&format!("<meta name=\"{name}\" content=\"{content}\">"));
        } else {
            html.push_str(&format!("<meta content=\"{content}\" name=\"{name}\">"));
        }
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

/// A task's result: the digest of the tags found on its pages.
fn digest<'p>(pages: impl Iterator<Item = &'p str>) -> u64 {
    digest_u64s(pages.flat_map(|html| {
        meta_tags(html)
            .into_iter()
            .map(|(name, content)| digest_bytes(name.bytes().chain([0]).chain(content.bytes())))
    }))
}

pub struct MetaScan {
    pages: Vec<String>,
}

impl MetaScan {
    pub fn new(pages: u64) -> Result<Self, SizeError> {
        let pages = LIMITS.check(pages)?;
        Ok(MetaScan {
            pages: (0..pages).map(page).collect(),
        })
    }

    /// The `(name, content)` pairs of every meta tag on page `index`.
    pub fn tags(&self, index: usize) -> Vec<(&str, &str)> {
        meta_tags(&self.pages[index])
    }

    /// Bytes of HTML in the corpus.
    pub fn corpus_bytes(&self) -> usize {
        self.pages.iter().map(String::len).sum()
    }

    /// The pages task `index` scans.
    fn pages_of(&self, index: usize) -> Range<usize> {
        let range = share(
            self.pages.len() as u64,
            self.task_count() as u64,
            index as u64,
        );
        range.start as usize..range.end as usize
    }
}

impl Workload for MetaScan {
    fn task_count(&self) -> usize {
        TASKS.min(self.pages.len())
    }

    fn run_task(&self, index: usize) -> u64 {
        digest(self.pages[self.pages_of(index)].iter().map(String::as_str))
    }

    /// Checks in with the GIL before each page: a page's scan is tens of microseconds.
    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let interrupted = Cell::new(false);
        let pages = self.pages[self.pages_of(index)].iter().map_while(|page| {
            interrupted.set(checkpoint().is_err());
            (!interrupted.get()).then_some(page.as_str())
        });
        let digest = digest(pages);
        if interrupted.get() {
            Err(Interrupted)
        } else {
            Ok(digest)
        }
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("meta-scan")
    }

    /// The HTML itself: a process can only scan pages that were copied to it.
    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        let mut writer = Writer::new();
        writer.u64(tasks.len() as u64);
        for index in tasks {
            let pages = &self.pages[self.pages_of(index)];
            writer.u64(pages.len() as u64);
            for html in pages {
                writer.bytes(html.as_bytes());
            }
        }
        writer.finish()
    }
}

/// The process side: the pages of each task, scanned in the process.
pub fn decode(bytes: &[u8]) -> Result<TaskList<Vec<String>>, DecodeError> {
    let mut reader = Reader::new(bytes);
    let tasks = reader.u64()?;
    let mut args = Vec::new();
    for _ in 0..tasks {
        let pages = reader.u64()?;
        let html = (0..pages)
            .map(|_| {
                let bytes = reader.bytes()?;
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| DecodeError("a page that is not UTF-8".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        args.push(html);
    }
    reader.end()?;
    Ok(TaskList {
        args,
        run: |pages| digest(pages.iter().map(String::as_str)),
    })
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
            assert_eq!(tags.len(), html.matches("<meta ").count(), "page {i}");
            assert!(tags.iter().all(|(name, _)| NAMES.contains(name)));
            found += tags.len();
        }
        assert!(found > 200, "about 2.5 tags a page, found {found}");
        assert_eq!(page(7), page(7), "pages are deterministic");
        assert!(work.corpus_bytes() > 200 * 1_000);
    }
}
