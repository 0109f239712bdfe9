//! The Python lab: the visitor's own Python on real CPython interpreters in the page. Its state
//! and reducer are the engine's ([`crate::engine::state::python_lab`]); the interpreters and the
//! runs are the client's ([`crate::web::client::python`], [`crate::web::client::python_run`]).
//! This moves messages between them, keeps the form in localStorage as the visitor types (so a
//! reload loses nothing), and runs through the page's one run hook, holding the lease so that
//! no other run shares the cores it times.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::python::link as python_link;
use crate::engine::python::measured::PythonRun;
use crate::engine::python::settings::{PythonPlan, PythonSettings};
use crate::engine::route::{Place, Route};
use crate::engine::share::{LinkShown, Machine, MadeLink};
use crate::engine::state::python_lab::{PythonAction, PythonLabState};
use crate::engine::status::{RunEvent, Status};
use crate::web::client::python;
use crate::web::client::python_run::{self, End, Report};
use crate::web::client::shared_engine::{EngineContext, Holder, SharedEngine};
use crate::web::ui::commands::{use_lab_commands, LabCommand};
use crate::web::ui::components::{
    before_run, EmbedSnippet, PythonForm, PythonResults, StatusLine, TraceDownload,
};
use crate::web::ui::engine_run::{use_engine_run, Work};
use crate::web::ui::route::embed_address;
use crate::web::ui::share::{link_field, offer_link};

