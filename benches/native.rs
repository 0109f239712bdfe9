//! Native benchmark: for every kernel at its default size, the sequential time and the speedups
//! of free threads, GIL threads, processes and async at k = 1..cores, the Amdahl fit of the
//! free-threads and GIL sweeps, and what processes copied. The host is noisy (±15 % between
//! blocks of runs), so the main table runs every contender once per round, takes each speedup
//! within its round and reports the median over rounds; every run's checksum is checked against
//! the sequential one. Then the pool
//! lessons: chunksize against payload, a pool spawned per run against a reused one, and the time
//! to the first result of map, imap and imap_unordered. Prints figures and asserts nothing.
//!
//! `OVERLAP_BENCH_REPEATS` (default 5) sets the repeats behind each median;
//! `OVERLAP_BENCH_KERNELS` (comma-separated slugs) picks kernels.

use overlap::engine::clock::system_clock;
use overlap::engine::kernels::{self, KERNELS};
use overlap::engine::run::control::RunControl;
use overlap::engine::run::dispatch::MapStyle;
use overlap::engine::run::harness::Measurement;
use overlap::engine::run::models::{Model, RunConfig, Spawn};
use overlap::engine::run::runtime::measure;
use overlap::engine::run::runtime::Runtime;
use overlap::engine::run::shared_state::{count_together, produce_and_consume, Increment};
use overlap::engine::run::trace::Trace;
use overlap::engine::stats::{AmdahlFit, Summary};
use overlap::engine::workload::Checksum;
use overlap::engine::workload::Workload;

/// Measures `config` inside `pool` (whose size the runtime is told).
fn measured(
    work: &dyn Workload,
    config: &RunConfig,
    repeats: u32,
    pool: &rayon::ThreadPool,
) -> Measurement {
    pool.install(|| {
        let mut runtime = Runtime::new(system_clock, pool.current_num_threads());
        measure(work, config, repeats, &mut runtime).expect("a valid benchmark setup")
    })
}

fn median(m: &Measurement) -> f64 {
    Summary::of(&m.samples_ms()).expect("timings").median
}

/// One model at one k, with its own runtime (so a reused process pool stays up between rounds).
struct Contender<'p> {
    config: RunConfig,
    pool: &'p rayon::ThreadPool,
    runtime: Runtime,
    walls: Vec<f64>,
    last: Option<Trace>,
}

impl<'p> Contender<'p> {
    fn new(config: RunConfig, pool: &'p rayon::ThreadPool) -> Self {
        Contender {
            config,
            pool,
            runtime: Runtime::new(system_clock, pool.current_num_threads()),
            walls: Vec::new(),
            last: None,
        }
    }

    /// One timed run; returns its checksum.
    fn run(&mut self, work: &dyn Workload) -> Checksum {
        let (config, runtime) = (&self.config, &mut self.runtime);
        let run = self.pool.install(|| {
            if runtime.warm_up(work, config).is_err() {
                panic!("a valid benchmark setup: {config:?}");
            }
            runtime.run(work, config).expect("a valid benchmark setup")
        });
        self.walls.push(run.trace.wall_ms);
        self.last = Some(run.trace);
        Checksum::of(&run.results)
    }
}

/// The median over rounds of `baseline`'s time over `other`'s in the same round.
fn speedup(baseline: &[f64], other: &[f64]) -> f64 {
    let ratios: Vec<f64> = baseline.iter().zip(other).map(|(b, o)| b / o).collect();
    Summary::of(&ratios).expect("ratios").median
}

