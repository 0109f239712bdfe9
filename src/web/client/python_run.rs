//! One press of Run in the Python lab: the visitor's code defined afresh in every interpreter,
//! one warm-up round (a fresh interpreter runs new code slower until its caches warm), then the
//! counted rounds, each running every model once in an order that turns by one each round, so
//! no model always runs first; the rounds asked for, then more while a speedup's middle half is
//! wide, as the CPU lab's sweeps go on ([`rounds::another_sweep_round`]). The pool is `ProcessPoolExecutor.map`: the first interpreter,
//! as the parent, pickles the function and each chunk of arguments; the k interpreters take the
//! next chunk as each comes free; the parent unpickles the results in order. The pool's time is
//! all of that, as a parent process waits for all of it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsValue;

use crate::engine::python::measured::{ModelRow, Outcome, PyModel, PythonRun, Span};
use crate::engine::python::settings::PythonPlan;
use crate::engine::rounds::{self, Spread};
use crate::web::client::python::{Broke, Interpreter, Interpreters, Reply};
use crate::web::platform::worker_api::now_ms;

/// What a run tells the lab as it goes.
pub enum Report {
    Progress {
        fraction: f64,
        doing: String,
    },
    /// Bytes of the interpreter downloaded, of how many (0: not known).
    Download {
        loaded: f64,
        total: f64,
    },
}

/// How a run ended without measurements.
pub enum End {
    Cancelled,
    /// The visitor's code raised (its traceback) or cannot run (why).
    CodeError(String),
    /// An interpreter broke, and why.
    Failed(String),
}

impl From<Broke> for End {
    fn from(broke: Broke) -> End {
        match broke {
            Broke::Stopped => End::Cancelled,
            Broke::Fault(why) => End::Failed(format!("An interpreter stopped: {why}")),
        }
    }
}

/// A reply's traceback as the run's end, or the reply.
fn checked(reply: Reply) -> Result<Reply, End> {
    match reply.error() {
        Some(error) => Err(End::CodeError(error)),
        None => Ok(reply),
    }
}

fn outcome(reply: &Reply) -> Result<Outcome, End> {
    serde_json::from_value(reply.meta.clone())
        .map_err(|e| End::Failed(format!("the driver's results were unreadable: {e}")))
}

struct Measured {
    ms: f64,
    outcome: Outcome,
    bytes: u64,
    spans: Vec<Span>,
}

pub async fn run(
    plan: PythonPlan,
    code: &str,
    targets: &str,
    interpreters: &Interpreters,
    report: &dyn Fn(Report),
) -> Result<PythonRun, End> {
    let k = plan.workers;
    report(Report::Progress {
        fraction: 0.0,
        doing: match interpreters.count() {
            n if n >= k => "Defining your code in each interpreter…".into(),
            n => format!(
                "Starting {} interpreter{}…",
                k - n,
                if k - n == 1 { "" } else { "s" }
            ),
        },
    });
    let on_download = |loaded, total| report(Report::Download { loaded, total });
    let (live, starts) = interpreters.ensure(k, &on_download).await?;
    let (args, none) = (Array::of2(&code.into(), &targets.into()), Array::new());
    let defined =
        futures::future::join_all(live.iter().map(|i| i.call("define", &args, &none))).await;
    let mut first = None;
    for reply in defined {
        let reply = checked(reply?)?;
        first.get_or_insert(reply.meta);
    }
    let meta = first.unwrap_or_default();
    let tasks = meta["tasks"].as_u64().unwrap_or(0) as usize;
    let is_async = meta["is_async"].as_bool().unwrap_or(false);
    let models = PyModel::for_code(is_async);
    let mut rows: Vec<ModelRow> = models
        .iter()
        .map(|&model| ModelRow {
            model,
            wall_ms: Vec::new(),
            outcome: None,
            bytes_copied: 0,
        })
        .collect();
    let mut spans = Vec::new();
    // The rounds asked for, then more while a speedup's middle half is wide, as a CPU sweep's
    // rounds go (rounds::another_sweep_round): up to rounds::MAX_ROUNDS within its budget.
    let mut counted_from = now_ms();
    for round in 0.. {
        if round == 1 {
            counted_from = now_ms();
        }
        for j in 0..models.len() {
            let at = (j + round) % models.len();
            let model = models[at];
            let made = round.saturating_sub(1) as f64 + j as f64 / models.len() as f64;
            report(Report::Progress {
                fraction: if round == 0 {
                    0.0
                } else {
                    rounds::progress(made, plan.rounds)
                },
                doing: match round {
                    0 => format!("Warm-up: {}", model.label(k)),
                    r if r <= plan.rounds => {
                        format!("Round {r} of {}: {}", plan.rounds, model.label(k))
                    }
                    r => format!(
                        "Round {r}, more while the speedups vary: {}",
                        model.label(k)
                    ),
                },
            });
            let measured = measure(model, &live, plan.chunksize).await?;
            if round == 0 {
                continue;
            }
            let row = &mut rows[at];
            row.wall_ms.push(measured.ms);
            row.outcome = Some(measured.outcome);
            row.bytes_copied = measured.bytes;
            if model == PyModel::Pool {
                spans = measured.spans;
            }
        }
        let spreads: Vec<Spread> = rows[1..]
            .iter()
            .filter_map(|row| Spread::of(&rounds::ratios(&rows[0].wall_ms, &row.wall_ms)))
            .collect();
        if round > 0
            && !rounds::another_sweep_round(round, plan.rounds, &spreads, now_ms() - counted_from)
        {
            break;
        }
    }
    Ok(PythonRun {
        workers: k,
        chunksize: plan.chunksize,
        tasks,
        is_async,
        rows,
        starts,
        spans,
    })
}