/// Where the form is kept between visits.
const STORAGE_KEY: &str = "overlap.python.v1";
/// Where the visitor's own form is kept when a link's replaces it, until they bring it back.
const BEFORE_LINK_KEY: &str = "overlap.python.v1.before-link";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The form kept under `key`, if one can be read (one that cannot is left in storage untouched
/// until the visitor types, rather than lost).
fn stored(key: &str) -> Option<PythonSettings> {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
}

/// What the page opened with: the form to show, and what the link notice says.
struct Opening {
    settings: PythonSettings,
    /// A Python lab link was opened (`Ok`: the visitor's own form was kept aside if it differed;
    /// `Err`: why the link could not be read).
    link: Option<Result<bool, String>>,
}

/// The form from a `#py.v1.…` link in the address, else the kept one. A link's form replaces
/// the kept one only on show: the kept one is set aside first, so the visitor can bring it back.
fn opening() -> Opening {
    let stored_now = stored(STORAGE_KEY);
    let kept = stored_now.clone().unwrap_or_default();
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if !python_link::is_python_fragment(&hash) {
        return Opening {
            settings: kept,
            link: None,
        };
    }
    match python_link::open(&hash) {
        Ok(settings) => {
            let set_aside = settings != kept && stored_now.is_some();
            if set_aside {
                if let (Some(store), Ok(text)) = (storage(), serde_json::to_string(&kept)) {
                    let _ = store.set_item(BEFORE_LINK_KEY, &text);
                }
            }
            Opening {
                settings,
                link: Some(Ok(set_aside)),
            }
        }
        Err(why) => Opening {
            settings: kept,
            link: Some(Err(why)),
        },
    }
}

/// This lab's own address (its route's query) with `fragment`, so the link opens the lab itself.
fn lab_link(fragment: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
        .unwrap_or_default();
    let route = Route {
        place: Place::PythonLab,
        embed: false,
    };
    format!("{base}{}#{fragment}", route.query())
}

/// A run of the visitor's code on the page's interpreters, as the run hook takes it: Cancel ends
/// the interpreters; the reducer is told the progress, the download, the traceback, the figures.
/// The Python lab and the lessons' "Run the Python here" both run through it.
pub fn python_work(
    dispatch: UseReducerDispatcher<PythonLabState>,
    settings: PythonSettings,
    plan: PythonPlan,
    shared: Rc<SharedEngine>,
) -> Work {
    Box::new(move |lease| {
        Box::pin(async move {
            let interpreters = python::shared();
            let stopper = Rc::clone(&interpreters);
            lease.on_cancel(Rc::new(move || stopper.stop()));
            // The built-in targets' address, for TARGETS in the visitor's code.
            let targets = shared.targets().await.unwrap_or_default();
            let report = |report: Report| match report {
                Report::Progress { fraction, doing } => {
                    dispatch.dispatch(PythonAction::Download(None));
                    dispatch.dispatch(PythonAction::Run(RunEvent::Progress { fraction, doing }));
                }
                Report::Download { loaded, total } => {
                    dispatch.dispatch(PythonAction::Download(Some((loaded as u64, total as u64))))
                }
            };
            match python_run::run(plan, &settings.code, &targets, &interpreters, &report).await {
                Ok(measured) => {
                    dispatch.dispatch(PythonAction::Ran(Box::new(measured), settings));
                    RunEvent::Finished
                }
                Err(End::Cancelled) => {
                    interpreters.stop();
                    RunEvent::Cancelled
                }
                Err(End::CodeError(traceback)) => {
                    // An interpreter that ran out keeps its grown memory: end it.
                    let out_of_memory = traceback.contains("MemoryError");
                    if out_of_memory {
                        interpreters.stop();
                    }
                    dispatch.dispatch(PythonAction::CodeError(traceback));
                    RunEvent::Failed(if out_of_memory {
                        "Your code ran out of memory (MemoryError, traceback below). Its \
                         interpreters were ended to give the memory back; the next run starts \
                         new ones."
                            .into()
                    } else {
                        "Your code raised an exception: its traceback is below.".into()
                    })
                }
                Err(End::Failed(why)) => {
                    interpreters.stop();
                    RunEvent::Failed(format!("{why}. The next run starts new interpreters."))
                }
            }
        })
    })
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// This machine's cores as the page knows them.
    pub cores: usize,
    /// Called with the settings and figures of every run that finishes (the history keeps them).
    #[prop_or_default]
    pub on_done: Callback<(PythonSettings, Rc<PythonRun>)>,
    /// Embedded in another page: no Embed button of its own.
    #[prop_or_default]
    pub embed: bool,
    /// This machine, for links with results.
    pub machine: Machine,
}

/// What a link of this lab carries: the code in the form, or a run and the code it ran.
#[derive(Clone)]
enum LinkFrom {
    Code(PythonSettings),
    Run(Rc<PythonRun>),
}

impl LinkFrom {
    /// Whether the lab still shows it: the same code in the form, the same run on the page.
    fn still_shown(&self, lab: &PythonLabState) -> bool {
        match self {
            LinkFrom::Code(settings) => *settings == lab.settings,
            LinkFrom::Run(run) => lab.run.as_ref().is_some_and(|now| Rc::ptr_eq(now, run)),
        }
    }
}

#[function_component]
pub fn PythonLab(props: &Props) -> Html {
    let opened = use_memo((), |_| opening());
    let lab = use_reducer(|| PythonLabState::with(opened.settings.clone()));
    // What the link notice says, until the visitor brings their code back.
    let link_notice = use_state(|| opened.link.clone());
    // What copying a link said, and the link made (shown, to copy by hand where the browser
    // refuses the clipboard).
    let link_said = use_state(|| None::<String>);
    let link_made = use_state(|| None::<MadeLink<LinkFrom>>);
    let engine = use_context::<EngineContext>().expect("the page provides the engine");
    let run = use_engine_run(
        Holder::Python,
        lab.dispatcher().to_callback().reform(PythonAction::Run),
    );
    {
        // Kept as the visitor types; the first render writes nothing.
        let first = use_mut_ref(|| true);
        use_effect_with(lab.settings.clone(), move |settings| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                if let (Some(store), Ok(text)) = (storage(), serde_json::to_string(settings)) {
                    let _ = store.set_item(STORAGE_KEY, &text);
                }
            }
        });
    }
    let running = lab.status.is_running();
    let planned = lab.settings.plan();
    let refusals = planned.as_ref().err().cloned().unwrap_or_default();
    let actions = lab.dispatcher().to_callback();
    let on_run = {
        let (run, dispatch) = (run.clone(), lab.dispatcher());
        let (settings, planned) = (lab.settings.clone(), planned.clone());
        let shared = Rc::clone(&engine.shared);
        Callback::from(move |()| {
            let plan = planned
                .clone()
                .map_err(|refused| refused.first_said(|f| f.label()).unwrap_or_default())?;
            run.start(python_work(
                dispatch.clone(),
                settings.clone(),
                plan,
                Rc::clone(&shared),
            ))
        })
    };
    {
        // A finished run goes to the history once.
        let (on_done, ran, measured) = (props.on_done.clone(), lab.ran.clone(), lab.run.clone());
        use_effect_with(lab.status.clone(), move |status| {
            if let (Status::Done, Some(settings), Some(measured)) = (status, ran, measured) {
                on_done.emit((settings, measured));
            }
        });
    }
    {
        // What the page sends: a restore from the history, a link's Run here.
        let (dispatcher, on_run) = (lab.dispatcher(), on_run.clone());
        use_lab_commands(
            Holder::Python,
            Callback::from(move |command| match command {
                LabCommand::RestorePython { settings, run } => {
                    dispatcher.dispatch(PythonAction::Restore(*settings.clone()));
                    dispatcher.dispatch(PythonAction::Ran(run, *settings));
                }
                LabCommand::Run { answer } => answer.emit(on_run.emit(())),
                LabCommand::RestoreCpu { .. } | LabCommand::RestoreIo { .. } => {}
            }),
        );
    }
    let finished = !running && lab.status == Status::Done;
    let link_shown = MadeLink::shown(link_made.as_ref(), |from| from.still_shown(&lab));
    let make_trace = {
        let measured = lab.run.clone();
        Callback::from(move |()| {
            measured
                .as_ref()
                .map(|r| r.trace_json())
                .unwrap_or_default()
        })
    };
    let (idle, blocked) = before_run(refusals.first_said(|f| f.label()), None, run.others_busy());
    let on_copy_link = {
        let (settings, said, made) = (lab.settings.clone(), link_said.clone(), link_made.clone());
        Callback::from(move |_: MouseEvent| {
            let (settings, said, made) = (settings.clone(), said.clone(), made.clone());
            wasm_bindgen_futures::spawn_local(offer_link(
                python_link::encode(&settings).map(|fragment| lab_link(&fragment)),
                LinkFrom::Code(settings),
                "link to this code",
                said,
                made,
            ));
        })
    };
    // The code that ran and what it measured, for the classroom view.
    let on_copy_results = {
        let (ran, measured, said) = (lab.ran.clone(), lab.run.clone(), link_said.clone());
        let (machine, made) = (props.machine.clone(), link_made.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(ran), Some(measured)) = (ran.clone(), measured.clone()) else {
                return;
            };
            let (machine, said, made) = (machine.clone(), said.clone(), made.clone());
            wasm_bindgen_futures::spawn_local(offer_link(
                python_link::encode_with_results(&ran, &measured, &machine)
                    .map(|fragment| lab_link(&fragment)),
                LinkFrom::Run(measured),
                "link with results",
                said,
                made,
            ));
        })
    };
    let on_bring_back = {
        let (dispatch, notice) = (lab.dispatcher(), link_notice.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(before) = stored(BEFORE_LINK_KEY) {
                dispatch.dispatch(PythonAction::Restore(before));
                if let Some(store) = storage() {
                    let _ = store.remove_item(BEFORE_LINK_KEY);
                }
            }
            // The link leaves the address too, so a reload keeps the visitor's own code.
            if let Some(window) = web_sys::window() {
                let (location, history) = (window.location(), window.history());
                if let (Ok(history), Ok(path), Ok(search)) =
                    (history, location.pathname(), location.search())
                {
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&format!("{path}{search}")),
                    );
                }
            }
            notice.set(None);
        })
    };
    let download = lab.download.map(|(loaded, total)| {
        let mb = |b: u64| b as f64 / 1e6;
        let text = if total > 0 {
            format!(
                "Downloading the interpreter: {:.1} of {:.1} MB",
                mb(loaded),
                mb(total)
            )
        } else {
            format!("Downloading the interpreter: {:.1} MB", mb(loaded))
        };
        (loaded, total.max(loaded), text)
    });

    html! {
        <section class="card python-lab" aria-labelledby="python-title">
            <h2 id="python-title">{ "Your own Python, on real interpreters" }</h2>
            <p class="lede">
                { "Real CPython 3.14 (Pyodide) runs here, in Web Workers: one interpreter per \
                   worker, each with memory of its own, as a process has. Define work(x) and \
                   inputs: Overlap runs them one after another in one interpreter, as \
                   ProcessPoolExecutor(k).map on k interpreters (arguments and results pickled \
                   across), and, for async def work, with asyncio.gather. The first run downloads \
                   the interpreter (13.5 MB, 6.4 MB gzipped, kept for offline use) and starts each \
                   one: that start is this lab's spawn cost." }
            </p>
            if let Some(notice) = &*link_notice {
                <p class="notice" role="note" id="py-link-notice">
                    { match notice {
                        Ok(_) => "This link's code is in the form below.".to_string(),
                        Err(why) => format!("{why} Your own code is shown instead."),
                    } }
                    if matches!(notice, Ok(true)) {
                        { " Your own code from before is kept: " }
                        <button type="button" id="py-bring-back" disabled={running} onclick={on_bring_back}>
                            { "Bring my code back" }
                        </button>
                    }
                </p>
            }
            <PythonForm
                settings={lab.settings.clone()}
                {refusals}
                {running}
                busy={run.others_busy()}
                on_edit={actions.reform(|(field, text)| PythonAction::Edit(field, text))}
                on_template={actions.reform(PythonAction::Template)}
                {on_run}
                on_cancel={run.cancel()}
            />
            <p class="share-code">
                <button type="button" id="py-copy-link" onclick={on_copy_link}>{ "Copy a link to this code" }</button>
                if lab.run.is_some() && lab.ran.is_some() && !running {
                    { " " }
                    <button type="button" id="py-copy-results" onclick={on_copy_results}
                        title="For the classroom view: the code, what it measured, and this machine">
                        { "Copy link with results" }
                    </button>
                }
                if let Some(said) = &*link_said {
                    <span class="hint" role="status" id="py-link-said">{ format!(" {said}") }</span>
                }
            </p>
            if link_shown != LinkShown::None {
                { link_field(
                    "py-share-link".into(),
                    link_shown,
                    "",
                    "The code or its run changed after the link was made: copy a link again for one to what is here now.",
                ) }
            }
            if !props.embed {
                <EmbedSnippet src={embed_address(Place::PythonLab)} title="Your own Python" prefix="py-" />
            }
            <StatusLine status={lab.status.clone()} prefix="py-" noun="run" {idle} {blocked} />
            if let Some((loaded, total, text)) = download {
                <div class="download" id="py-download">
                    <progress max={total.to_string()} value={loaded.to_string()} aria-label="Interpreter download" />
                    <span>{ text }</span>
                </div>
            }
            if let Some(error) = &lab.error {
                <div class="traceback" role="alert">
                    <h3>{ "What your code raised" }</h3>
                    <pre id="py-error">{ error }</pre>
                </div>
            }
            if let Some(measured) = &lab.run {
                <PythonResults run={Rc::clone(measured)} cores={props.cores} />
            }
            if finished && lab.run.is_some() {
                <TraceDownload id="py-trace" file_name="overlap-python.trace.json" make={make_trace} />
            }
        </section>
    }
}
