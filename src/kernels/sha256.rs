//! SHA-256 over many blocks: each task chains `digest = sha256(digest || block)` over its share
//! of the blocks, like hashing a stream in pieces. Blocks are derived from their index, so
//! there is no input to hold or copy.

// `sha2`'s portable code (see the kernels' Cargo.toml), not a SHA-256 of the kernel's own: one
// written here over words (16 rounds written out, the schedule in place, no byte swaps, as the
// block is two words repeated) ran as fast in Chromium, no faster (0.999x, 0.94-1.07, 9 rounds
// A/B), and natively too. What V8 does differently is spill: its code for `sha2`'s compression
// touches a stack slot in 1 012 of 3 652 instructions, native's in 380 of 3 465 (the same 16
// registers; SHA-256 keeps 24 words live), and the word-wise one in 786 of 2 383. Calling
// `sha2::compress256` on the step's two blocks directly (the padding for 96 bytes written once,
// no `Digest` buffering) ran the same in Chromium, 477 against 476 ms, and slower natively, 448
// against 372 ms (6 rounds A/B, each on a fresh page): a better ratio only because native lost.
// `sha2`'s compact code (`force-soft-compact`, a rolled loop over a 64-word schedule) was slower
// on both sides: wasm 576 against 511 ms, native 493 against 384 (6 rounds A/B, fresh pages).
// A thread can run this kernel steadily faster or slower than another in the same minutes:
// over five fresh pages one worker process read 397-405 ms on two and 465-512 on three; over
// five more a pool thread read 400-434 (after one first run at 654) while the worker process
// read 404-672; native 365-380 (the vCPU finding in src/engine/run/sequential.rs fits). A build
// that shifted the kernel's stack in linear memory by 512-byte steps (8 places) ran slow at
// every place (477-595 ms, 3 pages). The bench loads a page per round for it.
use sha2::{Digest, Sha256};

use std::ops::Range;

use super::{decode_ranges, encode_pairs, share, TaskList, TASKS};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::{no_checkpoint, Checked, Interrupted, Workload};

pub const LIMITS: Limits = Limits {
    min: 1,
    max: 1_000_000_000,
    default: 1_000_000,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sha256Chain {
    blocks: u64,
}

impl Sha256Chain {
    pub fn new(blocks: u64) -> Result<Self, SizeError> {
        Ok(Sha256Chain {
            blocks: LIMITS.check(blocks)?,
        })
    }
}

/// The 64-byte block number `index`: its little-endian bytes, repeated.
fn block(index: u64) -> [u8; 64] {
    let mut block = [0u8; 64];
    for chunk in block.chunks_exact_mut(8) {
        chunk.copy_from_slice(&index.to_le_bytes());
    }
    block
}

impl Workload for Sha256Chain {
    fn task_count(&self) -> usize {
        TASKS.min(self.blocks as usize)
    }

    fn run_task(&self, index: usize) -> u64 {
        chain(share(self.blocks, self.task_count() as u64, index as u64))
    }

    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let blocks = share(self.blocks, self.task_count() as u64, index as u64);
        chain_checking_in(blocks, checkpoint)
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("sha256")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|i| {
            let range = share(self.blocks, self.task_count() as u64, i as u64);
            [range.start, range.end]
        }))
    }
}

/// `digest = sha256(digest || block)` over the blocks in `blocks`; the first 8 bytes of the last.
pub fn chain(blocks: Range<u64>) -> u64 {
    chain_checking_in(blocks, &no_checkpoint).unwrap_or_default()
}

/// Blocks hashed between GIL checkpoints: tens of microseconds.
const BLOCKS_PER_CHECK_IN: u64 = 64;

/// [`chain`], checking in with the GIL every `BLOCKS_PER_CHECK_IN` blocks.
pub fn chain_checking_in<C: Fn() -> Checked + ?Sized>(
    blocks: Range<u64>,
    checkpoint: &C,
) -> Result<u64, Interrupted> {
    let mut digest = [0u8; 32];
    for b in blocks {
        let mut hasher = Sha256::new();
        hasher.update(digest);
        hasher.update(block(b));
        digest = hasher.finalize().into();
        if b % BLOCKS_PER_CHECK_IN == BLOCKS_PER_CHECK_IN - 1 {
            checkpoint()?;
        }
    }
    Ok(u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")))
}

/// The process side: one range of blocks per task (blocks are made from their index).
pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_ranges(bytes, |&[start, end]| chain(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_block_matches_a_direct_hash() {
        let work = Sha256Chain::new(1).unwrap();
        let mut input = vec![0u8; 32];
        input.extend_from_slice(&block(0));
        let want = Sha256::digest(&input);
        assert_eq!(
            work.run_task(0),
            u64::from_le_bytes(want[..8].try_into().unwrap())
        );
    }
}
