//! The classroom view as a link of its own: `#class.v1.<payload>`, the same envelope as share
//! links ([`codec`]) around the class's workload, the model charted, how many machines there
//! were and the median machine's curve. Only the medians travel: twenty machines' full results
//! would not fit the size budget, and the medians are what the class found. Reading checks every
//! value; a link this page cannot use is refused with why, never half shown.

use serde_json::{json, Value};

use super::MedianPoint;
use crate::engine::kernels;
use crate::engine::python::link as python_link;
use crate::engine::run::models::{Model, MAX_WORKERS};
use crate::engine::share::codec;

/// What a classroom fragment starts with, before the envelope's version.
pub const PREFIX: &str = "class.";
/// The format this version writes and reads.
pub const VERSION: u32 = 1;
/// More machines than any class; a link claiming more is damaged.
const MOST_MACHINES: usize = 100_000;
/// A speedup beyond this is not a measurement.
const MOST_SPEEDUP: f64 = 100_000.0;

/// What a classroom link carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassLink {
    pub kernel: String,
    pub size: u64,
    pub model: Model,
    pub machines: usize,
    pub medians: Vec<MedianPoint>,
}

/// Whether a fragment (with or without `#`) is a classroom link rather than a share link.
pub fn is_class_fragment(fragment: &str) -> bool {
    fragment
        .strip_prefix('#')
        .unwrap_or(fragment)
        .starts_with(PREFIX)
}

/// The fragment (without `#`), or why it would be too long to open.
pub fn encode(link: &ClassLink) -> Result<String, String> {
    let wire = json!({
        "kernel": link.kernel,
        "size": link.size,
        "model": link.model.slug(),
        "machines": link.machines,
        "medians": link.medians.iter().map(|m| json!([
            m.threads,
            // Never 0: the reader refuses it, and a class's median so slow is not 0 either.
            ((m.speedup * 1000.0).round() / 1000.0).max(0.001),
            m.machines,
        ])).collect::<Vec<_>>(),
    });
    let fragment = format!(
        "{PREFIX}{}",
        codec::seal(VERSION, wire.to_string().as_bytes())
    );
    if fragment.len() > codec::MAX_FRAGMENT_BYTES {
        return Err(format!(
            "The classroom link would be {} KB, more than the {} KB a link may be.",
            fragment.len().div_ceil(1024),
            codec::MAX_FRAGMENT_BYTES / 1024
        ));
    }
    Ok(fragment)
}

/// Reads a classroom fragment.
pub fn open(fragment: &str) -> Result<ClassLink, String> {
    let wire = codec::open_prefixed(fragment, PREFIX, VERSION, "classroom link")?;
    read(&wire).map_err(|why| format!("The classroom link is damaged: {why}."))
}

fn read(wire: &Value) -> Result<ClassLink, String> {
    let kernel = wire["kernel"].as_str().ok_or("it names no kernel")?;
    if kernels::find(kernel).is_none() && python_link::workload_fingerprint(kernel).is_none() {
        return Err(format!("no kernel is called {kernel:?}"));
    }
    let size = wire["size"]
        .as_u64()
        .filter(|&s| s > 0)
        .ok_or("its size is not a positive whole number")?;
    let model = wire["model"]
        .as_str()
        .and_then(Model::from_slug)
        .ok_or("it names no model")?;
    let machines = wire["machines"]
        .as_u64()
        .map(|n| n as usize)
        .filter(|n| (1..=MOST_MACHINES).contains(n))
        .ok_or("its number of machines is not one this page can show")?;
    let medians = wire["medians"].as_array().ok_or("it has no medians")?;
    let mut read = Vec::with_capacity(medians.len());
    for point in medians {
        let (threads, speedup, at) = (point[0].as_u64(), point[1].as_f64(), point[2].as_u64());
        let point = match (threads, speedup, at) {
            (Some(k), Some(s), Some(n))
                if (1..=MAX_WORKERS as u64).contains(&k)
                    && s.is_finite()
                    && s > 0.0
                    && s <= MOST_SPEEDUP
                    && (1..=machines as u64).contains(&n) =>
            {
                MedianPoint {
                    threads: k as usize,
                    speedup: s,
                    machines: n as usize,
                }
            }
            _ => {
                return Err(format!(
                    "{point} is not a median point (k, speedup, machines)"
                ))
            }
        };
        if read
            .last()
            .is_some_and(|last: &MedianPoint| last.threads >= point.threads)
        {
            return Err("its medians are not in order of k".into());
        }
        read.push(point);
    }
    if read.is_empty() {
        return Err("it has no medians".into());
    }
    Ok(ClassLink {
        kernel: kernel.to_string(),
        size,
        model,
        machines,
        medians: read,
    })
}
