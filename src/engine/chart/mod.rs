//! The charts' geometry, with no drawing in it: scales, ticks, which rows to draw when there are
//! too many, and the series each chart plots. The browser shell turns these into SVG; tests here
//! check the numbers from fixed data. [`describe`] says in words what each chart shows, for a
//! screen reader.

pub mod describe;

use crate::engine::experiment::Report;
use crate::engine::run::gil::GilStats;
use crate::engine::run::models::Model;
use crate::engine::run::trace::Trace;
use crate::engine::stats::{speedup, AmdahlFit};

/// A linear map from data values (`domain`) to pixels (`range`); the range may run backwards,
/// as a y axis does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    pub fn at(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return r0;
        }
        r0 + (value - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// An SVG's size and the margins left around the plot for axes and labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// The x scale over the plot area for `domain`.
    pub fn x(&self, domain: (f64, f64)) -> Scale {
        Scale::new(domain, (self.left, self.width - self.right))
    }

    /// The y scale over the plot area for `domain`, larger values higher up.
    pub fn y(&self, domain: (f64, f64)) -> Scale {
        Scale::new(domain, (self.height - self.bottom, self.top))
    }
}

/// SVG path data through `points`: `M x y L x y …`, two decimals.
pub fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            d.push(' ');
        }
        d.push_str(&format!("{}{x:.2} {y:.2}", if i == 0 { 'M' } else { 'L' }));
    }
    d
}

/// One point of a speedup curve: the median's speedup, and the range the fastest and slowest
/// repeats give.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeedupPoint {
    pub threads: usize,
    pub speedup: f64,
    pub low: f64,
    pub high: f64,
}

/// A model's speedup against k, with Amdahl's law fitted to it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedupSeries {
    pub model: Model,
    pub points: Vec<SpeedupPoint>,
    pub fit: Option<AmdahlFit>,
}

/// Every swept model's speedup over the sequential baseline, in the order first measured.
pub fn speedup_series(report: &Report) -> Vec<SpeedupSeries> {
    let Some(base) = report.baseline() else {
        return Vec::new();
    };
    let base_ms = base.summary.median;
    let mut series: Vec<SpeedupSeries> = Vec::new();
    for row in report.rows() {
        if row.model == Model::Sequential {
            continue;
        }
        // The point is the speedup as the table shows it and a link carries it (four decimals),
        // so the fit the sender's chart labels is the fit the link's reader sees. A GIL run's
        // serial share is near 100 %, where the fourth decimal can cross a whole percent: CI
        // once read "99 %" from the unrounded median and "100 %" from the carried figure. The
        // whiskers: the middle half of the per-round speedups, where there were rounds; else (a
        // link's carried row) the range the slowest and fastest runs give.
        let Some(mid) = report.speedup(row) else {
            continue;
        };
        let (low, high) = match report.speedup_spread(row) {
            Some(s) => (s.low, s.high),
            None => match (
                speedup(base_ms, row.summary.max),
                speedup(base_ms, row.summary.min),
            ) {
                (Some(low), Some(high)) => (low, high),
                _ => continue,
            },
        };
        let (low, high) = (low.min(mid), high.max(mid));
        let point = SpeedupPoint {
            threads: row.threads,
            speedup: mid,
            low,
            high,
        };
        match series.iter_mut().find(|s| s.model == row.model) {
            Some(s) => s.points.push(point),
            None => series.push(SpeedupSeries {
                model: row.model,
                points: vec![point],
                fit: None,
            }),
        }
    }
    for s in &mut series {
        s.points.sort_by_key(|p| p.threads);
        let points: Vec<(usize, f64)> = s.points.iter().map(|p| (p.threads, p.speedup)).collect();
        s.fit = AmdahlFit::fit(&points);
    }
    series
}

/// Amdahl's curve for `fit` from k = 1 to `max_k`, `per_k` points per unit of k, for drawing.
pub fn amdahl_curve(fit: AmdahlFit, max_k: usize, per_k: usize) -> Vec<(f64, f64)> {
    let steps = (max_k.max(1) - 1) * per_k.max(1);
    (0..=steps)
        .map(|i| {
            let k = 1.0 + i as f64 / per_k.max(1) as f64;
            let s = fit.serial_fraction;
            (k, 1.0 / (s + (1.0 - s) / k))
        })
        .collect()
}

/// What a worker was doing over a stretch of a run's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Running a task (for GIL threads: the task is under way, computing or waiting its turn).
    Task,
    /// Holding the GIL: the only time a GIL thread computes.
    HoldingGil,
}

/// One bar of the per-worker timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub worker: usize,
    pub start_ms: f64,
    pub end_ms: f64,
    pub activity: Activity,
    /// The task, for [`Activity::Task`].
    pub task: Option<usize>,
}

