use super::link::{self, ClassLink};
use super::*;
use crate::engine::share::CpuConfig;

/// A result link as "Copy link with results" makes it: `seq_ms` sequentially, then `model` at
/// each (k, ms).
fn result_link(
    kernel: &str,
    machine: Option<Machine>,
    model: Model,
    seq_ms: f64,
    at: &[(usize, f64)],
) -> String {
    let row = |model, threads, ms: f64| CpuResult {
        model,
        threads,
        median_ms: ms,
        min_ms: ms * 0.95,
        max_ms: ms * 1.05,
        repeats: 3,
        speedup: None,
    };
    let mut results = vec![row(Model::Sequential, 1, seq_ms)];
    results.extend(at.iter().map(|&(k, ms)| row(model, k, ms)));
    let mut cpu = CpuConfig::first_visit();
    cpu.kernel = kernel.into();
    if kernel == "mandelbrot" {
        cpu.size = 1024;
    }
    let shared = Shared {
        lab: Lab::Cpu(cpu),
        results: Some(Results::Cpu(results)),
        machine,
    };
    format!("https://overlap.example/#{}", share::link(&shared).unwrap())
}

fn machine(cores: usize, browser: &str) -> Option<Machine> {
    Some(Machine {
        cores,
        browser: browser.into(),
        cross_origin_isolated: true,
    })
}

/// Processes scaling with k up to the cores, with `efficiency` of ideal.
fn processes(cores: usize, browser: &str, ks: &[usize], efficiency: f64) -> String {
    let at: Vec<(usize, f64)> = ks
        .iter()
        .map(|&k| (k, 1000.0 / (k.min(cores) as f64 * efficiency)))
        .collect();
    result_link(
        "count",
        machine(cores, browser),
        Model::Processes,
        1000.0,
        &at,
    )
}

#[test]
fn five_machines_make_one_curve_each_and_a_median_per_k() {
    let text = [
        processes(2, "Chrome 156", &[1, 2], 0.9),
        processes(4, "Firefox 153", &[1, 2, 4], 0.9),
        processes(4, "Safari 26", &[1, 2, 3, 4], 0.85),
        processes(8, "Chrome 156", &[1, 2, 4, 8], 0.9),
        processes(2, "Chrome 156", &[1, 2], 0.8),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    assert_eq!(class.kernel, "count");
    assert_eq!(class.notes, []);
    let labels: Vec<&str> = class.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "2 cores, Chrome 156",
            "4 cores, Firefox 153",
            "4 cores, Safari 26",
            "8 cores, Chrome 156",
            "2 cores, Chrome 156 #2"
        ]
    );
    assert_eq!(class.models(), [Model::Processes]);
    let view = class.view(Model::Processes);
    assert_eq!(view.curves.len(), 5);
    assert_eq!(
        view.curves[3]
            .points
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [1, 2, 4, 8]
    );
    let at = |k| {
        view.medians
            .iter()
            .find(|m| m.threads == k)
            .copied()
            .unwrap()
    };
    assert_eq!(at(2).machines, 5);
    assert!((at(2).speedup - 1.8).abs() < 0.01, "{:?}", at(2));
    assert_eq!(at(3).machines, 1);
    assert_eq!(at(8).machines, 1);
    assert_eq!(view.flags, [], "fewer cores is no disagreement");
}

#[test]
fn a_machine_far_from_the_class_at_a_k_its_cores_allow_is_flagged_and_so_is_one_not_isolated() {
    let mut lonely = machine(4, "Chrome 156").unwrap();
    lonely.cross_origin_isolated = false;
    let text = [
        processes(4, "Chrome 156", &[1, 2, 4], 0.9),
        processes(4, "Firefox 153", &[1, 2, 4], 0.9),
        processes(4, "Safari 26", &[1, 2, 4], 0.9),
        // Busy: no faster at k = 4 than at 1.
        result_link(
            "count",
            machine(4, "Edge 150"),
            Model::Processes,
            1000.0,
            &[(1, 1000.0), (2, 900.0), (4, 1000.0)],
        ),
        result_link(
            "count",
            Some(lonely),
            Model::Processes,
            1000.0,
            &[(1, 1000.0), (2, 560.0), (4, 290.0)],
        ),
    ]
    .join("\n");
    let view = read_class(&text).unwrap().view(Model::Processes);
    let texts: Vec<(usize, &str)> = view
        .flags
        .iter()
        .map(|f| (f.entry, f.text.as_str()))
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(texts[0].0, 3);
    assert!(
        texts[0].1.starts_with("4 cores, Edge 150: 1.00× at k = 4"),
        "{}",
        texts[0].1
    );
    assert_eq!(texts[1].0, 4);
    assert!(
        texts[1].1.contains("not cross-origin isolated"),
        "{}",
        texts[1].1
    );
}

