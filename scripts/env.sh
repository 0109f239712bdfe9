# Sourced by the other scripts. Sets PATH and defines `wasm_cargo_env`, which runs a command with a
# compiler that can build threaded wasm (std rebuilt with atomics):
#   - a nightly with rust-src, where rustup has one (a developer laptop with network);
#   - otherwise Debian's rustc-web (rustc 1.96 + std sources), with RUSTC_BOOTSTRAP=1 to allow
#     -Z build-std. rustup here has neither a wasm32 std nor rust-src and cannot download them.
# Native builds and tests keep using rustup's stable toolchain untouched.

OVERLAP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$OVERLAP_ROOT/node_modules/.bin:$PATH"

# build-std is passed per command, never in .cargo/config.toml: there it would also hit native
# builds under RUSTC_BOOTSTRAP=1 and fail.
OVERLAP_BUILD_STD="panic_abort,std"

nightly_has_rust_src() {
    command -v rustup >/dev/null 2>&1 || return 1
    local sysroot
    sysroot="$(rustup run nightly rustc --print sysroot 2>/dev/null)" || return 1
    [ -d "$sysroot/lib/rustlib/src/rust/library/std" ]
}

debian_web_rust_present() {
    [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library/std ]
}

# Which route to use: "nightly", "debian", or "" when neither is installed yet.
wasm_toolchain() {
    if nightly_has_rust_src; then
        echo nightly
    elif debian_web_rust_present; then
        echo debian
    fi
}

wasm_cargo_env() {
    case "$(wasm_toolchain)" in
        nightly)
            RUSTUP_TOOLCHAIN=nightly CARGO_UNSTABLE_BUILD_STD="$OVERLAP_BUILD_STD" "$@" ;;
        debian)
            PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD="$OVERLAP_BUILD_STD" "$@" ;;
        *)
            echo "overlap: no compiler for threaded wasm; run scripts/setup.sh" >&2
            return 1 ;;
    esac
}

# The release build (Trunk's --release): as wasm_cargo_env, with panics' file, line and column
# left out of the module (-Z location-detail=none), 12 KB gzipped of 600. A panic still reports
# its message, which is what Overlap shows; the tests' debug builds keep the locations. Cargo adds
# this variable's flags to .cargo/config.toml's.
# It builds in a target directory of its own: cargo locks a target directory while it compiles,
# and scripts/test.sh runs the release build while its wasm stages call cargo in target/.
# std itself is built with its `optimize_for_size` feature (smaller sorts, formatting and string
# code): 658 KB gzipped became 633 KB. The kernels use none of what it shrinks (merge-sort sorts
# by hand); ./scripts/bench.sh's wasm-against-native table is the check that they kept their speed.
wasm_release_env() {
    CARGO_TARGET_DIR="$OVERLAP_ROOT/target/web-release" \
        CARGO_UNSTABLE_BUILD_STD_FEATURES="optimize_for_size" \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zlocation-detail=none" wasm_cargo_env "$@"
}

# The wasm-bindgen version Cargo.lock pins (the CLI must match it exactly).
locked_wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
        "$OVERLAP_ROOT/Cargo.lock"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
