//! The lessons' steps and conclusions, from synthetic measurements.

use super::*;
use crate::engine::io::IoModel;
use crate::engine::io::Summary as IoSummary;
use crate::engine::rounds::Verdict;
use crate::engine::run::dispatch::MapStyle;

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
    // Rounds that disagree across the processes' threshold (1.5× for 2): too busy to tell.
    let noisy = rounds(&[400.0, 210.0, 380.0, 215.0, 300.0]);
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
            ms: 1.0,
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
    let mut wrong = as_cpython;
    wrong[0] = counter(9_999_000);
    assert!(!(lock.conclude)(2, &wrong).unwrap().holds());
}
