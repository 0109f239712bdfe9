//! The Python lab's state: the form (the visitor's code first), the run's status, how far the
//! interpreter's download has got, the last run's measurements, and the traceback when the
//! visitor's code raised.

use std::rc::Rc;

use crate::engine::python::measured::PythonRun;
use crate::engine::python::settings::{template, Field, PythonSettings};
use crate::engine::state::Reducer;
use crate::engine::status::{RunEvent, Status};

#[derive(Clone, Debug, PartialEq)]
pub struct PythonLabState {
    pub settings: PythonSettings,
    pub status: Status,
    /// Bytes of the interpreter downloaded so far, and of how many (0 if not known), while it
    /// downloads.
    pub download: Option<(u64, u64)>,
    pub run: Option<Rc<PythonRun>>,
    /// The settings the run was made with: the form may have been edited since.
    pub ran: Option<PythonSettings>,
    /// What the visitor's code raised (its traceback), or why it cannot run.
    pub error: Option<String>,
}

impl Default for PythonLabState {
    fn default() -> Self {
        PythonLabState::with(PythonSettings::default())
    }
}

impl PythonLabState {
    /// The lab with `settings` in its form (what the visitor left last time).
    pub fn with(settings: PythonSettings) -> Self {
        PythonLabState {
            settings,
            status: Status::Idle,
            download: None,
            run: None,
            ran: None,
            error: None,
        }
    }
}

pub enum PythonAction {
    Edit(Field, String),
    /// Replace the code with a template's (the other fields stay).
    Template(&'static str),
    /// Put this form back (the visitor's own, after a link replaced it).
    Restore(PythonSettings),
    Run(RunEvent),
    Download(Option<(u64, u64)>),
    /// The visitor's code raised, or cannot run: shown as a traceback.
    CodeError(String),
    Ran(Box<PythonRun>, PythonSettings),
}

impl Reducer for PythonLabState {
    type Action = PythonAction;

    fn reduce(&self, action: PythonAction) -> Option<Self> {
        let mut next = self.clone();
        let running = self.status.is_running();
        match action {
            // The form is locked while a run goes on: the run uses what it read at its start.
            PythonAction::Edit(..) | PythonAction::Template(_) | PythonAction::Restore(_)
                if running =>
            {
                return None
            }
            PythonAction::Restore(settings) => next.settings = settings,
            PythonAction::Edit(field, text) => *next.settings.text_mut(field) = text,
            PythonAction::Template(slug) => next.settings.code = template(slug)?.code.into(),
            PythonAction::Run(event) => {
                if event == RunEvent::Started {
                    next.error = None;
                    next.run = None;
                    next.ran = None;
                }
                if !matches!(event, RunEvent::Started | RunEvent::Progress { .. }) {
                    next.download = None;
                }
                next.status.apply(event);
            }
            PythonAction::Download(progress) => next.download = progress,
            PythonAction::CodeError(text) => next.error = Some(text),
            PythonAction::Ran(run, settings) => {
                next.run = Some(Rc::new(*run));
                next.ran = Some(settings);
            }
        }
        (next != *self).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_replaces_the_code_and_keeps_the_rest() {
        let mut lab = PythonLabState::default();
        lab = lab
            .reduce(PythonAction::Edit(Field::Workers, "4".into()))
            .unwrap();
        lab = lab.reduce(PythonAction::Template("fib")).unwrap();
        assert!(lab.settings.code.contains("def fib"));
        assert_eq!(lab.settings.workers, "4");
        assert!(lab.reduce(PythonAction::Template("no-such")).is_none());
    }

    #[test]
    fn the_form_is_locked_while_a_run_goes_on_and_a_new_run_clears_the_last() {
        let mut lab = PythonLabState::default();
        lab = lab
            .reduce(PythonAction::CodeError("Traceback".into()))
            .unwrap();
        lab = lab.reduce(PythonAction::Run(RunEvent::Started)).unwrap();
        assert_eq!(lab.error, None);
        assert!(lab
            .reduce(PythonAction::Edit(Field::Code, "x".into()))
            .is_none());
        lab = lab.reduce(PythonAction::Download(Some((10, 100)))).unwrap();
        lab = lab.reduce(PythonAction::Run(RunEvent::Cancelled)).unwrap();
        assert_eq!(
            (lab.status.clone(), lab.download),
            (Status::Cancelled, None)
        );
        assert!(lab
            .reduce(PythonAction::Edit(Field::Code, "x".into()))
            .is_some());
    }
}
