//! The CPU lab: its state, the actions that change it, the sweep that feeds it, and the panel that
//! shows it (form, status, results, charts, sharing). A peer of [`crate::web::ui::labs::io_lab`]: the page gives
//! it the shared engine and tells it when the other labs hold the engine.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::capability::Capabilities;
use crate::engine::experiment::{self, Step};
use crate::engine::history::Entry;
use crate::engine::protocol::MeasureRequest;
use crate::engine::rounds::{self, ratios, Spread};
use crate::engine::route::Place;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, RunConfig};
use crate::engine::share::{
    export, trace_events, CpuConfig, CpuResult, Lab, Machine, Results, Shared,
};
use crate::engine::state::cpu_lab::{CpuAction, CpuLabState};
use crate::engine::status::{RunEvent, Status};
use crate::web::client::engine_worker::EngineWorker;
use crate::web::client::rounds::{in_rounds, Measured, RoundStep, Stopped};
use crate::web::client::shared_engine::{Holder, Lease};
use crate::web::ui::commands::{use_lab_commands, LabCommand};
use crate::web::ui::components::charts::{
    Compare, MandelbrotPicture, SpeedupChart, Timeline, WallBars,
};
use crate::web::ui::components::{
    before_run, EmbedSnippet, ExperimentForm, ResultsTable, Runs, StatusLine, TraceDownload,
    WhatRuns,
};
use crate::web::ui::engine_run::use_engine_run;
use crate::web::ui::history::now_ms;
use crate::web::ui::route::embed_address;
use crate::web::ui::share::{Exports, SharePanel};

/// What one press of Run measures.
struct Sweep {
    kernel: &'static str,
    size: u64,
    repeats: u32,
    steps: Vec<Step>,
    style: MapStyle,
    chunksize: Option<usize>,
    pool_threads: usize,
}

/// Runs the sweep with the lessons' protocol ([`crate::engine::rounds`]): one untimed round
/// (worker processes start, every model's code is optimised), then every step once per round,
/// so drift in the machine's speed lands on every step of a round alike; the rounds asked for,
/// then more while a speedup's per-round spread is wide, within the rounds' cap and budget.
async fn run_sweep(
    sweep: Sweep,
    lease: &mut Lease,
    dispatch: UseReducerDispatcher<CpuLabState>,
) -> RunEvent {
    let (engine, _) = match lease.open(sweep.pool_threads, false).await {
        Ok(opened) => opened,
        Err(why) => return RunEvent::Failed(why.message("")),
    };
    let mut steps = sweep.steps.clone();
    if let Some(why) = engine.pool_error() {
        dispatch.dispatch(CpuAction::PoolFailed(why.to_string()));
    }
    if engine.pool_threads() == 0 {
        steps.retain(|step| !step.model.uses_pool());
    }
    match sweep_rounds(&sweep, &steps, engine, &dispatch).await {
        Ok(()) => RunEvent::Finished,
        Err(Stopped::Cancelled) => RunEvent::Cancelled,
        Err(Stopped::Failed(why) | Stopped::Fault(why)) => RunEvent::Failed(why),
    }
}

/// The sweep's steps in rounds ([`in_rounds`], as the lessons'): the rounds asked for, then
/// more while a speedup's per-round spread is wide ([`rounds::another_sweep_round`]). Each run
/// goes to the table as it is measured.
async fn sweep_rounds(
    sweep: &Sweep,
    steps: &[Step],
    engine: &mut EngineWorker,
    dispatch: &UseReducerDispatcher<CpuLabState>,
) -> Result<(), Stopped> {
    let round_steps: Vec<RoundStep> = steps
        .iter()
        .map(|step| RoundStep {
            label: format!("{}, k = {}", step.model, step.threads),
            request: MeasureRequest {
                kernel: sweep.kernel.into(),
                size: sweep.size,
                repeats: 1,
                run: RunConfig::new(step.model, step.threads)
                    .with_style(sweep.style, sweep.chunksize),
            },
        })
        .collect();
    let baseline = steps.iter().position(|s| s.model == Model::Sequential);
    let on_progress = |event| dispatch.dispatch(CpuAction::Run(event));
    in_rounds(
        engine,
        &round_steps,
        sweep.repeats as usize,
        &on_progress,
        |i, measured| {
            dispatch.dispatch(CpuAction::Measured {
                step: steps[i],
                samples_ms: vec![measured.ms],
                checksum: measured.checksum,
                trace: measured.trace.clone(),
            })
        },
        |made, elapsed_ms| {
            let ms = |runs: &[Measured]| runs.iter().map(|m| m.ms).collect::<Vec<f64>>();
            let spreads: Vec<Spread> = baseline
                .map(|b| {
                    let base = ms(&made[b]);
                    (0..made.len())
                        .filter(|&i| i != b)
                        .filter_map(|i| Spread::of(&ratios(&base, &ms(&made[i]))))
                        .collect()
                })
                .unwrap_or_default();
            rounds::another_sweep_round(made[0].len(), sweep.repeats as usize, &spreads, elapsed_ms)
        },
    )
    .await
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub caps: Capabilities,
    /// Called with every sweep that finishes, for the history.
    pub on_done: Callback<Entry>,
    /// Tells the page the pool failed to start although the page looked capable.
    pub on_pool_failure: Callback<Option<String>>,
    /// A link's carried sweep, drawn under this machine's own.
    #[prop_or_default]
    pub compare: Option<Rc<Compare>>,
    /// This machine, for links with results and exports.
    pub machine: Machine,
    /// Embedded in another page: no Embed button of its own.
    #[prop_or_default]
    pub embed: bool,
}

