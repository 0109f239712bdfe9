use super::shared::hundredths;
use super::*;
use crate::engine::cpu_settings::CpuSettings;
use crate::engine::io::settings::{Choice, IoSettings};
use crate::engine::io::{IoModel, Scan};
use crate::engine::kernels;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;

/// A 16-core classroom sweep: three models at every k, the typical link with results.
fn classroom() -> Shared {
    let config = CpuConfig::first_visit();
    let mut rows = vec![CpuResult {
        model: Model::Sequential,
        threads: 1,
        median_ms: 4012.37,
        min_ms: 3990.12,
        max_ms: 4100.55,
        repeats: 3,
        speedup: None,
    }];
    for model in [Model::GilThreads, Model::FreeThreads, Model::Processes] {
        for k in 1..=16 {
            let ms = 4012.37 / k as f64 * 1.07 + k as f64 * 3.1;
            rows.push(CpuResult {
                model,
                threads: k,
                median_ms: hundredths(ms),
                min_ms: hundredths(ms * 0.97),
                max_ms: hundredths(ms * 1.04),
                repeats: 3,
                speedup: Some((4012.37 / ms * 1e4).round() / 1e4),
            });
        }
    }
    Shared {
        lab: Lab::Cpu(config),
        results: Some(Results::Cpu(rows)),
        machine: Some(Machine {
            cores: 16,
            browser: "Chrome 156".into(),
            cross_origin_isolated: true,
        }),
    }
}

#[test]
fn a_sixteen_core_sweep_with_results_fits_in_a_short_link() {
    let fragment = encode(&classroom());
    // 795 characters when written; the issue asks for under 2 000 with the page address.
    assert!(fragment.len() < 1_000, "{} characters", fragment.len());
    assert_eq!(
        open(&fragment),
        Some(Opened {
            shared: classroom(),
            problems: vec![]
        })
    );
}

#[test]
fn no_fragment_is_no_link() {
    assert_eq!(open(""), None);
    assert_eq!(open("#"), None);
}

#[test]
fn the_form_is_read_once_and_written_canonically() {
    let form = CpuSettings {
        kernel: "primes".into(),
        size_text: "2e6".into(),
        repeats_text: " 5 ".into(),
        models: vec![Model::FreeThreads],
        threads_text: "4, 1-2,8".into(),
        style: MapStyle::ImapUnordered,
        chunksize_text: "1_0".into(),
    };
    let config = CpuConfig::from_settings(&form).unwrap();
    assert_eq!(config.size, 2_000_000);
    assert_eq!(config.threads, "1-2, 4, 8");
    assert_eq!(config.chunksize, Some(10));
    let settings = config.to_settings();
    assert_eq!(settings.size_text, "2_000_000");
    assert_eq!(CpuConfig::from_settings(&settings), Ok(config));
    let bad = CpuSettings {
        size_text: "lots".into(),
        ..form
    };
    assert!(CpuConfig::from_settings(&bad)
        .unwrap_err()
        .starts_with("Size:"));
}

#[test]
fn a_sweep_from_more_cores_keeps_the_ks_this_machine_has() {
    assert_eq!(fit_threads("all", 2), ("all".into(), None));
    assert_eq!(fit_threads("1-2", 4), ("1-2".into(), None));
    let (text, note) = fit_threads("1-4, 8, 16", 2);
    assert_eq!(text, "1-2");
    assert!(note.unwrap().contains("this machine has 2 core(s)"));
    assert_eq!(fit_threads("8, 16", 4).0, "all");
}

/// Decodes hand-written version 1 JSON, as an old or hand-edited link would carry it.
fn open_json(json: &str) -> Opened {
    open(&codec::seal(1, json.as_bytes())).unwrap()
}

#[test]
fn out_of_range_values_are_named_and_replaced_one_by_one() {
    let opened = open_json(
        r#"{"lab":"cpu","cpu":{"kernel":"primes","size":1e30,"repeats":99,
            "models":["free-threads","green-threads"],"threads":"0-3","style":"map",
            "chunksize":5}}"#,
    );
    let Lab::Cpu(cpu) = &opened.shared.lab else {
        panic!("a CPU link")
    };
    let primes = kernels::KERNELS
        .iter()
        .find(|k| k.slug == "primes")
        .unwrap();
    // What was fine is kept; the rest takes its default.
    assert_eq!(cpu.kernel, "primes");
    assert_eq!(cpu.size, primes.limits.default);
    assert_eq!(cpu.repeats, 3, "v1 pins the default it had");
    assert_eq!(
        cpu.models,
        [Model::FreeThreads],
        "the unknown model alone is left out"
    );
    assert_eq!(cpu.threads, "all");
    assert_eq!(cpu.chunksize, Some(5));
    let problems = opened.problems.join("\n");
    for said in ["1e+30", "(got 99)", "\"green-threads\"", "(got 0-3)"] {
        assert!(problems.contains(said), "{said:?} in {problems}");
    }
    assert_eq!(opened.problems.len(), 4);
}

