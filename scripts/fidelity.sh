#!/usr/bin/env bash
# Prints every lesson beside CPython on this machine (a report, not a test): each lesson's script
# run by python3, then each lesson run 3 times from a fresh page in headless Chromium with
# CPython's line imported (tests/e2e/fidelity.mjs). OVERLAP_FIDELITY_RUNS sets the runs,
# OVERLAP_FIDELITY_LESSONS (comma-separated slugs) picks lessons.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/build.sh"
cd "$OVERLAP_ROOT"
node tests/e2e/fidelity.mjs
