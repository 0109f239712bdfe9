//! The fault drill: 64 short tasks, one of which raises (panics) on purpose.
//!
//! In Python, an exception inside `pool.map`'s function comes back to the caller and the map
//! fails. Here it shows what each runtime does with a task that fails: the run is reported as
//! failed with the task's message, and the next run still works. In the browser a panic traps the
//! thread or worker it ran on, so the runtime must notice and rebuild it.

use std::hint::black_box;
use std::ops::Range;

use super::{decode_pairs, encode_pairs, TaskList, TASKS};
use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::Workload;

/// The size is the index of the task that raises.
pub const LIMITS: Limits = Limits {
    min: 0,
    max: TASKS as u64 - 1,
    default: 40,
};

/// Counting per task: a millisecond or two, so the failure lands mid-run.
const WORK_PER_TASK: u64 = 2_000_000;

pub struct FaultDrill {
    raises_at: usize,
}

impl FaultDrill {
    pub fn new(raises_at: u64) -> Result<Self, SizeError> {
        Ok(FaultDrill {
            raises_at: LIMITS.check(raises_at)? as usize,
        })
    }
}

/// Task `index`'s body; `raises` is 1 for the task that fails.
fn task(&[index, raises]: &[u64; 2]) -> u64 {
    let mut counter = 0;
    while counter < WORK_PER_TASK {
        counter = black_box(counter) + 1;
    }
    if raises == 1 {
        panic!("task {index} raised on purpose (the fault drill)");
    }
    counter + index
}

impl Workload for FaultDrill {
    fn task_count(&self) -> usize {
        TASKS
    }

    fn run_task(&self, index: usize) -> u64 {
        task(&[index as u64, u64::from(index == self.raises_at)])
    }

    fn kernel(&self) -> Option<&'static str> {
        Some("fault-drill")
    }

    fn encode_tasks(&self, tasks: Range<usize>) -> Vec<u8> {
        encode_pairs(tasks.map(|i| [i as u64, u64::from(i == self.raises_at)]))
    }
}

pub fn decode(bytes: &[u8]) -> Result<TaskList<[u64; 2]>, DecodeError> {
    decode_pairs(bytes, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chosen_task_raises() {
        let drill = FaultDrill::new(3).unwrap();
        assert_eq!(drill.run_task(2), WORK_PER_TASK + 2);
        let raised = std::panic::catch_unwind(|| drill.run_task(3)).unwrap_err();
        let message = raised.downcast_ref::<String>().unwrap();
        assert_eq!(message, "task 3 raised on purpose (the fault drill)");
        assert!(FaultDrill::new(64).is_err());
    }
}
