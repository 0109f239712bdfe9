//! The CPU lab's state: the form as typed, the sweep's status and report, what it ran with.

use crate::engine::cpu_settings::{CpuSettings, Field};
use crate::engine::experiment::{Report, Step};
use crate::engine::kernels;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;
use crate::engine::run::trace::Trace;
use crate::engine::share::CpuConfig;
use crate::engine::state::Reducer;
use crate::engine::status::{RunEvent, Status};
use crate::engine::workload::Checksum;

#[derive(Clone, Debug, PartialEq)]
pub struct CpuLabState {
    /// The form as typed (also what the history keeps).
    pub form: CpuSettings,
    pub status: Status,
    pub report: Report,
    /// The settings the report was measured with: the form may have been edited since.
    pub ran: Option<CpuSettings>,
    /// Set when the pool failed to start although the page looked capable.
    pub pool_failure: Option<String>,
}

impl Default for CpuLabState {
    fn default() -> Self {
        let form = CpuConfig::first_visit().to_settings();
        CpuLabState {
            report: Report::new(&form.kernel),
            form,
            status: Status::Idle,
            ran: None,
            pool_failure: None,
        }
    }
}

pub enum CpuAction {
    ChooseKernel(String),
    /// Shows a sweep from the history (or a link's settings) again, with the settings it ran
    /// with. Not while a sweep runs: the form is locked.
    Restore {
        settings: Box<CpuSettings>,
        report: Report,
    },
    Edit(Field, String),
    ChooseStyle(MapStyle),
    ToggleModel(Model),
    /// A step of the run every lab shares (see [`RunEvent`]).
    Run(RunEvent),
    Measured {
        step: Step,
        samples_ms: Vec<f64>,
        checksum: Checksum,
        trace: Box<Trace>,
    },
    PoolFailed(String),
}

impl Reducer for CpuLabState {
    type Action = CpuAction;

    fn reduce(&self, action: CpuAction) -> Option<Self> {
        let mut next = self.clone();
        match action {
            CpuAction::ChooseKernel(slug) => {
                let kernel = kernels::offered(&slug)?;
                if kernel != next.form.kernel() {
                    next.form.kernel = slug;
                    next.form.size_text = kernel.limits.default.to_string();
                }
            }
            CpuAction::Restore { settings, report } => {
                if next.status.is_running() {
                    return None;
                }
                let kernel = next.form.kernel.clone();
                next.form = *settings;
                // A kernel this page does not know (a later version's) keeps the current one.
                if kernels::offered(&next.form.kernel).is_none() {
                    next.form.kernel = kernel;
                }
                next.report = report;
                next.ran = Some(next.form.clone());
                next.status = Status::Idle;
            }
            CpuAction::Edit(field, text) => *next.form.text_mut(field) = text,
            CpuAction::ChooseStyle(style) => next.form.style = style,
            CpuAction::ToggleModel(model) => {
                let models = &mut next.form.models;
                if let Some(at) = models.iter().position(|&m| m == model) {
                    models.remove(at);
                } else {
                    models.push(model);
                }
            }
            CpuAction::Run(event) => {
                if event == RunEvent::Started {
                    next.report = Report::new(next.form.kernel().slug);
                    next.ran = Some(next.form.clone());
                }
                next.status.apply(event);
            }
            CpuAction::Measured {
                step,
                samples_ms,
                checksum,
                trace,
            } => {
                if let Err(why) = next.report.record(step, &samples_ms, checksum, *trace) {
                    next.status =
                        Status::Failed(format!("{} with k = {}: {why}.", step.model, step.threads));
                }
            }
            CpuAction::PoolFailed(message) => next.pool_failure = Some(message),
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: &CpuLabState, action: CpuAction) -> CpuLabState {
        state.reduce(action).expect("a change")
    }

    fn step(model: Model, threads: usize) -> Step {
        Step { model, threads }
    }

    fn trace() -> Box<Trace> {
        Box::new(Trace::new(
            1,
            MapStyle::default(),
            1,
            10.0,
            vec![],
            None,
            None,
        ))
    }

    #[test]
    fn choosing_a_kernel_gives_it_its_own_default_size_and_an_unknown_one_changes_nothing() {
        let state = CpuLabState::default();
        let other = kernels::KERNELS
            .iter()
            .find(|k| k.slug != state.form.kernel && kernels::offered(k.slug).is_some())
            .expect("a second kernel");
        let next = reduce(&state, CpuAction::ChooseKernel(other.slug.into()));
        assert_eq!(next.form.kernel, other.slug);
        assert_eq!(next.form.size_text, other.limits.default.to_string());
        assert!(state
            .reduce(CpuAction::ChooseKernel("no-such-kernel".into()))
            .is_none());
    }

    #[test]
    fn a_run_starts_afresh_and_keeps_what_it_ran_with() {
        let mut state = CpuLabState::default();
        let measured =
            state
                .report
                .record(step(Model::Sequential, 1), &[10.0], Checksum(7), *trace());
        assert!(measured.is_ok());
        let next = reduce(&state, CpuAction::Run(RunEvent::Started));
        assert!(next.report.rows().is_empty());
        assert_eq!(next.ran.as_ref(), Some(&state.form));
        assert!(next.status.is_running());
        let done = reduce(&next, CpuAction::Run(RunEvent::Finished));
        assert_eq!(done.status, Status::Done);
    }

    #[test]
    fn a_restore_waits_for_no_run_and_keeps_a_kernel_this_page_knows() {
        let state = CpuLabState::default();
        let mut settings = state.form.clone();
        settings.kernel = "a-later-kernel".into();
        settings.threads_text = "1, 2".into();
        let restore = || CpuAction::Restore {
            settings: Box::new(settings.clone()),
            report: Report::new("count"),
        };
        let running = reduce(&state, CpuAction::Run(RunEvent::Started));
        assert!(running.reduce(restore()).is_none(), "the form is locked");
        let restored = reduce(&state, restore());
        assert_eq!(restored.form.kernel, state.form.kernel);
        assert_eq!(restored.form.threads_text, "1, 2");
        assert_eq!(restored.ran.as_ref(), Some(&restored.form));
        assert_eq!(restored.status, Status::Idle);
    }

    #[test]
    fn a_model_toggles_in_and_out() {
        let state = CpuLabState::default();
        let had = state.form.models.contains(&Model::Async);
        let once = reduce(&state, CpuAction::ToggleModel(Model::Async));
        assert_eq!(once.form.models.contains(&Model::Async), !had);
        let twice = reduce(&once, CpuAction::ToggleModel(Model::Async));
        assert_eq!(twice.form.models.contains(&Model::Async), had);
    }

    #[test]
    fn a_measurement_that_cannot_be_recorded_fails_the_run_and_says_which() {
        let state = reduce(&CpuLabState::default(), CpuAction::Run(RunEvent::Started));
        let bad = reduce(
            &state,
            CpuAction::Measured {
                step: step(Model::FreeThreads, 2),
                samples_ms: Vec::new(),
                checksum: Checksum(7),
                trace: trace(),
            },
        );
        match &bad.status {
            Status::Failed(why) => assert!(why.contains("k = 2"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
