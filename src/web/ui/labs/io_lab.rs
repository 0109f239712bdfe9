//! The I/O lab: its state, the actions that change it, and the runs that feed it. The form's
//! reading and every request model live in the engine ([`crate::engine::io::settings`],
//! [`crate::engine::io`]); this only moves messages.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::io::settings::{Choice, Field, IoSettings, Preset, TargetKind};
use crate::engine::io::{IoReply, IoRequest, IoRun, Targets};
use crate::engine::route::Place;
use crate::engine::run::control::Progress;
use crate::engine::share::{export, trace_events, IoResult, Lab, Machine, Results, Shared};
use crate::engine::status::{RunEvent, Status};
use crate::web::client::engine_slot::{
    use_release_when_idle, EngineContext, EngineSlot, Holder, BUSY,
};
use crate::web::ui::components::{
    before_run, EmbedSnippet, IoForm, IoResults, Runs, StatusLine, TraceDownload, WhatRuns,
};
use crate::web::ui::route::embed_address;
use crate::web::ui::share::{Exports, SharePanel};

/// A past run to show again, from the history.
#[derive(Clone, Debug, PartialEq)]
pub struct IoRestore {
    /// When Restore was pressed: tells one restore from the next, even of the same entry.
    pub pressed_ms: f64,
    pub settings: IoSettings,
    pub runs: Vec<IoRun>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IoLabState {
    pub settings: IoSettings,
    pub status: Status,
    /// The runs of the last press of Run, in the order they ran.
    pub runs: Vec<Rc<IoRun>>,
    /// The settings those runs were made with: the form may have been edited since.
    pub ran: Option<IoSettings>,
    /// Where built-in targets are, or why there are none; `None` until the service worker says.
    pub targets: Option<Result<String, String>>,
}

impl Default for IoLabState {
    fn default() -> Self {
        IoLabState {
            settings: IoSettings::default(),
            status: Status::Idle,
            runs: Vec::new(),
            ran: None,
            targets: None,
        }
    }
}

pub enum Action {
    Edit(Field, String),
    ChooseTargets(TargetKind),
    Toggle(Choice),
    Preset(Preset),
    TargetsKnown(Result<String, String>),
    Restore(Rc<IoRestore>),
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    Ran(Box<IoRun>),
}

impl Reducible for IoLabState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let s = &mut next.settings;
        match action {
            Action::Edit(field, text) => match s.text_mut(field) {
                Some(slot) => *slot = text,
                None => return self,
            },
            Action::ChooseTargets(kind) => s.target_kind = kind,
            Action::Toggle(choice) => s.toggle(choice),
            Action::Preset(preset) => *s = s.with_preset(preset),
            Action::TargetsKnown(found) => next.targets = Some(found),
            Action::Restore(restore) => {
                if next.status.is_running() {
                    return self;
                }
                next.settings = restore.settings.clone();
                next.runs = restore.runs.iter().cloned().map(Rc::new).collect();
                next.ran = Some(restore.settings.clone());
                next.status = Status::Idle;
            }
            Action::Run(event) => {
                if event == RunEvent::Started {
                    next.runs.clear();
                    next.ran = Some(next.settings.clone());
                }
                next.status.apply(event);
            }
            Action::Ran(run) => next.runs.push(Rc::new(*run)),
        }
        Rc::new(next)
    }
}

