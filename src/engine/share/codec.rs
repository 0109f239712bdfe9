//! The envelope of a share link's fragment: `v<version>.<payload>`, the payload being JSON,
//! deflated, in unpadded base64url. The version sits outside the payload so that a later format
//! may change anything inside it, compression included, and an old link still says how to read
//! it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The longest fragment read at all. Browsers take longer URLs, but no experiment needs one,
/// and a longer one is not a link this tool made.
pub const MAX_FRAGMENT_BYTES: usize = 32 * 1024;
/// The most the payload may inflate to: a few hundred bytes of state is typical, and a link
/// that inflates past this is a compression bomb, not an experiment.
pub const MAX_INFLATED_BYTES: usize = 256 * 1024;

/// Why a fragment could not be opened at all; `Display` is the message shown to the visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvelopeError {
    TooLong { bytes: usize },
    NoVersion,
    Corrupted(&'static str),
    Truncated,
}

impl std::fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvelopeError::TooLong { bytes } => write!(
                f,
                "The link is {:.1} KB long, more than the {} KB a share link may be",
                *bytes as f64 / 1024.0,
                MAX_FRAGMENT_BYTES / 1024
            ),
            EnvelopeError::NoVersion => write!(
                f,
                "The part of the link after # is not a share link (those start with #v1.)"
            ),
            EnvelopeError::Corrupted(what) => write!(f, "The link is corrupted: {what}"),
            EnvelopeError::Truncated => write!(
                f,
                "The link is cut short: part of it is missing, as happens when a long link is \
                 copied only in part"
            ),
        }
    }
}

/// Reads a link of its own kind, `<prefix>v<version>.<payload>` (the classroom's `class.`, the
/// Python lab's `py.`): its JSON, or why not, in words that name the link as `name` does
/// ("classroom link"). Only `version` is read.
pub fn open_prefixed(
    fragment: &str,
    prefix: &str,
    version: u32,
    name: &str,
) -> Result<serde_json::Value, String> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let envelope = fragment
        .strip_prefix(prefix)
        .ok_or_else(|| format!("This is not a {name}."))?;
    match self::version(envelope) {
        Some(v) if v == version => {}
        Some(v) => {
            return Err(format!(
                "This {name} is format v{v}; this version of Overlap reads v{version}."
            ))
        }
        None => {
            return Err(format!(
                "The {name} is damaged: it names no format version."
            ))
        }
    }
    let (_, json) = open(envelope).map_err(|e| format!("The {name}: {e}."))?;
    serde_json::from_slice(&json)
        .map_err(|_| format!("The {name} is corrupted: its data is not JSON."))
}

/// Wraps JSON as a fragment (without the `#`).
pub fn seal(version: u32, json: &[u8]) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(json, 9);
    format!("v{version}.{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// Splits off the version and inflates the payload. The version is returned as written, known
/// or not: the caller decides what it can read.
/// The format version a link names (`v1.…` is 1), read before anything is unpacked.
pub fn version(fragment: &str) -> Option<u32> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let (version, _) = fragment.strip_prefix('v')?.split_once('.')?;
    match version.parse() {
        Ok(v) if !version.starts_with('+') => Some(v),
        _ => None,
    }
}

pub fn open(fragment: &str) -> Result<(u32, Vec<u8>), EnvelopeError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.len() > MAX_FRAGMENT_BYTES {
        return Err(EnvelopeError::TooLong {
            bytes: fragment.len(),
        });
    }
    let version = version(fragment).ok_or(EnvelopeError::NoVersion)?;
    let (_, payload) = fragment.split_once('.').ok_or(EnvelopeError::NoVersion)?;
    // Some mail clients pad or break long links; padding and whitespace carry nothing.
    let payload: String = payload
        .trim_end_matches('=')
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if payload.is_empty() {
        return Err(EnvelopeError::Truncated);
    }
    let deflated = URL_SAFE_NO_PAD
        .decode(payload.as_bytes())
        .map_err(|e| match e {
            base64::DecodeError::InvalidByte(..) => {
                EnvelopeError::Corrupted("it has characters a share link never contains")
            }
            // A length no encoder makes: characters were lost at the end.
            _ => EnvelopeError::Truncated,
        })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                EnvelopeError::Corrupted("its data unpacks to far more than any experiment")
            }
            miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress => EnvelopeError::Truncated,
            _ => EnvelopeError::Corrupted("its data does not unpack"),
        })?;
    Ok((version, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_payloads_open_to_themselves() {
        let json = br#"{"lab":"cpu"}"#;
        let fragment = seal(1, json);
        assert!(fragment.starts_with("v1."));
        assert!(fragment[3..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(open(&fragment).unwrap(), (1, json.to_vec()));
        assert_eq!(open(&format!("#{fragment}==")).unwrap(), (1, json.to_vec()));
    }

    #[test]
    fn what_is_wrong_is_named() {
        let fragment = seal(1, &[b'x'; 500]);
        assert_eq!(open("results"), Err(EnvelopeError::NoVersion));
        assert_eq!(open("v.abc"), Err(EnvelopeError::NoVersion));
        assert_eq!(open("v1."), Err(EnvelopeError::Truncated));
        assert_eq!(
            open(&fragment[..fragment.len() - 3]),
            Err(EnvelopeError::Truncated)
        );
        assert!(matches!(
            open(&fragment.replace('A', "*")),
            Err(EnvelopeError::Corrupted(_))
        ));
        let long = format!("v1.{}", "A".repeat(MAX_FRAGMENT_BYTES));
        assert!(matches!(open(&long), Err(EnvelopeError::TooLong { .. })));
        assert_eq!(open("v7.").map(|(v, _)| v), Err(EnvelopeError::Truncated));
        assert_eq!(open(&seal(7, b"{}")).unwrap().0, 7);
    }

    #[test]
    fn a_compression_bomb_is_refused() {
        let bomb = seal(1, &vec![b' '; MAX_INFLATED_BYTES + 1]);
        assert!(bomb.len() < 2_000, "deflate packs repeats tightly");
        assert!(matches!(open(&bomb), Err(EnvelopeError::Corrupted(_))));
    }
}
