//! The wasm tests of what the page itself runs: the UI's components, on a page's main thread.
//!
//! The engine's work is tested in a dedicated worker (`tests/worker.rs`), where the app runs it.
//! This binary ran it on the page too until WebKitGTK 2.50.6 trapped there, at times, in code
//! that is sound: "Out of bounds memory access" in serde_json's number formatting, in the worker
//! entry point's test, on a clean clone's run of the test command at b1d6592 (it passed in the
//! three other full runs of that day; the same test never failed in the worker).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use overlap::engine::experiment::{Report, Row};
use overlap::engine::run::models::Model;
use overlap::engine::workload::Checksum;
use overlap::web::ui::components::{ResultsTable, ResultsTableProps};
use wasm_bindgen::JsCast;
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

/// Renders `props` into a fresh element and returns it once Yew has drawn.
async fn render<C>(props: C::Properties) -> web_sys::Element
where
    C: yew::BaseComponent,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    next_tick().await;
    root
}

fn number(element: &web_sys::Element, attribute: &str) -> f64 {
    element
        .get_attribute(attribute)
        .unwrap_or_else(|| panic!("no {attribute}"))
        .parse()
        .unwrap()
}

/// Sequential 100 ms; free threads 100, 50 ms at k = 1, 2 (perfect scaling); GIL threads 100,
/// 100 ms (none at all).
fn sweep() -> Report {
    let mut report = Report::new("count");
    for (model, threads, ms) in [
        (Model::Sequential, 1, 100.0),
        (Model::FreeThreads, 1, 100.0),
        (Model::FreeThreads, 2, 50.0),
        (Model::GilThreads, 1, 100.0),
        (Model::GilThreads, 2, 100.0),
    ] {
        report.push(row(model, threads, ms, 1));
    }
    report
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn the_speedup_chart_puts_points_where_the_numbers_say() {
    use overlap::web::ui::components::charts::{SpeedupChart, SpeedupProps};
    let root = render::<SpeedupChart>(SpeedupProps {
        report: sweep(),
        compare: None,
        label: None,
        name: "speedup".into(),
    })
    .await;
    let point = |model: &str, k: usize| {
        let selector = format!("g[data-model={model}] g.point[data-threads='{k}'] circle");
        root.query_selector(&selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no point {selector}"))
    };
    // The frame: x from 48 to 544 for k = 1..2; y from 280 (0×) up to 12 (2.1×, the top).
    let (x1, x2) = (
        number(&point("free-threads", 1), "cx"),
        number(&point("free-threads", 2), "cx"),
    );
    assert_eq!((x1, x2), (48.0, 544.0));
    let y_of = |speedup: f64| 280.0 - speedup / 2.1 * 268.0;
    for (model, k, speedup) in [
        ("free-threads", 2, 2.0),
        ("gil-threads", 2, 1.0),
        ("free-threads", 1, 1.0),
    ] {
        let cy = number(&point(model, k), "cy");
        assert!(
            (cy - y_of(speedup)).abs() < 0.01,
            "{model} k={k}: cy {cy}, want {}",
            y_of(speedup)
        );
    }
    // Amdahl fits: no serial part for free threads, all serial under the GIL.
    let fit = |model: &str| {
        let label = root
            .query_selector(&format!(".legend-item[data-model={model}] .fit-label"))
            .unwrap()
            .expect("a fit label");
        (
            number(&label, "data-serial-fraction"),
            label.text_content().unwrap(),
        )
    };
    assert_eq!(
        fit("free-threads"),
        (0.0, " (fits Amdahl's law with 0 % serial)".to_string())
    );
    assert_eq!(fit("gil-threads").0, 1.0);
    assert_eq!(root.query_selector_all("path.fit").unwrap().length(), 2);
    // Every point can be reached from the keyboard and says its numbers.
    let focusable = root
        .query_selector_all("g.point[tabindex='0'][aria-label]")
        .unwrap();
    assert_eq!(focusable.length(), 4, "free and GIL threads at k = 1, 2");
    assert!(
        root.query_selector("svg title").unwrap().is_some(),
        "a text alternative"
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wall_bars_and_the_timeline_scale_with_their_data() {
    use overlap::engine::run::dispatch::MapStyle;
    use overlap::engine::run::gil::{GilStats, Hold};
    use overlap::engine::run::trace::{TaskSpan, Trace};
    use overlap::web::ui::components::charts::{Timeline, TimelineProps, WallBars, WallBarsProps};

    let root = render::<WallBars>(WallBarsProps { report: sweep() }).await;
    let bars = root.query_selector_all("g.bar rect").unwrap();
    assert_eq!(bars.length(), 5);
    let width = |i: u32| {
        let bar: web_sys::Element = bars.item(i).unwrap().dyn_into().unwrap();
        number(&bar, "width")
    };
    // 100 ms against 50 ms: twice as long.
    assert!((width(0) - 2.0 * width(2)).abs() < 0.01);

    // Two GIL threads taking turns: each task spans the run, the holds alternate.
    let hold = |worker, start_ms, end_ms| Hold {
        worker,
        start_ms,
        end_ms,
    };
    let gil = GilStats {
        holds: vec![
            hold(0, 0.0, 25.0),
            hold(1, 25.0, 50.0),
            hold(0, 50.0, 75.0),
            hold(1, 75.0, 100.0),
        ],
        ..GilStats::default()
    };
    let spans = vec![
        TaskSpan {
            task: 0,
            worker: 0,
            start_ms: 0.0,
            end_ms: 75.0,
        },
        TaskSpan {
            task: 1,
            worker: 1,
            start_ms: 0.0,
            end_ms: 100.0,
        },
    ];
    let mut report = Report::new("count");
    let mut gil_row = row(Model::GilThreads, 2, 100.0, 1);
    gil_row.trace = Some(Box::new(Trace::new(
        2,
        MapStyle::Map,
        1,
        100.0,
        spans,
        Some(gil),
        None,
    )));
    report.push(gil_row);
    let root = render::<Timeline>(TimelineProps { report }).await;
    let holds = root.query_selector_all("rect.holding-gil").unwrap();
    assert_eq!(holds.length(), 4);
    assert_eq!(root.query_selector_all("rect.task").unwrap().length(), 2);
    let first: web_sys::Element = holds.item(0).unwrap().dyn_into().unwrap();
    let second: web_sys::Element = holds.item(1).unwrap().dyn_into().unwrap();
    // A quarter of the run each, side by side in time, on different workers' lanes.
    assert!((number(&first, "width") - number(&second, "width")).abs() < 0.01);
    assert!((number(&second, "x") - (number(&first, "x") + number(&first, "width"))).abs() < 0.01);
    assert_ne!(number(&first, "y"), number(&second, "y"));
    assert_eq!(first.get_attribute("data-worker").as_deref(), Some("0"));
    // Its table: each worker held the GIL for half the 100 ms run.
    let cells = root
        .query_selector("table[data-table=timeline] tr[data-worker='1']")
        .unwrap()
        .expect("a row per worker")
        .text_content()
        .unwrap();
    assert_eq!(cells, "1150.050.050 %");
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn the_waterfall_lays_requests_on_one_time_axis() {
    use overlap::engine::io::{IoModel, IoRun, RequestRecord, Summary};
    use overlap::web::ui::components::{Waterfall, WaterfallProps};
    use std::rc::Rc;

    // Two requests one slot at a time: the second queues for 100 ms and fails.
    let request = |index, started_ms: f64, error: Option<&str>| RequestRecord {
        index,
        url: format!("https://example.test/{index}"),
        worker: 0,
        queued_ms: 0.0,
        started_ms,
        first_byte_ms: error.is_none().then_some(started_ms + 50.0),
        finished_ms: started_ms + 100.0,
        status: error.is_none().then_some(200),
        bytes: 10,
        error: error.map(str::to_string),
        protocol: None,
        scan_ms: None,
    };
    let run = IoRun {
        blocked: None,
        model: IoModel::Bounded,
        workers: 1,
        requests: vec![request(0, 0.0, None), request(1, 100.0, Some("timeout"))],
        summary: Summary {
            wall_ms: 200.0,
            sum_latency_ms: 200.0,
            max_in_flight: 1,
            ok: 1,
            failed: 1,
        },
        ideal_ms: Some(100.0),
        scan: None,
        memory: None,
        notes: Vec::new(),
    };
    let root = render::<Waterfall>(WaterfallProps { run: Rc::new(run) }).await;
    let rect = |selector: &str| {
        root.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector}"))
    };
    // The time axis runs from x = 64 (0 ms) to 544 (200 ms): 2.4 units a millisecond.
    let waiting = rect("g.wf-row[data-index='0'] rect.wf-waiting");
    let receiving = rect("g.wf-row[data-index='0'] rect.wf-receiving");
    assert_eq!(number(&waiting, "x"), 64.0);
    assert!((number(&waiting, "width") - 120.0).abs() < 0.01);
    assert!((number(&receiving, "x") - 184.0).abs() < 0.01);
    // The failed request sits lower, waited its turn, and is one red bar from 100 to 200 ms.
    let failed = rect("g.wf-row.failed[data-index='1']");
    let queued = rect("g.wf-row[data-index='1'] rect.wf-queued");
    assert!((number(&queued, "width") - 240.0).abs() < 0.01);
    let whole = rect("g.wf-row[data-index='1'] rect.wf-waiting");
    assert!((number(&whole, "x") - 304.0).abs() < 0.01);
    assert!(number(&whole, "y") > number(&waiting, "y"));
    assert!(failed.text_content().unwrap().contains("failed: timeout"));
    // The ideal line at 100 ms, and a text alternative.
    assert!((number(&rect("line.wf-ideal"), "x1") - 304.0).abs() < 0.01);
    assert!(rect("svg > title")
        .text_content()
        .unwrap()
        .contains("2 requests"));
}
