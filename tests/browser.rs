//! The shared wasm tests on a page's main thread (rayon spins there instead of blocking).
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

shared_wasm_tests!();

use overlap::engine::experiment::{Report, Row};
use overlap::engine::models::Model;
use overlap::engine::workload::Checksum;
use overlap::web::components::{ResultsTable, ResultsTableProps};
use wasm_bindgen_futures::JsFuture;

/// Lets Yew's scheduler render before the DOM is read.
async fn next_tick() {
    let tick = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    JsFuture::from(tick).await.unwrap();
}

fn row(model: Model, threads: usize, median: f64, checksum: u64) -> Row {
    Row::from_samples(model, threads, &[median], Checksum(checksum)).unwrap()
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_checksum_mismatch_is_shown_as_an_error() {
    let mut report = Report::default();
    report.push(row(Model::Sequential, 1, 100.0, 1));
    report.push(row(Model::FreeThreads, 1, 100.0, 1));
    report.push(row(Model::FreeThreads, 2, 50.0, 2));
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<ResultsTable>::with_root_and_props(root.clone(), ResultsTableProps { report })
        .render();
    next_tick().await;

    let banner = root
        .query_selector("[data-error=checksum-mismatch]")
        .unwrap()
        .expect("a mismatch banner");
    assert!(banner.text_content().unwrap().contains("1 run(s)"));
    let bad = root
        .query_selector("tr[data-verdict=mismatch]")
        .unwrap()
        .expect("the mismatching row is marked");
    assert_eq!(bad.get_attribute("data-threads").as_deref(), Some("2"));
    assert!(bad
        .text_content()
        .unwrap()
        .contains("MISMATCH: expected 0000000000000001"));
    let ok_rows = root.query_selector("tr[data-threads='1'][data-model=free-threads]");
    let ok_row = ok_rows.unwrap().expect("the matching row");
    assert_eq!(ok_row.get_attribute("data-verdict").as_deref(), Some("ok"));
    assert_eq!(
        ok_row.get_attribute("data-ms").as_deref(),
        Some("100.000"),
        "data-ms is the median"
    );
}
