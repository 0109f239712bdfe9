#!/usr/bin/env bash
# Installs everything Overlap needs to build, serve and test, with pinned versions. Idempotent: on a
# ready machine it only checks, in seconds. Stops with a message naming anything it cannot get.
#   setup.sh          everything the tests need (browsers, drivers) as well
#   setup.sh --serve  only what building and serving need (scripts/serve.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$OVERLAP_ROOT"

for_tests=1
[ "${1:-}" = "--serve" ] && for_tests=0

TRUNK_VERSION="0.21.14"  # 0.22 needs rustc >= 1.96.1, newer than any compiler here
GECKODRIVER_VERSION="0.37.1"

missing=()
need() { missing+=("$1"); }

# --- Debian packages -------------------------------------------------------------------------
# The three browser engines the tests run: Chromium, Firefox ESR, and WebKitGTK (Safari's engine,
# its MiniBrowser driven by WebKitWebDriver, under Xvfb since it has no headless mode).
apt_packages=()
[ $for_tests = 1 ] && apt_packages+=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb)
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
# The native tests parse each lesson's Python with it.
[ $for_tests = 1 ] && { command -v python3 >/dev/null 2>&1 || apt_packages+=(python3); }
if [ -z "$(wasm_toolchain)" ]; then
    apt_packages+=(rustc-web cargo-web rust-web-src lld-22)
