#!/usr/bin/env bash
# Sets up and runs every test:
#   1. native engine tests (cargo test, rustup's stable toolchain);
#   2. wasm tests in headless Chromium, on a page and in a dedicated worker, with a real pool;
#   3. the release build, then end-to-end Playwright tests against it.
# Ends with one line "N passed, N failed" summing every stage's own counts. A stage that breaks
# without reporting a failing test (a compile error, a crash) counts as one failure.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
cd "$OVERLAP_ROOT"

logs="target/test-logs"
mkdir -p "$logs"
passed=0
failed=0

# Adds the counts a stage printed: cargo's "test result: ... N passed; M failed" lines and
# node's "ℹ pass N" / "ℹ fail N".
tally() {
    local log="$1" rc="$2" p=0 f=0 n
    for n in $(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed.*/\1/p' "$log"); do p=$((p + n)); done
    for n in $(sed -n 's/^test result: .* \([0-9]*\) failed.*/\1/p' "$log"); do f=$((f + n)); done
    for n in $(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log"); do p=$((p + n)); done
    for n in $(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log"); do f=$((f + n)); done
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    return "$rc"
}

stage() {
    local name="$1"
    shift
    log "$name"
    "$@" 2>&1 | tee "$logs/$name.log"
    tally "$logs/$name.log" "${PIPESTATUS[0]}"
}

stage native cargo test --color never

# The runner's default 20 s limit is for the whole binary; the runtime tests start engines and
# worker processes many times over in a debug build.
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=300 \
    stage wasm wasm_cargo_env cargo test --color never --target wasm32-unknown-unknown \
    --test browser --test worker --test runtime --test io

if stage release-build wasm_cargo_env trunk build --release; then
    # One file at a time: the I/O timings and the CPU sweeps must not share the cores.
    stage e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
else
    log "e2e skipped: the release build failed"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
