//! Native single-thread runs at each kernel's default size, as JSON, for `scripts/bench.sh` to set
//! beside the same runs in the browser: `{"count": {"size": 2000000000, "ms": 1096.8, "checksum":
//! "…"}, …}` (median ms of 3). The size is the kernels' registry's default, the one source of the
//! bench's sizes, and the checksum lets the bench check that wasm did the same work. Kernel slugs as
//! arguments narrow the run, so the benchmark can time native and wasm back to back: this machine's
//! speed drifts too much for a native table taken minutes earlier to be fair. `--sizes` prints
//! only each kernel's default size, without running anything.

use overlap::engine::clock::system_clock;
use overlap::engine::kernels::KERNELS;
use overlap::engine::run::models::RunConfig;
use overlap::engine::run::runtime::measure;
use overlap::engine::run::runtime::Runtime;
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes_only = args.iter().any(|a| a == "--sizes");
    let wanted: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let mut out = serde_json::Map::new();
    for kernel in KERNELS {
        if !wanted.is_empty() && !wanted.iter().any(|slug| *slug == kernel.slug) {
            continue;
        }
        let size = kernel.limits.default;
        if sizes_only {
            out.insert(kernel.slug.into(), size.into());
            continue;
        }
        let work = (kernel.build)(size).expect("defaults build");
        let mut runtime = Runtime::new(system_clock, 0);
        let m = measure(&*work, &RunConfig::default(), 3, &mut runtime).expect("a sequential run");
        let mut samples = m.samples_ms();
        samples.sort_by(f64::total_cmp);
        let ms = samples[1];
        out.insert(
            kernel.slug.into(),
            json!({ "size": size, "ms": ms, "checksum": m.checksum.to_string() }),
        );
        eprintln!("native {:<15} {ms:>8.1} ms  {}", kernel.slug, m.checksum);
    }
    println!("{}", serde_json::Value::Object(out));
}
