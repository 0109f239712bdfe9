//! What each chart shows, in a sentence or two a screen reader reads out (the chart's `<desc>`).
//!
//! A chart's title says what it is ("Speedup against workers (k)"); its description says what it
//! found: "Free threads reach 1.93× at k = 2 (ideal 2×); GIL threads 0.98×." A student who cannot
//! see the curves learns the lesson's point from these words, and the numbers behind them stay in
//! the table beside every chart. Pure functions of the charts' own data, tested here.

use super::{SpeedupSeries, WorkerLine};
use crate::engine::experiment::Report;

/// "1.93×": the precision every chart's points use.
fn times(speedup: f64) -> String {
    format!("{speedup:.2}\u{d7}")
}

/// The speedup chart: for each model, where it ends (its largest k) against the ideal k×, and
/// its best point when that came earlier. Models in the order drawn.
pub fn speedup(series: &[SpeedupSeries]) -> String {
    let lines: Vec<String> = series
        .iter()
        .filter_map(|s| {
            let last = s.points.last()?;
            let best =
                s.points
                    .iter()
                    .copied()
                    .fold(*last, |a, p| if p.speedup > a.speedup { p } else { a });
            let mut line = format!(
                "{} reach {} at k = {} (ideal {}\u{d7})",
                s.model,
                times(last.speedup),
                last.threads,
                last.threads
            );
            if best.threads != last.threads && best.speedup > last.speedup * 1.05 {
                line += &format!(
                    ", their best {} at k = {}",
                    times(best.speedup),
                    best.threads
                );
            }
            Some(line)
        })
        .collect();
    if lines.is_empty() {
        return "No speedups yet: a sweep needs a sequential run to compare with.".into();
    }
    format!("Against one thread: {}.", lines.join("; "))
}

/// The wall-time bars: the fastest and the slowest run, and how far apart they are.
pub fn wall_bars(report: &Report) -> String {
    let rows = report.rows();
    let by_median = |a: &&crate::engine::experiment::Row, b: &&crate::engine::experiment::Row| {
        a.summary.median.total_cmp(&b.summary.median)
    };
    let (Some(fast), Some(slow)) = (rows.iter().min_by(by_median), rows.iter().max_by(by_median))
    else {
        return "No runs yet.".into();
    };
    let name = |r: &crate::engine::experiment::Row| format!("{} at k = {}", r.model, r.threads);
    if rows.len() == 1 {
        return format!("One run: {}, {:.0} ms.", name(fast), fast.summary.median);
    }
    format!(
        "Fastest: {}, {:.0} ms. Slowest: {}, {:.0} ms, {:.1} times as long.",
        name(fast),
        fast.summary.median,
        name(slow),
        slow.summary.median,
        slow.summary.median / fast.summary.median.max(f64::MIN_POSITIVE)
    )
}

/// The timeline: how busy each worker was, and under a GIL how long each waited for it.
pub fn timeline(lines: &[WorkerLine], gil: bool) -> String {
    if lines.is_empty() {
        return "No workers ran.".into();
    }
    let each: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut s = format!(
                "worker {} ran {} tasks, computing {:.0} % of the time",
                l.worker,
                l.tasks,
                l.busy_share * 100.0
            );
            if gil {
                s += &format!(" and waiting {:.0} ms for the GIL", l.waiting_ms);
            }
            s
        })
        .collect();
    let total: f64 = lines.iter().map(|l| l.busy_share).sum();
    format!(
        "{}. Together they computed {:.1} workers' worth of the time{}.",
        capitalised(&each.join("; ")),
        total,
        if gil && lines.len() > 1 {
            ": under a GIL, never more than one at once"
        } else {
            ""
        }
    )
}

/// The classroom chart: the median machine at each k, over how many machines.
pub fn classroom(medians: &[(usize, f64, usize)]) -> String {
    if medians.is_empty() {
        return "No machines to compare yet.".into();
    }
    let points: Vec<String> = medians
        .iter()
        .map(|&(k, s, machines)| {
            format!(
                "{} at k = {k} ({machines} machine{})",
                times(s),
                if machines == 1 { "" } else { "s" }
            )
        })
        .collect();
    format!("The median machine: {}.", points.join(", "))
}

