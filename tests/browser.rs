//! The shared wasm tests on a page's main thread (rayon spins there instead of blocking).
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

shared_wasm_tests!();
