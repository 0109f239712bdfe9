//! The I/O models' timing logic, tested natively with sleeping requests.

use std::time::Duration;

use futures::channel::oneshot;

use super::*;
use crate::engine::clock::system_clock;

/// Real waiting, natively: each request is a thread that sleeps `latency` and answers; the
/// `fail` URLs answer 503, `slow` ones never before the timeout.
struct Sleepy {
    latency: Duration,
}

impl Transport for Sleepy {
    fn get<'a>(
        &'a self,
        _lane: usize,
        url: &'a str,
        timeout_ms: f64,
        keep_body: bool,
    ) -> LocalFuture<'a, Fetched> {
        let (tx, rx) = oneshot::channel();
        let latency = if url.contains("slow") {
            Duration::from_secs_f64(timeout_ms / 1e3)
        } else {
            self.latency
        };
        std::thread::spawn(move || {
            std::thread::sleep(latency);
            let _ = tx.send(());
        });
        let url = url.to_string();
        Box::pin(async move {
            let _ = rx.await;
            if url.contains("slow") {
                return Fetched {
                    error: Some(format!("timed out after {timeout_ms} ms")),
                    ..Fetched::default()
                };
            }
            let status = if url.contains("fail") { 503 } else { 200 };
            Fetched {
                first_byte_ms: Some(system_clock()),
                status: Some(status),
                bytes: 100,
                error: (status != 200).then(|| format!("HTTP {status}")),
                body: keep_body.then(|| {
                    r#"<meta name="author" content="x"><p>hi</p><meta content="y" name="robots">"#
                        .to_string()
                }),
                protocol: Some("http/1.1".into()),
                ..Fetched::default()
            }
        })
    }
}

fn urls(n: usize) -> Vec<Target> {
    (0..n)
        .map(|i| Target {
            url: format!("http://example.test/{i}"),
            invalid: None,
        })
        .collect()
}

fn go(request: &IoRequest, targets: &[Target]) -> (IoRun, Vec<String>) {
    let transport = Sleepy {
        latency: Duration::from_millis(40),
    };
    let control = RunControl::default();
    let (reply, pages) =
        futures::executor::block_on(run(request, targets, &transport, system_clock, &control));
    assert_eq!(control.progress().done, targets.len());
    match reply {
        IoReply::Done(run) => (*run, pages),
        other => panic!("not done: {other:?}"),
    }
}

fn request(model: IoModel, workers: usize) -> IoRequest {
    IoRequest {
        model,
        workers,
        ..IoRequest::default()
    }
}

#[test]
fn sequential_waits_for_each_request_in_turn() {
    let (run, _) = go(&request(IoModel::Sequential, 1), &urls(5));
    assert_eq!(run.summary.max_in_flight, 1);
    assert!(
        run.summary.wall_ms >= 5.0 * 40.0 * 0.95,
        "{:?}",
        run.summary
    );
    for pair in run.requests.windows(2) {
        assert!(pair[1].started_ms >= pair[0].finished_ms);
    }
}

#[test]
fn gather_overlaps_every_request() {
    let (run, _) = go(&request(IoModel::Gather, 1), &urls(16));
    assert_eq!(run.summary.max_in_flight, 16);
    assert!(run.summary.wall_ms < 16.0 * 40.0 / 3.0, "{:?}", run.summary);
    assert!(run.summary.sum_latency_ms >= 16.0 * 40.0 * 0.95);
    let mut slots: Vec<usize> = run.requests.iter().map(|r| r.worker).collect();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), 16);
}

#[test]
fn bounded_and_threads_keep_k_in_flight() {
    for model in [IoModel::Bounded, IoModel::Threads] {
        let (run, _) = go(&request(model, 4), &urls(16));
        assert_eq!(run.summary.max_in_flight, 4, "{model:?}");
        assert!(run.requests.iter().all(|r| r.worker < 4), "{model:?}");
        // ⌈16/4⌉ = 4 rounds of 40 ms.
        assert!(run.summary.wall_ms >= 4.0 * 40.0 * 0.95, "{model:?}");
        assert_eq!(run.ideal_ms, Some(4.0 * 200.0));
    }
}

