//! Where a lab's run stands, shared by the CPU lab, the I/O lab and the lessons: idle, running
//! (how far, doing what), done, cancelled or failed (why). Late news of a run that has already
//! ended changes nothing.

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    /// `fraction` of the whole sweep is done; `doing` says which step is under way.
    Running {
        fraction: f64,
        doing: String,
    },
    Done,
    Cancelled,
    Failed(String),
}

impl Status {
    /// A run starts with the engine.
    pub fn starting() -> Status {
        Status::Running {
            fraction: 0.0,
            doing: "Starting the engine…".into(),
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, Status::Running { .. })
    }

    /// News of progress; late news after the run ended changes nothing.
    pub fn advance(&mut self, fraction: f64, doing: String) {
        if self.is_running() {
            *self = Status::Running { fraction, doing };
        }
    }

    /// The run ended without failing or being cancelled.
    pub fn finish(&mut self) {
        if self.is_running() {
            *self = Status::Done;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_advances_then_finishes_and_late_news_changes_nothing() {
        let mut status = Status::Idle;
        status.advance(0.5, "half".into());
        assert_eq!(status, Status::Idle, "progress before a start is ignored");
        status = Status::starting();
        assert!(status.is_running());
        status.advance(0.5, "half".into());
        assert_eq!(
            status,
            Status::Running {
                fraction: 0.5,
                doing: "half".into()
            }
        );
        status.finish();
        assert_eq!(status, Status::Done);
        status.advance(0.9, "late".into());
        assert_eq!(status, Status::Done);
        let mut cancelled = Status::Cancelled;
        cancelled.finish();
        assert_eq!(
            cancelled,
            Status::Cancelled,
            "a cancelled run is not turned into done"
        );
    }
}
