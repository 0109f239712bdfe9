//! Extracts the code each lesson shows under "What Overlap runs" from the source that runs it.
//!
//! A region of any file listed in `SOURCES` between `// lesson: <slug> [<slug> …]` and
//! `// end lesson` becomes part of each named lesson's excerpt, dedented, under a comment naming
//! its file.
//! The excerpts are written to `$OUT_DIR/lesson_code.rs` as `LESSON_CODE: &[(slug, code)]`, so
//! the page can only ever show code that compiles and is the code measured. A marker left open
//! stops the build with the file and line.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::Path;

const SOURCES: &[&str] = &[
    "src/engine/run/runtime.rs",
    "src/engine/run/processes.rs",
    "src/engine/run/dispatch.rs",
    "src/engine/run/coroutines.rs",
    "src/engine/run/shared_state.rs",
    "src/engine/run/deadlock.rs",
    "src/engine/io/mod.rs",
    "src/web/worker/processes.rs",
];

fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut code: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
        let text = fs::read_to_string(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let mut open: Option<(String, usize, Vec<&str>)> = None;
        for (n, line) in text.lines().enumerate() {
            let marker = line.trim();
            if let Some(slug) = marker.strip_prefix("// lesson: ") {
                if let Some((open_slug, at, _)) = &open {
                    panic!(
                        "{source}:{}: lesson {slug} opens inside lesson {open_slug} (line {at})",
                        n + 1
                    );
                }
                open = Some((slug.trim().to_string(), n + 1, Vec::new()));
            } else if marker == "// end lesson" {
                let (slugs, _, lines) = open.take().unwrap_or_else(|| {
                    panic!("{source}:{}: `// end lesson` with none open", n + 1)
                });
                for slug in slugs.split_whitespace() {
                    let part = format!("// {source}\n{}", dedent(&lines));
                    code.entry(slug.to_string()).or_default().push(part);
                }
            } else if let Some((_, _, lines)) = open.as_mut() {
                lines.push(line);
            }
        }
        if let Some((slug, at, _)) = open {
            panic!("{source}:{at}: lesson {slug} is never closed with `// end lesson`");
        }
    }
    let mut out = String::from("/// Each lesson's excerpt of the code that runs it (see build.rs).\npub const LESSON_CODE: &[(&str, &str)] = &[\n");
    for (slug, parts) in &code {
        out += &format!("    ({slug:?}, {:?}),\n", parts.join("\n\n"));
    }
    out += "];\n";
    let path = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lesson_code.rs");
    fs::write(path, out).expect("OUT_DIR is writable");
}
