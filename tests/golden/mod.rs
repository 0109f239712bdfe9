//! The kernels' golden checksums (`checksums.json` beside this file): each kernel's sequential
//! answer at a small size, pinned, so "the same work" holds on every target and across commits,
//! as the bench's native comparison assumes. Checked natively (`tests/models_agree.rs`) and in
//! every engine's dedicated worker, where the app computes (`tests/worker.rs`). The file was
//! written from these same runs (release and debug native builds agreed); a change that means to
//! alter a kernel's work updates it in the same commit, and says why. `mandelbrot-simd` computes the scalar `mandelbrot`'s
//! picture two pixels at a time, so its pinned checksum is the scalar one's, at the same size.

use overlap::engine::kernels::KERNELS;
use overlap::engine::workload::Checksum;

pub fn kernels_give_their_golden_checksums() {
    let golden: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(include_str!("checksums.json")).expect("golden JSON");
    assert_eq!(
        golden.len(),
        KERNELS.len(),
        "one golden checksum per kernel"
    );
    assert_eq!(
        golden["mandelbrot-simd"], golden["mandelbrot"],
        "SIMD draws the scalar kernel's picture"
    );
    for kernel in KERNELS {
        let pinned = &golden[kernel.slug];
        let size = pinned["size"].as_u64().expect("a size");
        let work = (kernel.build)(size).expect("a valid size");
        let results: Vec<u64> = (0..work.task_count()).map(|i| work.run_task(i)).collect();
        assert_eq!(
            Checksum::of(&results).to_string(),
            pinned["checksum"].as_str().expect("a checksum"),
            "{} at {size}",
            kernel.slug
        );
    }
}