#[function_component]
pub fn CpuLab(props: &Props) -> Html {
    let caps = props.caps;
    let experiment = use_reducer(CpuLabState::default);
    let run = use_engine_run(
        Holder::Cpu,
        experiment.dispatcher().to_callback().reform(CpuAction::Run),
    );
    let machine = props.machine.clone();
    let running = experiment.status.is_running();
    {
        let on_pool_failure = props.on_pool_failure.clone();
        use_effect_with(experiment.pool_failure.clone(), move |failure| {
            on_pool_failure.emit(failure.clone())
        });
    }
    {
        // A finished sweep goes into the history.
        let experiment = experiment.clone();
        let on_done = props.on_done.clone();
        use_effect_with(experiment.status.clone(), move |status| {
            if *status == Status::Done && !experiment.report.rows().is_empty() {
                on_done.emit(Entry::cpu(
                    now_ms(),
                    &experiment.report,
                    experiment.form.clone(),
                ));
            }
        });
    }
    let kernel = experiment.form.kernel();
    let checked = experiment.form.read_to_run(caps.cores);
    let refusals = checked.as_ref().err().cloned().unwrap_or_default();
    let threads_refused = caps
        .threads()
        .err()
        .map(|why| why.to_string())
        .or_else(|| experiment.pool_failure.clone());
    let others_busy = run.others_busy();
    let form_problem = refusals.first_said(|f| f.label());
    let (cpu_idle, cpu_blocked) = before_run(form_problem, None, others_busy);
    let pool_threads = experiment::pool_for_sweep(
        &experiment.form.models,
        threads_refused.is_none(),
        checked.as_ref().ok().map(|sweep| &sweep.ks[..]),
        caps.cores,
    );

    let dispatcher = experiment.dispatcher();
    let actions = dispatcher.to_callback();
    let on_kernel = actions.reform(CpuAction::ChooseKernel);
    let on_edit = actions.reform(|(field, text)| CpuAction::Edit(field, text));
    let on_model = actions.reform(CpuAction::ToggleModel);
    let on_style = actions.reform(CpuAction::ChooseStyle);
    let on_run = {
        let dispatcher = dispatcher.clone();
        let run = run.clone();
        let checked = checked.clone();
        let style = experiment.form.style;
        let threads_available = threads_refused.is_none();
        let models = experiment.form.models.clone();
        Callback::from(move |()| {
            // A refused field never starts a run; the form shows why, and a link's Run here
            // says it.
            let checked = checked
                .clone()
                .map_err(|refusals| refusals.first_said(|f| f.label()).unwrap_or_default())?;
            let sweep = Sweep {
                kernel: checked.kernel.slug,
                size: checked.size,
                repeats: checked.repeats as u32,
                steps: experiment::plan_for(&models, threads_available, &checked.ks),
                style,
                chunksize: checked.chunksize,
                pool_threads,
            };
            let dispatcher = dispatcher.clone();
            run.start(Box::new(move |lease| {
                Box::pin(run_sweep(sweep, lease, dispatcher))
            }))
        })
    };
    let on_cancel = run.cancel();
    {
        // What the page sends: a restore from the history or a link, a link's Run here.
        let (dispatcher, on_run) = (dispatcher.clone(), on_run.clone());
        use_lab_commands(
            Holder::Cpu,
            Callback::from(move |command| match command {
                LabCommand::RestoreCpu { settings, report } => {
                    dispatcher.dispatch(CpuAction::Restore { settings, report })
                }
                LabCommand::Run { answer } => answer.emit(on_run.emit(())),
                LabCommand::RestoreIo { .. } | LabCommand::RestorePython { .. } => {}
            }),
        );
    }

    // Sharing: the form as a link, and once a sweep has finished, the link with its results.
    let plain = CpuConfig::from_settings(&experiment.form).map(|cpu| Shared {
        lab: Lab::Cpu(cpu),
        results: None,
        machine: None,
    });
    let finished = !running && !experiment.report.rows().is_empty();
    let ran = experiment
        .ran
        .as_ref()
        .filter(|_| finished)
        .and_then(|ran| CpuConfig::from_settings(ran).ok());
    let with_results = ran.as_ref().map(|cpu| Shared {
        lab: Lab::Cpu(cpu.clone()),
        results: Some(Results::Cpu(
            experiment
                .report
                .rows()
                .iter()
                .map(|row| CpuResult::from_row(&experiment.report, row))
                .collect(),
        )),
        machine: Some(machine.clone()),
    });
    let exports = ran.as_ref().map(|cpu| {
        let (cpu, report, machine) = (cpu.clone(), experiment.report.clone(), machine.clone());
        Exports {
            stem: format!("overlap-{}", cpu.kernel),
            make: Callback::from(move |format| match format {
                "csv" => export::cpu_csv(&cpu, &report),
                _ => export::cpu_json(&cpu, &report, Some(&machine)),
            }),
        }
    });
    let make_trace = {
        let report = experiment.report.clone();
        Callback::from(move |()| {
            let title = format!("Overlap: a {} sweep", report.kernel);
            trace_events::trace_file(&title, &trace_events::sweep_runs(&report)).to_string()
        })
    };
    // Compare mode: a link's results for this workload drawn under the visitor's own.
    let compare = props
        .compare
        .clone()
        .filter(|compare| compare.report.kernel == experiment.form.kernel);
    let own_label = compare
        .as_ref()
        .map(|_| AttrValue::from(format!("this machine: {} cores", caps.cores)));
    html! {
    <section class="card experiment" aria-labelledby="experiment-title">
        <h2 id="experiment-title">{ "CPU-bound work: threads, processes, coroutines" }</h2>
        <p class="lede">
            { "The same tasks run sequentially, then with k = 1, 2, … workers in each \
               model you pick. Under a GIL, threads take turns and finish no sooner \
               than one; free threads and processes use every core, processes paying \
               to copy their input; coroutines share one thread. Every run must \
               reproduce the sequential checksum." }
        </p>
        <WhatRuns runs={Runs::Models} />
        <p class="python-line">
            { "In Python: " }<code>{ kernel.python }</code>
        </p>
        <ExperimentForm
            settings={experiment.form.clone()}
            {refusals}
            {on_edit}
            size_hint={format!(
                "{} to {}; 100_000_000 and 1e8 both work",
                crate::engine::size::group(kernel.limits.min),
                crate::engine::size::group(kernel.limits.max)
            )}
            threads_hint={format!("all = 1 to {}; or a list (1, 2, 4) or a range (2-4), up to {}", caps.cores, Capabilities::most_threads(caps.cores))}
            threads_available={threads_refused.is_none()}
            {running}
            engine_busy={others_busy}
            {on_kernel}
            {on_style}
            {on_model}
            {on_run}
            {on_cancel}
        />
        if let Some(why) = threads_refused {
            <p class="notice" role="note" data-notice="sequential-only">
                <strong>{ "No threads. " }</strong>
                { format!("Threads are unavailable because {why}. \
                           The sequential, processes and async models still run.") }
            </p>
        }
        if !props.embed {
            <EmbedSnippet src={embed_address(Place::CpuLab)} title="CPU-bound work" prefix="cpu-" />
        }
        <StatusLine status={experiment.status.clone()} idle={cpu_idle} blocked={cpu_blocked} />
        <ResultsTable report={experiment.report.clone()} />
        if !experiment.report.rows().is_empty() {
            <div class="charts">
                <SpeedupChart report={experiment.report.clone()} {compare} label={own_label} />
                <WallBars report={experiment.report.clone()} />
                <Timeline report={experiment.report.clone()} />
                <MandelbrotPicture report={experiment.report.clone()} />
            </div>
        }
        if !running && !trace_events::sweep_runs(&experiment.report).is_empty() {
            <TraceDownload id="cpu-trace" file_name={format!("overlap-{}.trace.json", experiment.report.kernel)} make={make_trace} />
        }
        <SharePanel lab="cpu" {plain} {with_results} {exports} chart=".experiment figure[data-name=speedup] svg" />
    </section>
    }
}
