//! Golden share links: every link under `tests/links/v<N>/` must open to the state recorded beside it in
//! `<name>.json`, with as many problems named, in this version and every later one. When the format changes, add a
//! migration and new golden links; never edit or regenerate these.
//!
//! A new golden link's expected state is written once with `OVERLAP_BLESS_NEW_LINKS=1`; an
//! existing one is never overwritten.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use overlap::engine::share;

#[test]
fn every_golden_link_opens_to_its_recorded_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/links");
    let mut checked = 0;
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
            // The state exactly; the problems by number, so their wording may improve.
            assert_eq!(
                got["shared"],
                expected["shared"],
                "{} opens differently",
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
