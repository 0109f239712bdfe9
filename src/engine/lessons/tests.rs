//! The lessons' steps and conclusions, from synthetic measurements.

use super::*;
use crate::engine::io::Summary as IoSummary;
use crate::engine::io::{IoModel, IoRun};
use crate::engine::protocol::SharedOutcome;
use crate::engine::rounds::Verdict;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::trace::Trace;
use crate::engine::stats::Summary;
use lesson::code;

fn cpu_outcome(ms: f64) -> Outcome {
    rounds(&[ms])
}

/// A CPU step measured once per round, in round order.
fn rounds(samples_ms: &[f64]) -> Outcome {
    let summary = Summary::of(samples_ms).unwrap();
    Outcome::Cpu {
        summary,
        trace: Box::new(Trace::new(
            1,
            MapStyle::Map,
            1,
            summary.median,
            Vec::new(),
            None,
            None,
        )),
        samples_ms: samples_ms.to_vec(),
    }
}

#[test]
fn every_lesson_plans_valid_steps() {
    for lesson in LESSONS {
        for k in [2, 4, 16] {
            let steps = (lesson.steps)(k);
            assert!(!steps.is_empty(), "{}", lesson.slug);
            for step in &steps {
                match &step.probe {
                    Probe::Cpu(request) => {
                        let kernel = crate::engine::kernels::offered(&request.kernel)
                            .unwrap_or_else(|| {
                                panic!("{}: kernel {}", lesson.slug, request.kernel)
                            });
                        kernel.limits.check(request.size).unwrap();
                    }
                    Probe::Io(request) => request.check().unwrap(),
                    Probe::Shared(_) => {}
                }
            }
        }
        assert!(lesson.answer < 3);
        assert!(find(lesson.slug).is_some());
    }
    assert_eq!(LESSONS.len(), 9);
}

/// Every lesson shows an excerpt of the code that runs it, and every excerpt belongs to a lesson.
#[test]
fn every_lesson_shows_the_code_that_runs_it() {
    for lesson in LESSONS {
        assert!(
            lesson.rust().starts_with("// src/"),
            "{}: {:?}",
            lesson.slug,
            lesson.rust()
        );
        assert!(lesson.rust().lines().count() >= 3, "{}", lesson.slug);
    }
    for (slug, _) in code::LESSON_CODE {
        assert!(find(slug).is_some(), "an excerpt for no lesson: {slug}");
    }
}

/// The Python beside each lesson must at least parse, with the machine's python3
/// (`scripts/setup.sh` installs one where there is none). Without it this test fails rather
/// than pass unchecked.
#[test]
fn the_python_parses() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    for lesson in LESSONS {
        let parse = "import ast, sys; ast.parse(sys.stdin.read())";
        let mut child = Command::new("python3")
            .args(["-c", parse])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 checks the lessons' Python: install it (scripts/setup.sh does)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lesson.python.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            lesson.slug,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_gil_conclusion_comes_from_each_rounds_ratios() {
    let gil = find("gil").unwrap();
    // A machine that slows down by half in round 3: each round's ratio still shows the shape.
    let seq = rounds(&[400.0, 410.0, 800.0, 405.0, 398.0]);
    let threads = rounds(&[430.0, 420.0, 850.0, 415.0, 410.0]);
    let procs = rounds(&[220.0, 215.0, 430.0, 212.0, 210.0]);
    let c = (gil.conclude)(2, &[seq.clone(), threads, procs.clone()]).unwrap();
    assert_eq!(c.verdict, Verdict::Holds, "{}", c.line);
    assert!(c.holds());
    assert!(
        c.line.starts_with("2 GIL threads: 0.97× (0.94–0.98 over 5 rounds) — no faster than one thread; 2 processes: 1.90× (1.86–1.91 over 5 rounds)"),
        "{}",
        c.line
    );
    // Threads that really run in parallel fail the claim.
    let parallel = rounds(&[200.0, 205.0, 400.0, 202.0, 199.0]);
    let c = (gil.conclude)(2, &[seq.clone(), parallel, procs.clone()]).unwrap();
    assert_eq!(c.verdict, Verdict::Fails, "{}", c.line);
    assert!(c.line.contains("faster than the claim allows"));
    // Rounds that disagree across the processes' threshold (1.3× for 2): too busy to tell.
    let noisy = rounds(&[400.0, 210.0, 700.0, 215.0, 330.0]);
    let c = (gil.conclude)(2, &[seq, rounds(&[400.0; 5]), noisy]).unwrap();
    assert_eq!(c.verdict, Verdict::TooBusy, "{}", c.line);
    assert!(c.line.contains("too busy to tell"), "{}", c.line);
    assert!((gil.conclude)(2, &[cpu_outcome(1.0)]).is_err());
}

