//! Small presentational components: each takes props and emits callbacks, no engine calls.

mod capability_panel;
pub mod charts;
mod claims_table;
mod cpython_panel;
mod deferred;
mod embed_snippet;
mod experiment_form;
mod field;
mod io_form;
mod io_results;
mod results_table;
mod scroll_box;
mod site_nav;
mod status_line;
mod trace_download;
mod waits_for;
mod waterfall;
mod what_runs;

pub use capability_panel::CapabilityPanel;
pub use claims_table::{ClaimsTable, CpythonJudged};
pub use cpython_panel::CpythonPanel;
pub use deferred::Deferred;
pub use embed_snippet::EmbedSnippet;
pub use experiment_form::ExperimentForm;
pub use field::Field;
pub use io_form::IoForm;
pub use io_results::IoResults;
pub use results_table::{Props as ResultsTableProps, ResultsTable};
pub use scroll_box::ScrollBox;
pub use site_nav::SiteNav;
pub use status_line::{before_run, StatusLine};
pub use trace_download::TraceDownload;
pub use waits_for::WaitsForPicture;
pub use waterfall::{Props as WaterfallProps, Waterfall};
pub use what_runs::{Runs, WhatRuns};
