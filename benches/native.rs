//! Native benchmark: for every kernel at its default size, the sequential time and the speedups
//! of free threads and GIL threads at k = 1..cores, all measured in one run, plus the Amdahl fit
//! of each sweep. Prints figures and asserts nothing.
//!
//! `OVERLAP_BENCH_REPEATS` (default 5) sets the repeats behind each median;
//! `OVERLAP_BENCH_KERNELS` (comma-separated slugs) picks kernels.

use overlap::engine::gil::DEFAULT_SWITCH_INTERVAL;
use overlap::engine::harness::{measure, system_clock};
use overlap::engine::kernels::{self, KERNELS};
use overlap::engine::models::{run_gil_threads, Model};
use overlap::engine::shared_state::{count_together, produce_and_consume, Increment};
use overlap::engine::stats::{AmdahlFit, Summary};
use overlap::engine::workload::Workload;

fn median_ms(work: &dyn Workload, model: Model, repeats: u32) -> f64 {
    let m = measure(work, model, repeats, system_clock).expect("a valid benchmark setup");
    Summary::of(&m.samples_ms).expect("timings").median
}

fn main() {
    let repeats: u32 = std::env::var("OVERLAP_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("OVERLAP_BENCH_KERNELS").ok();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pools: Vec<rayon::ThreadPool> = (1..=cores)
        .map(|k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .expect("a thread pool")
        })
        .collect();

    println!(
        "native, median of {repeats} repeats, {cores} cores, GIL switch interval {DEFAULT_SWITCH_INTERVAL:?}\n"
    );
    print!("{:<15} {:>14} {:>9}", "kernel", "size", "seq ms");
    for k in 1..=cores {
        print!(" {:>8} {:>8}", format!("free k={k}"), format!("GIL k={k}"));
    }
    println!(" {:>9} {:>9} {:>10}", "free s", "GIL s", "GIL hand-offs");

    for kernel in KERNELS {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|s| s == kernel.slug))
        {
            continue;
        }
        let size = kernel.limits.default;
        let work = kernels::build(kernel.slug, size).expect("the default size is valid");
        let sequential = median_ms(&*work, Model::Sequential, repeats);
        print!("{:<15} {size:>14} {sequential:>9.1}", kernel.slug);
        let (mut free_points, mut gil_points, mut handoffs) = (Vec::new(), Vec::new(), 0);
        for (i, pool) in pools.iter().enumerate() {
            let k = i + 1;
            let free = pool.install(|| median_ms(&*work, Model::FreeThreads, repeats));
            let gil = pool.install(|| median_ms(&*work, Model::GilThreads, repeats));
            print!(" {:>7.2}× {:>7.2}×", sequential / free, sequential / gil);
            free_points.push((k, sequential / free));
            gil_points.push((k, sequential / gil));
            if k == cores {
                // One more GIL run just to count what it did (measure reports times only).
                let (_, stats) =
                    pool.install(|| run_gil_threads(&*work, DEFAULT_SWITCH_INTERVAL, system_clock));
                handoffs = stats.handoffs;
            }
        }
        let fit = |points: &[(usize, f64)]| {
            AmdahlFit::fit(points).map_or("–".to_string(), |f| {
                format!("{:.0} %", f.serial_fraction * 100.0)
            })
        };
        println!(
            " {:>9} {:>9} {handoffs:>10}",
            fit(&free_points),
            fit(&gil_points)
        );
    }

    // Shared state on every thread of the largest pool: what a lock buys.
    let all = pools.last().expect("at least one core");
    let per_thread = 1_000_000;
    for increment in [Increment::Locked, Increment::ReadThenWrite] {
        let outcome = all.install(|| count_together(increment, per_thread));
        println!(
            "\ncounter, {cores} threads × {per_thread} increments, {increment:?}: {} of {} counted, {} lost",
            outcome.counted,
            outcome.expected,
            outcome.lost_updates()
        );
    }
    match all.install(|| produce_and_consume(1_000_000, 64)) {
        Ok(tally) => println!(
            "producer/consumer, 1_000_000 items through a queue of 64: consumers took {:?}",
            tally.per_consumer
        ),
        Err(why) => println!("producer/consumer skipped: {why}"),
    }
}
