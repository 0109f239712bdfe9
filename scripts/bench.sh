#!/usr/bin/env bash
# Prints the speed figures (a benchmark, not a test): native single-thread times per kernel, then
# the browser benchmark (tests/e2e/bench.mjs) through the app's real runtime in headless Chromium.
# Targets are printed as met or MISSED. OVERLAP_BENCH_ROUNDS sets the rounds (default 3).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/build.sh"
cd "$OVERLAP_ROOT"
cargo run --quiet --release --example sequential > target/native-sequential.json
OVERLAP_NATIVE_JSON=target/native-sequential.json node tests/e2e/bench.mjs
