//! How many workers a lesson runs with: what this machine measures, not what the browser reports.
//!
//! Browsers report logical cores, where SMT siblings and efficiency cores count as much as a
//! whole core, and some clamp or invent the figure (Firefox's fingerprinting protection says 2
//! on any machine; WebKitGTK says 4 on this project's 2-core machine). A lesson that compared
//! k = `hardwareConcurrency` processes with k cores' worth of speedup told students "not as
//! claimed" wherever the report overstated. So before a lesson whose steps take a k, free threads
//! (or processes, where the page has no threads) count on k = 2, 4, 8, … up to the reported cores,
//! in interleaved rounds against one thread, and the lesson runs at the smallest k that reaches
//! [`ENOUGH`] of the best speedup seen: where this machine stops scaling. The lesson's claims are
//! judged against what its own rounds measure at that k ([`claims`](super::claims)), so a probe
//! that picks a k too large or too small changes the figures shown, never the verdict.

use std::fmt::Write as _;

use super::steps::cpu;
use super::{Lesson, Probe, Step};
use crate::engine::rounds::{self, Spread};
use crate::engine::run::models::{Model, RunConfig};

/// The count each probe step runs: about 0.15 s on one core here, a tenth of a lesson's round.
pub const PROBE_SIZE: u64 = 200_000_000;
/// Rounds of the probe, after its untimed one.
pub const PROBE_ROUNDS: usize = 3;
/// The share of the best speedup a k must reach to be chosen.
pub const ENOUGH: f64 = 0.9;

/// Whether `lesson`'s steps run CPU work on k workers, so that its k is worth measuring.
pub fn takes_k(lesson: &Lesson) -> bool {
    (lesson.steps)(2)
        .iter()
        .zip((lesson.steps)(3).iter())
        .any(|(two, three)| matches!(two.probe, Probe::Cpu(_)) && two.probe != three.probe)
}

/// The ks to try, below `most` (the reported cores, or the pool's threads if fewer): 2, 4, 8, …
/// and `most` itself. Just `[2]` when `most` is 2 or less: then there is nothing to choose.
pub fn ladder(most: usize) -> Vec<usize> {
    let most = most.max(2);
    let mut ks: Vec<usize> = std::iter::successors(Some(2usize), |k| Some(k * 2))
        .take_while(|&k| k < most)
        .collect();
    ks.push(most);
    ks
}

/// The probe's steps: one thread, then each k of `ladder` on free threads, or on worker
/// processes where the page has no threads.
pub fn probe_steps(ladder: &[usize], threads: bool) -> Vec<Step> {
    let (model, noun) = if threads {
        (Model::FreeThreads, "free threads")
    } else {
        (Model::Processes, "processes")
    };
    std::iter::once(cpu(
        "one thread".into(),
        "count",
        PROBE_SIZE,
        1,
        RunConfig::new(Model::Sequential, 1),
    ))
    .chain(ladder.iter().map(|&k| {
        cpu(
            format!("{k} {noun}"),
            "count",
            PROBE_SIZE,
            1,
            RunConfig::new(model, k),
        )
    }))
    .collect()
}

/// What the probe found: the k chosen and the speedup measured at each k tried.
#[derive(Clone, Debug, PartialEq)]
pub struct Chosen {
    pub k: usize,
    /// The browser's `hardwareConcurrency`.
    pub reported: usize,
    /// Each k of the ladder with its speedup over one thread; empty when nothing was measured.
    pub measured: Vec<(usize, Spread)>,
}

impl Chosen {
    /// Nothing to measure: the reported cores are 2 or fewer, so the lesson runs at k = 2.
    pub fn unmeasured(reported: usize) -> Chosen {
        Chosen {
            k: 2,
            reported,
            measured: Vec::new(),
        }
    }

    /// From the per-round times of the probe's steps (one thread first, then each k of
    /// `ladder`): the smallest k whose median speedup reaches [`ENOUGH`] of the best one.
    /// `None` if a step has no rounds.
    pub fn from_rounds(
        reported: usize,
        ladder: &[usize],
        rounds_ms: &[Vec<f64>],
    ) -> Option<Chosen> {
        let (one, rest) = rounds_ms.split_first()?;
        if rest.len() != ladder.len() {
            return None;
        }
        let measured = ladder
            .iter()
            .zip(rest)
            .map(|(&k, times)| {
                let ratios: Vec<f64> = one.iter().zip(times).map(|(a, b)| a / b).collect();
                Spread::of(&ratios).map(|s| (k, s))
            })
            .collect::<Option<Vec<_>>>()?;
        let best = measured
            .iter()
            .map(|(_, s)| s.median)
            .fold(f64::NEG_INFINITY, f64::max);
        let k = measured
            .iter()
            .find(|(_, s)| s.median >= ENOUGH * best)
            .map_or(2, |(k, _)| *k);
        Some(Chosen {
            k,
            reported,
            measured,
        })
    }

