#!/usr/bin/env bash
# Formatting and lints, native and wasm (the browser shell only compiles for wasm32).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$OVERLAP_ROOT"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
if [ "$(wasm_toolchain)" = debian ] && [ ! -x /usr/bin/cargo-clippy ]; then
    log "wasm clippy skipped: install Debian's rust-web-clippy for it"
    exit 0
fi
# Not --all-targets: the engine's unit tests are native-only.
# -D clippy::all -D unused rather than -D warnings: the one rustc warning (atomics is an unstable target
# feature) is the price of threads and cannot be silenced.
wasm_cargo_env cargo clippy --target wasm32-unknown-unknown --lib --test browser --test worker --test runtime --test io -- -D clippy::all -D unused
