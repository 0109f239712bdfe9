use super::*;

#[test]
fn free_threads_scaling_is_read_from_pure_computation_only() {
    let mut report = Report::new("count");
    report.push(row(Model::Sequential, 1, 100.0, 7));
    assert_eq!(report.scaling(), None, "no free threads");
    report.push(row(Model::FreeThreads, 1, 100.0, 7));
    report.push(row(Model::FreeThreads, 2, 58.0, 7));
    report.push(row(Model::FreeThreads, 4, 60.0, 7));
    let scaling = report.scaling().unwrap();
    assert!((scaling.best - 100.0 / 58.0).abs() < 1e-4, "{scaling:?}");
    assert_eq!(scaling.up_to, 4);
    report.kernel = "merge-sort".into();
    assert_eq!(report.scaling(), None, "memory bandwidth limits it too");
}

fn row(model: Model, threads: usize, median: f64, checksum: u64) -> Row {
    Row::from_samples(model, threads, &[median], Checksum(checksum)).unwrap()
}

#[test]
fn rows_need_valid_samples() {
    let row = Row::from_samples(Model::Sequential, 1, &[3.0, 1.0, 2.0], Checksum(9)).unwrap();
    assert_eq!(row.summary.median, 2.0);
    assert_eq!(
        Row::from_samples(Model::Sequential, 1, &[], Checksum(9)),
        None
    );
}

#[test]
fn plan_sweeps_every_thread_count_after_the_baseline() {
    let steps = plan(&[Model::FreeThreads], true, 3);
    let got: Vec<(Model, usize)> = steps.iter().map(|s| (s.model, s.threads)).collect();
    assert_eq!(
        got,
        vec![
            (Model::Sequential, 1),
            (Model::FreeThreads, 1),
            (Model::FreeThreads, 2),
            (Model::FreeThreads, 3),
        ]
    );
}

#[test]
fn thread_counts_are_all_a_list_or_a_range_within_the_cores() {
    assert_eq!(parse_threads("", 4).unwrap(), [1, 2, 3, 4]);
    assert_eq!(parse_threads(" All ", 2).unwrap(), [1, 2]);
    assert_eq!(parse_threads("4, 1 2,2", 8).unwrap(), [1, 2, 4]);
    assert_eq!(parse_threads("2-4", 8).unwrap(), [2, 3, 4]);
    // Past the reported cores, up to the limit; `all` stays the cores.
    assert_eq!(parse_threads_up_to("all", 2, 8).unwrap(), [1, 2]);
    assert_eq!(parse_threads_up_to("1, 4, 8", 2, 8).unwrap(), [1, 4, 8]);
    assert_eq!(
        parse_threads_up_to("9", 2, 8).unwrap_err(),
        "Each k must be from 1 to 8 (got 9)."
    );
    assert_eq!(
        parse_threads("1, 16", 8).unwrap_err(),
        "Each k must be from 1 to 8 (got 16)."
    );
    assert!(parse_threads("0", 8).is_err());
    assert_eq!(parse_chunksize(" "), Ok(None));
    assert_eq!(parse_chunksize("1_000"), Ok(Some(1000)));
    assert!(parse_chunksize("0").is_err());
    assert!(parse_chunksize("big").unwrap_err().contains("blank"));
    assert_eq!(
        parse_threads("two", 8).unwrap_err(),
        "\"two\" is not a k or a range of k: write all, 1, 2, 4 or 1-4."
    );
    // A negative k is named as itself, not as a range from nothing.
    assert!(parse_threads("-1", 8)
        .unwrap_err()
        .starts_with("\"-1\" is not a k"));
    // Commas with nothing between them choose nothing, which is said, not run.
    for nothing in [",", " , ,"] {
        assert!(parse_threads(nothing, 8)
            .unwrap_err()
            .starts_with("No thread counts"));
    }
    let steps = plan_for(&[Model::GilThreads], true, &[2, 4]);
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[2].threads, 4);
}

#[test]
fn plan_without_threads_is_the_baseline_alone() {
    assert_eq!(
        plan(&[Model::FreeThreads, Model::GilThreads], false, 8),
        vec![Step {
            model: Model::Sequential,
            threads: 1
        }]
    );
    assert_eq!(
        plan(&[Model::FreeThreads], true, 0).len(),
        2,
        "zero cores still sweeps k = 1"
    );
    // Processes and async need no thread pool; models come in the table's order.
    let got: Vec<(Model, usize)> = plan(&[Model::Async, Model::Processes], false, 2)
        .iter()
        .map(|s| (s.model, s.threads))
        .collect();
    assert_eq!(
        got,
        vec![
            (Model::Sequential, 1),
            (Model::Processes, 1),
            (Model::Processes, 2),
            (Model::Async, 1),
            (Model::Async, 2),
        ]
    );
}