fn fit(points: &[(usize, f64)]) -> String {
    AmdahlFit::fit(points).map_or("–".to_string(), |f| {
        format!("{:.0} %", f.serial_fraction * 100.0)
    })
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn main() {
    let repeats: u32 = std::env::var("OVERLAP_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("OVERLAP_BENCH_KERNELS").ok();
    let wanted = |slug: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|s| s == slug))
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pools: Vec<rayon::ThreadPool> = (1..=cores)
        .map(|k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .expect("a thread pool")
        })
        .collect();
    let all = pools.last().expect("at least one core");

    println!(
        "native, {repeats} rounds, {cores} cores; speedup = sequential ÷ model, within a round, median over rounds\n"
    );
    print!("{:<15} {:>11} {:>8}", "kernel", "size", "seq ms");
    for k in 1..=cores {
        for model in ["free", "GIL", "proc", "async"] {
            print!(" {:>9}", format!("{model} k={k}"));
        }
    }
    println!(
        " {:>7} {:>7} {:>9} {:>10}",
        "free s", "GIL s", "hand-offs", "copied"
    );

    for kernel in KERNELS.iter().filter(|k| wanted(k.slug)) {
        let size = kernel.limits.default;
        let work = kernels::build(kernel.slug, size).expect("the default size is valid");
        let mut baseline = Contender::new(RunConfig::default(), all);
        let mut contenders: Vec<(usize, Contender)> = Vec::new();
        for (i, pool) in pools.iter().enumerate() {
            for model in [
                Model::FreeThreads,
                Model::GilThreads,
                Model::Processes,
                Model::Async,
            ] {
                contenders.push((i + 1, Contender::new(RunConfig::new(model, i + 1), pool)));
            }
        }
        for _ in 0..repeats {
            let expected = baseline.run(&*work);
            for (k, contender) in &mut contenders {
                let got = contender.run(&*work);
                if got != expected {
                    println!(
                        "MISMATCH: {} {} k={k} computed {got}, sequential {expected}",
                        kernel.slug, contender.config.model
                    );
                }
            }
        }
        let sequential = Summary::of(&baseline.walls).expect("timings").median;
        print!("{:<15} {size:>11} {sequential:>8.1}", kernel.slug);
        let (mut free_points, mut gil_points) = (Vec::new(), Vec::new());
        let (mut handoffs, mut copied) = (0, 0);
        for (k, contender) in &contenders {
            let ratio = speedup(&baseline.walls, &contender.walls);
            print!(" {ratio:>8.2}×");
            let trace = contender.last.as_ref().expect("measured");
            match contender.config.model {
                Model::FreeThreads => free_points.push((*k, ratio)),
                Model::GilThreads => {
                    gil_points.push((*k, ratio));
                    handoffs = trace.gil.as_ref().map_or(0, |g| g.handoffs);
                }
                Model::Processes => copied = trace.copy.map_or(0, |c| c.bytes_copied()),
                _ => {}
            }
        }
        println!(
            " {:>7} {:>7} {handoffs:>9} {:>10}",
            fit(&free_points),
            fit(&gil_points),
            megabytes(copied)
        );
    }

    println!("\nprocesses, k = {cores}: the payload and the chunksize");
    for slug in ["matmul", "merge-sort", "meta-scan", "count"]
        .into_iter()
        .filter(|s| wanted(s))
    {
        let info = kernels::find(slug).expect("a kernel");
        let work = kernels::build(slug, info.limits.default).expect("the default size");
        let sequential = median(&measured(&*work, &RunConfig::default(), repeats, all));
        for (style, chunksize) in [(MapStyle::Map, None), (MapStyle::Imap, None)] {
            let config = RunConfig::new(Model::Processes, cores).with_style(style, chunksize);
            let m = measured(&*work, &config, repeats, all);
            let trace = m.median_trace();
            let copy = trace.copy.expect("processes copy");
            println!(
                "  {slug:<11} {:<32} chunksize {:>4}: {:>5.2}× sequential, {:>9} copied in {:>4} messages, {:>7.1} ms serializing, {:>7.1} ms deserializing",
                style.python(),
                trace.chunksize,
                sequential / median(&m),
                megabytes(copy.bytes_copied()),
                copy.messages,
                copy.serialize_ms,
                copy.deserialize_ms,
            );
        }
    }

    if wanted("count") {
        let work = kernels::build("count", 200_000_000).expect("a valid size");
        println!("\nprocesses, k = {cores}, count to 2e8: a pool per run against a reused pool");
        for spawn in [Spawn::PerRun, Spawn::Reused] {
            let config = RunConfig {
                spawn,
                ..RunConfig::new(Model::Processes, cores)
            };
            let m = measured(&*work, &config, repeats, all);
            let copy = m.median_trace().copy.expect("processes copy");
            println!(
                "  {spawn:?}: median {:.1} ms, of which starting workers {:.3} ms",
                median(&m),
                copy.spawn_ms
            );
        }
    }

    if wanted("fib") {
        let work = kernels::build("fib", 30).expect("a valid size");
        println!("\nfree threads, k = {cores}, fib(30..25) × 10: time to the first result");
        for style in MapStyle::ALL {
            let config = RunConfig::new(Model::FreeThreads, cores).with_style(style, None);
            let m = measured(&*work, &config, repeats, all);
            let trace = m.median_trace();
            println!(
                "  {:<32} chunksize {:>2}: first result at {:>6.1} ms of {:>6.1} ms",
                style.python(),
                trace.chunksize,
                trace.first_result_ms,
                trace.wall_ms
            );
        }
    }

    // Shared state on every thread of the largest pool: what a lock buys.
    let per_thread = 5_000_000;
    for increment in [
        Increment::Locked,
        Increment::ReadThenWrite,
        Increment::GilReadThenWrite,
        Increment::GilReadCallWrite,
    ] {
        let outcome = all.install(|| {
            count_together(increment, per_thread, system_clock, &RunControl::default())
        });
        println!(
            "\ncounter, {cores} threads × {per_thread} increments, {increment:?}: {} of {} counted, {} lost",
            outcome.counted,
            outcome.expected,
            outcome.lost_updates()
        );
    }
    match all.install(|| produce_and_consume(1_000_000, 64, &RunControl::default())) {
        Ok(tally) => println!(
            "producer/consumer, 1_000_000 items through a queue of 64: consumers took {:?}",
            tally.per_consumer
        ),
        Err(why) => println!("producer/consumer skipped: {why}"),
    }
}
