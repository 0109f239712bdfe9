//! Property tests of links: every experiment comes back from its link, and no damaged or
//! random fragment makes the decoder panic.

use proptest::prelude::*;

use super::shared::{hundredths, threads_text, MAX_CORES};
use super::*;
use crate::engine::experiment;
use crate::engine::io::settings::{Choice, IoSettings, Preset, TargetKind};
use crate::engine::kernels;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, MAX_WORKERS};

fn cpu_config() -> impl Strategy<Value = CpuConfig> {
    let kernel = (0..kernels::KERNELS.len()).prop_map(|i| &kernels::KERNELS[i]);
    (
        kernel,
        any::<u64>(),
        experiment::REPEATS.min..=experiment::REPEATS.max,
        prop::sample::subsequence(experiment::SWEEP_MODELS.to_vec(), 0..=4),
        prop_oneof![
            Just("all".to_string()),
            prop::collection::btree_set(1..=MAX_WORKERS, 1..6).prop_map(|ks| {
                let ks: Vec<usize> = ks.into_iter().collect();
                threads_text("list", &ks)
            })
        ],
        prop::sample::select(MapStyle::ALL.to_vec()),
        prop::option::of(1usize..=1_000_000),
    )
        .prop_map(
            |(kernel, size, repeats, models, threads, style, chunksize)| {
                let span = kernel.limits.max - kernel.limits.min;
                CpuConfig {
                    kernel: kernel.slug.into(),
                    size: kernel.limits.min + size % (span + 1),
                    repeats: repeats as usize,
                    models,
                    threads,
                    style,
                    chunksize,
                }
            },
        )
}

fn io_settings() -> impl Strategy<Value = IoSettings> {
    (
        prop::sample::select(Preset::ALL.to_vec()),
        1u32..=5000,
        0u32..=10_000,
        0u32..=100,
        any::<u32>(),
        prop::sample::subsequence(Choice::ALL.to_vec(), 1..=6),
        prop::bool::ANY,
        "[a-z:/. ]{0,40}",
    )
        .prop_map(
            |(preset, requests, latency, fail, seed, choices, urls, text)| {
                let mut io = IoSettings::preset(preset);
                io.requests = requests.to_string();
                io.latency_ms = latency.to_string();
                io.fail_percent = fail.to_string();
                io.seed = seed.to_string();
                io.choices = choices;
                if urls {
                    io.target_kind = TargetKind::Urls;
                    io.urls = format!("https://example.test/{}\n{text}", seed);
                }
                io
            },
        )
        // Experiments the form would run: not a pipeline whose pages outgrow memory.
        .prop_filter("the form accepts it", |io| io.requests().is_ok())
}

fn machine() -> impl Strategy<Value = Option<Machine>> {
    prop::option::of(
        (
            1usize..=MAX_CORES,
            "[A-Za-z0-9][A-Za-z0-9 .]{0,59}",
            any::<bool>(),
        )
            .prop_map(|(cores, browser, isolated)| Machine {
                cores,
                browser,
                cross_origin_isolated: isolated,
            }),
    )
}

fn cpu_results() -> impl Strategy<Value = Vec<CpuResult>> {
    let row = (
        prop::sample::select(Model::ALL.to_vec()),
        1..=MAX_WORKERS,
        0.0..1e7f64,
        0.0..1.0f64,
        0.0..1.0f64,
        1usize..=20,
        prop::option::of(0.0..100.0f64),
    )
        .prop_map(
            |(model, threads, median, low, high, repeats, speedup)| CpuResult {
                model,
                threads,
                median_ms: hundredths(median),
                min_ms: hundredths(median * low),
                max_ms: hundredths(median * (1.0 + high)),
                repeats,
                speedup: speedup.map(|x| (x * 1e4).round() / 1e4),
            },
        );
    prop::collection::vec(row, 1..40).prop_map(|mut rows| {
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert((r.model, r.threads)));
        rows
    })
}

fn io_results() -> impl Strategy<Value = Vec<IoResult>> {
    let row = (
        prop::sample::select(Choice::ALL.to_vec()),
        1..=MAX_WORKERS,
        0usize..5000,
        0usize..5000,
        0.0..1e6f64,
        prop::option::of(0.0..1e6f64),
    )
        .prop_map(|(choice, workers, ok, failed, wall, ideal)| IoResult {
            choice,
            workers,
            requests: ok + failed,
            wall_ms: hundredths(wall),
            ideal_ms: ideal.map(hundredths),
            ok,
            failed,
        });
    prop::collection::vec(row, 1..8).prop_map(|mut rows| {
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert(r.choice));
        rows
    })
}

fn shared() -> impl Strategy<Value = Shared> {
    prop_oneof![
        (cpu_config(), prop::option::of(cpu_results()), machine()).prop_map(
            |(cpu, results, machine)| Shared {
                lab: Lab::Cpu(cpu),
                machine: machine.filter(|_| results.is_some()),
                results: results.map(Results::Cpu),
            }
        ),
        (io_settings(), prop::option::of(io_results()), machine()).prop_map(
            |(io, results, machine)| Shared {
                lab: Lab::Io(io),
                machine: machine.filter(|_| results.is_some()),
                results: results.map(Results::Io),
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn every_experiment_comes_back_from_its_link(shared in shared()) {
        let fragment = encode(&shared);
        prop_assert!(fragment.len() <= codec::MAX_FRAGMENT_BYTES);
        let opened = open(&fragment).unwrap();
        prop_assert_eq!(&opened.problems, &Vec::<String>::new());
        prop_assert_eq!(opened.shared, shared);
    }
}

// The decoder in CI: 60 000 random fragments and 60 000 damaged real links, none of which may
// panic, and every one of which opens to something with its problems said.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(60_000))]

    #[test]
    fn random_fragments_never_panic(text in "(v1\\.)?[A-Za-z0-9_=#.-]{0,300}|\\PC{0,200}") {
        if let Some(opened) = open(&text) {
            prop_assert!(opened.problems.iter().all(|p| !p.is_empty()));
        }
    }

    #[test]
    fn damaged_links_never_panic(
        shared in shared(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = encode(&shared).into_bytes();
        for (at, byte, how) in cuts {
            let i = at.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
            match how {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.truncate(i),
                _ => bytes.insert(i, byte),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        prop_assert!(open(&text).is_some() || text.trim().trim_start_matches('#').is_empty());
    }

    #[test]
    fn damaged_json_inside_a_valid_envelope_never_panics(
        shared in shared(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut json = serde_json::to_vec(&to_wire(&shared)).unwrap();
        let i = at.index(json.len());
        json[i] = byte;
        let opened = open(&codec::seal(1, &json)).unwrap();
        // Whatever was damaged, the lab shown is a runnable one.
        if let Lab::Cpu(cpu) = &opened.shared.lab {
            prop_assert!(CpuConfig::from_settings(&cpu.to_settings()).is_ok());
        }
    }
}