/// The waterfall: how long the requests took together against one after another, and how many
/// were in flight at once.
pub fn waterfall(
    requests: usize,
    wall_ms: f64,
    sum_latency_ms: f64,
    max_in_flight: usize,
) -> String {
    format!(
        "{requests} requests in {wall_ms:.0} ms, against {sum_latency_ms:.0} ms one after another \
         ({:.1} times overlap); at most {max_in_flight} in flight at once.",
        sum_latency_ms / wall_ms.max(f64::MIN_POSITIVE)
    )
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::SpeedupPoint;
    use super::*;
    use crate::engine::run::models::Model;

    fn point(threads: usize, speedup: f64) -> SpeedupPoint {
        SpeedupPoint {
            threads,
            speedup,
            low: speedup,
            high: speedup,
        }
    }

    #[test]
    fn the_speedup_chart_says_where_each_model_ends_against_the_ideal() {
        let series = [
            SpeedupSeries {
                model: Model::FreeThreads,
                points: vec![point(1, 1.0), point(2, 1.93)],
                fit: None,
            },
            SpeedupSeries {
                model: Model::GilThreads,
                points: vec![point(1, 1.0), point(2, 0.98)],
                fit: None,
            },
        ];
        assert_eq!(
            speedup(&series),
            "Against one thread: Free threads (rayon) reach 1.93× at k = 2 (ideal 2×); \
             GIL threads reach 0.98× at k = 2 (ideal 2×)."
        );
    }

    #[test]
    fn a_best_point_before_the_last_is_named() {
        let series = [SpeedupSeries {
            model: Model::Processes,
            points: vec![point(2, 1.9), point(4, 1.5)],
            fit: None,
        }];
        assert_eq!(
            speedup(&series),
            "Against one thread: Processes reach 1.50× at k = 4 (ideal 4×), their best 1.90× at k = 2."
        );
        assert!(speedup(&[]).starts_with("No speedups yet"));
    }

    #[test]
    fn the_timeline_says_how_busy_each_worker_was() {
        let line = |worker, tasks, share, waiting_ms| WorkerLine {
            worker,
            tasks,
            busy_ms: 0.0,
            waiting_ms,
            busy_share: share,
        };
        let said = timeline(&[line(0, 33, 0.49, 510.0), line(1, 31, 0.48, 530.0)], true);
        assert_eq!(
            said,
            "Worker 0 ran 33 tasks, computing 49 % of the time and waiting 510 ms for the GIL; \
             worker 1 ran 31 tasks, computing 48 % of the time and waiting 530 ms for the GIL. \
             Together they computed 1.0 workers' worth of the time: under a GIL, never more than \
             one at once."
        );
        assert_eq!(timeline(&[], false), "No workers ran.");
    }

    #[test]
    fn the_wall_bars_name_the_fastest_and_the_slowest_run() {
        use crate::engine::experiment::Step;
        use crate::engine::run::dispatch::MapStyle;
        use crate::engine::run::trace::Trace;
        use crate::engine::workload::Checksum;
        let mut report = Report::new("count");
        assert_eq!(wall_bars(&report), "No runs yet.");
        for (model, threads, ms) in [
            (Model::Sequential, 1, 700.0),
            (Model::FreeThreads, 2, 360.0),
            (Model::GilThreads, 2, 720.0),
        ] {
            let trace = Trace::new(1, MapStyle::Map, 1, ms, Vec::new(), None, None);
            report
                .record(Step { model, threads }, &[ms], Checksum(7), trace)
                .unwrap();
        }
        assert_eq!(
            wall_bars(&report),
            "Fastest: Free threads (rayon) at k = 2, 360 ms. Slowest: GIL threads at k = 2, \
             720 ms, 2.0 times as long."
        );
    }

    #[test]
    fn the_classroom_and_the_waterfall_say_their_finding() {
        assert_eq!(
            classroom(&[(1, 1.0, 5), (2, 1.84, 1)]),
            "The median machine: 1.00× at k = 1 (5 machines), 1.84× at k = 2 (1 machine)."
        );
        assert_eq!(
            waterfall(16, 420.0, 1600.0, 8),
            "16 requests in 420 ms, against 1600 ms one after another (3.8 times overlap); at \
             most 8 in flight at once."
        );
    }
}
