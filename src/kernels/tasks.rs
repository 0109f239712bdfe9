//! What most kernels share: the fixed seed and task count, cutting a range into tasks, and
//! [`TaskList`], the tasks a process rebuilds from their pickled arguments.

use std::ops::Range;

use crate::wire::{DecodeError, Reader, Writer};
use crate::workload::Workload;

/// Seed for every generated input: fixed, so every run of every model sees the same data.
pub const SEED: u64 = 0x0a11_ab0a_7d5e_ed00;

/// Tasks for kernels whose size is a count of items: fixed (never derived from the thread
/// count), enough to balance 16+ threads.
pub const TASKS: usize = 64;

/// Part `index` of `0..total` cut into `parts` near-equal ranges (the first ones one longer).
pub fn share(total: u64, parts: u64, index: u64) -> Range<u64> {
    let (base, extra) = (total / parts, total % parts);
    let start = index * base + index.min(extra);
    start..start + base + u64::from(index < extra)
}

/// Tasks rebuilt in a process from their arguments, for kernels whose task is a function of a
/// few numbers (or one buffer): `run(&args[i])` is task `i`.
pub struct TaskList<A> {
    pub args: Vec<A>,
    pub run: fn(&A) -> u64,
}

/// One number per task: the pickle of `pool.map(f, [n0, n1, ...])`.
pub(crate) fn encode_numbers(values: impl Iterator<Item = u64>) -> Vec<u8> {
    Writer::new().u64s(&values.collect::<Vec<_>>()).finish()
}

/// The numbers [`encode_numbers`] wrote, and nothing else.
fn read_numbers(bytes: &[u8]) -> Result<Vec<u64>, DecodeError> {
    let mut reader = Reader::new(bytes);
    let numbers = reader.u64s()?;
    reader.end()?;
    Ok(numbers)
}

pub(crate) fn decode_numbers(
    bytes: &[u8],
    run: fn(&u64) -> u64,
) -> Result<TaskList<u64>, DecodeError> {
    Ok(TaskList {
        args: read_numbers(bytes)?,
        run,
    })
}

/// Two numbers per task, such as a range's ends.
pub(crate) fn encode_pairs(pairs: impl Iterator<Item = [u64; 2]>) -> Vec<u8> {
    encode_numbers(pairs.flatten())
}

pub(crate) fn decode_pairs(
    bytes: &[u8],
    run: fn(&[u64; 2]) -> u64,
) -> Result<TaskList<[u64; 2]>, DecodeError> {
    let flat = read_numbers(bytes)?;
    if flat.len() % 2 != 0 {
        return Err(DecodeError("an odd count of numbers for pairs".into()));
    }
    let args = flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    Ok(TaskList { args, run })
}

/// Pairs that are ranges `[start, end)`, refused if one runs backwards.
pub(crate) fn decode_ranges(
    bytes: &[u8],
    run: fn(&[u64; 2]) -> u64,
) -> Result<TaskList<[u64; 2]>, DecodeError> {
    let list = decode_pairs(bytes, run)?;
    match list.args.iter().find(|[start, end]| start > end) {
        Some([start, end]) => Err(DecodeError(format!(
            "the range {start}..{end} runs backwards"
        ))),
        None => Ok(list),
    }
}

impl<A: Send + Sync> Workload for TaskList<A> {
    fn task_count(&self) -> usize {
        self.args.len()
    }

    fn run_task(&self, index: usize) -> u64 {
        (self.run)(&self.args[index])
    }
}
