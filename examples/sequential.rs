//! Native single-thread times at each kernel's default size, as JSON, for `scripts/bench.sh` to set
//! beside the same runs in the browser (`{"count": 1096.8, ...}`: median ms of 3). Kernel slugs as
//! arguments narrow the run, so the benchmark can time native and wasm back to back: this machine's
//! speed drifts too much for a native table taken minutes earlier to be fair.

use overlap::engine::clock::system_clock;
use overlap::engine::kernels::KERNELS;
use overlap::engine::run::models::RunConfig;
use overlap::engine::run::runtime::measure;
use overlap::engine::run::runtime::Runtime;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut times = serde_json::Map::new();
    for kernel in KERNELS {
        if !wanted.is_empty() && !wanted.iter().any(|slug| slug == kernel.slug) {
            continue;
        }
        let work = (kernel.build)(kernel.limits.default).expect("defaults build");
        let mut runtime = Runtime::new(system_clock, 0);
        let m = measure(&*work, &RunConfig::default(), 3, &mut runtime).expect("a sequential run");
        let mut samples = m.samples_ms();
        samples.sort_by(f64::total_cmp);
        times.insert(kernel.slug.into(), samples[1].into());
        eprintln!("native {:<15} {:>8.1} ms", kernel.slug, samples[1]);
    }
    println!("{}", serde_json::Value::Object(times));
}
