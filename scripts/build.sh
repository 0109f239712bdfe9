#!/usr/bin/env bash
# Sets up and builds the static release into dist/ (wasm-opt'd). Serve it with the two headers in
# docs/deploying.md from any static host.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$OVERLAP_ROOT/scripts/setup.sh"
cd "$OVERLAP_ROOT"
log "trunk build --release -> dist/"
wasm_release_env trunk build --release "$@"
