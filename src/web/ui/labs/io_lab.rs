//! The I/O lab: its state, the actions that change it, and the runs that feed it. The form's
//! reading and every request model live in the engine ([`crate::engine::io::settings`],
//! [`crate::engine::io`]); this only moves messages.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::io::settings::{Choice, IoSettings, TargetKind};
use crate::engine::io::{IoReply, IoRequest, IoRun, Targets};
use crate::engine::route::Place;
use crate::engine::run::control::Progress;
use crate::engine::share::{export, trace_events, IoResult, Lab, Machine, Results, Shared};
use crate::engine::state::io_lab::{IoAction, IoLabState};
use crate::engine::status::{RunEvent, Status};
use crate::web::client::shared_engine::{EngineContext, Holder, Lease};
use crate::web::ui::commands::{use_lab_commands, LabCommand};
use crate::web::ui::components::{
    before_run, EmbedSnippet, IoForm, IoResults, Runs, StatusLine, TraceDownload, WhatRuns,
};
use crate::web::ui::engine_run::use_engine_run;
use crate::web::ui::route::embed_address;
use crate::web::ui::share::{Exports, SharePanel};

/// Makes each request in turn on the shared engine.
async fn run_all(
    requests: Vec<IoRequest>,
    lease: &mut Lease,
    pool_threads: usize,
    dispatch: UseReducerDispatcher<IoLabState>,
) -> RunEvent {
    let builtin = requests
        .iter()
        .any(|r| matches!(r.targets, Targets::Builtin(_)));
    let (engine, base) = match lease.open(pool_threads, builtin).await {
        Ok(opened) => opened,
        Err(why) => return RunEvent::Failed(why.message("Your own URLs still work.")),
    };
    let total = requests.len() as f64;
    for (i, request) in requests.iter().enumerate() {
        if engine.cancel_asked() {
            return RunEvent::Cancelled;
        }
        let choice = Choice {
            model: request.model,
            scan: request.scan,
        };
        let doing = format!("{} of {}: {}", i + 1, requests.len(), choice.label());
        let on_progress = |progress: Progress| {
            dispatch.dispatch(IoAction::Run(RunEvent::Progress {
                fraction: (i as f64 + progress.fraction()) / total,
                doing: format!("{doing}, {} of {} requests", progress.done, progress.total),
            }))
        };
        on_progress(Progress::default());
        match engine.io(request, &base, on_progress).await {
            Ok(IoReply::Done(run)) => dispatch.dispatch(IoAction::Ran(run)),
            Ok(IoReply::Cancelled) => return RunEvent::Cancelled,
            Ok(IoReply::Failed { message }) => {
                return RunEvent::Failed(format!("{}: {message}", choice.label()))
            }
            Err(fault) => return RunEvent::Failed(format!("{} failed: {fault}", choice.label())),
        }
    }
    RunEvent::Finished
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Threads for the engine's pool if it has to start one (0: none).
    pub pool_threads: usize,
    /// Called with the settings and runs of every run that finishes.
    pub on_done: Callback<(IoSettings, Vec<IoRun>)>,
    /// This machine, for links with results and exports.
    pub machine: Machine,
    /// Embedded in another page: no Embed button of its own.
    #[prop_or_default]
    pub embed: bool,
}

