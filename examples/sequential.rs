//! Native single-thread times of every kernel at its default size, as JSON, for `scripts/bench.sh`
//! to set beside the same runs in the browser (`{"count": 1096.8, ...}`: median ms of 3).

use overlap::engine::harness::{measure, system_clock};
use overlap::engine::kernels::KERNELS;
use overlap::engine::models::{RunConfig, Runtime};

fn main() {
    let mut times = serde_json::Map::new();
    for kernel in KERNELS {
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
