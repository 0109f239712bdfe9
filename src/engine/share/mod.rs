//! Share links: an experiment's settings, and optionally what it measured and on what machine,
//! carried in the URL fragment so that no server is involved and a link keeps working for as
//! long as this page exists.
//!
//! The fragment is `#v<version>.<payload>` ([`codec`]). Reading one never fails: whatever cannot
//! be used is named in [`Opened::problems`] and replaced by the default, field by field. Old
//! versions are brought forward by [`MIGRATIONS`], and the golden links under `tests/links/`
//! pin that every link ever made keeps opening to the same experiment.

pub mod codec;
pub mod export;
mod made_link;
pub mod problems;
mod shared;
pub mod trace_events;
mod wire;

pub use made_link::{LinkShown, MadeLink};
pub use shared::{
    browser_label, fit_threads, report_of, CpuConfig, CpuResult, IoResult, Lab, Machine, Opened,
    Results, Shared,
};
use wire::{from_wire, to_wire};

use serde_json::Value;

/// The format this version writes. Every earlier one is read through [`MIGRATIONS`].
pub const VERSION: u32 = 1;

/// `MIGRATIONS[i]` turns a version `i + 1` payload into version `i + 2`. Empty while version 1
/// is the only one; when a field changes, add a step here and a golden link of the new version,
/// and leave every older golden link and its expected state as they are.
pub const MIGRATIONS: &[fn(Value) -> Value] = &[];

/// The fragment (without `#`) that [`open`] reads back to `shared`.
pub fn encode(shared: &Shared) -> String {
    let json = serde_json::to_vec(&to_wire(shared)).expect("plain values serialize");
    codec::seal(VERSION, &json)
}

/// The fragment for `shared` if [`open`] will read it back, else why not and what to leave out:
/// the copy buttons never hand out a link the decoder's limits refuse.
pub fn link(shared: &Shared) -> Result<String, String> {
    let json = serde_json::to_vec(&to_wire(shared)).expect("plain values serialize");
    let fragment = codec::seal(VERSION, &json);
    let too_big = if json.len() > codec::MAX_INFLATED_BYTES {
        format!(
            "its data would be {} KB, more than the {} KB a link may carry",
            json.len().div_ceil(1024),
            codec::MAX_INFLATED_BYTES / 1024
        )
    } else if fragment.len() > codec::MAX_FRAGMENT_BYTES {
        format!(
            "it would be {} KB, more than the {} KB a link may be",
            fragment.len().div_ceil(1024),
            codec::MAX_FRAGMENT_BYTES / 1024
        )
    } else {
        return Ok(fragment);
    };
    let leave_out = match (&shared.lab, &shared.results) {
        (_, Some(_)) => "copy the link without results, or save the results as JSON instead",
        (Lab::Io(_), None) => "list fewer URLs, or shorter ones",
        (Lab::Cpu(_), None) => "choose fewer thread counts",
    };
    Err(format!(
        "This link cannot be shared: {too_big}. To share it, {leave_out}."
    ))
}

/// Reads a fragment. `None` when there is none; otherwise always something to show.
pub fn open(fragment: &str) -> Option<Opened> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment).trim();
    if fragment.is_empty() {
        return None;
    }
    let fallback = |why: String| Opened {
        shared: Shared::default(),
        problems: vec![format!("{why}. The default experiment is shown instead.")],
    };
    // The version first, before unpacking: a newer link is not "corrupted" to this page, only
    // one it cannot read yet.
    if let Some(version) = codec::version(fragment).filter(|&v| v == 0 || v > VERSION) {
        return Some(fallback(format!(
            "This link is format v{version}, which this version of Overlap cannot read (it reads \
             v1 to v{VERSION}); it may come from a newer Overlap"
        )));
    }
    let (version, json) = match codec::open(fragment) {
        Ok(opened) => opened,
        Err(why) => return Some(fallback(why.to_string())),
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&json) else {
        return Some(fallback(
            "The link is corrupted: its data is not an experiment".into(),
        ));
    };
    for step in &MIGRATIONS[(version - 1) as usize..] {
        value = step(value);
    }
    Some(from_wire(&value))
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
