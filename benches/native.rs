//! Native benchmark: per kernel, the sequential time and the speedup of free threads and GIL
//! threads at k = 1..cores, all measured in one run. `OVERLAP_BENCH_REPEATS` sets the repeats
//! (default 5); the median is reported.

use overlap::engine::gil::DEFAULT_SWITCH_INTERVAL;
use overlap::engine::harness::{measure, system_clock};
use overlap::engine::kernels::count::{self, CountLoop};
use overlap::engine::models::{run_gil_threads, Model};
use overlap::engine::stats::{AmdahlFit, Summary};

fn median_ms(work: &CountLoop, model: Model, repeats: u32) -> f64 {
    let m = measure(work, model, repeats, system_clock).expect("a valid benchmark setup");
    Summary::of(&m.samples_ms).expect("timings").median
}

fn main() {
    let repeats: u32 = std::env::var("OVERLAP_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let work = CountLoop::new(count::LIMITS.default).expect("the default size is valid");

    println!(
        "count to {}, median of {repeats} repeats, {cores} cores, GIL switch interval {:?}",
        count::LIMITS.default,
        DEFAULT_SWITCH_INTERVAL
    );
    let sequential = median_ms(&work, Model::Sequential, repeats);
    println!("sequential: {sequential:.1} ms\n");
    println!("threads   free threads ms  speedup   GIL threads ms  speedup   GIL hand-offs");
    let (mut free_points, mut gil_points) = (Vec::new(), Vec::new());
    for k in 1..=cores {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .expect("a thread pool");
        let free = pool.install(|| median_ms(&work, Model::FreeThreads, repeats));
        let gil = pool.install(|| median_ms(&work, Model::GilThreads, repeats));
        // One more GIL run just to count what it did (measure reports times only).
        let (_, stats) =
            pool.install(|| run_gil_threads(&work, DEFAULT_SWITCH_INTERVAL, system_clock));
        println!(
            "{k:>7} {free:>16.1} {:>8.2}× {gil:>16.1} {:>8.2}× {:>14}",
            sequential / free,
            sequential / gil,
            stats.handoffs
        );
        free_points.push((k, sequential / free));
        gil_points.push((k, sequential / gil));
    }
    for (name, points) in [("free threads", free_points), ("GIL threads", gil_points)] {
        if let Some(fit) = AmdahlFit::fit(&points) {
            println!(
                "Amdahl fit, {name}: serial fraction {:.1} %",
                fit.serial_fraction * 100.0
            );
        }
    }
}
