//! The Python lab's form as a link of its own: `#py.v1.<payload>`, the share links' envelope
//! ([`codec`]) around the code, the pool's size, the chunksize and the rounds, as typed. A
//! teacher pastes the course's exercise once and hands the class a link. Reading checks every
//! field's type and size; the form's own reader then says what it refuses, as for anything typed.

use serde_json::json;

use super::settings::{PythonSettings, MAX_CODE_CHARS};
use crate::engine::share::codec;

/// What a Python lab fragment starts with, before the envelope's version.
pub const PREFIX: &str = "py.";
/// The format this version writes and reads.
pub const VERSION: u32 = 1;
/// The longest number field a link may carry: the form's fields are a few digits.
const MOST_FIELD_CHARS: usize = 40;

/// Whether a fragment (with or without `#`) is a Python lab link.
pub fn is_python_fragment(fragment: &str) -> bool {
    fragment
        .strip_prefix('#')
        .unwrap_or(fragment)
        .starts_with(PREFIX)
}

/// The fragment (without `#`), or why it cannot be a link and what to do.
pub fn encode(settings: &PythonSettings) -> Result<String, String> {
    let chars = settings.code.chars().count();
    if chars > MAX_CODE_CHARS {
        return Err(format!(
            "This code cannot be shared as a link: it is {chars} characters, more than the \
             {MAX_CODE_CHARS} a link carries. Shorten it, or share the file."
        ));
    }
    let wire = json!({
        "code": settings.code,
        "workers": settings.workers,
        "chunksize": settings.chunksize,
        "rounds": settings.rounds,
    });
    let fragment = format!(
        "{PREFIX}{}",
        codec::seal(VERSION, wire.to_string().as_bytes())
    );
    if fragment.len() > codec::MAX_FRAGMENT_BYTES {
        return Err(format!(
            "This code cannot be shared as a link: the link would be {} KB, more than the {} KB \
             a link may be. Shorten it, or share the file.",
            fragment.len().div_ceil(1024),
            codec::MAX_FRAGMENT_BYTES / 1024
        ));
    }
    Ok(fragment)
}

/// Reads a Python lab fragment.
pub fn open(fragment: &str) -> Result<PythonSettings, String> {
    let wire = codec::open_prefixed(fragment, PREFIX, VERSION, "Python lab link")?;
    let text = |name: &str, most: usize| {
        wire[name]
            .as_str()
            .filter(|t| t.chars().count() <= most)
            .map(String::from)
            .ok_or_else(|| {
                format!("The Python lab link is damaged: its {name} is missing or too long.")
            })
    };
    Ok(PythonSettings {
        code: text("code", MAX_CODE_CHARS)?,
        workers: text("workers", MOST_FIELD_CHARS)?,
        chunksize: text("chunksize", MOST_FIELD_CHARS)?,
        rounds: text("rounds", MOST_FIELD_CHARS)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_to_the_form_it_was_made_from() {
        let settings = PythonSettings {
            code: "def work(x):\n    return x * 2  # é, ✓\n\ninputs = range(10)\n".into(),
            workers: "4".into(),
            chunksize: "2".into(),
            rounds: "oops".into(),
        };
        let fragment = encode(&settings).unwrap();
        assert!(fragment.starts_with("py.v1."));
        assert!(is_python_fragment(&format!("#{fragment}")));
        assert_eq!(open(&format!("#{fragment}")), Ok(settings));
    }

    #[test]
    fn code_past_the_limit_is_refused_with_the_limit_named() {
        let long = PythonSettings {
            code: "x".repeat(MAX_CODE_CHARS + 1),
            ..PythonSettings::default()
        };
        assert!(encode(&long).unwrap_err().contains("20000"));
        // Code within the limit that does not compress (random CJK, 3 bytes each): the link's
        // own limit, named.
        let mut state = 1u64;
        let noise: String = (0..MAX_CODE_CHARS)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                char::from_u32(0x4e00 + (state >> 40) as u32 % 20_000).unwrap()
            })
            .collect();
        let noisy = PythonSettings {
            code: noise,
            ..PythonSettings::default()
        };
        let refused = encode(&noisy).unwrap_err();
        assert!(refused.contains("32 KB"), "{refused}");
    }

    #[test]
    fn damaged_and_foreign_links_are_refused_with_why() {
        assert!(open("#v1.abc")
            .unwrap_err()
            .contains("not a Python lab link"));
        assert!(open("#py.v9.abc").unwrap_err().contains("format v9"));
        assert!(open("#py.zzz").unwrap_err().contains("no format version"));
        let wrong = format!("py.{}", codec::seal(1, br#"{"code": 5}"#));
        assert!(open(&wrong).unwrap_err().contains("code"));
    }
}
