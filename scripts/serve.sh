#!/usr/bin/env bash
# Sets up, builds and serves Overlap at http://127.0.0.1:8080 with the COOP/COEP headers threads need.
# Always a release build: a debug wasm build runs the kernels many times slower, which would make
# every measurement meaningless.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/setup.sh" --serve
cd "$OVERLAP_ROOT"
log "serving at http://127.0.0.1:8080 (Ctrl-C to stop)"
wasm_release_env trunk serve --release "$@"
