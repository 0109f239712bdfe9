#!/usr/bin/env bash
# Prints the speed figures (a benchmark, not a test): native single-thread times per kernel, then
# the browser benchmark (tests/e2e/bench.mjs) through the app's real runtime in headless Chromium.
# Targets are printed as met or MISSED. OVERLAP_BENCH_ROUNDS sets the rounds (default 3).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# A build of its own, with the hooks the bench drives (Cargo feature `bench`), in dist-bench/: the
# release in dist/ has none.
"$OVERLAP_ROOT/scripts/build.sh" --features bench --dist dist-bench
cd "$OVERLAP_ROOT"
cargo build --quiet --release --example sequential
OVERLAP_DIST="$OVERLAP_ROOT/dist-bench" OVERLAP_NATIVE_BIN="$OVERLAP_ROOT/target/release/examples/sequential" \
    node tests/e2e/bench.mjs