/// The timeline of one run: each task on its worker, and under a GIL each hold drawn over it,
/// so the gaps between holds show a thread waiting its turn. Holds shorter than `min_ms` are
/// merged with the next hold of the same worker when they touch, so thousands of switches draw
/// as what the eye can see.
pub fn timeline(trace: &Trace, min_ms: f64) -> Vec<Bar> {
    let mut bars: Vec<Bar> = trace
        .tasks
        .iter()
        .map(|t| Bar {
            worker: t.worker,
            start_ms: t.start_ms,
            end_ms: t.end_ms,
            activity: Activity::Task,
            task: Some(t.task),
        })
        .collect();
    if let Some(gil) = &trace.gil {
        bars.extend(gil_holds(gil, min_ms));
    }
    bars
}

fn gil_holds(gil: &GilStats, min_ms: f64) -> Vec<Bar> {
    let mut merged: Vec<Bar> = Vec::new();
    for hold in &gil.holds {
        let touching = merged.last_mut().filter(|last| {
            last.worker == hold.worker
                && (last.end_ms - last.start_ms < min_ms || hold.start_ms - last.end_ms < min_ms)
        });
        match touching {
            Some(last) => last.end_ms = hold.end_ms,
            None => merged.push(Bar {
                worker: hold.worker,
                start_ms: hold.start_ms,
                end_ms: hold.end_ms,
                activity: Activity::HoldingGil,
                task: None,
            }),
        }
    }
    merged
}

/// One worker's line of the timeline's table: the chart's text alternative.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkerLine {
    pub worker: usize,
    pub tasks: usize,
    /// Computing; under a GIL, holding it.
    pub busy_ms: f64,
    /// Inside a task but not computing: waiting for the GIL. Zero without one.
    pub waiting_ms: f64,
    /// `busy_ms` as a share of the run's wall time.
    pub busy_share: f64,
}

