#!/usr/bin/env bash
# Prints the speed figures (a benchmark, not a test): native single-thread times per kernel, then
# the browser benchmark (tests/e2e/bench.mjs) through the app's real runtime in headless Chromium.
# Targets are printed as met, MISSED or unsettled (see tests/e2e/bench.mjs). OVERLAP_BENCH_ROUNDS sets
# the rounds (default 7), OVERLAP_BENCH_MAX_ROUNDS how many a target still unsettled may take (15).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# The release in dist/, whose download size is a target, and a build of its own with the hooks
# the bench drives (Cargo feature `bench`) in dist-bench/: the release has none.
"$OVERLAP_ROOT/scripts/build.sh"
"$OVERLAP_ROOT/scripts/build.sh" --features bench --dist dist-bench
cd "$OVERLAP_ROOT"
# Native twice: at the wasm release's optimisation levels (the comparison the targets judge) and
# as a native release ships them (opt-level 3 throughout), printed beside it.
cargo build --quiet --profile wasm-release --example sequential
cargo build --quiet --release --example sequential
OVERLAP_DIST="$OVERLAP_ROOT/dist-bench" OVERLAP_RELEASE_DIST="$OVERLAP_ROOT/dist" \
    OVERLAP_NATIVE_BIN="$OVERLAP_ROOT/target/wasm-release/examples/sequential" \
    OVERLAP_NATIVE_O3_BIN="$OVERLAP_ROOT/target/release/examples/sequential" \
    node tests/e2e/bench.mjs