#[test]
fn failures_are_reported_per_request_while_the_rest_succeed() {
    let mut targets = urls(6);
    targets[2].url = "http://example.test/fail".into();
    targets[4].url = "http://example.test/slow".into();
    targets.push(Target {
        url: "ftp://nope".into(),
        invalid: check_url("ftp://nope").err(),
    });
    let mut req = request(IoModel::Gather, 1);
    req.timeout_ms = 150.0;
    let (run, _) = go(&req, &targets);
    assert_eq!((run.summary.ok, run.summary.failed), (4, 3));
    assert_eq!(run.requests[2].error.as_deref(), Some("HTTP 503"));
    assert!(run.requests[4]
        .error
        .as_deref()
        .unwrap()
        .contains("timed out"));
    assert!(run.requests[6].error.as_deref().unwrap().contains("http"));
}

#[test]
fn the_pipeline_scans_on_the_pool_or_inline() {
    let (run, pages) = go(&request(IoModel::Pipeline, 1), &urls(8));
    assert_eq!(pages.len(), 8);
    let (tags, _) = scan_pages(&pages, system_clock, false);
    assert_eq!(tags, 16);
    let mut req = request(IoModel::Pipeline, 1);
    req.scan = Scan::OneThread;
    let (run_inline, pages) = go(&req, &urls(8));
    assert!(pages.is_empty());
    assert_eq!(run_inline.scan.as_ref().unwrap().meta_tags, 16);
    assert!(run_inline.requests.iter().all(|r| r.scan_ms.is_some()));
    assert_eq!(run.scan.as_ref().unwrap().on, Scan::Pool);
    // The results table names each run by the entry of the model list it was made with.
    assert_eq!(settings::Choice::of_run(&run).key(), "pipeline");
    assert_eq!(
        settings::Choice::of_run(&run_inline).key(),
        "pipeline-one-thread"
    );
}

#[test]
fn memory_is_described_with_this_runs_growth() {
    let memory = Memory {
        js_heap_bytes: Some(4 << 20),
        wasm_bytes: 20 << 20,
        wasm_before_bytes: 18 << 20,
    };
    assert_eq!(
        memory.describe(),
        "JS heap 4.0 MiB, wasm 20.0 MiB (+2.0 MiB in this run)"
    );
    let none = Memory {
        js_heap_bytes: None,
        ..memory
    };
    assert_eq!(none.describe(), "wasm 20.0 MiB (+2.0 MiB in this run)");
    // A run that needed no more memory does not say "+0.0 MiB" on every row.
    let grew_not = Memory {
        wasm_before_bytes: 20 << 20,
        ..none
    };
    assert_eq!(grew_not.describe(), "wasm 20.0 MiB");
}

#[test]
fn cancel_stops_new_requests() {
    let control = RunControl::default();
    control.cancel();
    let transport = Sleepy {
        latency: Duration::from_millis(1),
    };
    let (reply, _) = futures::executor::block_on(run(
        &request(IoModel::Sequential, 1),
        &urls(3),
        &transport,
        system_clock,
        &control,
    ));
    assert_eq!(reply, IoReply::Cancelled);
    assert_eq!(control.progress().done, 0);
}

#[test]
fn cancel_drops_the_requests_under_way_at_once() {
    // Requests of 10 s, cancelled after 50 ms from another thread: every model returns at once
    // instead of waiting for the requests in flight.
    for model in IoModel::ALL {
        let control = std::sync::Arc::new(RunControl::default());
        let canceller = {
            let control = std::sync::Arc::clone(&control);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                control.cancel();
            })
        };
        let transport = Sleepy {
            latency: Duration::from_secs(10),
        };
        let started = system_clock();
        let (reply, _) = futures::executor::block_on(run(
            &request(model, 4),
            &urls(8),
            &transport,
            system_clock,
            &control,
        ));
        let took = system_clock() - started;
        canceller.join().unwrap();
        assert_eq!(reply, IoReply::Cancelled, "{model:?}");
        assert!(took < 2_000.0, "{model:?} took {took:.0} ms to stop");
    }
}