#[test]
fn async_and_reuse_conclusions() {
    let c = (find("async-cpu").unwrap().conclude)(4, &[cpu_outcome(400.0), cpu_outcome(404.0)])
        .unwrap();
    assert_eq!(
        c.line,
        "4 coroutines: 0.99× (0.99–0.99 over 1 rounds) — one thread, however many coroutines share it."
    );
    let c = (find("reuse").unwrap().conclude)(2, &[cpu_outcome(200.0), cpu_outcome(25.0)]).unwrap();
    assert!(c.holds());
    assert!(
        c.line.ends_with("one pool reused: 25 ms — 8.0× faster."),
        "{}",
        c.line
    );
}

#[test]
fn fetch_and_lock_conclusions() {
    let run = |model, wall_ms| {
        Outcome::Io(Box::new(IoRun {
            model,
            workers: 1,
            requests: vec![Default::default(); 16],
            summary: IoSummary {
                wall_ms,
                ok: 16,
                ..IoSummary::default()
            },
            ideal_ms: None,
            scan: None,
            memory: None,
            notes: Vec::new(),
        }))
    };
    let c = (find("fetch").unwrap().conclude)(
        2,
        &[
            run(IoModel::Sequential, 3300.0),
            run(IoModel::Gather, 250.0),
        ],
    )
    .unwrap();
    assert_eq!(
        c.line,
        "16 requests: one at a time 3300 ms, all at once 250 ms — 13.2× faster on one thread."
    );
    assert!(c.holds());

    let counter = |counted| {
        Outcome::Shared(SharedOutcome::Counter {
            threads: 2,
            expected: 10_000_000,
            counted,
            ms: 10.0,
            together: Some(0.9),
        })
    };
    let queue = Outcome::Shared(SharedOutcome::Queue {
        items: 10,
        per_consumer: vec![10],
        sum: 45,
        expected_sum: 45,
        ms: 1.0,
    });
    let lock = find("lock").unwrap();
    let as_cpython = [
        counter(10_000_000),
        counter(7_000_000),
        counter(7_506_360),
        counter(10_000_000),
        queue.clone(),
    ];
    let c = (lock.conclude)(2, &as_cpython).unwrap();
    assert_eq!(
        c.line,
        "Under a GIL, counter += 1 lost none of 10 000 000 (as CPython: no switch falls inside it); \
         with a call between the read and the write it lost 3 000 000 of 10 000 000 (30 %); free \
         threads (as 3.13t) lost 2 493 640 of 10 000 000 (25 %); with a lock, none of 10 000 000. \
         The queue delivered 10 items once each."
    );
    assert!(c.holds());
    // A GIL that let a switch fall inside `counter += 1` would not be CPython's.
    let mut wrong = as_cpython.clone();
    wrong[0] = counter(9_999_000);
    assert!(!(lock.conclude)(2, &wrong).unwrap().holds());
    // Free threads that lost none while their increments interleaved: the claim fails here.
    let mut none_lost = as_cpython.clone();
    none_lost[2] = counter(10_000_000);
    assert_eq!(
        (lock.conclude)(2, &none_lost).unwrap().verdict,
        Verdict::Fails
    );
    // The same when they never interleaved (a busy machine gave one a core only after the other
    // had finished): too busy to tell, not "not as claimed".
    none_lost[2] = Outcome::Shared(SharedOutcome::Counter {
        threads: 2,
        expected: 10_000_000,
        counted: 10_000_000,
        ms: 10.0,
        together: Some(0.1),
    });
    let busy = (lock.conclude)(2, &none_lost).unwrap();
    assert_eq!(busy.verdict, Verdict::TooBusy);
    assert!(
        busy.line.ends_with(
            "this machine was too busy to tell. Run again, ideally with other programs closed."
        ),
        "{}",
        busy.line
    );
}

