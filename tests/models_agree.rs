//! Every kernel under every model, worker count, pool style and chunksize computes the sequential
//! answer: the promise that makes comparing the models' timings honest.
#![cfg(not(target_arch = "wasm32"))]

use overlap::engine::clock::system_clock;
use overlap::engine::kernels::{self, KERNELS};
use overlap::engine::run::dispatch::MapStyle;
use overlap::engine::run::models::{Model, RunConfig, Spawn};
use overlap::engine::run::runtime::Runtime;
use overlap::engine::workload::Checksum;
use proptest::prelude::*;

#[path = "golden/mod.rs"]
mod golden;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool")
}

fn checksum(slug: &str, size: u64, config: &RunConfig) -> Checksum {
    let work = kernels::build(slug, size).expect("a valid size");
    let threads = config.workers.max(1);
    pool(threads).install(|| {
        let mut runtime = Runtime::new(system_clock, threads);
        let run = runtime.run(&*work, config).expect("a valid run");
        assert_eq!(
            run.trace.tasks.len(),
            work.task_count(),
            "{slug} {config:?}"
        );
        Checksum::of(&run.results)
    })
}

fn assert_agrees(slug: &str, size: u64, config: &RunConfig, expected: Checksum) {
    assert_eq!(
        checksum(slug, size, config),
        expected,
        "{slug} at {size}: {config:?}"
    );
}

/// A size a debug build runs in milliseconds: a thousandth of the default, within the limits.
fn small_size(slug: &str) -> u64 {
    let limits = kernels::find(slug).unwrap().limits;
    (limits.default / 1_000).clamp(limits.min, limits.max)
}

#[test]
fn every_kernel_model_and_worker_count_gives_the_sequential_checksum() {
    for kernel in KERNELS {
        let size = small_size(kernel.slug);
        let expected = checksum(kernel.slug, size, &RunConfig::default());
        for workers in 1..=4 {
            for model in Model::ALL {
                assert_agrees(kernel.slug, size, &RunConfig::new(model, workers), expected);
            }
        }
    }
}

#[test]
fn every_pool_style_chunksize_and_spawn_gives_the_sequential_checksum() {
    for kernel in KERNELS {
        let size = small_size(kernel.slug);
        let expected = checksum(kernel.slug, size, &RunConfig::default());
        for model in [Model::FreeThreads, Model::GilThreads, Model::Processes] {
            for style in MapStyle::ALL {
                for chunksize in [None, Some(1), Some(3)] {
                    for spawn in [Spawn::Reused, Spawn::PerRun] {
                        let config = RunConfig {
                            spawn,
                            ..RunConfig::new(model, 3).with_style(style, chunksize)
                        };
                        assert_agrees(kernel.slug, size, &config, expected);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn models_agree_at_random_sizes_and_settings(
        kernel in 0..KERNELS.len(),
        stretch in 0.0f64..1.0,
        model in 0..Model::ALL.len(),
        workers in 1usize..=4,
        style in 0..MapStyle::ALL.len(),
        chunksize in proptest::option::of(1usize..=8),
    ) {
        let info = &KERNELS[kernel];
        // Anywhere from the minimum up to twice the small size.
        let top = (small_size(info.slug) * 2).min(info.limits.max);
        let size = info.limits.min + ((top - info.limits.min) as f64 * stretch) as u64;
        let config = RunConfig::new(Model::ALL[model], workers)
            .with_style(MapStyle::ALL[style], chunksize);
        let expected = checksum(info.slug, size, &RunConfig::default());
        assert_agrees(info.slug, size, &config, expected);
    }
}

#[test]
fn kernels_give_their_golden_checksums() {
    golden::kernels_give_their_golden_checksums();
}
