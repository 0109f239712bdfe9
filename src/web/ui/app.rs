//! The page: it composes the labs and owns what they share: the engine and who holds it (given to
//! every lab as an [`EngineContext`]), the queue of commands it sends them ([`LabCommands`]:
//! restore this entry, set up this link, Run), the history, and a share link read once at start.
//! Each lab keeps its own state, so a run's progress re-renders only the lab that runs.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::capability::Scaling;
use crate::engine::experiment::Report;
use crate::engine::history::{Entry, Record};
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;
use crate::engine::lessons::LESSONS;
use crate::engine::python::measured::PythonRun;
use crate::engine::python::settings::PythonSettings;
use crate::engine::route::{self, Place, Route};
use crate::engine::share::Lab;
use crate::web::client::shared_engine::{EngineContext, Holder, SharedEngine};
use crate::web::platform::capabilities;
use crate::web::ui::classroom::Classroom;
use crate::web::ui::commands::{use_command_queue, LabCommand, LabCommands};
use crate::web::ui::components::{CapabilityPanel, Deferred, SiteNav};
use crate::web::ui::history::{now_ms, use_history, HistoryPanel};
use crate::web::ui::labs::cpu_lab::CpuLab;
use crate::web::ui::labs::io_lab::IoLab;
use crate::web::ui::labs::python_lab::PythonLab;
use crate::web::ui::lessons::Lessons;
use crate::web::ui::link_card::LinkCard;
use crate::web::ui::new_link_notice::NewLinkNotice;
use crate::web::ui::route::{href, use_route};
use crate::web::ui::share as links;
use crate::web::ui::update_notice::UpdateNotice;

/// Why an embedded lesson or lab has no threads: inside a frame, usually the page around it.
fn embed_no_threads(why: &str) -> String {
    let framed = web_sys::window()
        .and_then(|w| w.top().ok().flatten().map(|top| top != w))
        .unwrap_or(false);
    if framed {
        "No threads in this frame: threads need the page around it to be cross-origin isolated \
         and to allow it (<iframe allow=\"cross-origin-isolated\">). What needs no threads runs \
         here; the full page has them. "
            .to_string()
    } else {
        format!("No threads here: {why}. What needs no threads runs here. ")
    }
}