/// Makes each request in turn on the shared engine.
async fn run_all(
    requests: Vec<IoRequest>,
    slot: Rc<EngineSlot>,
    pool_threads: usize,
    dispatch: UseReducerDispatcher<IoLabState>,
) {
    let builtin = requests
        .iter()
        .any(|r| matches!(r.targets, Targets::Builtin(_)));
    let (mut engine, base) = match slot.open(pool_threads, builtin).await {
        Ok(opened) => opened,
        Err(why) => {
            dispatch.dispatch(Action::Run(RunEvent::Failed(
                why.message("Your own URLs still work."),
            )));
            return;
        }
    };
    let total = requests.len() as f64;
    for (i, request) in requests.iter().enumerate() {
        if slot.is_cancelled() {
            dispatch.dispatch(Action::Run(RunEvent::Cancelled));
            break;
        }
        let choice = Choice {
            model: request.model,
            scan: request.scan,
        };
        let doing = format!("{} of {}: {}", i + 1, requests.len(), choice.label());
        let on_progress = |progress: Progress| {
            dispatch.dispatch(Action::Run(RunEvent::Progress {
                fraction: (i as f64 + progress.fraction()) / total,
                doing: format!("{doing}, {} of {} requests", progress.done, progress.total),
            }))
        };
        on_progress(Progress::default());
        match engine.io(request, &base, on_progress).await {
            Ok(IoReply::Done(run)) => dispatch.dispatch(Action::Ran(run)),
            Ok(IoReply::Cancelled) => {
                dispatch.dispatch(Action::Run(RunEvent::Cancelled));
                break;
            }
            Ok(IoReply::Failed { message }) => {
                dispatch.dispatch(Action::Run(RunEvent::Failed(format!(
                    "{}: {message}",
                    choice.label()
                ))));
                break;
            }
            Err(fault) => {
                let then = slot.replace_broken(pool_threads).await;
                dispatch.dispatch(Action::Run(RunEvent::Failed(format!(
                    "{} failed: {fault}. {then}",
                    choice.label()
                ))));
                return;
            }
        }
    }
    dispatch.dispatch(Action::Run(RunEvent::Finished));
    slot.put_back(engine);
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Threads for the engine's pool if it has to start one (0: none).
    pub pool_threads: usize,
    /// Called with the settings and runs of every run that finishes.
    pub on_done: Callback<(IoSettings, Vec<IoRun>)>,
    /// A run from the history to show.
    pub restore: Option<Rc<IoRestore>>,
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
    let engine_busy = engine.busy_for(Holder::Io);
    let slot = Rc::clone(&engine.slot);

    {
        // Ask the service worker where the built-in targets are, so the form can say up front
        // when they are missing.
        let dispatch = lab.dispatcher();
        let slot = Rc::clone(&slot);
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(Action::TargetsKnown(slot.targets().await));
            });
        });
    }
    let running = lab.status.is_running();
    use_release_when_idle(&slot, Holder::Io, running);
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
    {
        let dispatch = lab.dispatcher();
        let restore = props.restore.clone();
        use_effect_with(
            restore.as_ref().map(|r| r.pressed_ms.to_bits()),
            move |_| {
                if let Some(restore) = restore {
                    dispatch.dispatch(Action::Restore(restore));
                }
            },
        );
    }

    let planned = lab.settings.requests();
    let refusals = planned.as_ref().err().cloned().unwrap_or_default();
    let dispatcher = lab.dispatcher();
    let actions = dispatcher.to_callback();
    let on_run = {
        let slot = Rc::clone(&slot);
        let pool_threads = props.pool_threads;
        let planned = planned.clone();
        Callback::from(move |()| {
            // A refused setting never starts a run; the form shows why, and a link's Run here
            // says it.
            let requests = planned
                .clone()
                .map_err(|refusals| refusals.first_said(|f| f.label()).unwrap_or_default())?;
            if !slot.begin(Holder::Io) {
                return Err(BUSY.into());
            }
            dispatcher.dispatch(Action::Run(RunEvent::Started));
            wasm_bindgen_futures::spawn_local(run_all(
                requests,
                Rc::clone(&slot),
                pool_threads,
                dispatcher.clone(),
            ));
            Ok(())
        })
    };
    {
        // A share link's Run here presses this Run.
        let (slot, on_run) = (Rc::clone(&slot), on_run.clone());
        use_effect(move || slot.set_runner(Holder::Io, on_run));
    }
    let on_cancel = Callback::from(move |()| slot.cancel());
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
            Some(Rc::new(Exports {
                stem: "overlap-io".into(),
                csv: export::io_csv(&runs),
                json: export::io_json(ran, &runs, Some(&props.machine)),
            })),
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
                on_edit={actions.reform(|(field, text)| Action::Edit(field, text))}
                on_targets={actions.reform(Action::ChooseTargets)}
                on_toggle={actions.reform(Action::Toggle)}
                on_preset={actions.reform(Action::Preset)}
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
