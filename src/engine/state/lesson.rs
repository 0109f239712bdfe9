//! A lesson's state in the page: which lesson, the prediction, the run's status, what each step
//! measured and the conclusion, and CPython's figures pasted from its script.

use std::rc::Rc;

use crate::engine::lessons::cpython::{self, CpythonRun};
use crate::engine::lessons::workers::Chosen;
use crate::engine::lessons::{self, Conclusion, Lesson, Outcome, LESSONS};
use crate::engine::state::Reducer;
use crate::engine::status::{RunEvent, Status};

#[derive(Clone, Debug, PartialEq)]
pub struct LessonState {
    pub lesson: &'static Lesson,
    pub prediction: Option<usize>,
    pub status: Status,
    /// The k this run measured its steps at, and how it was chosen.
    pub workers: Option<Chosen>,
    /// Each finished step: its label and what it measured.
    pub measured: Vec<(String, Rc<Outcome>)>,
    pub conclusion: Option<Result<Conclusion, String>>,
    /// CPython's figures for this lesson, pasted from its script.
    pub cpython: Option<CpythonRun>,
    /// Why the last paste was refused.
    pub import_error: Option<String>,
}

impl Default for LessonState {
    fn default() -> Self {
        LessonState::of(&LESSONS[0])
    }
}

impl LessonState {
    /// The k the lesson's steps are planned for: the run's, or 2 before any run.
    pub fn k(&self) -> usize {
        self.workers.as_ref().map_or(2, |w| w.k)
    }

    fn of(lesson: &'static Lesson) -> Self {
        LessonState {
            lesson,
            prediction: None,
            status: Status::Idle,
            workers: None,
            measured: Vec::new(),
            conclusion: None,
            cpython: None,
            import_error: None,
        }
    }
}

pub enum LessonAction {
    /// Another lesson, by slug: a fresh start, not while a run is going on.
    Choose(&'static str),
    Predict(usize),
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    /// The k the steps run at, chosen from what this machine gains.
    Workers(Chosen),
    Measured(String, Outcome),
    /// The run's conclusion: the run is finished.
    Concluded(Result<Conclusion, String>),
    /// What the student pasted from the lesson's script, for `k` workers.
    ImportCpython {
        pasted: String,
        k: usize,
    },
}

impl Reducer for LessonState {
    type Action = LessonAction;

    fn reduce(&self, action: LessonAction) -> Option<Self> {
        let mut next = self.clone();
        match action {
            LessonAction::Choose(slug) => {
                let lesson = lessons::find(slug)?;
                if lesson == self.lesson || self.status.is_running() {
                    return None;
                }
                next = LessonState::of(lesson);
            }
            LessonAction::Predict(option) => next.prediction = Some(option),
            LessonAction::Workers(chosen) => next.workers = Some(chosen),
            LessonAction::Run(event) => {
                if event == RunEvent::Started {
                    next.measured.clear();
                    next.conclusion = None;
                    next.workers = None;
                }
                next.status.apply(event);
            }
            // A step measured in rounds is shown again after every round: its row is replaced.
            LessonAction::Measured(label, outcome) => {
                let outcome = Rc::new(outcome);
                match next.measured.iter_mut().find(|(l, _)| *l == label) {
                    Some(row) => row.1 = outcome,
                    None => next.measured.push((label, outcome)),
                }
            }
            LessonAction::Concluded(conclusion) => {
                next.conclusion = Some(conclusion);
                next.status.apply(RunEvent::Finished);
            }
            // A refused paste keeps the figures already shown, and says why beside the box.
            LessonAction::ImportCpython { pasted, k } => {
                match cpython::read(&pasted, self.lesson, k) {
                    Ok(run) => {
                        next.cpython = Some(run);
                        next.import_error = None;
                    }
                    Err(why) => next.import_error = Some(why),
                }
            }
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::SharedOutcome;

    fn outcome(lost: u64) -> Outcome {
        Outcome::Shared(SharedOutcome::Counter {
            threads: 2,
            expected: 100,
            counted: 100 - lost,
            ms: 1.0,
            together: None,
        })
    }

    #[test]
    fn another_lesson_starts_afresh_but_not_in_the_middle_of_a_run() {
        let state = LessonState::default()
            .reduce(LessonAction::Predict(1))
            .unwrap();
        let other = LESSONS[1].slug;
        let chosen = state.reduce(LessonAction::Choose(other)).unwrap();
        assert_eq!(chosen.lesson.slug, other);
        assert_eq!(chosen.prediction, None);
        let running = state.reduce(LessonAction::Run(RunEvent::Started)).unwrap();
        assert!(running.reduce(LessonAction::Choose(other)).is_none());
        assert!(state
            .reduce(LessonAction::Choose("no-such-lesson"))
            .is_none());
        assert!(state
            .reduce(LessonAction::Choose(LESSONS[0].slug))
            .is_none());
    }

    #[test]
    fn a_step_measured_again_replaces_its_row_and_a_conclusion_ends_the_run() {
        let state = LessonState::default()
            .reduce(LessonAction::Run(RunEvent::Started))
            .unwrap();
        let once = state
            .reduce(LessonAction::Measured("a".into(), outcome(3)))
            .unwrap();
        let twice = once
            .reduce(LessonAction::Measured("a".into(), outcome(5)))
            .unwrap();
        assert_eq!(twice.measured.len(), 1);
        assert_eq!(*twice.measured[0].1, outcome(5));
        let concluded = twice
            .reduce(LessonAction::Concluded(Err("no figures".into())))
            .unwrap();
        assert_eq!(concluded.status, Status::Done);
        // A new run clears what the last one measured and concluded.
        let again = concluded
            .reduce(LessonAction::Run(RunEvent::Started))
            .unwrap();
        assert!(again.measured.is_empty() && again.conclusion.is_none());
    }

    #[test]
    fn a_refused_paste_keeps_the_figures_shown_and_says_why() {
        let state = LessonState::default();
        let refused = state
            .reduce(LessonAction::ImportCpython {
                pasted: "not json".into(),
                k: 2,
            })
            .unwrap();
        assert!(refused.import_error.is_some());
        assert_eq!(refused.cpython, state.cpython);
    }
}
