#!/usr/bin/env bash
# Benchmark (not a test): the count kernel in headless Chromium, sequential and 1..cores threads,
# with the 2-thread vs 1-thread ratio measured in one run. Prints figures; exits 1 if the ratio
# misses its target of 1.8. OVERLAP_BENCH_SIZE and OVERLAP_BENCH_REPEATS override the defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/build.sh"
cd "$OVERLAP_ROOT"
node tests/e2e/bench.mjs