#[test]
fn a_pipeline_whose_kept_pages_outgrow_memory_is_refused_before_it_starts() {
    // 300 pages of 4 MiB trapped the engine at page 245; the form now refuses it up front.
    let mut req = request(IoModel::Pipeline, 4);
    req.targets = Targets::Builtin(Builtin {
        requests: 300,
        bytes: MAX_PAGE_BYTES,
        ..Builtin::default()
    });
    let err = req.check().unwrap_err().0;
    assert!(err.contains("896 MB"), "{err}");
    assert!(err.contains("at most 220 requests"), "{err}");
    // Scanned as they arrive, the pages are not kept: the same run is fine.
    req.scan = Scan::OneThread;
    assert_eq!(req.check(), Ok(()));
    // What the message offers fits.
    req.scan = Scan::Pool;
    req.targets = Targets::Builtin(Builtin {
        requests: 220,
        bytes: MAX_PAGE_BYTES,
        ..Builtin::default()
    });
    assert_eq!(req.check(), Ok(()));
}

#[test]
fn pages_beyond_the_memory_budget_are_reported_not_kept() {
    // The visitor's URLs have no size known before the run: the pipeline keeps pages only while
    // they fit, and reports the rest as failed instead of trapping the engine.
    let transport = Sleepy {
        latency: Duration::from_millis(1),
    };
    let control = RunControl::default();
    let mut req = request(IoModel::Pipeline, 1);
    req.targets = Targets::Urls {
        urls: urls(5).into_iter().map(|t| t.url).collect(),
    };
    let page = transport_page_len(&transport);
    let (reply, pages) = futures::executor::block_on(run_keeping(
        &req,
        &urls(5),
        &transport,
        system_clock,
        &control,
        3 * page,
    ));
    let IoReply::Done(run) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(pages.len(), 3, "three pages fit");
    let refused: Vec<_> = run
        .requests
        .iter()
        .filter_map(|r| r.error.as_ref())
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|e| e.contains("not kept for the scan")));
}

/// The length of the page [`Sleepy`] answers with.
fn transport_page_len(transport: &Sleepy) -> u64 {
    let fetched = futures::executor::block_on(transport.get(0, "http://x.test/", 1_000.0, true));
    fetched.body.map_or(0, |b| b.len() as u64)
}

#[test]
fn settings_out_of_range_are_refused_with_the_limit() {
    let mut req = request(IoModel::Bounded, 0);
    assert!(req.check().unwrap_err().0.contains("between 1 and 64"));
    req.workers = 4;
    req.timeout_ms = f64::NAN;
    assert!(req.check().unwrap_err().0.contains("timeout"));
    req.timeout_ms = 1_000.0;
    req.targets = Targets::Builtin(Builtin {
        fail_rate: 1.5,
        ..Builtin::default()
    });
    assert!(req.check().unwrap_err().0.contains("failure rate"));
    req.targets = Targets::Urls { urls: vec![] };
    assert!(req.check().unwrap_err().0.contains("at least one URL"));
    // A bad line is not a refusal: it fails on its own.
    req.targets = Targets::Urls {
        urls: parse_urls("https://a.test/x\n\n# note\nnot a url\n"),
    };
    assert!(req.check().is_ok());
    let targets = req.targets("http://h/__overlap/io/");
    assert_eq!(targets.len(), 2);
    assert!(targets[1].invalid.is_some());
}

#[test]
fn url_checks_give_reasons() {
    assert!(check_url("https://example.com/a?b").is_ok());
    assert!(check_url("http://127.0.0.1:8080/").is_ok());
    assert_eq!(
        check_url("example.com").unwrap_err(),
        "not an http:// or https:// URL"
    );
    assert!(check_url("https://").is_err());
    assert!(check_url("https://a b").is_err());
    assert!(check_url("javascript:alert(1)").is_err());
    // Schemes in any case; no credentials, which fetch refuses.
    assert!(check_url("HTTP://example.org/").is_ok());
    assert!(check_url("Https://example.org/").is_ok());
    assert!(check_url("ftp://example.org/").is_err());
    assert!(check_url("https://user:pw@example.org/")
        .unwrap_err()
        .starts_with("a user name or password"));
    // An @ after the host is part of the path, not a credential.
    assert!(check_url("https://example.org/@someone").is_ok());
}