fi
to_install=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || to_install+=("$pkg")
done
if [ ${#to_install[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "overlap setup: please install these Debian packages (needs root and apt): ${to_install[*]}" >&2
        exit 1
    fi
    # In the background, while the Rust tools below compile: apt mostly downloads and unpacks,
    # and neither needs the other. Measured here from nothing: every package 63 s and trunk's
    # build 157 s one after the other; side by side both were done in 185 s.
    log "apt-get install ${to_install[*]} (beside the Rust tools' builds)"
    apt_log="$(mktemp)"
    (
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${to_install[@]}"
    ) >"$apt_log" 2>&1 &
    apt_pid=$!
    # Never leave dpkg half done: a failure below still waits for it.
    trap 'wait "$apt_pid" 2>/dev/null || true' EXIT
fi
# Waits for the Debian packages, then checks that everything they provide is there.
debian_ready() {
    if [ -n "${apt_pid:-}" ]; then
        if ! wait "$apt_pid"; then
            tail -n 20 "$apt_log" >&2
            echo "overlap setup: apt-get could not install: ${to_install[*]}" >&2
            exit 1
        fi
        trap - EXIT
        apt_pid=""
    fi
    [ -n "$(wasm_toolchain)" ] || need "a compiler for threaded wasm (nightly with rust-src, or Debian rustc-web + rust-web-src)"
    if [ $for_tests = 1 ]; then
        [ -x /usr/bin/chromium ] || need "chromium (/usr/bin/chromium)"
        [ -x /usr/bin/chromedriver ] || need "chromium-driver (/usr/bin/chromedriver)"
        [ -x /usr/bin/firefox-esr ] || need "firefox-esr (/usr/bin/firefox-esr)"
        [ -x /usr/bin/WebKitWebDriver ] || need "webkit2gtk-driver (/usr/bin/WebKitWebDriver)"
        command -v Xvfb >/dev/null 2>&1 || need "xvfb (Xvfb)"
    fi
}

# --- Rust tools ------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || { echo "overlap setup: cargo (rustup) is missing" >&2; exit 1; }

# The tools are built cheaply, whatever their own Cargo.toml asks: trunk's fat LTO over one codegen
# unit alone took about 16 of a fresh machine's 36 minutes. Trunk and geckodriver orchestrate
# (rustc, wasm-bindgen and wasm-opt do the work), so an unoptimised build costs nothing later: the
# release build took 2m29s with trunk --debug against 2m32s with trunk optimised. Nor do they need
# debug info, which took a quarter of trunk's build (258 s with it, 198 s without, crates
# downloaded in both).
debug_install() {
    CARGO_PROFILE_DEV_DEBUG=0 cargo install --debug "$@"
}
# wasm-bindgen rewrites the module on every build and each test binary (22 MB, scripts/test.sh) on
# every test run, so the crates that read, transform and write it keep optimisation (opt-level 1,
# without LTO), and the rest (argument parsing, the test runner's HTTP) has none. Measured: its
# build 158-173 s -> 117 s; binding a debug test binary (110 MB then) 2.6-3.1 s -> 3.4-4.2 s.
wasm_bindgen_install() {
    local hot=(walrus wasmparser wasm-encoder wasm-bindgen-cli-support wasm-bindgen-wasm-interpreter
        wasm-bindgen-threads-xform rustc-demangle gimli hashbrown indexmap) configs=() crate
    for crate in "${hot[@]}"; do configs+=(--config "profile.release.package.$crate.opt-level=1"); done
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install "${configs[@]}" "$@"
}

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    log "cargo install trunk $TRUNK_VERSION (about 4 minutes)"
    # No TLS stack and no update check: Trunk.toml keeps it offline, and it serves plain HTTP.
    debug_install trunk --version "=$TRUNK_VERSION" --locked --no-default-features --quiet \
        || need "trunk $TRUNK_VERSION"
fi

if [ $for_tests = 1 ] \
    && [ "$(geckodriver --version 2>/dev/null | head -1)" != "geckodriver $GECKODRIVER_VERSION" ]; then
    log "cargo install geckodriver $GECKODRIVER_VERSION (about 1 minute)"
    debug_install geckodriver --version "=$GECKODRIVER_VERSION" --locked --quiet \
        || need "geckodriver $GECKODRIVER_VERSION"
fi

wb_version="$(locked_wasm_bindgen_version)"
[ -n "$wb_version" ] || { echo "overlap setup: Cargo.lock names no wasm-bindgen" >&2; exit 1; }
grep -q "^wasm_bindgen = \"$wb_version\"" Trunk.toml \
    || { echo "overlap setup: Trunk.toml [tools] wasm_bindgen must be \"$wb_version\", as in Cargo.lock" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ] \
    || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    log "cargo install wasm-bindgen-cli $wb_version (about 2 minutes)"
    # Without TLS (--no-default-features): its test runner speaks plain HTTP to a local
    # WebDriver, and rustls with its crypto made the build 190 s rather than 163 s.
    # The CLI's own lockfile may pin a dependency the registry no longer serves (0.2.130 pins
    # webpki-roots 1.0.11); then resolve its dependencies afresh, still at exactly this version.
    wasm_bindgen_install wasm-bindgen-cli --version "=$wb_version" --no-default-features --locked --quiet 2>/dev/null \
        || wasm_bindgen_install wasm-bindgen-cli --version "=$wb_version" --no-default-features --quiet \
        || need "wasm-bindgen-cli $wb_version"
fi

# npm and the wasm compiler may come from Debian.
debian_ready

# --- npm packages (wasm-opt, Playwright, selenium-webdriver) from the committed lockfile --------------------------
# A stamp of the lockfile's hash says whether node_modules matches it.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.overlap-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
    log "npm ci"
    if npm ci --no-audit --no-fund --loglevel=error >/dev/null; then
        echo "$lock_hash" > node_modules/.overlap-lock-hash
    else
        need "npm packages (npm ci)"
    fi
fi
# --- crates for the wasm build, std's own among them -------------------------------------------
# Trunk.toml's `offline = true` makes Trunk run cargo with --offline, so a machine whose cargo has
# never fetched them (std's rustc-demangle, dlmalloc, ... for -Z build-std) failed its first build.
log "cargo fetch (wasm32, with std's crates)"
wasm_cargo_env cargo fetch --quiet --target wasm32-unknown-unknown || need "crates (cargo fetch)"

wasm_opt_wanted="$(sed -n 's/^wasm_opt = "\(.*\)"/\1/p' Trunk.toml)"
wasm-opt --version 2>/dev/null | grep -q "($wasm_opt_wanted)" \
    || need "wasm-opt $wasm_opt_wanted (npm binaryen, see package.json)"

if [ ${#missing[@]} -gt 0 ]; then
    echo "overlap setup: could not get:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
log "setup ok: wasm via $(wasm_toolchain), trunk $TRUNK_VERSION, wasm-bindgen $wb_version, $(chromium --version 2>/dev/null), $(firefox-esr --version 2>/dev/null), WebKitGTK $(dpkg-query -W -f='${Version}' webkit2gtk-driver 2>/dev/null)"
