//! The I/O lab's state: the form, the run's status, its runs, where the built-in targets are.

use std::rc::Rc;

use crate::engine::io::settings::{Choice, Field, IoSettings, Preset, TargetKind};
use crate::engine::io::IoRun;
use crate::engine::state::Reducer;
use crate::engine::status::{RunEvent, Status};

#[derive(Clone, Debug, PartialEq)]
pub struct IoLabState {
    pub settings: IoSettings,
    pub status: Status,
    /// The runs of the last press of Run, in the order they ran.
    pub runs: Vec<Rc<IoRun>>,
    /// The settings those runs were made with: the form may have been edited since.
    pub ran: Option<IoSettings>,
    /// Where built-in targets are, or why there are none; `None` until the service worker says.
    pub targets: Option<Result<String, String>>,
}

impl Default for IoLabState {
    fn default() -> Self {
        IoLabState {
            settings: IoSettings::default(),
            status: Status::Idle,
            runs: Vec::new(),
            ran: None,
            targets: None,
        }
    }
}

pub enum IoAction {
    Edit(Field, String),
    ChooseTargets(TargetKind),
    Toggle(Choice),
    Preset(Preset),
    TargetsKnown(Result<String, String>),
    /// A past run to show again, from the history (or a link's settings, with no runs). Not
    /// while a run is going on: the form is locked.
    Restore {
        settings: Box<IoSettings>,
        runs: Vec<IoRun>,
    },
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    Ran(Box<IoRun>),
}

impl Reducer for IoLabState {
    type Action = IoAction;

    fn reduce(&self, action: IoAction) -> Option<Self> {
        let mut next = self.clone();
        let s = &mut next.settings;
        match action {
            IoAction::Edit(field, text) => *s.text_mut(field)? = text,
            IoAction::ChooseTargets(kind) => s.target_kind = kind,
            IoAction::Toggle(choice) => s.toggle(choice),
            IoAction::Preset(preset) => *s = s.with_preset(preset),
            IoAction::TargetsKnown(found) => next.targets = Some(found),
            IoAction::Restore { settings, runs } => {
                if next.status.is_running() {
                    return None;
                }
                next.ran = Some((*settings).clone());
                next.settings = *settings;
                next.runs = runs.into_iter().map(Rc::new).collect();
                next.status = Status::Idle;
            }
            IoAction::Run(event) => {
                if event == RunEvent::Started {
                    next.runs.clear();
                    next.ran = Some(next.settings.clone());
                }
                next.status.apply(event);
            }
            IoAction::Ran(run) => next.runs.push(Rc::new(*run)),
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_shows_the_runs_it_carries_unless_a_run_is_going_on() {
        let state = IoLabState::default();
        let settings = IoSettings {
            target_kind: TargetKind::Urls,
            ..IoSettings::default()
        };
        let restore = || IoAction::Restore {
            settings: Box::new(settings.clone()),
            runs: Vec::new(),
        };
        let restored = state.reduce(restore()).unwrap();
        assert_eq!(restored.settings.target_kind, TargetKind::Urls);
        assert_eq!(restored.ran.as_ref(), Some(&settings));
        let running = state.reduce(IoAction::Run(RunEvent::Started)).unwrap();
        assert!(running.reduce(restore()).is_none());
    }

    #[test]
    fn a_run_starts_with_no_runs_and_keeps_the_settings_it_ran_with() {
        let state = IoLabState::default();
        let started = state.reduce(IoAction::Run(RunEvent::Started)).unwrap();
        assert!(started.runs.is_empty());
        assert_eq!(started.ran.as_ref(), Some(&state.settings));
        let cancelled = started.reduce(IoAction::Run(RunEvent::Cancelled)).unwrap();
        assert_eq!(cancelled.status, Status::Cancelled);
    }

    #[test]
    fn the_targets_are_known_once_the_service_worker_says() {
        let state = IoLabState::default();
        assert_eq!(state.targets, None);
        let known = state
            .reduce(IoAction::TargetsKnown(Err("no service worker".into())))
            .unwrap();
        assert_eq!(known.targets, Some(Err("no service worker".into())));
    }
}
