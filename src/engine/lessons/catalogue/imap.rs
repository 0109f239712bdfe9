//! Lesson 5: imap yields its first result before map.

use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::{Model, RunConfig};

use super::super::claims::{Bound, Claim, Judged, Measure, Role};
use super::super::steps::{cpu, much_same_or_less, spread_of, trace};
use super::super::{Grade, Lesson, Outcome, Step, Words};

const MAP: usize = 0;
const IMAP: usize = 1;

const CLAIMS: &[Claim] = &[Claim {
    id: "imap.sooner",
    says: "imap hands back its first result well before map hands back any",
    measure: Measure::SoonerFirst {
        base: MAP,
        step: IMAP,
    },
    bound: Bound::AtLeast(1.5),
    margin: 0.25,
    role: Role::Claim,
    why: "map returns nothing until every task is done; imap's first result is ready once the \
          first task is. With 32 tasks on k workers that is about 32/k times sooner, less where \
          workers take turns: CPython's GIL threads, all working on their first tasks at once, \
          get theirs only about twice as soon at k = 8. Below 1.25× imap would be waiting like \
          map.",
}];

pub(super) const LESSON: Lesson = Lesson {
    slug: "imap",
    title: "When does the first result arrive: map or imap?",
    setup: "32 tasks (fib(32) each) run on k threads, handed out with `pool.map`, then with \
            `pool.imap`. What is timed is how soon the caller gets its first result back.",
    claim: "`pool.map` hands back nothing until every task is done; `pool.imap` yields \
            results as they come, in order.",
    folklore: None,
    explanation: "map builds the whole result list before returning it. imap returns an \
                  iterator: the first result is ready as soon as the first task finishes, \
                  so you can start using results while the rest are computed.",
    python: r#"import time
from multiprocessing import Pool

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

if __name__ == '__main__':
    with Pool(2) as pool:
        start = time.perf_counter()
        for result in pool.imap(fib, [27] * 32):
            print('first result after', time.perf_counter() - start)
            break"#,
    question: "How soon does the caller get its first result with imap, against map?",
    options: [
        "at the same time: both wait for all the tasks",
        "much sooner: right after the first task",
        "later: imap has more overhead",
    ],
    answer: 1,
    needs_pool: true,
    claims: CLAIMS,
    steps: |k| {
        let first = |label: String, style, chunksize| Step {
            first_result: true,
            ..cpu(
                label,
                "fib",
                32,
                3,
                RunConfig::new(Model::FreeThreads, k).with_style(style, chunksize),
            )
        };
        vec![
            first(format!("map on {k} threads"), MapStyle::Map, None),
            first(format!("imap on {k} threads"), MapStyle::Imap, Some(1)),
        ]
    },
    words,
    grade,
    timeline: Some(IMAP),
    about_s: 3,
};

fn grade(_: usize, _: &[Outcome], judged: &[Judged]) -> Option<Grade> {
    let sooner = spread_of(judged, "imap.sooner").ok()?.median;
    let option = much_same_or_less(sooner)?;
    Some(Grade {
        option,
        measured: format!("imap's first result came {sooner:.1}\u{d7} as soon as map's"),
    })
}

fn words(_: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String> {
    let (m, i) = (trace(&outcomes[MAP])?, trace(&outcomes[IMAP])?);
    let sooner = spread_of(judged, "imap.sooner")?;
    Ok(format!(
        "map: first result after {:.0} ms of {:.0} ms; imap: after {:.0} ms ({:.0} % of its \
         run), {sooner} sooner.",
        m.first_result_ms,
        m.wall_ms,
        i.first_result_ms,
        i.first_result_ms / i.wall_ms.max(1e-9) * 100.0
    )
    .into())
}
