//! Every kernel under every model and thread count computes the sequential answer: the promise
//! that makes comparing the models' timings honest.
#![cfg(not(target_arch = "wasm32"))]

use overlap::engine::harness::system_clock;
use overlap::engine::kernels::{self, KERNELS};
use overlap::engine::models::Model;
use overlap::engine::workload::Checksum;
use proptest::prelude::*;

const MODELS: [Model; 3] = [Model::Sequential, Model::FreeThreads, Model::GilThreads];

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool")
}

fn assert_models_agree(slug: &str, size: u64, threads: usize) {
    let work = kernels::build(slug, size).expect("a valid size");
    let expected = Checksum::of(&Model::Sequential.run(&*work, system_clock));
    for model in MODELS {
        let got = pool(threads).install(|| Checksum::of(&model.run(&*work, system_clock)));
        assert_eq!(
            got, expected,
            "{slug} at {size}: {model} with {threads} threads"
        );
    }
}

/// A size a debug build runs in milliseconds: a thousandth of the default, within the limits.
fn small_size(slug: &str) -> u64 {
    let limits = kernels::find(slug).unwrap().limits;
    (limits.default / 1_000).clamp(limits.min, limits.max)
}

#[test]
fn every_kernel_model_and_thread_count_gives_the_sequential_checksum() {
    for kernel in KERNELS {
        for threads in 1..=4 {
            assert_models_agree(kernel.slug, small_size(kernel.slug), threads);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn models_agree_at_random_sizes(
        kernel in 0..KERNELS.len(),
        stretch in 0.0f64..1.0,
        threads in 1usize..=4,
    ) {
        let info = &KERNELS[kernel];
        // Anywhere from the minimum up to twice the small size.
        let top = (small_size(info.slug) * 2).min(info.limits.max);
        let size = info.limits.min + ((top - info.limits.min) as f64 * stretch) as u64;
        assert_models_agree(info.slug, size, threads);
    }
}
