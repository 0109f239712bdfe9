//! Golden share links: every link under `tests/links/v<N>/` must open to the state recorded beside it in
//! `<name>.json`, with as many problems named, in this version and every later one. When the format changes, add a
//! migration and new golden links; never edit or regenerate these.
//!
//! A new golden link's expected state is written once with `OVERLAP_BLESS_NEW_LINKS=1`; an
//! existing one is never overwritten.
//!
//! The state is compared through a stable projection, so that a field added to the decoded types
//! later never forces editing a recording: every key the recording has must match, and a key it
//! lacks must hold its default (a zero, an empty value, or what the default experiment holds at
//! the same place).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use overlap::engine::share;
use serde_json::Value;

/// Whether `value` is what a new field holds when nothing sets it.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The places where `got` differs from the `recorded` state: keys the recording has must match;
/// keys it lacks must be zero or equal `default` at the same place.
fn differences(got: &Value, recorded: &Value, default: &Value, at: &str, out: &mut Vec<String>) {
    match (got, recorded) {
        (Value::Object(got), Value::Object(recorded)) => {
            for (key, value) in got {
                let here = format!("{at}.{key}");
                let default = default.get(key).unwrap_or(&Value::Null);
                match recorded.get(key) {
                    Some(recorded) => differences(value, recorded, default, &here, out),
                    None if is_zero(value) || value == default => {}
                    None => out.push(format!("{here} is new and not its default: {value}")),
                }
            }
            for key in recorded.keys().filter(|k| !got.contains_key(*k)) {
                out.push(format!("{at}.{key} is recorded but no longer decoded"));
            }
        }
        (Value::Array(got), Value::Array(recorded)) if got.len() == recorded.len() => {
            for (i, (g, r)) in got.iter().zip(recorded).enumerate() {
                let default = default.get(i).unwrap_or(&Value::Null);
                differences(g, r, default, &format!("{at}[{i}]"), out);
            }
        }
        _ if got == recorded => {}
        _ => out.push(format!("{at} is {got}, recorded {recorded}")),
    }
}

#[test]
fn the_projection_admits_new_defaulted_fields_and_nothing_else() {
    let recorded = serde_json::json!({"a": 1, "b": {"c": [1, 2]}});
    let mut out = Vec::new();
    let same_plus_new = serde_json::json!({"a": 1, "b": {"c": [1, 2], "d": false}, "e": ""});
    differences(&same_plus_new, &recorded, &Value::Null, "", &mut out);
    assert!(out.is_empty(), "{out:?}");
    for changed in [
        serde_json::json!({"a": 2, "b": {"c": [1, 2]}}),
        serde_json::json!({"a": 1, "b": {"c": [1]}}),
        serde_json::json!({"a": 1, "b": {"c": [1, 2], "d": true}}),
        serde_json::json!({"b": {"c": [1, 2]}}),
    ] {
        let mut out = Vec::new();
        differences(&changed, &recorded, &Value::Null, "", &mut out);
        assert!(!out.is_empty(), "{changed} passed");
    }
}

#[test]
fn every_golden_link_opens_to_its_recorded_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/links");
    let mut checked = 0;
    let default =
        serde_json::to_value(share::open(&share::encode(&Default::default())).unwrap()).unwrap();
    let mut versions: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    versions.sort_by_key(|e| e.file_name());
    for version in versions {
        let mut links: Vec<_> = std::fs::read_dir(version.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "link"))
            .collect();
        links.sort();
        for link in links {
            let text = std::fs::read_to_string(&link).unwrap();
            let opened = share::open(text.trim()).expect("a golden link is a link");
            let got = serde_json::to_value(&opened).unwrap();
            let expected_path = link.with_extension("json");
            if !expected_path.exists() && std::env::var_os("OVERLAP_BLESS_NEW_LINKS").is_some() {
                let pretty = serde_json::to_string_pretty(&got).unwrap() + "\n";
                std::fs::write(&expected_path, pretty).unwrap();
            }
            let expected: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(&expected_path)
                    .unwrap_or_else(|_| panic!("{} has no recorded state", link.display())),
            )
            .unwrap();
            // The state through the projection; the problems by number, so their wording may
            // improve.
            let mut out = Vec::new();
            differences(
                &got["shared"],
                &expected["shared"],
                &default["shared"],
                "shared",
                &mut out,
            );
            assert!(
                out.is_empty(),
                "{} opens differently: {out:#?}",
                link.display()
            );
            assert_eq!(
                got["problems"].as_array().map(Vec::len),
                expected["problems"].as_array().map(Vec::len),
                "{} reports different problems: {:#}",
                link.display(),
                got["problems"]
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "the golden links are missing ({checked} found)"
    );
}
