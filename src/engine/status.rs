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

/// What happens to a run, the same for every lab: each lab's reducer hands these to
/// [`Status::apply`] (doing its own clearing on [`RunEvent::Started`]).
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    Started,
    /// `fraction` of the whole run is done; `doing` says which step is under way.
    Progress {
        fraction: f64,
        doing: String,
    },
    Failed(String),
    Cancelled,
    /// It ended without failing or being cancelled.
    Finished,
}

impl Status {
    /// The status after `event`.
    pub fn apply(&mut self, event: RunEvent) {
        match event {
            RunEvent::Started => *self = Status::starting(),
            RunEvent::Progress { fraction, doing } => self.advance(fraction, doing),
            RunEvent::Failed(why) => *self = Status::Failed(why),
            RunEvent::Cancelled => *self = Status::Cancelled,
            RunEvent::Finished => self.finish(),
        }
    }
}

/// How often the page redraws a timed step's progress. Each redraw is main-thread work, and on a
/// machine with as many busy workers as cores it is taken from the runs being timed: at the
/// engine's 50 ms pace it cost the widest runs (k = cores) enough to blur a lesson's verdict.
pub const TIMED_PROGRESS_EVERY_MS: f64 = 1_000.0;

/// Lets progress through at most once every `every_ms` (the first always), on a caller's clock.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    every_ms: f64,
    last_ms: Option<f64>,
}

impl Throttle {
    pub fn every(every_ms: f64) -> Self {
        Throttle {
            every_ms,
            last_ms: None,
        }
    }

    /// Whether to pass on what arrives at `now_ms`.
    pub fn due(&mut self, now_ms: f64) -> bool {
        let due = self
            .last_ms
            .is_none_or(|last| now_ms - last >= self.every_ms);
        if due {
            self.last_ms = Some(now_ms);
        }
        due
    }
}

/// About how long a run has left, in seconds, from how long it has run and how far along it is;
/// `None` until it is far enough along (a tenth, or three seconds) for the guess to mean
/// anything. Rounded to 5 s above 20 s, so the figure does not jitter with every step.
pub fn seconds_left(elapsed_ms: f64, fraction: f64) -> Option<f64> {
    if !(elapsed_ms.is_finite() && fraction.is_finite())
        || fraction <= 0.0
        || fraction >= 1.0
        || (fraction < 0.1 && elapsed_ms < 3_000.0)
    {
        return None;
    }
    let left = elapsed_ms * (1.0 - fraction) / fraction / 1e3;
    Some(if left > 20.0 {
        (left / 5.0).round() * 5.0
    } else {
        left.round().max(1.0)
    })
}

/// What a screen reader is told of a run, through a polite live region: that it started, each
/// quarter, and how it ended. Never each tick of the progress bar, which changes many times a
/// second and would talk over everything else; the visible line keeps its percent and step.
/// `noun` is what a run is called ("sweep", "run"). Empty while idle: nothing to say.
pub fn announcement(status: &Status, noun: &str) -> String {
    match status {
        Status::Idle => String::new(),
        Status::Running { fraction, .. } => {
            let quarters = (fraction.clamp(0.0, 0.999) * 4.0).floor() as u32;
            if quarters == 0 {
                format!("The {noun} has started.")
            } else {
                format!("The {noun} is {} % done.", quarters * 25)
            }
        }
        Status::Done => format!("The {noun} is done."),
        Status::Cancelled => {
            format!("The {noun} was cancelled. The rows measured so far are kept.")
        }
        Status::Failed(why) => format!("The {noun} failed. {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_announced_at_its_start_each_quarter_and_its_end_only() {
        let mut said: Vec<String> = Vec::new();
        for i in 0..=200 {
            let status = Status::Running {
                fraction: i as f64 / 200.0,
                doing: format!("step {i}"),
            };
            let now = announcement(&status, "sweep");
            if said.last() != Some(&now) {
                said.push(now);
            }
        }
        said.push(announcement(&Status::Done, "sweep"));
        assert_eq!(
            said,
            [
                "The sweep has started.",
                "The sweep is 25 % done.",
                "The sweep is 50 % done.",
                "The sweep is 75 % done.",
                "The sweep is done.",
            ]
        );
        assert_eq!(announcement(&Status::Idle, "run"), "");
        assert_eq!(
            announcement(&Status::Failed("No engine.".into()), "run"),
            "The run failed. No engine."
        );
    }

    #[test]
    fn the_throttle_passes_the_first_and_then_one_per_interval() {
        let mut throttle = Throttle::every(1_000.0);
        let passed: Vec<f64> = [0.0, 50.0, 999.0, 1_000.0, 1_500.0, 2_100.0]
            .into_iter()
            .filter(|&t| throttle.due(t))
            .collect();
        assert_eq!(passed, [0.0, 1_000.0, 2_100.0]);
    }

    #[test]
    fn every_lab_goes_through_the_same_events() {
        let mut status = Status::Idle;
        status.apply(RunEvent::Started);
        assert!(status.is_running());
        status.apply(RunEvent::Progress {
            fraction: 0.25,
            doing: "round 1".into(),
        });
        assert_eq!(
            status,
            Status::Running {
                fraction: 0.25,
                doing: "round 1".into()
            }
        );
        status.apply(RunEvent::Cancelled);
        status.apply(RunEvent::Finished);
        assert_eq!(status, Status::Cancelled, "a cancelled run stays cancelled");
        status.apply(RunEvent::Started);
        status.apply(RunEvent::Failed("no engine".into()));
        status.apply(RunEvent::Progress {
            fraction: 0.5,
            doing: "late".into(),
        });
        assert_eq!(status, Status::Failed("no engine".into()));
    }

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

    #[test]
    fn the_time_left_follows_the_progress_once_it_means_something() {
        assert_eq!(seconds_left(500.0, 0.02), None, "too early to tell");
        assert_eq!(seconds_left(4_000.0, 0.5), Some(4.0));
        assert_eq!(seconds_left(10_000.0, 0.25), Some(30.0));
        assert_eq!(seconds_left(10_000.0, 0.2), Some(40.0));
        assert_eq!(seconds_left(12_000.0, 0.995), Some(1.0));
        assert_eq!(seconds_left(1_000.0, 1.0), None);
        assert_eq!(seconds_left(f64::NAN, 0.5), None);
    }
}
