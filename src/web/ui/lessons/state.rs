//! A lesson's state in the page: which lesson, the prediction, the run's status, what each
//! step measured and the conclusion, changed only through [`Action`].

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::lessons::cpython::{self, CpythonRun};
use crate::engine::lessons::workers::Chosen;
use crate::engine::lessons::{self, Conclusion, Lesson, Outcome, LESSONS};
use crate::engine::status::{RunEvent, Status};

#[derive(Clone, Debug, PartialEq)]
pub(super) struct LessonState {
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

pub(super) enum Action {
    Choose(&'static str),
    Predict(usize),
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    /// The k the steps run at, chosen from what this machine gains.
    Workers(Chosen),
    Measured(String, Outcome),
    Concluded(Result<Conclusion, String>),
    /// What the student pasted from the lesson's script, for `k` workers.
    ImportCpython {
        pasted: String,
        k: usize,
    },
}

impl Reducible for LessonState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Choose(slug) => {
                if let Some(lesson) = lessons::find(slug) {
                    if lesson != self.lesson && !self.status.is_running() {
                        next = LessonState::of(lesson);
                    }
                }
            }
            Action::Predict(option) => next.prediction = Some(option),
            Action::Workers(chosen) => next.workers = Some(chosen),
            Action::Run(event) => {
                if event == RunEvent::Started {
                    next.measured.clear();
                    next.conclusion = None;
                    next.workers = None;
                }
                next.status.apply(event);
            }
            // A step measured in rounds is shown again after every round: its row is replaced.
            Action::Measured(label, outcome) => {
                let outcome = Rc::new(outcome);
                match next.measured.iter_mut().find(|(l, _)| *l == label) {
                    Some(row) => row.1 = outcome,
                    None => next.measured.push((label, outcome)),
                }
            }
            Action::Concluded(conclusion) => {
                next.conclusion = Some(conclusion);
                next.status.apply(RunEvent::Finished);
            }
            // A refused paste keeps the figures already shown, and says why beside the box.
            Action::ImportCpython { pasted, k } => match cpython::read(&pasted, self.lesson, k) {
                Ok(run) => {
                    next.cpython = Some(run);
                    next.import_error = None;
                }
                Err(why) => next.import_error = Some(why),
            },
        }
        Rc::new(next)
    }
}
