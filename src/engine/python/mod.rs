//! The Python lab: the visitor's own Python, run on real CPython interpreters (Pyodide) in the
//! page, sequentially, on a pool of k interpreters with `ProcessPoolExecutor.map`'s semantics, and
//! as asyncio coroutines. Nothing here touches an interpreter: this is what the lab reads from
//! its form ([`settings`]), the templates it starts from, what a run measured and how it is
//! summed up ([`measured`]), and the Python every interpreter loads to run the visitor's code
//! ([`DRIVER`]). The browser shell starts the interpreters and moves bytes between them
//! (`src/web/client/python.rs`).
//!
//! Why interpreters and not threads: browser CPython cannot start threads (Pyodide has no
//! pthreads build: <https://github.com/pyodide/pyodide/issues/237>), so threads are offered as
//! unavailable with that reason, never faked. Each interpreter is a Web Worker with memory of its
//! own, which is what a process is to `multiprocessing`: arguments and results cross as pickled
//! bytes, and starting one costs time (the lab shows it, as the spawn cost).

pub mod lessons;
pub mod link;
pub mod measured;
pub mod settings;

/// The module `_overlap` every interpreter loads before the visitor's code: it defines that code
/// in `__main__`, runs it under each model, pickles and unpickles what crosses between
/// interpreters, and keeps only the visitor's own lines in a traceback.
pub const DRIVER: &str = include_str!("driver.py");

/// The Pyodide the build copies into `pyodide/<version>/` (package.json pins it; a native test
/// checks the two agree). 314.x is CPython 3.14.
pub const PYODIDE_VERSION: &str = "314.0.7";

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    #[test]
    fn the_pyodide_version_is_the_one_package_json_pins() {
        let package = include_str!("../../../package.json");
        let pinned = format!("\"pyodide\": \"{}\"", super::PYODIDE_VERSION);
        assert!(
            package.contains(&pinned),
            "package.json does not pin {pinned}"
        );
    }

    /// The driver under this machine's CPython, as the page calls it: a template defined, run
    /// sequentially and as a pool's pickled chunks, the results agreeing; a traceback that shows
    /// only the visitor's lines; a lambda refused with pickle's own words.
    #[test]
    fn the_driver_runs_the_visitors_code_under_cpython() {
        let template = super::settings::TEMPLATES[1].code;
        let script = format!(
            r#"
def check():
    import asyncio, json, sys, types
    m = types.ModuleType("_overlap"); exec({driver:?}, m.__dict__)
    meta, _ = m.define({template:?}, "")
    assert json.loads(meta) == {{"tasks": 8, "is_async": False}}, meta
    seq = json.loads(asyncio.run(m.sequential())[0])
    _, chunks = m.pickle_chunks(3)
    assert len(chunks) == 3
    done = [asyncio.run(m.run_chunk(c))[1][0] for c in chunks]
    pool = json.loads(m.unpickle(done)[0])
    assert seq == pool and seq["count"] == 8, (seq, pool)
    bad = json.loads(m.define("def work(x):\n    return 1 / x\ninputs = [1, 0]\n", "")[0])
    err = json.loads(asyncio.run(m.sequential())[0])["error"]
    assert 'File "<your code>", line 2, in work' in err and "ZeroDivisionError" in err, err
    assert "_overlap" not in err and "driver" not in err, err
    syntax = json.loads(m.define("def work(x)\n    return x\n", "")[0])["error"]
    assert "line 1" in syntax and "SyntaxError" in syntax, syntax
    m.define("work = lambda x: x\ninputs = [1]\n", "")
    refused = json.loads(m.pickle_chunks(1)[0])["error"]
    assert "pickle" in refused.lower() and "lambda" in refused, refused
    print("ok")
check()
"#,
            driver = super::DRIVER,
        );
        let mut child = Command::new("python3")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 checks the Python lab's driver: install it (scripts/setup.sh does)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "ok",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