#[function_component]
pub fn App() -> Html {
    let caps = *use_memo((), |_| capabilities::detect());
    let (route, route_problem, go) = use_route();
    // The lesson the navigation bar's "Lessons" opens: the one last chosen.
    let lesson = use_state(|| match route.place {
        Place::Lesson(slug) => slug,
        _ => LESSONS[0].slug,
    });
    let on_lesson = {
        let (lesson, go) = (lesson.setter(), go.clone());
        Callback::from(move |slug: &'static str| {
            lesson.set(slug);
            // In the lessons' place, the address follows the tab chosen.
            if matches!(route.place, Place::Lesson(_)) {
                go.emit(Route {
                    place: Place::Lesson(slug),
                    ..route
                });
            }
        })
    };
    {
        // A new place starts at its top, and names itself in the tab, the bookmarks and the
        // browser's history.
        let place = route.place;
        let first = use_mut_ref(|| true);
        use_effect_with(place, move |_| {
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                document.set_title(&place.title());
            }
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                if let Some(window) = web_sys::window() {
                    window.scroll_to_with_x_and_y(0.0, 0.0);
                }
            }
        });
    }
    let history = use_history();
    let (commands, send) = use_command_queue();
    let pool_failure = use_state(|| None::<String>);
    let holder = use_state(|| None::<Holder>);
    let shared = {
        let holder = holder.setter();
        (*use_memo((), |_| {
            SharedEngine::new(Callback::from(move |h| holder.set(h)))
        }))
        .clone()
    };
    // Why the link's Run here started nothing, if it did not.
    let run_refused = use_state(|| None::<String>);
    let engine = EngineContext {
        shared: Rc::clone(&shared),
        holder: *holder,
    };
    // A share link in the address bar, read once (with its thread counts fitted to this
    // machine): it sets up its lab when the page starts.
    let link = (*use_memo((), |_| links::read_link(caps.cores))).clone();
    // This machine as a link with results names it; its user agent does not change.
    let machine = (*use_memo((), |_| links::this_machine(&caps))).clone();
    {
        let (link, send) = (link.clone(), send.clone());
        use_effect_with((), move |_| {
            let Some(link) = link else {
                return;
            };
            match &link.opened.shared.lab {
                Lab::Cpu(cpu) => {
                    let mut settings = cpu.to_settings();
                    settings.threads_text = link.threads.clone();
                    send.emit((
                        Holder::Cpu,
                        LabCommand::RestoreCpu {
                            settings: Box::new(settings),
                            report: Report::new(&cpu.kernel),
                        },
                    ));
                }
                Lab::Io(io) => send.emit((
                    Holder::Io,
                    LabCommand::RestoreIo {
                        settings: Box::new(io.clone()),
                        runs: Vec::new(),
                    },
                )),
            }
        });
    }
    // How far free threads scaled in the last sweep: the panel weighs the reported cores by it.
    let scaling = use_state(|| None::<Scaling>);
    let on_cpu_done = {
        let (history, scaling) = (history.clone(), scaling.clone());
        Callback::from(move |entry: Entry| {
            if let Some(found) = entry.report().and_then(|report| report.scaling()) {
                scaling.set(Some(found));
            }
            history.add(entry);
        })
    };
    let on_io_done = {
        let history = history.clone();
        Callback::from(move |(settings, runs): (IoSettings, Vec<IoRun>)| {
            history.add(Entry::io(now_ms(), &settings, &runs));
        })
    };
    let on_restore = {
        let (history, send) = (history.clone(), send.clone());
        let shared = Rc::clone(&shared);
        let go = go.clone();
        Callback::from(move |id: u64| {
            let Some(entry) = history.shown().history.find(id) else {
                return;
            };
            let (lab, name) = match entry.record {
                Record::Cpu { .. } => (Holder::Cpu, "CPU lab"),
                Record::Io { .. } => (Holder::Io, "I/O lab"),
                Record::Python { .. } => (Holder::Python, "Python lab"),
            };
            // A running lab's form is locked; restoring into it would change nothing.
            if shared.holder() == Some(lab) {
                history.say(format!(
                    "The {name} is running; restore \u{201c}{}\u{201d} once it has finished \
                     or you have cancelled it.",
                    entry.title
                ));
                return;
            }
            let command = match &entry.record {
                Record::Cpu { settings, .. } => LabCommand::RestoreCpu {
                    settings: Box::new(settings.clone()),
                    report: entry.report().unwrap_or_default(),
                },
                Record::Io { settings, runs } => LabCommand::RestoreIo {
                    settings: Box::new(settings.clone()),
                    runs: runs.clone(),
                },
                Record::Python { settings, run } => LabCommand::RestorePython {
                    settings: Box::new(settings.clone()),
                    run: Box::new(run.clone()),
                },
            };
            send.emit((lab, command));
            history.say(format!(
                "Restored \u{201c}{}\u{201d} into the {name} above.",
                entry.title
            ));
            // On a page of its own, the history shows no lab: take the reader to the one restored.
            if route.place != Place::All {
                let place = match lab {
                    Holder::Cpu => Place::CpuLab,
                    Holder::Python => Place::PythonLab,
                    _ => Place::IoLab,
                };
                go.emit(Route { place, ..route });
            }
        })
    };
    let on_python_done = {
        let history = history.clone();
        Callback::from(move |(settings, run): (PythonSettings, Rc<PythonRun>)| {
            history.add(Entry::python(now_ms(), &settings, &run));
        })
    };
    let on_delete = history.remove();
    let on_pool_failure = {
        let pool_failure = pool_failure.clone();
        Callback::from(move |failure| pool_failure.set(failure))
    };
    let threads_refused = caps.threads().is_err() || pool_failure.is_some();
    let pool_threads = if threads_refused { 0 } else { caps.cores };

    let on_link_run = {
        let io = link
            .as_ref()
            .is_some_and(|link| matches!(link.opened.shared.lab, Lab::Io(_)));
        let run_refused = run_refused.setter();
        let answer = Callback::from(move |started: Result<(), String>| {
            run_refused.set(started.clone().err());
            if started.is_err() {
                return;
            }
            // Take the reader to the lab that is now running.
            let selector = if io { ".io-lab" } else { ".experiment" };
            if let Some(section) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(selector).ok().flatten())
            {
                section.scroll_into_view();
            }
        });
        let send = send.clone();
        Callback::from(move |()| {
            let lab = if io { Holder::Io } else { Holder::Cpu };
            send.emit((
                lab,
                LabCommand::Run {
                    answer: answer.clone(),
                },
            ));
        })
    };

    let shows = |section: &str| route.place.shows(section);
    // The sections are built one per frame, those on show first (see Deferred).
    let frames = |section: &str| route.place.build_frame(section);
    let link_shown = link
        .as_ref()
        .is_some_and(|link| match link.opened.shared.lab {
            Lab::Cpu(_) => shows("cpu"),
            Lab::Io(_) => shows("io"),
        });
    let places: Vec<(Place, String)> = route::places(*lesson)
        .into_iter()
        .map(|place| {
            (
                place,
                href(Route {
                    place,
                    embed: false,
                }),
            )
        })
        .collect();
    let embed = route.embed;
    let full_page = href(Route {
        embed: false,
        ..route
    });

    html! {
        <>
            if !embed {
                <header class="masthead">
                    <h1>{ "Overlap" }</h1>
                    <p class="tagline">
                        { "Python's concurrency lessons, measured on your own cores." }
                    </p>
                </header>
                <SiteNav {places} current={route.place} on_go={go.clone()} />
            }
            <ContextProvider<EngineContext> context={engine.clone()}>
            <ContextProvider<LabCommands> context={commands}>
            <main class={classes!(embed.then_some("embedded"))} data-place={route.place.section()}>
                <UpdateNotice />
                <NewLinkNotice running={engine.holder.is_some()} />
                if let Some(problem) = route_problem {
                    <p class="notice" role="note" data-route-problem="true">{ problem }</p>
                }
                if embed {
                    <p class="embed-bar">
                        if let Err(why) = caps.threads() {
                            <span data-embed-threads="false">{ embed_no_threads(&why.to_string()) }</span>
                        }
                        <a href={full_page} target="_blank" rel="noopener" data-embed-open="true">{ "Open the full page in a new tab" }</a>
                    </p>
                } else {
                    if route.place == Place::All {
                        <section class="card intro" id="intro" aria-labelledby="intro-title">
                            <h2 id="intro-title">{ "What this is" }</h2>
                            <p class="lede">
                                { "Overlap puts Python's concurrency lessons to the test on your own \
                                   cores: threads under the GIL, processes, pools, asyncio, locks. \
                                   Each lesson asks you to predict, measures, and grades your \
                                   prediction against what this machine did. The lessons run a \
                                   Rust model of CPython's threads, GIL and processes, and each \
                                   lesson's script measures the real CPython for comparison; the \
                                   Python lab runs your own code on real CPython, here in the page." }
                            </p>
                            <p class="start">
                                <a class="button" href={href(Route { place: Place::Lesson(LESSONS[0].slug), embed: false })}
                                    data-start="true">
                                    { format!("Start with lesson 1: {}", LESSONS[0].title) }
                                </a>
                                <span class="hint">{ " Then the CPU lab, the I/O lab and the Python lab, to try your own." }</span>
                            </p>
                        </section>
                    }
                    <CapabilityPanel
                        {caps}
                        pool_failure={(*pool_failure).clone()}
                        scaling={*scaling}
                        browser={machine.browser.clone()}
                    />
                }
                if let Some(link) = link.clone().filter(|_| link_shown && !embed) {
                    <LinkCard
                        opened={Rc::clone(&link.opened)}
                        compare={link.compare.clone()}
                        note={link.note.clone()}
                        run_refused={(*run_refused).clone()}
                        busy={engine.holder.is_some()}
                        on_run={on_link_run}
                    />
                }
                <div class="place" hidden={!shows("lessons")}>
                    <Deferred frames={frames("lessons")}>
                        <Lessons {pool_threads} cores={caps.cores}
                            embed={embed}
                            no_threads={caps.threads().err().map(|why| why.to_string())
                                .or_else(|| (*pool_failure).clone())}
                            route_lesson={match route.place { Place::Lesson(slug) => Some(slug), _ => None }}
                            on_choose={on_lesson} />
                    </Deferred>
                </div>
                <div class="place" hidden={!shows("cpu")}>
                    <Deferred frames={frames("cpu")}>
                        <CpuLab
                            {caps}
                            on_done={on_cpu_done}
                            {on_pool_failure}
                            compare={link.as_ref().and_then(|link| link.compare.clone())}
                            machine={machine.clone()}
                            {embed}
                        />
                    </Deferred>
                </div>
                <div class="place" hidden={!shows("io")}>
                    <Deferred frames={frames("io")}>
                        <IoLab
                            {pool_threads}
                            on_done={on_io_done}
                            machine={machine.clone()}
                            {embed}
                        />
                    </Deferred>
                </div>
                <div class="place" hidden={!shows("python")}>
                    <Deferred frames={frames("python")}>
                        <PythonLab cores={caps.cores} {embed} on_done={on_python_done} {machine} />
                    </Deferred>
                </div>
                <div class="place" hidden={!shows("classroom")}>
                    <Deferred frames={frames("classroom")}>
                        <Classroom />
                    </Deferred>
                </div>
                <div class="place" hidden={!shows("history")}>
                    <Deferred frames={frames("history")}>
                        <HistoryPanel
                            history={Rc::clone(&history.shown().history)}
                            message={history.shown().message.clone()}
                            {on_restore}
                            {on_delete}
                        />
                    </Deferred>
                </div>
            </main>
            </ContextProvider<LabCommands>>
            </ContextProvider<EngineContext>>
        </>
    }
}