async fn measure(
    model: PyModel,
    live: &[Rc<Interpreter>],
    chunksize: usize,
) -> Result<Measured, End> {
    let began = now_ms();
    let one = |name: &'static str| async move {
        let reply = checked(live[0].call(name, &Array::new(), &Array::new()).await?)?;
        Ok::<_, End>(Measured {
            ms: now_ms() - began,
            outcome: outcome(&reply)?,
            bytes: 0,
            spans: Vec::new(),
        })
    };
    match model {
        PyModel::Sequential => one("sequential").await,
        PyModel::Gather => one("gather").await,
        PyModel::Pool => pool_map(live, chunksize, began).await,
    }
}

/// `ProcessPoolExecutor(len(live)).map(work, inputs, chunksize)`, timed from `began`.
async fn pool_map(live: &[Rc<Interpreter>], chunksize: usize, began: f64) -> Result<Measured, End> {
    let parent = &live[0];
    let pickled = checked(
        parent
            .call(
                "pickle_chunks",
                &Array::of1(&(chunksize as u32).into()),
                &Array::new(),
            )
            .await?,
    )?;
    let chunks = pickled.blobs;
    let mut bytes: u64 = chunks.iter().map(|c| u64::from(c.length())).sum();
    let next = Cell::new(0usize);
    let results: RefCell<Vec<Option<Uint8Array>>> = RefCell::new(vec![None; chunks.len()]);
    let spans = RefCell::new(Vec::new());
    let runners = live.iter().enumerate().map(|(i, interpreter)| {
        let (next, results, spans, chunks) = (&next, &results, &spans, &chunks);
        async move {
            loop {
                let c = next.get();
                if c >= chunks.len() {
                    return Ok::<(), End>(());
                }
                next.set(c + 1);
                let start = now_ms();
                let chunk = &chunks[c];
                let reply = interpreter
                    .call(
                        "run_chunk",
                        &Array::of1(chunk),
                        &Array::of1(&chunk.buffer()),
                    )
                    .await;
                let reply = checked(reply?)?;
                spans.borrow_mut().push(Span {
                    interpreter: i,
                    chunk: c,
                    start_ms: start - began,
                    end_ms: now_ms() - began,
                });
                results.borrow_mut()[c] = reply.blobs.into_iter().next();
            }
        }
    });
    // The first chunk to raise ends the map, as `map` re-raises a worker's exception.
    futures::future::try_join_all(runners).await?;
    let results: Vec<Uint8Array> = results.into_inner().into_iter().flatten().collect();
    bytes += results.iter().map(|r| u64::from(r.length())).sum::<u64>();
    let list: Array = results.iter().map(JsValue::from).collect();
    let transfer: Array = results.iter().map(|r| JsValue::from(r.buffer())).collect();
    let reply = checked(
        parent
            .call("unpickle", &Array::of1(&list), &transfer)
            .await?,
    )?;
    Ok(Measured {
        ms: now_ms() - began,
        outcome: outcome(&reply)?,
        bytes,
        spans: spans.into_inner(),
    })
}