#[test]
fn thousands_concludes_from_timers_and_prints_the_request_rate() {
    let run = |n: usize, wall_ms, in_flight, failed| {
        Outcome::Io(Box::new(IoRun {
            model: IoModel::Gather,
            workers: 1,
            requests: vec![Default::default(); n],
            summary: IoSummary {
                wall_ms,
                max_in_flight: in_flight,
                ok: n - failed,
                failed,
                ..IoSummary::default()
            },
            ideal_ms: None,
            scan: None,
            memory: None,
            notes: Vec::new(),
        }))
    };
    let thousands = find("thousands").unwrap();
    let steps = (thousands.steps)(2);
    assert!(matches!(
        &steps[0].probe,
        Probe::Io(r) if matches!(r.targets, crate::engine::io::Targets::Timers(_))
    ));
    let as_cpython = [
        run(5_000, 130.0, 5_000, 0),
        run(5_000, 5_200.0, 50, 0),
        run(1_000, 2_200.0, 1_000, 0),
    ];
    let c = (thousands.conclude)(2, &as_cpython).unwrap();
    assert!(c.holds(), "{}", c.line);
    assert!(
        c.line.starts_with(
            "5 000 coroutines sleeping 50 ms: 5 000 waiting at once, done in 0.13 s; 50 at a \
             time: 5.2 s (40× as long, about 100 sleeps in a row)."
        ),
        "{}",
        c.line
    );
    assert!(
        c.line.contains(
            "1 000 real requests at once took 2.2 s: the browser answered about 455 a second"
        ),
        "{}",
        c.line
    );
    // Not all waiting at once, or no faster than taking turns, or failures: not the claim.
    for wrong in [
        [
            run(5_000, 130.0, 900, 0),
            as_cpython[1].clone(),
            as_cpython[2].clone(),
        ],
        [
            run(5_000, 4_000.0, 5_000, 0),
            as_cpython[1].clone(),
            as_cpython[2].clone(),
        ],
        [
            run(5_000, 130.0, 5_000, 3),
            as_cpython[1].clone(),
            as_cpython[2].clone(),
        ],
    ] {
        assert!(!(thousands.conclude)(2, &wrong).unwrap().holds());
    }
}

/// Each lesson's script runs in CPython (`python3`, at its `--quick` size) and what it prints
/// reads back into that lesson, step for step, with the kind of figure the step measures here.
#[test]
fn every_script_runs_in_cpython_and_reads_back() {
    use super::cpython::{read, script, script_name, Figure};
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
            assert_eq!(label, &step.label, "{}", lesson.slug);
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
    use super::cpython::{compare, read, Figure};
    let gil = find("gil").unwrap();
    let line = r#"{"overlap": "cpython", "version": 1, "lesson": "gil", "python": "3.11.7", "cores": 2, "steps": [{"label": "Sequential", "ms": 1600, "rounds_ms": [1600, 1610]}, {"label": "2 GIL threads", "ms": 1620}, {"label": "2 processes", "ms": 850}]}"#;
    // The line alone, or with the rest of a terminal's output around it.
    let run = read(line, gil, 2).unwrap();
    assert_eq!(
        run,
        read(&format!("$ python3 overlap-gil.py\n{line}\n$ "), gil, 2).unwrap()
    );
    assert_eq!(run.python, "3.11.7");
    assert_eq!(
        run.steps[0].1,
        Some(Figure::Ms {
            ms: 1600.0,
            rounds_ms: vec![1600.0, 1610.0]
        })
    );
    // Beside the browser's: each relative to its own first step.
    let steps = (gil.steps)(2);
    let (seq, threads) = (rounds(&[500.0]), rounds(&[520.0]));
    let rows = compare(&steps, &[Some(&seq), Some(&threads), None], &run);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].browser_relative, Some(520.0 / 500.0));
    assert_eq!(rows[1].cpython_relative, Some(1620.0 / 1600.0));
    assert_eq!(rows[2].browser, None);
    assert_eq!(rows[1].cpython_label, None);
    // A script run where os.cpu_count() differs names its own k.
    let four = read(&line.replace("2 GIL threads", "4 GIL threads"), gil, 2).unwrap();
    let rows = compare(&steps, &[None, None, None], &four);
    assert_eq!(rows[1].cpython_label.as_deref(), Some("4 GIL threads"));
    assert_eq!(rows[2].cpython_relative, Some(850.0 / 1600.0));

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
            "has 2 steps",
        ),
        (&line.replace("1620", "-1"), "not one"),
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