#[test]
fn requests_parse_with_defaults_and_builtin_urls_carry_their_settings() {
    let req: IoRequest = serde_json::from_str(
        r#"{"model":"bounded","targets":{"builtin":{"requests":3,"latency_ms":50}}}"#,
    )
    .unwrap();
    assert_eq!(req.workers, 4);
    assert_eq!(req.timeout_ms, 10_000.0);
    let targets = req.targets("http://h/__overlap/io/");
    assert_eq!(targets.len(), 3);
    assert_eq!(
        targets[2].url,
        "http://h/__overlap/io/page?i=2&seed=1&bytes=16384&latency=50&jitter=0&fail=0"
    );
    let json = serde_json::to_string(&req).unwrap();
    assert_eq!(serde_json::from_str::<IoRequest>(&json).unwrap(), req);
}

#[test]
fn in_flight_counts_touching_requests_once() {
    let r = |s: f64, f: f64| RequestRecord {
        started_ms: s,
        finished_ms: f,
        ..RequestRecord::default()
    };
    assert_eq!(max_in_flight(&[r(0., 10.), r(10., 20.), r(20., 30.)]), 1);
    assert_eq!(max_in_flight(&[r(0., 10.), r(5., 20.), r(6., 7.)]), 3);
    assert_eq!(max_in_flight(&[]), 0);
}

#[test]
fn a_run_paced_by_the_browser_says_so() {
    assert_eq!(pace_note(16, 230.0, Some(200.0)), None);
    assert_eq!(pace_note(16, 3300.0, Some(3200.0)), None);
    assert_eq!(pace_note(16, 230.0, None), None);
    let note = pace_note(5000, 11_000.0, Some(50.0)).unwrap();
    assert!(note.contains("about 455 requests a second"), "{note}");
}

#[test]
fn the_http1_note_appears_only_past_six_at_once() {
    let r = |i: usize, proto: &str| RequestRecord {
        url: format!("https://slow.test/{i}"),
        started_ms: 0.0,
        finished_ms: 100.0,
        protocol: Some(proto.into()),
        ..RequestRecord::default()
    };
    let six: Vec<_> = (0..6).map(|i| r(i, "http/1.1")).collect();
    assert!(notes(&six).is_empty());
    let eight: Vec<_> = (0..8).map(|i| r(i, "http/1.1")).collect();
    let said = notes(&eight);
    assert_eq!(said.len(), 1);
    assert!(said[0].contains("slow.test") && said[0].contains("6 connections"));
    let h2: Vec<_> = (0..8).map(|i| r(i, "h2")).collect();
    assert!(notes(&h2).is_empty());
}

#[test]
fn timers_stand_for_thousands_of_sleeps_and_are_checked() {
    let timers = |coroutines, sleep_ms| IoRequest {
        targets: Targets::Timers(Timers {
            coroutines,
            sleep_ms,
            blocker: None,
        }),
        ..request(IoModel::Bounded, 50)
    };
    let ok = timers(5_000, 50.0);
    ok.check().unwrap();
    let targets = ok.targets("");
    assert_eq!(targets.len(), 5_000);
    assert_eq!(targets[0].url, "asyncio.sleep(0.05)");
    // 100 sleeps in a row, 50 at a time; one sleep all at once.
    assert_eq!(ok.ideal_ms(), Some(100.0 * 50.0));
    let gather = IoRequest {
        model: IoModel::Gather,
        ..ok.clone()
    };
    assert_eq!(gather.ideal_ms(), Some(50.0));
    for (bad, names) in [
        (timers(0, 50.0), "coroutines"),
        (timers(MAX_TIMERS + 1, 50.0), "coroutines"),
        (timers(10, -1.0), "the sleep"),
        (timers(10, f64::NAN), "the sleep"),
    ] {
        let err = bad.check().unwrap_err();
        assert!(err.0.starts_with(names), "{err}");
    }
}

#[test]
fn a_url_list_names_each_host_it_contacts_once() {
    let urls = parse_urls(
        "https://a.test/x\nhttps://b.test:8443/y?q=1\n# note\nhttps://a.test/z\nnot a url\n/relative\nhttp://c.test#f",
    );
    assert_eq!(hosts(&urls), ["a.test", "b.test:8443", "c.test"]);
    assert!(hosts(&[]).is_empty());
}
