//! The I/O form's reader: presets, refusals and the requests it makes.

use super::*;

#[test]
fn the_default_form_runs_the_lesson() {
    let requests = IoSettings::default()
        .requests()
        .expect("the defaults are valid");
    let models: Vec<_> = requests.iter().map(|r| r.model).collect();
    use IoModel::*;
    assert_eq!(models, [Sequential, Gather, Bounded, Threads]);
    let Targets::Builtin(b) = &requests[0].targets else {
        panic!("built-in targets by default")
    };
    assert_eq!((b.requests, b.latency_ms, b.bytes), (16, 200.0, 16 * 1024));
    assert_eq!(requests[2].workers, 4);
    assert_eq!(requests[1].ideal_ms(), Some(200.0));
    assert_eq!(requests[2].ideal_ms(), Some(800.0));
}

#[test]
fn every_preset_is_valid_and_keeps_the_url_list() {
    let mine = IoSettings {
        urls: "https://example.org/".into(),
        ..IoSettings::default()
    };
    for preset in Preset::ALL {
        let settings = mine.with_preset(preset);
        assert!(settings.requests().is_ok(), "{preset:?}");
        assert_eq!(settings.urls, mine.urls);
    }
    let thousands = IoSettings::preset(Preset::Thousands).requests().unwrap();
    assert!(thousands
        .iter()
        .any(|r| r.model == IoModel::Bounded && r.workers == 50));
}

#[test]
fn a_pipeline_that_would_outgrow_memory_is_refused_at_the_page_size() {
    let settings = IoSettings {
        requests: "300".into(),
        page_kib: "4096".into(),
        latency_ms: "0".into(),
        ..IoSettings::preset(Preset::Pipeline)
    };
    let refusals = settings.requests().unwrap_err();
    let why = refusals
        .get(Field::PageKib)
        .expect("the page size is refused");
    assert!(why.starts_with("The pipeline keeps every page"), "{why}");
    assert!(
        why.contains("896 MB") && why.contains("at most 220 requests"),
        "{why}"
    );
    let fits = IoSettings {
        requests: "220".into(),
        ..settings
    };
    assert!(fits.requests().is_ok());
}

#[test]
fn each_bad_field_gets_its_own_message() {
    let settings = IoSettings {
        requests: "0".into(),
        latency_ms: "slow".into(),
        fail_percent: "150 %".into(),
        workers: "".into(),
        timeout_ms: "1e9".into(),
        ..IoSettings::default()
    };
    let refusals = settings.requests().unwrap_err();
    assert_eq!(
        refusals.get(Field::Requests).unwrap(),
        "Must be between 1 and 10_000."
    );
    assert!(refusals
        .get(Field::Latency)
        .unwrap()
        .contains("not a number"));
    assert_eq!(
        refusals.get(Field::FailPercent).unwrap(),
        "Must be between 0 and 100."
    );
    assert_eq!(
        refusals.get(Field::Workers).unwrap(),
        "Enter k, the number of workers."
    );
    assert!(refusals.get(Field::Timeout).is_some());
    assert!(refusals.get(Field::Seed).is_none());
}

#[test]
fn k_is_only_required_by_models_that_use_it() {
    let settings = IoSettings {
        workers: "lots".into(),
        choices: vec![Choice::of(IoModel::Gather)],
        ..IoSettings::default()
    };
    assert!(settings.requests().is_ok());
    let settings = IoSettings {
        choices: vec![],
        ..settings
    };
    assert!(settings
        .requests()
        .unwrap_err()
        .get(Field::Models)
        .is_some());
}

#[test]
fn url_lists_need_one_url_and_keep_bad_lines_for_the_run_to_report() {
    let mut settings = IoSettings {
        target_kind: TargetKind::Urls,
        urls: "# mine\n\n".into(),
        ..IoSettings::default()
    };
    assert!(settings.requests().unwrap_err().get(Field::Urls).is_some());
    settings.urls = "https://example.org/\nnot a url\n".into();
    let requests = settings.requests().unwrap();
    let targets = requests[0].targets("unused");
    assert_eq!(targets.len(), 2);
    assert!(targets[0].invalid.is_none());
    assert!(targets[1].invalid.is_some());
    // Built-in fields do not matter for URL lists.
    settings.requests = "nope".into();
    assert!(settings.requests().is_ok());
}

#[test]
fn ticking_keeps_the_list_order_and_the_pipeline_twice() {
    let mut settings = IoSettings {
        choices: vec![],
        ..IoSettings::default()
    };
    for key in ["pipeline-one-thread", "gather", "pipeline", "sequential"] {
        settings.toggle(Choice::from_key(key).unwrap());
    }
    let keys: Vec<_> = settings.choices.iter().map(|c| c.key()).collect();
    assert_eq!(
        keys,
        ["sequential", "gather", "pipeline", "pipeline-one-thread"]
    );
    settings.toggle(Choice::of(IoModel::Gather));
    assert_eq!(settings.choices.len(), 3);
}
