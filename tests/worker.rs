//! The shared wasm tests in a dedicated worker, where the app's engine worker runs them.
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

shared_wasm_tests!();
