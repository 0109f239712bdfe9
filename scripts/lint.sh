#!/usr/bin/env bash
# Formatting and lints for both crates (overlap and src/kernels), native and wasm (the browser
# shell only compiles for wasm32).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$OVERLAP_ROOT"
cargo fmt --all -- --check
# The lints themselves are in Cargo.toml's [lints] table.
cargo clippy --workspace --all-targets
# No import cycle between the files of src/engine, src/kernels or src/web (scripts/import-cycles.py says how
# it counts) and src/web's folder rule (src/web/mod.rs), and one concept per file: none over 500
# lines.
python3 scripts/import-cycles.py
# Every src/, www/, scripts/ and tests/ path README.md and docs/*.md name exists.
python3 scripts/doc-paths.py
# The engine's map and every intra-doc link resolve.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
long=$(find src -name '*.rs' -exec awk 'END { if (NR > 500) print FILENAME ": " NR " lines" }' {} \;)
if [ -n "$long" ]; then
    echo "files over 500 lines:" >&2
    echo "$long" >&2
    exit 1
fi
# The lessons' CPython scripts compile on the oldest Python they claim (3.8: the walrus operator).
for script in src/engine/lessons/python/*.py; do
    python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1], feature_version=(3, 8))' "$script"
done
# Debian's wasm compiler has its clippy in a package of its own, which the set-up scripts leave
# out (neither serving nor testing needs it); lint installs it where it can.
if [ "$(wasm_toolchain)" = debian ] && [ ! -x /usr/bin/cargo-clippy ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "apt-get install rust-web-clippy (for the wasm lints)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rust-web-clippy >/dev/null
    else
        log "wasm clippy skipped: install Debian's rust-web-clippy for it (needs root and apt)"
        exit 0
    fi
fi
# Not --all-targets: the engine's unit tests are native-only.
wasm_cargo_env cargo clippy --target wasm32-unknown-unknown --lib --test browser --test worker --test runtime --test io --features bench
