//! Small presentational components: each takes props and emits callbacks, no engine calls.

mod capability_panel;
mod experiment_form;
mod results_table;
mod status_line;

pub use capability_panel::CapabilityPanel;
pub use experiment_form::ExperimentForm;
pub use results_table::{Props as ResultsTableProps, ResultsTable};
pub use status_line::StatusLine;