#[test]
fn whole_link_failures_fall_back_to_the_default_experiment() {
    let fragment = encode(&classroom());
    let cases = [
        (fragment[..fragment.len() / 2].to_string(), "cut short"),
        (fragment.replacen('v', "x", 1), "not a share link"),
        (format!("v9.{}", &fragment[3..]), "format v9"),
        // A newer format whose payload this page cannot unpack is newer, not corrupted.
        ("v2.xxx".to_string(), "format v2"),
        ("#v2.!!".to_string(), "may come from a newer Overlap"),
        (fragment.replace(&fragment[10..14], "!!!!"), "corrupted"),
        (codec::seal(1, b"[1, 2]"), "not an experiment"),
        (codec::seal(1, b"{\"lab\""), "not an experiment"),
        (format!("v1.{}", "A".repeat(40_000)), "more than the 32 KB"),
    ];
    for (link, says) in cases {
        let opened = open(&link).unwrap();
        assert_eq!(opened.shared, Shared::default(), "{says}");
        assert_eq!(opened.problems.len(), 1);
        assert!(opened.problems[0].contains(says), "{:?}", opened.problems);
    }
}

#[test]
fn carried_results_out_of_range_are_left_out_not_trusted() {
    let opened = open_json(
        r#"{"lab":"cpu","cpu":{"kernel":"count","size":1000000,"repeats":3,"models":[],
            "threads":"all","style":"map","chunksize":null},
            "cpu-results":[["sequential",1,100,90,110,3],["free-threads",2,-5,1,2,3],
                           ["free-threads",2,50,60,40,3],["free-threads",0,50,40,60,3],
                           ["free-threads",2,50,40,60,3],["free-threads",2,51,40,60,3], "x"],
            "machine":{"cores":16,"browser":"<script>alert(1)</script>\u0007","isolated":true}}"#,
    );
    let Some(Results::Cpu(rows)) = &opened.shared.results else {
        panic!("results")
    };
    assert_eq!(rows.len(), 2, "the sequential row and one free-threads row");
    assert!(opened.problems[0].starts_with("5 carried result(s)"));
    // The browser label is text, shown as text; control characters are dropped.
    let machine = opened.shared.machine.unwrap();
    assert_eq!(machine.browser, "<script>alert(1)</script>");
    assert_eq!(machine.cores, 16);
}

#[test]
fn io_settings_keep_what_reads_and_default_the_rest() {
    let opened = open_json(
        r#"{"lab":"io","io":{"target_kind":"builtin","requests":"99999999","latency_ms":"250",
            "jitter_ms":7,"fail_percent":"0","page_kib":"16","seed":"3","urls":"",
            "workers":"4","timeout_ms":"10000",
            "choices":[{"model":"gather","scan":"pool"},{"model":"sequential","scan":"pool"},
                       {"model":"gather","scan":"pool"}]},
            "io-results":[["gather",1,16,251.5,200,16,0],["teleport",1,16,1,1,16,0]]}"#,
    );
    let Lab::Io(io) = &opened.shared.lab else {
        panic!("an I/O link")
    };
    assert_eq!(io.latency_ms, "250");
    assert_eq!(io.seed, "3");
    assert_eq!(io.jitter_ms, "0", "a number where text belongs");
    assert_eq!(io.requests, "16", "more than the form allows");
    assert_eq!(
        io.choices,
        [Choice::of(IoModel::Sequential), Choice::of(IoModel::Gather)]
    );
    let Some(Results::Io(rows)) = &opened.shared.results else {
        panic!("results")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(opened.problems.len(), 3, "{:?}", opened.problems);
    assert!(
        opened
            .problems
            .iter()
            .any(|p| p.starts_with("Requests: Must be between 1 and 10_000.")),
        "each note names its field: {:?}",
        opened.problems
    );
}

