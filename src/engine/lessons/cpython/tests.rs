//! CPython's lines: the scripts run and read back, a pasted line checked, and the committed
//! figures judged with the lessons' own claims.

use super::*;
use crate::engine::lessons::outcome::tests::rounds;
use crate::engine::lessons::{claims, find, workers, Probe, LESSONS};
use crate::engine::rounds::Verdict;

/// Each lesson's script runs in CPython (`python3`, at its `--quick` size) and what it prints
/// reads back into that lesson, step for step, with the kind of figure the step measures here.
#[test]
fn every_script_runs_in_cpython_and_reads_back() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = std::env::temp_dir().join(format!("overlap-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for lesson in LESSONS {
        let path = dir.join(script_name(lesson));
        std::fs::write(&path, script(lesson)).unwrap();
        let mut child = Command::new("python3")
            .arg(&path)
            .arg("--quick")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs (the test command installs it)");
        let deadline = Instant::now() + Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{} ran over two minutes", lesson.slug);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}: {}",
            lesson.slug,
            String::from_utf8_lossy(&output.stderr)
        );
        // The script's k is the machine's cores, at least 2: the lesson's own k.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let run = read(&stdout, lesson, cores.max(2))
            .unwrap_or_else(|why| panic!("{}: {why}\n{stdout}", lesson.slug));
        assert_eq!(run.lesson, lesson.slug);
        assert!(run.python.starts_with('3'), "{}", run.python);
        let steps = (lesson.steps)(cores.max(2));
        for ((label, figure), step) in run.steps.iter().zip(&steps) {
            // CPython's capacity step is its own (threads hashing, against one thread hashing).
            let own_baseline = matches!(
                figure,
                Some(Figure::Ms {
                    baseline_rounds_ms: Some(_),
                    ..
                })
            );
            if !own_baseline {
                assert_eq!(label, &step.label, "{}", lesson.slug);
            }
            match (&step.probe, figure) {
                (Probe::Shared(_), Some(Figure::Counted { .. }) | None) => {}
                (Probe::Cpu(_) | Probe::Io(_), Some(Figure::Ms { ms, .. })) => {
                    assert!(*ms > 0.0, "{} {label}", lesson.slug)
                }
                // Only the thousands lesson's real requests have no CPython counterpart.
                (Probe::Io(_), None) => assert_eq!(lesson.slug, "thousands"),
                other => panic!("{} {label}: {other:?}", lesson.slug),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pasted_line_is_checked_against_its_lesson() {
    let gil = find("gil").unwrap();
    let line = r#"{"overlap": "cpython", "version": 1, "lesson": "gil", "k": 2, "python": "3.11.7", "cores": 2, "steps": [{"label": "Sequential", "ms": 1600, "rounds_ms": [1600, 1610]}, {"label": "2 GIL threads", "ms": 1620}, {"label": "2 processes", "ms": 850}, {"label": "2 threads hashing (the GIL released)", "ms": 100, "baseline_rounds_ms": [190, 200]}]}"#;
    // The line alone, or with the rest of a terminal's output around it.
    let run = read(line, gil, 2).unwrap();
    assert_eq!(
        run,
        read(&format!("$ python3 overlap-gil.py\n{line}\n$ "), gil, 2).unwrap()
    );
    assert_eq!(run.python, "3.11.7");
    assert_eq!(run.k, Some(2));
    assert_eq!(
        run.steps[0].1,
        Some(Figure::Ms {
            ms: 1600.0,
            rounds_ms: vec![1600.0, 1610.0],
            baseline_rounds_ms: None,
        })
    );
    // Beside the browser's: each relative to its own first step, or its own baseline.
    let steps = (gil.steps)(2);
    let (seq, threads) = (rounds(&[500.0]), rounds(&[520.0]));
    let rows = compare(&steps, &[Some(&seq), Some(&threads), None, None], &run);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].cpython_relative, Some(195.0 / 100.0));
    assert_eq!(rows[1].browser_relative, Some(500.0 / 520.0));
    assert_eq!(rows[1].cpython_relative, Some(1600.0 / 1620.0));
    assert_eq!(rows[2].browser, None);
    assert_eq!(rows[1].cpython_label, None);
    // A script run where os.cpu_count() differs names its own k.
    let four = read(&line.replace("2 GIL threads", "4 GIL threads"), gil, 2).unwrap();
    let rows = compare(&steps, &[None, None, None, None], &four);
    assert_eq!(rows[1].cpython_label.as_deref(), Some("4 GIL threads"));
    assert_eq!(rows[2].cpython_relative, Some(1600.0 / 850.0));

    for (pasted, says) in [
        ("", "Nothing to read"),
        ("Traceback (most recent call last):", "Nothing to read"),
        ("{not json", "not the script's JSON"),
        (
            r#"{"overlap": "x", "version": 1, "lesson": "gil", "steps": []}"#,
            "not from one of",
        ),
        (
            &line.replace("\"version\": 1", "\"version\": 2"),
            "version 2",
        ),
        (&line.replace("\"gil\"", "\"copy\""), "open that lesson"),
        (
            &line.replace(r#", {"label": "2 processes", "ms": 850}"#, ""),
            "has 3 steps",
        ),
        (&line.replace("1620", "-1"), "not one"),
        (&line.replace("[190, 200]", "[190, -2]"), "not one"),
        (
            &line.replace("\"ms\": 850", "\"counted\": 3, \"of\": 2"),
            "more than it could",
        ),
        (
            &line.replace("\"ms\": 850", "\"ms\": 850, \"counted\": 3"),
            "either a time or",
        ),
        (&"x".repeat(70_000), "Paste only its last line"),
    ] {
        let why = read(pasted, gil, 2).unwrap_err();
        assert!(why.contains(says), "{pasted:.60}: {why}");
    }
}

/// CPython's own figures, measured on this project's machine by `scripts/cpython-figures.sh` and
/// committed: every claim a lesson makes must hold on them, judged as the browser's are. A claim
/// CPython does not bear out here is a wrong claim, or a wrong bound.
#[test]
fn every_claim_holds_on_cpythons_own_figures() {
    let mut seen = 0;
    for (slug, k, line) in all_measured() {
        let lesson = find(slug).unwrap();
        let k = k.unwrap_or(2);
        let run = read(line, lesson, k).unwrap_or_else(|why| panic!("{slug} k = {k}: {why}"));
        assert_eq!(
            run.k.map(|k| k as usize),
            workers::takes_k(lesson).then_some(k)
        );
        let steps = (lesson.steps)(k);
        let judged = claims::judge(lesson.claims, &claims_figures(&steps, &run));
        for j in &judged {
            // A claim CPython has no counterpart for is not judged (the free-threads steps).
            if let Some(verdict) = j.verdict {
                assert_eq!(
                    verdict,
                    Verdict::Holds,
                    "{} at k = {k}: {} reads {} on CPython {}",
                    j.claim.id,
                    j.claim.bound.describe(),
                    j.spread.unwrap(),
                    run.python
                );
            }
        }
        assert!(
            judged.iter().any(|j| j.verdict.is_some()),
            "{slug}: nothing judged"
        );
        assert_eq!(
            claims::verdict(&judged),
            Verdict::Holds,
            "{slug} at k = {k}"
        );
        seen += 1;
    }
    assert_eq!(seen, 24);
    // The lessons quote the nearest k measured.
    let (at, run) = measured(find("gil").unwrap(), 3).unwrap();
    assert_eq!((at, run.k), (2, Some(2)));
    assert_eq!(measured(find("gil").unwrap(), 16).unwrap().0, 8);
    assert_eq!(measured(find("fetch").unwrap(), 16).unwrap().1.k, None);
}

/// The copy lesson quotes CPython's shape from the committed line: its processes end slower than
/// one thread, its GIL threads gain nothing, its threads hashing reach what the cores give.
#[test]
fn the_copy_lesson_quotes_cpythons_shape_from_its_committed_figures() {
    let Shape { k, python, steps } = shape(find("copy").unwrap(), 2).unwrap();
    assert_eq!((k, python.as_str()), (2, "3.11.7"));
    let labels: Vec<&str> = steps.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "2 GIL threads, sharing memory",
            "2 processes, copying",
            "2 threads hashing (the GIL released)"
        ]
    );
    let x = |i: usize| steps[i].1.trim_end_matches('×').parse::<f64>().unwrap();
    assert!(x(0) < 1.25 && x(1) < 1.0 && x(2) > 1.4, "{steps:?}");
    let lock = shape(find("lock").unwrap(), 2).unwrap().steps;
    assert_eq!(lock[0].1, "67 % counted", "{lock:?}");
}
