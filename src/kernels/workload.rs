//! What every workload kernel provides: a fixed list of independent tasks and a checksum.
//!
//! The task list depends only on the workload and its size, never on the number of threads, so
//! every execution model runs exactly the same tasks and must produce the same checksum. That is
//! what makes comparing the models honest.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A CPU-bound job split into independent tasks, like the iterable handed to `Pool.map`.
pub trait Workload: Send + Sync {
    /// How many tasks the job splits into.
    fn task_count(&self) -> usize;

    /// Runs task `index` (`0..task_count()`) and returns its result.
    fn run_task(&self, index: usize) -> u64;

    /// Runs task `index` calling `checkpoint` every so often (tens of microseconds of work):
    /// where an interpreter checks whether another thread wants the GIL, and where every run
    /// checks for Cancel, so a long task stops part-way. Must return what
    /// [`Workload::run_task`] returns, or [`Interrupted`] as soon as a checkpoint says so. The
    /// default checks in only once the task is done.
    fn run_task_with_checkpoints(
        &self,
        index: usize,
        checkpoint: &dyn Fn() -> Checked,
    ) -> Result<u64, Interrupted> {
        let result = self.run_task(index);
        checkpoint()?;
        Ok(result)
    }

    /// The kernel whose `decode` (in [`crate::KERNELS`]) reads what
    /// [`Workload::encode_tasks`] writes: how a process finds the task function, as pickle sends
    /// a function by its name. `None` means the tasks cannot be sent to a process at all, as a
    /// lambda cannot be pickled.
    fn kernel(&self) -> Option<&'static str> {
        None
    }

    /// The arguments of `tasks`, serialized for a process (the pickle of one chunk). The kernel's
    /// `decode` turns them back into a workload whose task `i` computes what task
    /// `tasks.start + i` computes here.
    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        let _ = tasks;
        Vec::new()
    }
}

/// A task stopped part-way because its checkpoint said so (the run was cancelled), like
/// `KeyboardInterrupt` raised between two bytecodes: it has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

/// What a checkpoint answers: go on (`Ok`), or stop the task now.
pub type Checked = Result<(), Interrupted>;

/// The checkpoint of a call that cannot be stopped: kernels write their loops once, checking in,
/// and their plain [`Workload::run_task`] passes this. The loops are generic over the
/// checkpoint, so here it compiles to nothing (passed as `&dyn Fn`, a checkpoint inside merge
/// sort's merge loop cost it a third of its speed), and `unwrap_or_default` on their result
/// never takes its default.
pub fn no_checkpoint() -> Checked {
    Ok(())
}

/// Runs one task behind a call that is never inlined, for every model alike.
///
/// Browsers compile wasm in tiers and never swap the code of a call already running: V8 starts
/// with baseline (Liftoff) code and optimises a function only once it is called again
/// (<https://v8.dev/blog/wasm-dynamic-tiering>). Had the task loop been inlined into one long call,
/// it would run baseline code to the end, about 5x slower, and the sequential baseline would look
/// slow next to rayon's per-task calls. One call per task puts every model on optimised code after
/// the first few tasks, and Overlap's `Runtime::warm_up` makes an untimed call before timing starts.
#[inline(never)]
pub fn run_one<W: Workload + ?Sized>(work: &W, index: usize) -> u64 {
    work.run_task(index)
}

/// The untimed first call every warm-up makes: task 0 through [`run_one`], so the browser has
/// optimised the task function before timing starts. Nothing for a workload without tasks.
pub fn warm_up_task<W: Workload + ?Sized>(work: &W) {
    if work.task_count() > 0 {
        run_one(work, 0);
    }
}

/// [`run_one`] with checkpoints (the GIL's, Cancel's), likewise never inlined.
#[inline(never)]
pub fn run_one_checkpointed<W: Workload + ?Sized>(
    work: &W,
    index: usize,
    checkpoint: &dyn Fn() -> Checked,
) -> Result<u64, Interrupted> {
    work.run_task_with_checkpoints(index, checkpoint)
}

/// An order-sensitive digest of the task results (FNV-1a over their bytes).
///
/// Order-sensitive on purpose: a model that loses, duplicates or reorders a result gets a
/// different checksum from the sequential run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Checksum(pub u64);

/// FNV-1a over bytes: the digest behind [`Checksum`], also used by kernels to fold a task's
/// output (a row of pixels, a sorted chunk) into its one `u64` result.
pub fn digest_bytes(bytes: impl IntoIterator<Item = u8>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.into_iter().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// [`digest_bytes`] over numbers, little-endian.
pub fn digest_u64s(values: impl IntoIterator<Item = u64>) -> u64 {
    digest_bytes(values.into_iter().flat_map(u64::to_le_bytes))
}

impl Checksum {
    /// Digests the results in task order.
    pub fn of(results: &[u64]) -> Self {
        Checksum(digest_u64s(results.iter().copied()))
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl From<Checksum> for String {
    fn from(checksum: Checksum) -> String {
        checksum.to_string()
    }
}

impl TryFrom<String> for Checksum {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        u64::from_str_radix(&text, 16)
            .map(Checksum)
            .map_err(|_| format!("not a checksum: {text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_depends_on_order_and_content() {
        assert_eq!(Checksum::of(&[1, 2, 3]), Checksum::of(&[1, 2, 3]));
        assert_ne!(Checksum::of(&[1, 2, 3]), Checksum::of(&[3, 2, 1]));
        assert_ne!(Checksum::of(&[1, 2, 3]), Checksum::of(&[1, 2]));
        assert_ne!(Checksum::of(&[]), Checksum::of(&[0]));
    }

    #[test]
    fn checksum_survives_its_text_form() {
        let checksum = Checksum::of(&[42, 7]);
        let text = String::from(checksum);
        assert_eq!(text.len(), 16);
        assert_eq!(Checksum::try_from(text), Ok(checksum));
        assert!(Checksum::try_from("xyz".to_string()).is_err());
    }
}
