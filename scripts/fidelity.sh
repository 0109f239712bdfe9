#!/usr/bin/env bash
# Every lesson beside CPython on this machine: each lesson run 3 times from a fresh page in
# headless Chromium, its script run by python3 at the same k, and both judged with the lesson's own
# claims (tests/e2e/fidelity.mjs). Exits non-zero when a lesson's verdict differs from CPython's.
# OVERLAP_FIDELITY_RUNS sets the runs, OVERLAP_FIDELITY_LESSONS (comma-separated slugs) picks
# lessons. About 15 minutes here for all nine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/build.sh"
cd "$OVERLAP_ROOT"
node tests/e2e/fidelity.mjs