/// What each worker of a run did, summed: the numbers the timeline draws, as a table.
pub fn worker_lines(trace: &Trace) -> Vec<WorkerLine> {
    (0..trace.workers)
        .map(|worker| {
            let mine = trace.tasks.iter().filter(|t| t.worker == worker);
            let in_tasks: f64 = mine.clone().map(|t| t.end_ms - t.start_ms).sum();
            let busy_ms = trace.busy_ms.get(worker).copied().unwrap_or(in_tasks);
            WorkerLine {
                worker,
                tasks: mine.count(),
                busy_ms,
                waiting_ms: if trace.computes_holding_gil() {
                    (in_tasks - busy_ms).max(0.0)
                } else {
                    0.0
                },
                busy_share: if trace.wall_ms > 0.0 {
                    busy_ms / trace.wall_ms
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// A round step (1, 2 or 5 times a power of ten) giving at most `ticks` steps up to `max`.
pub fn nice_step(max: f64, ticks: usize) -> f64 {
    if !(max.is_finite() && max > 0.0) || ticks == 0 {
        return 1.0;
    }
    let rough = max / ticks as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= rough)
        .unwrap_or(10.0 * magnitude)
}

/// The ticks from 0 to `max` inclusive of the last one not beyond it.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    let step = nice_step(max, count);
    (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|&t| t <= max * (1.0 + 1e-9))
        .collect()
}

/// At most `limit` of `n` row indices, evenly spread and always including the first and last,
/// so a chart of thousands of rows keeps its shape.
pub fn sample(n: usize, limit: usize) -> Vec<usize> {
    if n <= limit || limit < 2 {
        return (0..n.min(limit)).collect();
    }
    (0..limit).map(|i| i * (n - 1) / (limit - 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::experiment::Step;
    use crate::engine::run::dispatch::MapStyle;
    use crate::engine::run::gil::Hold;
    use crate::engine::run::trace::TaskSpan;
    use crate::engine::workload::Checksum;

    fn empty_trace(wall_ms: f64) -> Trace {
        Trace::new(1, MapStyle::Map, 1, wall_ms, Vec::new(), None, None)
    }

    #[test]
    fn scales_map_ends_to_ends_and_y_runs_upwards() {
        let frame = Frame {
            width: 400.0,
            height: 200.0,
            left: 40.0,
            right: 10.0,
            top: 10.0,
            bottom: 30.0,
        };
        let x = frame.x((1.0, 4.0));
        assert_eq!((x.at(1.0), x.at(4.0), x.at(2.5)), (40.0, 390.0, 215.0));
        let y = frame.y((0.0, 2.0));
        assert_eq!((y.at(0.0), y.at(2.0), y.at(1.0)), (170.0, 10.0, 90.0));
        assert_eq!(Scale::new((3.0, 3.0), (0.0, 9.0)).at(5.0), 0.0);
        assert_eq!(path(&[(1.0, 2.0), (3.5, 4.25)]), "M1.00 2.00 L3.50 4.25");
    }

    #[test]
    fn speedup_series_follow_the_rows_with_spread_and_a_fit() {
        let mut report = Report::new("count");
        let mut add = |model, threads, samples: &[f64]| {
            report
                .record(
                    Step { model, threads },
                    samples,
                    Checksum(7),
                    empty_trace(samples[0]),
                )
                .unwrap();
        };
        add(Model::Sequential, 1, &[100.0, 110.0, 90.0]);
        add(Model::FreeThreads, 2, &[50.0, 40.0, 60.0]);
        add(Model::FreeThreads, 1, &[100.0]);
        add(Model::GilThreads, 2, &[105.0]);
        let series = speedup_series(&report);
        assert_eq!(series.len(), 2);
        let free = &series[0];
        assert_eq!(free.model, Model::FreeThreads);
        assert_eq!(
            free.points.iter().map(|p| p.threads).collect::<Vec<_>>(),
            [1, 2]
        );
        let at2 = free.points[1];
        // Per-round ratios 2, 2.75 and 1.5: their median and middle half.
        assert_eq!((at2.speedup, at2.low, at2.high), (2.0, 1.75, 2.375));
        assert!(
            free.fit.unwrap().serial_fraction.abs() < 1e-9,
            "{:?}",
            free.fit
        );
        let gil = &series[1];
        assert!(gil.fit.unwrap().serial_fraction > 0.99);
        let curve = amdahl_curve(
            AmdahlFit {
                serial_fraction: 0.5,
            },
            4,
            2,
        );
        assert_eq!(curve.len(), 7);
        assert_eq!(curve[0], (1.0, 1.0));
        assert_eq!(curve[6], (4.0, 1.6));
        assert!(speedup_series(&Report::new("count")).is_empty());
    }

    #[test]
    fn gil_timelines_draw_holds_over_tasks_and_merge_slivers() {
        let hold = |worker, start_ms, end_ms| Hold {
            worker,
            start_ms,
            end_ms,
        };
        let gil = GilStats {
            holds: vec![
                hold(0, 0.0, 5.0),
                hold(1, 5.0, 10.0),
                hold(1, 10.0, 10.1),
                hold(1, 10.1, 15.0),
                hold(0, 15.0, 20.0),
            ],
            ..GilStats::default()
        };
        let spans = vec![
            TaskSpan {
                task: 0,
                worker: 0,
                start_ms: 0.0,
                end_ms: 20.0,
            },
            TaskSpan {
                task: 1,
                worker: 1,
                start_ms: 0.0,
                end_ms: 15.0,
            },
        ];
        let trace = Trace::new(2, MapStyle::Map, 1, 20.0, spans, Some(gil), None);
        let bars = timeline(&trace, 0.5);
        let tasks = bars.iter().filter(|b| b.activity == Activity::Task).count();
        let holds: Vec<(usize, f64, f64)> = bars
            .iter()
            .filter(|b| b.activity == Activity::HoldingGil)
            .map(|b| (b.worker, b.start_ms, b.end_ms))
            .collect();
        assert_eq!(tasks, 2);
        assert_eq!(holds, [(0, 0.0, 5.0), (1, 5.0, 15.0), (0, 15.0, 20.0)]);
        // The table beside it: each held the GIL for half the run and waited for the rest
        // of its task.
        let lines = worker_lines(&trace);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.tasks == 1 && close(l.busy_ms, 10.0)));
        assert!(close(lines[0].waiting_ms, 10.0) && close(lines[1].waiting_ms, 5.0));
        assert!(close(lines[0].busy_share, 0.5));
        // Free threads: tasks only.
        assert!(timeline(&empty_trace(3.0), 0.5).is_empty());
    }

    #[test]
    fn steps_are_round_and_few() {
        assert_eq!(nice_step(1000.0, 5), 200.0);
        assert_eq!(nice_step(3300.0, 6), 1000.0);
        assert_eq!(nice_step(212.0, 5), 50.0);
        assert_eq!(nice_step(0.7, 4), 0.2);
        assert_eq!(nice_step(0.0, 4), 1.0);
        assert_eq!(nice_step(f64::NAN, 4), 1.0);
        assert_eq!(ticks(1000.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(ticks(950.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0]);
    }

    #[test]
    fn samples_keep_both_ends_and_never_exceed_the_limit() {
        assert_eq!(sample(5, 10), [0, 1, 2, 3, 4]);
        let s = sample(5000, 100);
        assert_eq!(s.len(), 100);
        assert_eq!((s[0], s[99]), (0, 4999));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(0, 100), Vec::<usize>::new());
    }
}