#[function_component]
pub fn IoLab(props: &Props) -> Html {
    let lab = use_reducer(IoLabState::default);
    let engine = use_context::<EngineContext>().expect("the page provides the engine");
    let run = use_engine_run(
        Holder::Io,
        lab.dispatcher().to_callback().reform(IoAction::Run),
    );
    let engine_busy = run.others_busy();

    {
        // Ask the service worker where the built-in targets are, so the form can say up front
        // when they are missing.
        let dispatch = lab.dispatcher();
        let shared = Rc::clone(&engine.shared);
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(IoAction::TargetsKnown(shared.targets().await));
            });
        });
    }
    let running = lab.status.is_running();
    {
        let on_done = props.on_done.clone();
        let lab = lab.clone();
        use_effect_with(lab.status.clone(), move |status| {
            if *status == Status::Done && !lab.runs.is_empty() {
                let runs = lab.runs.iter().map(|run| (**run).clone()).collect();
                on_done.emit((lab.settings.clone(), runs));
            }
        });
    }
    let planned = lab.settings.requests();
    let refusals = planned.as_ref().err().cloned().unwrap_or_default();
    let dispatcher = lab.dispatcher();
    let actions = dispatcher.to_callback();
    let on_run = {
        let run = run.clone();
        let pool_threads = props.pool_threads;
        let planned = planned.clone();
        Callback::from(move |()| {
            // A refused setting never starts a run; the form shows why, and a link's Run here
            // says it.
            let requests = planned
                .clone()
                .map_err(|refusals| refusals.first_said(|f| f.label()).unwrap_or_default())?;
            let dispatcher = dispatcher.clone();
            run.start(Box::new(move |lease| {
                Box::pin(run_all(requests, lease, pool_threads, dispatcher))
            }))
        })
    };
    {
        // What the page sends: a restore from the history or a link, a link's Run here.
        let (dispatcher, on_run) = (lab.dispatcher(), on_run.clone());
        use_lab_commands(
            Holder::Io,
            Callback::from(move |command| match command {
                LabCommand::RestoreIo { settings, runs } => {
                    dispatcher.dispatch(IoAction::Restore { settings, runs })
                }
                LabCommand::Run { answer } => answer.emit(on_run.emit(())),
                LabCommand::RestoreCpu { .. } | LabCommand::RestorePython { .. } => {}
            }),
        );
    }
    let on_cancel = run.cancel();
    let plain = match &planned {
        Ok(_) => Ok(Shared {
            lab: Lab::Io(lab.settings.clone()),
            results: None,
            machine: None,
        }),
        Err(refusals) => Err(refusals
            .0
            .first()
            .map(|(_, why)| why.clone())
            .unwrap_or_default()),
    };
    let finished = !running && !lab.runs.is_empty();
    let runs: Vec<IoRun> = lab.runs.iter().map(|run| (**run).clone()).collect();
    let (with_results, exports) = match (&lab.ran, finished) {
        (Some(ran), true) => (
            Some(Shared {
                lab: Lab::Io(ran.clone()),
                results: Some(Results::Io(runs.iter().map(IoResult::from_run).collect())),
                machine: Some(props.machine.clone()),
            }),
            Some({
                let (ran, runs, machine) = (ran.clone(), runs.clone(), props.machine.clone());
                Exports {
                    stem: "overlap-io".into(),
                    make: Callback::from(move |format| match format {
                        "csv" => export::io_csv(&runs),
                        _ => export::io_json(&ran, &runs, Some(&machine)),
                    }),
                }
            }),
        ),
        _ => (None, None),
    };
    let make_trace = {
        let runs = lab.runs.clone();
        Callback::from(move |()| {
            let runs = trace_events::io_runs(runs.iter().map(|run| &**run));
            trace_events::trace_file("Overlap: an I/O run", &runs).to_string()
        })
    };
    let builtin_missing = match (&lab.targets, lab.settings.target_kind) {
        (Some(Err(why)), TargetKind::Builtin) => Some(why.clone()),
        _ => None,
    };
    let form_problem = refusals.first_said(|f| f.label());
    let (io_idle, io_blocked) = before_run(form_problem, builtin_missing.clone(), engine_busy);

    html! {
        <section class="card io-lab" aria-labelledby="io-title">
            <h2 id="io-title">{ "I/O-bound work: waiting overlaps" }</h2>
            <p class="lede">
                { "N requests that each take L to answer: one after another they take N·L; all \
                   at once about L; k at a time about ⌈N/k⌉·L. The waiting overlaps whether one \
                   thread juggles coroutines or k threads block, which is why Python's GIL does \
                   not hold I/O back. Scanning the pages is CPU work: inside the async code it \
                   runs on one thread and does not overlap at all." }
            </p>
            <WhatRuns runs={Runs::Requests} />
            <IoForm
                settings={lab.settings.clone()}
                refusals={refusals}
                {builtin_missing}
                pool={props.pool_threads > 0}
                {running}
                {engine_busy}
                on_edit={actions.reform(|(field, text)| IoAction::Edit(field, text))}
                on_targets={actions.reform(IoAction::ChooseTargets)}
                on_toggle={actions.reform(IoAction::Toggle)}
                on_preset={actions.reform(IoAction::Preset)}
                {on_run}
                {on_cancel}
            />
            if !props.embed {
                <EmbedSnippet src={embed_address(Place::IoLab)} title="I/O-bound work" prefix="io-" />
            }
            <StatusLine status={lab.status.clone()} prefix="io-" noun="run" idle={io_idle} blocked={io_blocked} />
            <IoResults runs={lab.runs.clone()} />
            if finished {
                <TraceDownload id="io-trace" file_name="overlap-io.trace.json" make={make_trace} />
            }
            <SharePanel lab="io" {plain} {with_results} {exports} chart=".io-lab figure.waterfall svg" />
        </section>
    }
}