#[test]
fn bad_foreign_io_and_other_kernel_links_are_named_by_line_and_duplicates_merged() {
    let good = processes(2, "Chrome 156", &[1, 2], 0.9);
    let mut damaged = processes(2, "Firefox 153", &[1, 2], 0.9);
    damaged.truncate(damaged.len() - 30);
    let io = format!(
        "https://overlap.example/#{}",
        share::link(&Shared {
            lab: Lab::Io(Default::default()),
            results: None,
            machine: None
        })
        .unwrap()
    );
    let plain = {
        let shared = Shared {
            lab: Lab::Cpu(CpuConfig::first_visit()),
            results: None,
            machine: None,
        };
        format!("https://overlap.example/#{}", share::link(&shared).unwrap())
    };
    let other = result_link(
        "mandelbrot",
        machine(2, "Chrome 156"),
        Model::Processes,
        900.0,
        &[(2, 500.0)],
    );
    let text = [
        good.as_str(),
        "",
        "see you next week",
        &damaged,
        &io,
        &plain,
        &other,
        &good,
        &processes(4, "Safari 26", &[1, 2, 4], 0.9),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    assert_eq!(class.entries.len(), 2);
    assert_eq!(class.entries[0].lines, [1, 8]);
    let notes: Vec<(usize, bool, &str)> = class
        .notes
        .iter()
        .map(|n| (n.line, n.skipped, n.text.as_str()))
        .collect();
    assert_eq!(
        notes.iter().map(|n| (n.0, n.1)).collect::<Vec<_>>(),
        [
            (3, true),
            (4, true),
            (5, true),
            (6, true),
            (7, true),
            (8, false)
        ]
    );
    assert!(
        notes[0]
            .2
            .contains("\"see you next week\" is not an Overlap link"),
        "{}",
        notes[0].2
    );
    assert!(
        notes[1].2.starts_with("Line 4 left out: The link is"),
        "{}",
        notes[1].2
    );
    assert!(notes[2].2.contains("I/O run"), "{}", notes[2].2);
    assert!(notes[3].2.contains("carries no results"), "{}", notes[3].2);
    assert!(
        notes[4].2.contains("it ran mandelbrot at size"),
        "{}",
        notes[4].2
    );
    assert_eq!(notes[5].2, "Line 8 repeats line 1: counted once.");
}

#[test]
fn the_class_is_the_workload_most_links_measured() {
    let text = [
        result_link(
            "mandelbrot",
            machine(2, "Chrome 156"),
            Model::FreeThreads,
            900.0,
            &[(2, 500.0)],
        ),
        processes(2, "Chrome 156", &[1, 2], 0.9),
        processes(4, "Firefox 153", &[1, 2], 0.9),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    assert_eq!(class.kernel, "count");
    assert_eq!(class.notes.len(), 1);
    assert_eq!(class.notes[0].line, 1);
}

#[test]
fn nothing_usable_says_why() {
    assert_eq!(
        read_class("  \n").unwrap_err(),
        "Paste the result links, one per line."
    );
    assert!(read_class("hello\nworld")
        .unwrap_err()
        .starts_with("None of the 2 lines"));
}

#[test]
fn a_classroom_link_carries_the_medians_and_reads_back() {
    let text = [
        processes(2, "Chrome 156", &[1, 2], 0.9),
        processes(4, "Firefox 153", &[1, 2, 4], 0.9),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    let view = class.view(Model::Processes);
    let made = ClassLink {
        kernel: class.kernel.clone(),
        size: class.size,
        model: view.model,
        machines: class.entries.len(),
        medians: view.medians.clone(),
    };
    let fragment = link::encode(&made).unwrap();
    assert!(link::is_class_fragment(&format!("#{fragment}")));
    assert!(fragment.len() < 200, "{} characters", fragment.len());
    let back = link::open(&fragment).unwrap();
    assert_eq!(back.medians.len(), 3);
    assert_eq!(back.machines, 2);
    assert!((back.medians[1].speedup - made.medians[1].speedup).abs() < 0.001);
    // A class link is not a share link, and damage is refused with why.
    assert!(!link::is_class_fragment(&text));
    assert!(link::open(&fragment[..fragment.len() - 8])
        .unwrap_err()
        .starts_with("The classroom link"));
    assert!(link::open("class.v9.abc").unwrap_err().contains("v9"));
}

#[test]
fn the_exports_hold_every_machine_point_and_the_medians() {
    let text = [
        processes(2, "Chrome 156", &[1, 2], 0.9),
        processes(4, "Firefox 153", &[1, 2, 4], 0.9),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    let view = class.view(Model::Processes);
    let csv = export::csv(&class, &view);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "machine,cores,browser,cross_origin_isolated,model,threads,speedup,machines"
    );
    assert_eq!(lines.len(), 1 + 5 + 3);
    assert_eq!(
        lines[1],
        "\"2 cores, Chrome 156\",2,Chrome 156,true,processes,1,0.900,1"
    );
    assert_eq!(lines[6], "median,,,,processes,1,0.900,2");
    let json = export::json(&class, &view);
    assert_eq!(json["schema"], export::SCHEMA);
    assert_eq!(json["machines"].as_array().unwrap().len(), 2);
    assert_eq!(json["machines"][1]["lines"], serde_json::json!([2]));
    assert_eq!(json["medians"][2]["machines"], 1);
}

#[test]
fn past_the_most_links_the_rest_is_named_not_read() {
    let one = processes(2, "Chrome 156", &[1, 2], 0.9);
    let text = vec![one; MOST_LINKS + 50].join("\n\n");
    let class = read_class(&text).unwrap();
    let last = class.notes.last().expect("a note for the lines left out");
    assert!(last.skipped);
    assert_eq!(last.line, 2 * MOST_LINKS + 1, "the first line left out");
    assert_eq!(
        last.text,
        format!(
            "Only the first {MOST_LINKS} links are read: the 50 from line {} on are left out. \
             Chart a class of more in parts of {MOST_LINKS}.",
            2 * MOST_LINKS + 1
        )
    );
}

/// A Python lab link "with results": `code` run sequentially in `seq_ms`, and on a pool of k.
fn python_results_link(code: &str, cores: usize, seq_ms: f64, k: usize, pool_ms: f64) -> String {
    use crate::engine::python::measured::{ModelRow, PyModel, PythonRun};
    use crate::engine::python::settings::PythonSettings;
    let row = |model, ms: f64| ModelRow {
        model,
        wall_ms: vec![ms, ms * 1.02, ms * 0.98],
        outcome: None,
        bytes_copied: 0,
    };
    let run = PythonRun {
        workers: k,
        chunksize: 1,
        tasks: 8,
        is_async: false,
        rows: vec![
            row(PyModel::Sequential, seq_ms),
            row(PyModel::Pool, pool_ms),
        ],
        starts: Vec::new(),
        spans: Vec::new(),
    };
    let settings = PythonSettings {
        code: code.into(),
        ..PythonSettings::default()
    };
    let machine = machine(cores, "Firefox 140").unwrap();
    let fragment = python_link::encode_with_results(&settings, &run, &machine).unwrap();
    format!("https://overlap.example/?lab=python#{fragment}")
}

#[test]
fn python_lab_runs_with_results_chart_as_processes_by_their_code() {
    let exercise = "def work(n):\n    return n\n\ninputs = range(8)\n";
    let text = [
        python_results_link(exercise, 2, 1000.0, 2, 550.0),
        python_results_link(exercise, 8, 800.0, 4, 220.0),
        python_results_link(
            "def work(n):\n    return -n\n\ninputs = range(8)\n",
            4,
            900.0,
            2,
            470.0,
        ),
        format!(
            "https://overlap.example/?lab=python#{}",
            python_link::encode(&Default::default()).unwrap()
        ),
    ]
    .join("\n");
    let class = read_class(&text).unwrap();
    assert_eq!(class.entries.len(), 2, "{:?}", class.notes);
    assert_eq!(class.kernel, python_link::workload(exercise));
    assert!(workload_label(&class.kernel, class.size).starts_with("the Python code "));
    assert!(workload_label(&class.kernel, class.size).ends_with(" on 8 inputs"));
    assert_eq!(class.models(), [Model::Processes]);
    let view = class.view(Model::Processes);
    let points: Vec<Vec<(usize, f64)>> = view.curves.iter().map(|c| c.points.clone()).collect();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0][0].0, 2);
    assert!((points[0][0].1 - 1000.0 / 550.0).abs() < 1e-3, "{points:?}");
    assert_eq!(points[1][0].0, 4);
    assert_eq!(class.notes.len(), 2);
    assert!(
        class.notes[0].text.contains("it ran the Python code"),
        "{}",
        class.notes[0].text
    );
    assert!(
        class.notes[1].text.contains("not its results"),
        "{}",
        class.notes[1].text
    );
    // The class's medians travel as a classroom link, and open again.
    let medians = medians(&view.curves);
    let fragment = link::encode(&ClassLink {
        kernel: class.kernel.clone(),
        size: class.size,
        model: Model::Processes,
        machines: 2,
        medians,
    })
    .unwrap();
    assert_eq!(link::open(&fragment).unwrap().kernel, class.kernel);
}
