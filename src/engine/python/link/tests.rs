use super::*;

#[test]
fn a_link_reads_back_to_the_form_it_was_made_from() {
    let settings = PythonSettings {
        code: "def work(x):\n    return x * 2  # é, ✓\n\ninputs = range(10)\n".into(),
        workers: "4".into(),
        chunksize: "2".into(),
        rounds: "oops".into(),
    };
    let fragment = encode(&settings).unwrap();
    assert!(fragment.starts_with("py.v1."));
    assert!(is_python_fragment(&format!("#{fragment}")));
    assert_eq!(open(&format!("#{fragment}")), Ok(settings));
}

#[test]
fn code_past_the_limit_is_refused_with_the_limit_named() {
    let long = PythonSettings {
        code: "x".repeat(MAX_CODE_CHARS + 1),
        ..PythonSettings::default()
    };
    assert!(encode(&long).unwrap_err().contains("20000"));
    // Code within the limit that does not compress (random CJK, 3 bytes each): the link's
    // own limit, named.
    let mut state = 1u64;
    let noise: String = (0..MAX_CODE_CHARS)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            char::from_u32(0x4e00 + (state >> 40) as u32 % 20_000).unwrap()
        })
        .collect();
    let noisy = PythonSettings {
        code: noise,
        ..PythonSettings::default()
    };
    let refused = encode(&noisy).unwrap_err();
    assert!(refused.contains("32 KB"), "{refused}");
}