    /// For the lesson: `k = 2: 2 workers ran 1.93× as fast as one, 4 ran 1.90× (your browser
    /// reports 4 cores).`
    pub fn describe(&self) -> String {
        let mut text = format!("k = {}", self.k);
        if self.measured.is_empty() {
            let _ = write!(
                text,
                " (your browser reports {} core{}).",
                self.reported,
                if self.reported == 1 { "" } else { "s" }
            );
            return text;
        }
        // k workers cannot run more than k times as fast as one: a figure past k says the
        // one-worker run was slow (a busy core took it), and is said as about k.
        let runs: Vec<String> = self
            .measured
            .iter()
            .map(|(k, s)| match s.median {
                past if rounds::reads_past_cores(past, *k) => {
                    format!(
                        "{k} ran {past:.2}\u{d7} (about {k}\u{d7}: the one-worker run was slow)"
                    )
                }
                median => format!("{k} ran {median:.2}\u{d7}"),
            })
            .collect();
        let _ = write!(
            text,
            ", where this machine stops gaining: against one worker, {} (your browser reports {} \
             cores).",
            runs.join(", "),
            self.reported
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lessons::find;

    #[test]
    fn the_ladder_doubles_up_to_the_reported_cores() {
        assert_eq!(ladder(1), [2]);
        assert_eq!(ladder(2), [2]);
        assert_eq!(ladder(4), [2, 4]);
        assert_eq!(ladder(6), [2, 4, 6]);
        assert_eq!(ladder(16), [2, 4, 8, 16]);
        assert_eq!(ladder(20), [2, 4, 8, 16, 20]);
    }

    #[test]
    fn the_probe_counts_on_free_threads_or_else_processes() {
        let steps = probe_steps(&[2, 4], true);
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0].cores(), Some(1));
        assert_eq!(steps[2].cores(), Some(4));
        let Probe::Cpu(request) = &probe_steps(&[2], false)[1].probe else {
            panic!("a CPU step");
        };
        assert_eq!(request.run.model, Model::Processes);
    }

    /// Rounds of the probe for `speedups` at each k (one thread takes 100 ms a round).
    fn rounds(speedups: &[&[f64]]) -> Vec<Vec<f64>> {
        let rounds = speedups[0].len();
        std::iter::once(vec![100.0; rounds])
            .chain(
                speedups
                    .iter()
                    .map(|s| s.iter().map(|x| 100.0 / x).collect()),
            )
            .collect()
    }

    #[test]
    fn the_lesson_runs_where_the_machine_stops_gaining() {
        // WebKitGTK's 4 on 2 cores: 4 workers gain nothing over 2.
        let two_cores = Chosen::from_rounds(
            4,
            &[2, 4],
            &rounds(&[&[1.9, 1.93, 1.92], &[1.88, 1.91, 1.9]]),
        )
        .unwrap();
        assert_eq!(two_cores.k, 2);
        assert!(
            two_cores.describe().contains("4 ran 1.90×"),
            "{}",
            two_cores.describe()
        );
        // 2 workers past 2×: the one-worker run was slow; said as about 2×.
        let past = Chosen::from_rounds(
            4,
            &[2, 4],
            &rounds(&[&[2.04, 2.1, 2.06], &[2.1, 2.13, 2.12]]),
        )
        .unwrap();
        assert!(
            past.describe()
                .contains("2 ran 2.06× (about 2×: the one-worker run was slow), 4 ran 2.12×"),
            "{}",
            past.describe()
        );
        // A real 4-core machine.
        let four =
            Chosen::from_rounds(4, &[2, 4], &rounds(&[&[1.95, 1.9, 1.97], &[3.7, 3.8, 3.6]]));
        assert_eq!(four.unwrap().k, 4);
        // 8 cores with SMT, reported 16: the siblings still add a little.
        let smt = Chosen::from_rounds(
            16,
            &[2, 4, 8, 16],
            &rounds(&[&[2.0; 3], &[3.9; 3], &[7.4; 3], &[9.6; 3]]),
        );
        assert_eq!(smt.unwrap().k, 16);
        // Efficiency cores: 8 reach nine tenths of 16's gain.
        let hybrid = Chosen::from_rounds(
            16,
            &[2, 4, 8, 16],
            &rounds(&[&[2.0; 3], &[3.9; 3], &[7.2; 3], &[7.9; 3]]),
        );
        assert_eq!(hybrid.unwrap().k, 8);
        // A machine too busy to gain at all runs the lesson at 2, where its claims will say so.
        let busy =
            Chosen::from_rounds(8, &[2, 4, 8], &rounds(&[&[1.0; 3], &[0.98; 3], &[0.97; 3]]));
        assert_eq!(busy.unwrap().k, 2);
        assert!(Chosen::from_rounds(8, &[2, 4, 8], &rounds(&[&[1.0; 3]])).is_none());
        assert_eq!(
            Chosen::unmeasured(2).describe(),
            "k = 2 (your browser reports 2 cores)."
        );
    }

    #[test]
    fn the_cpu_lessons_with_a_k_are_probed_and_the_rest_are_not() {
        let probed: Vec<&str> = crate::engine::lessons::LESSONS
            .iter()
            .filter(|l| takes_k(l))
            .map(|l| l.slug)
            .collect();
        assert_eq!(
            probed,
            ["gil", "released", "copy", "reuse", "imap", "async-cpu"]
        );
        assert!(!takes_k(find("lock").unwrap()));
    }
}