#[test]
fn a_link_carrying_thousands_of_io_rows_shows_one_per_model() {
    let row = r#"["gather",1,16,251.5,200,16,0]"#;
    let rows = vec![row; 8_000].join(",");
    let opened = open_json(&format!(
        r#"{{"lab":"io","io":{{"target_kind":"builtin"}},"io-results":[{rows},
            ["sequential",1,16,3300,3200,16,0]]}}"#
    ));
    let Some(Results::Io(kept)) = &opened.shared.results else {
        panic!("results")
    };
    assert_eq!(kept.len(), 2, "one gather row, one sequential row");
    assert!(
        opened
            .problems
            .iter()
            .any(|p| p.contains("7999 carried result(s)")),
        "{:?}",
        opened.problems
    );
}

#[test]
fn scan_choice_keys_name_both_pipelines() {
    let one_thread = Choice {
        model: IoModel::Pipeline,
        scan: Scan::OneThread,
    };
    let shared = Shared {
        lab: Lab::Io(IoSettings::default()),
        results: Some(Results::Io(vec![IoResult {
            choice: one_thread,
            workers: 1,
            requests: 2,
            wall_ms: 1.5,
            ideal_ms: None,
            ok: 2,
            failed: 0,
        }])),
        machine: None,
    };
    assert_eq!(open(&encode(&shared)).unwrap().shared, shared);
}

#[test]
fn browsers_are_named_by_name_and_major_version() {
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/156.0.8078.73 Safari/537.36";
    assert_eq!(browser_label(chrome), "Chrome 156");
    assert_eq!(
        browser_label(&chrome.replace("Chrome/", "HeadlessChrome/")),
        "Chrome (headless) 156"
    );
    assert_eq!(browser_label(&format!("{chrome} Edg/150.0.1")), "Edge 150");
    assert_eq!(
        browser_label("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"),
        "Firefox 140"
    );
    assert_eq!(
        browser_label("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/18.2 Safari/605.1.15"),
        "Safari 18"
    );
    assert_eq!(browser_label(""), "a browser");
}

#[test]
fn every_link_the_copy_buttons_hand_out_opens() {
    use crate::engine::io::settings::{IoSettings, TargetKind};
    // An ordinary experiment: the same fragment as encode, and it opens to itself.
    let fragment = link(&classroom()).unwrap();
    assert_eq!(fragment, encode(&classroom()));
    assert_eq!(open(&fragment).unwrap().shared, classroom());

    // 200 long URLs that do not compress: over the 32 KB a link may be.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        format!("{seed:016x}")
    };
    let urls: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "https://example.org/{i}/{}",
                (0..24).map(|_| noise()).collect::<String>()
            )
        })
        .collect();
    let many = Shared {
        lab: Lab::Io(IoSettings {
            target_kind: TargetKind::Urls,
            urls: urls.join("\n"),
            ..IoSettings::default()
        }),
        results: None,
        machine: None,
    };
    let why = link(&many).expect_err("too long to share");
    assert!(why.contains("more than the 32 KB a link may be"), "{why}");
    assert!(why.ends_with("list fewer URLs, or shorter ones."), "{why}");
    // What encode would have made is indeed refused by open: the check is the decoder's own.
    let refused = open(&encode(&many)).unwrap();
    assert_eq!(refused.shared, Shared::default());

    // Repetitive data that packs small but unpacks past the decoder's limit is refused too.
    let repetitive = Shared {
        lab: Lab::Io(IoSettings {
            target_kind: TargetKind::Urls,
            urls: vec![format!("https://example.org/{}", "a".repeat(1_900)); 200].join("\n"),
            ..IoSettings::default()
        }),
        results: None,
        machine: None,
    };
    let why = link(&repetitive).expect_err("too much data to share");
    assert!(why.contains("a link may carry"), "{why}");
    assert!(open(&encode(&repetitive)).unwrap().problems[0].contains("far more than"));
}

#[test]
fn a_crafted_link_cannot_make_its_messages_long() {
    let names = vec!["\"green-threads\"".to_string(); 12_000];
    let opened = open_json(&format!(
        r#"{{"lab":"cpu","cpu":{{"kernel":"count","size":1000000,"repeats":3,
            "models":[{}],"threads":"all","style":"map","chunksize":null}}}}"#,
        names.join(",")
    ));
    let line = opened
        .problems
        .iter()
        .find(|p| p.starts_with("Unknown model"))
        .unwrap_or_else(|| panic!("{:?}", opened.problems));
    assert!(line.contains("and 11997 more"), "{line:.200}");
    assert!(line.len() < 200, "{} characters", line.len());
    assert!(opened.problems.len() <= problems::MAX_PROBLEMS);
}

