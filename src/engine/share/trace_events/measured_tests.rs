//! Traces of real runs on a real pool: what the synthetic cases in `tests.rs` check, on what
//! the runtime actually records.

use super::tests::{assert_nested, events, totals};
use super::*;
use crate::engine::clock::system_clock;
use crate::engine::kernels;
use crate::engine::run::models::RunConfig;
use crate::engine::run::runtime::{measure, Runtime};

/// A real GIL run on two threads of a real pool: its trace nests, and its holds add up to the
/// busy time the timeline table shows.
#[test]
fn a_measured_gil_run_exports_a_nested_trace_whose_holds_are_its_busy_time_to_the_microsecond() {
    let work = kernels::build("count", 20_000_000).unwrap();
    let pool = crate::engine::test_pool(2);
    let measured = pool.install(|| {
        let mut runtime = Runtime::new(system_clock, 2);
        measure(
            &*work,
            &RunConfig::new(Model::GilThreads, 2),
            1,
            &mut runtime,
        )
        .unwrap()
    });
    let trace = measured.median_trace();
    let file = trace_file(
        "real",
        &[(
            "GIL".into(),
            Run::Cpu {
                model: Model::GilThreads,
                trace,
            },
        )],
    );
    assert!(assert_nested(&file) > trace.tasks.len());
    let held = totals(&file, 1, "holds the GIL");
    // Each hold's ends are rounded to the microsecond: at most 1 µs off per hold.
    let slack = trace.gil.as_ref().unwrap().holds.len() as f64 * 0.001;
    for (worker, busy) in trace.busy_ms.iter().enumerate() {
        let got = held.get(&(worker as u64 + 1)).copied().unwrap_or(0.0);
        assert!(
            (got - busy).abs() <= slack,
            "thread {worker}: {got} ms held vs {busy} ms busy"
        );
    }
}

/// A real run on two worker processes: one pickle and one unpickle per chunk, every arrow whole.
#[test]
fn a_measured_processes_run_exports_its_copies() {
    let work = kernels::build("count", 2_000_000).unwrap();
    let pool = crate::engine::test_pool(2);
    let measured = pool.install(|| {
        let mut runtime = Runtime::new(system_clock, 2);
        measure(
            &*work,
            &RunConfig::new(Model::Processes, 2),
            1,
            &mut runtime,
        )
        .unwrap()
    });
    let trace = measured.median_trace();
    assert!(!trace.chunks.is_empty());
    let file = trace_file(
        "real",
        &[(
            "Processes".into(),
            Run::Cpu {
                model: Model::Processes,
                trace,
            },
        )],
    );
    assert_nested(&file);
    let pickles = events(&file)
        .iter()
        .filter(|e| e["name"].as_str().unwrap().starts_with("pickle chunk"))
        .count();
    assert_eq!(pickles, trace.chunks.len());
    let starts = events(&file).iter().filter(|e| e["ph"] == "s").count();
    let ends = events(&file).iter().filter(|e| e["ph"] == "f").count();
    assert_eq!(starts, ends);
    assert_eq!(starts, 2 * trace.chunks.len());
}
