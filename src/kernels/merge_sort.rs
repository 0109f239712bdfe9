//! Merge sort of seeded random numbers, one task per chunk: each task copies its chunk and sorts
//! it with a textbook top-down merge sort (the `pool.map(merge_sort, chunks)` shape).

use std::ops::Range;

use super::{share, TaskList, SEED, TASKS};
use crate::rng::SplitMix64;
use crate::size::{Limits, SizeError};
use crate::wire::{DecodeError, Reader, Writer};
use crate::workload::{digest_u64s, no_checkpoint, Checked, Interrupted, Workload};

/// The upper limit is past what fits in a page's memory on purpose: sizes between are refused by
/// the memory check with the largest size that fits, which is the lesson worth seeing.
pub const LIMITS: Limits = Limits {
    min: 1,
    max: 128_000_000,
    default: 8_000_000,
};

pub struct MergeSort {
    data: Vec<u64>,
}

impl MergeSort {
    pub fn new(len: u64) -> Result<Self, SizeError> {
        let len = LIMITS.check(len)?;
        let mut rng = SplitMix64::new(SEED);
        Ok(MergeSort {
            data: (0..len).map(|_| rng.next_u64()).collect(),
        })
    }

    /// Chunk `index`, sorted, checking in with the GIL every `MERGED_PER_CHECK_IN` values.
    pub fn sorted_chunk<C: Fn() -> Checked + ?Sized>(
        &self,
        index: usize,
        checkpoint: &C,
    ) -> Result<Vec<u64>, Interrupted> {
        let tasks = self.task_count() as u64;
        let range = share(self.data.len() as u64, tasks, index as u64);
        let mut chunk = self.data[range.start as usize..range.end as usize].to_vec();
        merge_sort_checking_in(&mut chunk, checkpoint)?;
        Ok(chunk)
    }
}

/// Values placed between GIL checkpoints within one merge: tens of microseconds. A merge of
/// fewer never checks in, so a run between checkpoints is at most a sort of that many values.
const MERGED_PER_CHECK_IN: usize = 4_096;

/// Top-down merge sort with one scratch buffer.
pub fn merge_sort(values: &mut [u64]) {
    merge_sort_checking_in(values, &no_checkpoint).unwrap_or_default();
}

/// [`merge_sort`], checking in with the GIL every `MERGED_PER_CHECK_IN` values merged.
pub fn merge_sort_checking_in<C: Fn() -> Checked + ?Sized>(
    values: &mut [u64],
    checkpoint: &C,
) -> Checked {
    let mut scratch = values.to_vec();
    sort_into(&mut scratch, values, checkpoint)
}

/// Sorts `out` using `src` (holding the same values) as scratch.
fn sort_into<C: Fn() -> Checked + ?Sized>(
    src: &mut [u64],
    out: &mut [u64],
    checkpoint: &C,
) -> Checked {
    let len = out.len();
    if len <= 1 {
        return Ok(());
    }
    let mid = len / 2;
    // Sort each half of `src` (using `out` as scratch), then merge them into `out`.
    sort_into(&mut out[..mid], &mut src[..mid], checkpoint)?;
    sort_into(&mut out[mid..], &mut src[mid..], checkpoint)?;
    let (left, right) = src.split_at(mid);
    let (mut i, mut j) = (0, 0);
    // In blocks, checking in after each full one: the merge loop itself stays free of the
    // checkpoint, which inside it cost a GIL thread a fifth of its speed even uncontended.
    for block in out.chunks_mut(MERGED_PER_CHECK_IN) {
        for slot in block.iter_mut() {
            if j >= right.len() || (i < left.len() && left[i] <= right[j]) {
                *slot = left[i];
                i += 1;
            } else {
                *slot = right[j];
                j += 1;
            }
        }
        if block.len() == MERGED_PER_CHECK_IN {
            checkpoint()?;
        }
    }
    Ok(())
}

impl Workload for MergeSort {
    fn task_count(&self) -> usize {
        TASKS.min(self.data.len())
    }

    fn run_task(&self, index: usize) -> u64 {
        digest_u64s(self.sorted_chunk(index, &no_checkpoint).unwrap_or_default())
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        Ok(digest_u64s(self.sorted_chunk(index, checkpoint)?))
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("merge-sort")
    }

    /// The numbers themselves: sorting in a process means copying the data there.
    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        let count = self.task_count() as u64;
        let mut writer = Writer::new();
        writer.u64(tasks.len() as u64);
        for index in tasks {
            let range = share(self.data.len() as u64, count, index as u64);
            writer.u64s(&self.data[range.start as usize..range.end as usize]);
        }
        writer.finish()
    }
}

/// The process side: the unsorted numbers of each task.
pub fn decode(bytes: &[u8]) -> Result<TaskList<Vec<u64>>, DecodeError> {
    let mut reader = Reader::new(bytes);
    let tasks = reader.u64()?;
    let args = (0..tasks)
        .map(|_| reader.u64s())
        .collect::<Result<Vec<_>, _>>()?;
    reader.end()?;
    Ok(TaskList {
        args,
        run: |chunk| {
            let mut chunk = chunk.clone();
            merge_sort(&mut chunk);
            digest_u64s(chunk)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library() {
        for len in [0usize, 1, 2, 3, 10, 1_000, 4_097] {
            let mut rng = SplitMix64::new(len as u64);
            let mut values: Vec<u64> = (0..len).map(|_| rng.below(50)).collect();
            let mut expected = values.clone();
            expected.sort_unstable();
            merge_sort(&mut values);
            assert_eq!(values, expected, "length {len}");
        }
        let work = MergeSort::new(10_000).unwrap();
        assert!(work
            .sorted_chunk(3, &no_checkpoint)
            .unwrap()
            .windows(2)
            .all(|w| w[0] <= w[1]));
    }
}