/// `sent`'s rows through a real link, as its reader gets them; the link opens without problems.
fn through_a_link(sent: &crate::engine::experiment::Report) -> Vec<CpuResult> {
    let rows: Vec<CpuResult> = sent
        .rows()
        .iter()
        .map(|r| CpuResult::from_row(sent, r))
        .collect();
    let shared = Shared {
        results: Some(Results::Cpu(rows)),
        ..classroom()
    };
    let opened = open(&encode(&shared)).unwrap();
    assert!(opened.problems.is_empty(), "{:?}", opened.problems);
    match opened.shared.results {
        Some(Results::Cpu(carried)) => carried,
        _ => panic!("no results"),
    }
}

/// A link with results shows the speedups its sender saw. The sender's page shows the median of
/// the ratios taken within each round; the ratio of the carried medians is another figure (a
/// teacher's 1.69× arrived as 1.72×), so the speedup is carried, and recomputed only for a link
/// made before it was.
#[test]
fn a_link_carries_the_speedups_its_sender_saw() {
    use crate::engine::experiment::{Report, Row};
    use crate::engine::share::report_of;
    use crate::engine::workload::Checksum;
    let mut sent = Report::new("count");
    // Rounds in which the machine slowed down: the ratios within rounds are not the medians'.
    let rounds = |model, k, ms: &[f64]| Row::from_samples(model, k, ms, Checksum(7)).unwrap();
    sent.push(rounds(
        Model::Sequential,
        1,
        &[1000.0, 1400.0, 1010.0, 990.0, 1500.0],
    ));
    sent.push(rounds(
        Model::FreeThreads,
        2,
        &[590.0, 700.0, 650.0, 600.0, 1000.0],
    ));
    let carried = through_a_link(&sent);
    let got = report_of("count", &carried);
    let (sender, receiver) = (&sent.rows()[1], &got.rows()[1]);
    let shown = |report: &Report, row| format!("{:.2}×", report.speedup(row).unwrap());
    assert_eq!(shown(&got, receiver), shown(&sent, sender));
    let of_medians = sent.rows()[0].summary.median / sender.summary.median;
    assert_ne!(
        format!("{of_medians:.2}×"),
        shown(&sent, sender),
        "the test needs rounds where they differ"
    );
    // A link made before speedups were carried: computed from the medians, as it always was.
    let mut old = carried.clone();
    old.iter_mut().for_each(|r| r.speedup = None);
    assert_eq!(
        format!(
            "{:.2}×",
            report_of("count", &old)
                .speedup(&report_of("count", &old).rows()[1])
                .unwrap()
        ),
        format!("{of_medians:.2}×")
    );
}

/// The Amdahl fit a link's reader sees is the one its sender's chart labelled. A GIL run's
/// serial share sits near 99.5 %: fitted to the unrounded median (1.00251×) it read "99 %", to
/// the carried four decimals (1.0025×) "100 %", as CI once saw in Chromium. Both fit the figure
/// as shown.
#[test]
fn a_link_shows_the_fit_its_sender_saw() {
    use crate::engine::chart::speedup_series;
    use crate::engine::experiment::{Report, Row};
    use crate::engine::share::report_of;
    use crate::engine::workload::Checksum;
    let mut sent = Report::new("count");
    let rounds = |model, k, ms: &[f64]| Row::from_samples(model, k, ms, Checksum(7)).unwrap();
    sent.push(rounds(Model::Sequential, 1, &[1002.51, 2005.02, 1503.765]));
    sent.push(rounds(Model::GilThreads, 2, &[1000.0, 2000.0, 1500.0]));
    let carried = through_a_link(&sent);
    let label = |report: &Report| {
        let fit = speedup_series(report)[0].fit.unwrap();
        format!("{:.0} % serial", fit.serial_fraction * 100.0)
    };
    assert_eq!(label(&report_of("count", &carried)), "100 % serial");
    assert_eq!(label(&sent), label(&report_of("count", &carried)));
    // The case the test is for: the unrounded median fits to the other side of the rounding.
    let median = sent.speedup_spread(&sent.rows()[1]).unwrap().median;
    assert_eq!(format!("{:.0}", (2.0 / median - 1.0) * 100.0), "99");
}
