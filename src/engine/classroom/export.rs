//! The classroom view as files, like the labs' exports: CSV with one line per machine and k (the
//! medians as machine `median`), and JSON with every machine, the medians, the flags and the
//! notes. docs/formats.md documents both; a change to either is a new `schema`, never a silent edit.

use serde_json::{json, Value};

use super::{Class, View};
use crate::engine::share::export::line;

/// The `schema` field of the JSON export.
pub const SCHEMA: &str = "overlap.classroom.v1";

/// `machine,cores,browser,cross_origin_isolated,model,threads,speedup,machines`.
pub fn csv(class: &Class, view: &View) -> String {
    let mut out = String::from(
        "machine,cores,browser,cross_origin_isolated,model,threads,speedup,machines\r\n",
    );
    for curve in &view.curves {
        let machine = class.entries[curve.entry].machine.as_ref();
        for &(k, speedup) in &curve.points {
            out.push_str(&line(&[
                curve.label.clone(),
                machine.map(|m| m.cores.to_string()).unwrap_or_default(),
                machine.map(|m| m.browser.clone()).unwrap_or_default(),
                machine
                    .map(|m| m.cross_origin_isolated.to_string())
                    .unwrap_or_default(),
                view.model.slug().into(),
                k.to_string(),
                format!("{speedup:.3}"),
                "1".into(),
            ]));
        }
    }
    for m in &view.medians {
        out.push_str(&line(&[
            "median".into(),
            String::new(),
            String::new(),
            String::new(),
            view.model.slug().into(),
            m.threads.to_string(),
            format!("{:.3}", m.speedup),
            m.machines.to_string(),
        ]));
    }
    out
}

pub fn json(class: &Class, view: &View) -> Value {
    let machines: Vec<Value> = view
        .curves
        .iter()
        .map(|curve| {
            let entry = &class.entries[curve.entry];
            json!({
                "label": curve.label,
                "lines": entry.lines,
                "cores": entry.machine.as_ref().map(|m| m.cores),
                "browser": entry.machine.as_ref().map(|m| m.browser.clone()),
                "cross_origin_isolated": entry.machine.as_ref().map(|m| m.cross_origin_isolated),
                "points": curve.points.iter().map(|&(k, s)| json!({ "threads": k, "speedup": s })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "kernel": class.kernel,
        "size": class.size,
        "model": view.model.slug(),
        "machines": machines,
        "medians": view.medians.iter().map(|m| json!({
            "threads": m.threads, "speedup": m.speedup, "machines": m.machines,
        })).collect::<Vec<_>>(),
        "flags": view.flags.iter().map(|f| f.text.clone()).collect::<Vec<_>>(),
        "notes": class.notes.iter().map(|n| n.text.clone()).collect::<Vec<_>>(),
    })
}
