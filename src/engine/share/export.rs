//! Results as files: CSV for a spreadsheet, JSON for a script. docs/formats.md documents both
//! schemas; a change to either is a new `schema` value, never a silent edit.

use serde_json::{json, Value};

use super::{CpuConfig, IoResult, Machine};
use crate::engine::experiment::{Report, Verdict};
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;

/// The `schema` field of the JSON exports.
pub const CPU_SCHEMA: &str = "overlap.cpu-results.v1";
pub const IO_SCHEMA: &str = "overlap.io-results.v1";

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One CSV line of `fields`, ended by CRLF as RFC 4180 has it.
pub fn line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn number(ms: f64) -> String {
    format!("{ms:.3}")
}

/// Speedup against the sequential row, if there is one.
fn speedup(report: &Report, row: &crate::engine::experiment::Row) -> Option<f64> {
    report.speedup(row).filter(|s| s.is_finite())
}

/// One line per step of the sweep.
pub fn cpu_csv(config: &CpuConfig, report: &Report) -> String {
    let mut csv = line(
        &[
            "kernel",
            "size",
            "model",
            "threads",
            "median_ms",
            "min_ms",
            "max_ms",
            "repeats",
            "speedup",
            "checksum",
        ]
        .map(String::from),
    );
    for row in report.rows() {
        csv.push_str(&line(&[
            config.kernel.clone(),
            config.size.to_string(),
            row.model.slug().into(),
            row.threads.to_string(),
            number(row.summary.median),
            number(row.summary.min),
            number(row.summary.max),
            row.summary.repeats.to_string(),
            speedup(report, row).map_or(String::new(), |s| format!("{s:.3}")),
            verdict(report, row).into(),
        ]));
    }
    csv
}

fn verdict(report: &Report, row: &crate::engine::experiment::Row) -> &'static str {
    match report.verdict(row) {
        Verdict::Reference => "baseline",
        Verdict::Matches => "matches",
        Verdict::Mismatch { .. } => "MISMATCH",
        Verdict::Unchecked => "unchecked",
    }
}

fn machine_json(machine: Option<&Machine>) -> Value {
    machine.map_or(Value::Null, |m| {
        json!({ "cores": m.cores, "browser": m.browser, "cross_origin_isolated": m.cross_origin_isolated })
    })
}

pub fn cpu_json(config: &CpuConfig, report: &Report, machine: Option<&Machine>) -> String {
    let rows: Vec<Value> = report
        .rows()
        .iter()
        .map(|row| {
            json!({
                "model": row.model.slug(),
                "threads": row.threads,
                "median_ms": row.summary.median,
                "min_ms": row.summary.min,
                "max_ms": row.summary.max,
                "repeats": row.summary.repeats,
                "samples_ms": row.samples_ms,
                "speedup": speedup(report, row),
                "checksum": verdict(report, row),
            })
        })
        .collect();
    let document = json!({
        "schema": CPU_SCHEMA,
        "experiment": {
            "kernel": config.kernel,
            "size": config.size,
            "repeats": config.repeats,
            "models": config.models.iter().map(|m| m.slug()).collect::<Vec<_>>(),
            "threads": config.threads,
            "style": config.style.slug(),
            "chunksize": config.chunksize,
        },
        "machine": machine_json(machine),
        "rows": rows,
    });
    serde_json::to_string_pretty(&document).expect("plain values serialize")
}

/// One line per model run.
pub fn io_csv(runs: &[IoRun]) -> String {
    let mut csv = line(
        &[
            "model",
            "workers",
            "requests",
            "wall_ms",
            "ideal_ms",
            "sum_latency_ms",
            "max_in_flight",
            "ok",
            "failed",
        ]
        .map(String::from),
    );
    for run in runs {
        let r = IoResult::from_run(run);
        csv.push_str(&line(&[
            r.choice.key().into(),
            r.workers.to_string(),
            r.requests.to_string(),
            number(run.summary.wall_ms),
            run.ideal_ms.map_or(String::new(), number),
            number(run.summary.sum_latency_ms),
            run.summary.max_in_flight.to_string(),
            r.ok.to_string(),
            r.failed.to_string(),
        ]));
    }
    csv
}

pub fn io_json(settings: &IoSettings, runs: &[IoRun], machine: Option<&Machine>) -> String {
    let rows: Vec<Value> = runs
        .iter()
        .map(|run| {
            let r = IoResult::from_run(run);
            json!({
                "model": r.choice.key(),
                "workers": r.workers,
                "requests": r.requests,
                "wall_ms": run.summary.wall_ms,
                "ideal_ms": run.ideal_ms,
                "sum_latency_ms": run.summary.sum_latency_ms,
                "max_in_flight": run.summary.max_in_flight,
                "ok": r.ok,
                "failed": r.failed,
            })
        })
        .collect();
    let document = json!({
        "schema": IO_SCHEMA,
        "settings": settings,
        "machine": machine_json(machine),
        "rows": rows,
    });
    serde_json::to_string_pretty(&document).expect("plain values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::experiment::Row;
    use crate::engine::run::models::Model;
    use crate::engine::workload::Checksum;

    fn sweep() -> Report {
        let mut report = Report::new("count");
        for (model, k, ms, sum) in [
            (Model::Sequential, 1, [100.0, 110.0, 90.0], 7),
            (Model::FreeThreads, 2, [50.0, 55.0, 45.0], 7),
            (Model::GilThreads, 2, [120.0, 120.0, 120.0], 8),
        ] {
            report.push(Row::from_samples(model, k, &ms, Checksum(sum)).unwrap());
        }
        report
    }

    #[test]
    fn csv_has_a_header_and_a_line_per_step() {
        let csv = cpu_csv(&CpuConfig::first_visit(), &sweep());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "kernel,size,model,threads,median_ms,min_ms,max_ms,repeats,speedup,checksum"
        );
        assert_eq!(
            lines[2],
            "count,1000000000,free-threads,2,50.000,45.000,55.000,3,2.000,matches"
        );
        assert!(lines[3].ends_with(",0.833,MISMATCH"));
        assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn json_names_its_schema_and_keeps_every_sample() {
        let machine = Machine {
            cores: 16,
            browser: "Chrome 156".into(),
            cross_origin_isolated: true,
        };
        let text = cpu_json(&CpuConfig::first_visit(), &sweep(), Some(&machine));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema"], CPU_SCHEMA);
        assert_eq!(value["machine"]["cores"], 16);
        assert_eq!(value["experiment"]["kernel"], "count");
        assert_eq!(value["rows"][1]["samples_ms"], json!([50.0, 55.0, 45.0]));
        assert_eq!(value["rows"][1]["speedup"], 2.0);
        assert_eq!(value["rows"][0]["checksum"], "baseline");
    }
}