#[test]
fn damaged_and_foreign_links_are_refused_with_why() {
    assert!(open("#v1.abc")
        .unwrap_err()
        .contains("not a Python lab link"));
    assert!(open("#py.v9.abc").unwrap_err().contains("format v9"));
    assert!(open("#py.zzz").unwrap_err().contains("no format version"));
    let wrong = format!("py.{}", codec::seal(1, br#"{"code": 5}"#));
    assert!(open(&wrong).unwrap_err().contains("code"));
}

fn measured() -> PythonRun {
    use super::super::measured::ModelRow;
    let row = |model, wall_ms: &[f64]| ModelRow {
        model,
        wall_ms: wall_ms.to_vec(),
        outcome: None,
        bytes_copied: 0,
    };
    PythonRun {
        workers: 2,
        chunksize: 1,
        tasks: 8,
        is_async: false,
        rows: vec![
            row(PyModel::Sequential, &[1000.0, 1100.0, 900.0]),
            row(PyModel::Pool, &[550.0, 600.0, 500.0]),
        ],
        starts: Vec::new(),
        spans: Vec::new(),
    }
}

fn machine() -> Machine {
    Machine {
        cores: 8,
        browser: "Firefox 140".into(),
        cross_origin_isolated: true,
    }
}

#[test]
fn a_link_with_results_carries_the_rows_the_lab_showed_and_the_machine() {
    let settings = PythonSettings::default();
    let fragment = encode_with_results(&settings, &measured(), &machine()).unwrap();
    let (read, results) = open_with_results(&fragment).unwrap();
    assert_eq!(read, settings);
    assert_eq!(open(&fragment), Ok(settings), "the form alone reads it too");
    let results = results.unwrap();
    assert_eq!((results.tasks, &results.machine), (8, &machine()));
    assert_eq!(results.rows, results_of(&measured()));
    let pool = &results.rows[1];
    assert_eq!(
        (pool.model, pool.threads, pool.repeats),
        (Model::Processes, 2, 3)
    );
    assert_eq!(pool.median_ms, 550.0);
    // The median of the per-round ratios (1000/550, 1100/600, 900/500), as the table shows.
    assert_eq!(pool.speedup, Some(1.8182));
    assert_eq!(results.rows[0].speedup, None);
    assert_eq!(
        open_with_results(&encode(&PythonSettings::default()).unwrap())
            .unwrap()
            .1,
        None
    );
}

#[test]
fn damaged_results_are_refused_with_what_is_wrong() {
    let damaged = |results: Value| {
        let mut wire = form_wire(&PythonSettings::default()).unwrap();
        wire.insert("results".into(), results);
        open_with_results(&sealed(wire).unwrap()).unwrap_err()
    };
    let machine = machine().to_wire();
    let sequential = json!(["sequential", 1, 900.0, 800.0, 1000.0, 3, null]);
    assert!(
        damaged(json!({"tasks": 0, "rows": [sequential], "machine": machine}))
            .contains("number of inputs")
    );
    assert!(damaged(json!({"tasks": 8, "rows": [sequential]})).contains("machine"));
    let pool_first = json!(["pool", 2, 500.0, 400.0, 600.0, 3, 1.8]);
    assert!(
        damaged(json!({"tasks": 8, "rows": [pool_first], "machine": machine}))
            .contains("no sequential run first")
    );
    let twice = json!({"tasks": 8, "rows": [sequential, sequential], "machine": machine});
    assert!(damaged(twice).contains("twice"));
    let gather_on_two = json!(["gather", 2, 500.0, 400.0, 600.0, 3, 1.8]);
    let rows = json!([sequential, gather_on_two]);
    assert!(
        damaged(json!({"tasks": 8, "rows": rows, "machine": machine})).contains("more than one")
    );
    // The form of a link whose results are damaged still opens in the lab: the code is kept.
    let mut wire = form_wire(&PythonSettings::default()).unwrap();
    wire.insert("results".into(), json!({"tasks": 0}));
    assert_eq!(open(&sealed(wire).unwrap()), Ok(PythonSettings::default()));
    let nonsense = json!(["pool", 99, 500.0, 400.0, 600.0, 3, 1.8]);
    let said = damaged(json!({"tasks": 8, "rows": [sequential, nonsense], "machine": machine}));
    assert!(
        said.starts_with("The Python lab link is damaged: its results hold"),
        "{said}"
    );
}

#[test]
fn the_same_code_is_the_same_workload() {
    let a = workload("def work(x):\n    return x\n");
    assert_eq!(a, workload("def work(x):\n    return x\n"));
    assert_ne!(a, workload("def work(x):\n    return x + 1\n"));
    assert_eq!(workload_fingerprint(&a).map(str::len), Some(8));
    assert_eq!(workload_fingerprint("count"), None);
    assert_eq!(workload_fingerprint("python:zz"), None);
}

#[test]
fn a_run_a_link_cannot_carry_is_refused_and_a_pool_that_did_other_work_is_left_out() {
    let empty = PythonRun {
        tasks: 0,
        ..measured()
    };
    let said = encode_with_results(&PythonSettings::default(), &empty, &machine()).unwrap_err();
    assert!(said.contains("had no inputs"), "{said}");
    // A pool whose results differ from sequential's is no speedup of this code.
    use super::super::measured::Outcome;
    let mut differs = measured();
    for (row, fingerprint) in differs.rows.iter_mut().zip(["a", "b"]) {
        row.outcome = Some(Outcome {
            count: 8,
            preview: String::new(),
            fingerprint: fingerprint.into(),
        });
    }
    let rows = results_of(&differs);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].model, Model::Sequential);
    // A pool past what its 2 interpreters can give (2.5×) is no result: left out.
    let mut slow_baseline = measured();
    slow_baseline.rows[0].wall_ms = vec![1375.0, 1500.0, 1250.0];
    let fragment =
        encode_with_results(&PythonSettings::default(), &slow_baseline, &machine()).unwrap();
    let rows = open_with_results(&fragment).unwrap().1.unwrap().rows;
    assert_eq!(
        rows.iter().map(|r| r.model).collect::<Vec<_>>(),
        [Model::Sequential]
    );
    // A speedup that rounds to nothing is carried as none, not refused on reading.
    let mut instant = measured();
    instant.rows[0].wall_ms = vec![0.0; 3];
    let fragment = encode_with_results(&PythonSettings::default(), &instant, &machine()).unwrap();
    assert_eq!(
        open_with_results(&fragment).unwrap().1.unwrap().rows[1].speedup,
        None
    );
}