#[test]
fn rounds_add_samples_to_their_row_and_keep_the_median_trace() {
    let trace = |wall_ms| Trace {
        wall_ms,
        ..Trace::new(1, Default::default(), 1, wall_ms, vec![], None, None)
    };
    let step = Step {
        model: Model::Processes,
        threads: 2,
    };
    let mut report = Report::new("fib");
    report
        .record(step, &[30.0], Checksum(5), trace(30.0))
        .unwrap();
    report
        .record(step, &[10.0], Checksum(5), trace(10.0))
        .unwrap();
    report
        .record(step, &[20.0], Checksum(5), trace(20.0))
        .unwrap();
    let row = &report.rows()[0];
    assert_eq!(report.rows().len(), 1);
    assert_eq!(row.samples_ms, [30.0, 10.0, 20.0]);
    assert_eq!(row.summary.median, 20.0);
    assert_eq!(row.trace.as_ref().unwrap().wall_ms, 20.0);
    assert_eq!(
        report.record(step, &[20.0], Checksum(6), trace(20.0)),
        Err(RecordError::Inconsistent {
            before: Checksum(5),
            now: Checksum(6)
        })
    );
    assert_eq!(
        report.record(step, &[], Checksum(5), trace(1.0)),
        Err(RecordError::BadSamples)
    );
}

#[test]
fn speedups_and_verdicts_are_against_the_sequential_row() {
    let mut report = Report::default();
    report.push(row(Model::FreeThreads, 1, 1_000.0, 7));
    assert_eq!(report.verdict(&report.rows()[0]), Verdict::Unchecked);
    assert_eq!(report.speedup(&report.rows()[0]), None);

    report.push(row(Model::Sequential, 1, 900.0, 7));
    report.push(row(Model::FreeThreads, 2, 450.0, 7));
    report.push(row(Model::FreeThreads, 3, 300.0, 8));
    let rows = report.rows();
    assert_eq!(report.verdict(&rows[1]), Verdict::Reference);
    assert_eq!(report.verdict(&rows[0]), Verdict::Matches);
    assert_eq!(report.verdict(&rows[2]), Verdict::Matches);
    assert_eq!(
        report.verdict(&rows[3]),
        Verdict::Mismatch {
            expected: Checksum(7)
        }
    );
    assert_eq!(report.mismatches(), 1);
    assert_eq!(report.speedup(&rows[2]), Some(2.0));
    assert_eq!(report.speedup(&rows[1]), Some(1.0));
}

#[test]
fn speedups_are_the_median_of_each_rounds_ratio() {
    // Rounds 2 and 3 ran on a machine twice as slow, and k = 2 was disturbed in rounds 4
    // and 5: within a round k = 2 was 2× in three rounds of five, which the median of the
    // per-round ratios says, where the ratio of the medians would say 1×.
    let mut report = Report::default();
    let samples =
        |model, threads, ms: &[f64]| Row::from_samples(model, threads, ms, Checksum(7)).unwrap();
    report.push(samples(
        Model::Sequential,
        1,
        &[1_000.0, 2_000.0, 2_000.0, 1_000.0, 1_000.0],
    ));
    report.push(samples(
        Model::FreeThreads,
        2,
        &[500.0, 1_000.0, 1_000.0, 2_000.0, 2_000.0],
    ));
    let row = &report.rows()[1];
    let spread = report.speedup_spread(row).unwrap();
    assert_eq!(spread.rounds, 5);
    assert_eq!(spread.median, 2.0);
    assert_eq!(report.speedup(row), Some(spread.median));
    // A row with no rounds in common (from a summary alone) falls back to the medians.
    let mut summary_only = report.clone();
    summary_only.rows[1].samples_ms.clear();
    assert_eq!(summary_only.speedup_spread(&summary_only.rows[1]), None);
    assert_eq!(summary_only.speedup(&summary_only.rows[1]), Some(1.0));
}

/// Firefox and WebKit once ran the sequential count on the engine's thread slower than in a
/// worker process, and the lab showed 2 processes 2.8× faster on 2 cores: a broken baseline,
/// which the report now names rather than presents.
#[test]
fn a_speedup_past_its_cores_is_flagged_as_no_result() {
    let mut report = Report::new("count");
    report.push(row(Model::Sequential, 1, 1_330.0, 7));
    report.push(row(Model::FreeThreads, 2, 700.0, 7));
    report.push(row(Model::Processes, 2, 430.0, 7));
    report.push(row(Model::Async, 4, 900.0, 7));
    let flagged: Vec<(Model, bool)> = report
        .rows()
        .iter()
        .map(|r| (r.model, report.beyond_cores(r)))
        .collect();
    assert_eq!(
        flagged,
        [
            (Model::Sequential, false),
            (Model::FreeThreads, false),
            (Model::Processes, true),
            // Coroutines share one core, whatever their k.
            (Model::Async, true),
        ]
    );
}

#[test]
fn a_sweep_past_the_cores_on_the_pool_asks_for_a_bigger_pool() {
    let (threads, processes) = (Model::FreeThreads, Model::Processes);
    // The cores, unless a pool model asks for more.
    assert_eq!(pool_for_sweep(&[threads], true, Some(&[1, 2, 8]), 4), 8);
    assert_eq!(pool_for_sweep(&[threads], true, Some(&[1, 2]), 4), 4);
    // Worker processes are workers of their own: no bigger pool for them.
    assert_eq!(pool_for_sweep(&[processes], true, Some(&[1, 2, 8]), 4), 4);
    // A refused form keeps the cores; no threads, no pool.
    assert_eq!(pool_for_sweep(&[threads], true, None, 4), 4);
    assert_eq!(pool_for_sweep(&[threads], false, Some(&[8]), 4), 0);
}
