//! The CPU lab's form: its text fields as typed ([`CpuSettings`], also what the history keeps),
//! and the one reader that checks them, for share links ([`CpuSettings::read`]) and for a run
//! on this machine ([`CpuSettings::read_to_run`], which also checks memory).
//! Shaped like the I/O lab's [`crate::engine::io::settings`]: a [`Field`] names each text field,
//! [`CpuSettings::text_mut`] reaches its text, and a refusal names its field.
//!
//! Adding a field: a member here with its [`Field`] and its check in `read`, an input in the
//! form (`web/components/experiment_form.rs`), and, if links should carry it,
//! `engine/share/`.

use serde::{Deserialize, Serialize};

use crate::engine::capability::Capabilities;
use crate::engine::experiment::{self, REPEATS};
use crate::engine::kernels::{self, KernelInfo};
use crate::engine::quote::quoted;
use crate::engine::run::dispatch::MapStyle;
use crate::engine::run::models::Model;
use crate::engine::size::SizeError;

/// The CPU lab's form as it was, text fields as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CpuSettings {
    pub kernel: String,
    pub size_text: String,
    pub repeats_text: String,
    pub models: Vec<Model>,
    pub threads_text: String,
    pub style: MapStyle,
    pub chunksize_text: String,
}

/// The form's text fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Size,
    Repeats,
    Threads,
    Chunksize,
}

impl Field {
    /// The field's name at the start of a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Field::Size => "Size",
            Field::Repeats => "Repeats",
            Field::Threads => "Threads",
            Field::Chunksize => "Chunksize",
        }
    }
}

/// Each refused field with why, in the form's order.
pub type Refusals = crate::engine::refusals::Refusals<Field>;

/// A form that checks: what one press of Run measures.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedSweep {
    pub kernel: &'static KernelInfo,
    pub size: u64,
    pub repeats: usize,
    /// The thread counts to sweep, in order.
    pub ks: Vec<usize>,
    /// `None`: Python's default for the style.
    pub chunksize: Option<usize>,
}

impl CpuSettings {
    /// The chosen kernel; a name this page does not know reads as the first kernel.
    pub fn kernel(&self) -> &'static KernelInfo {
        kernels::offered(&self.kernel).unwrap_or(&kernels::KERNELS[0])
    }

    /// The text of `field`.
    pub fn text_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Size => &mut self.size_text,
            Field::Repeats => &mut self.repeats_text,
            Field::Threads => &mut self.threads_text,
            Field::Chunksize => &mut self.chunksize_text,
        }
    }

    /// Checks every field, with thread counts up to `max_threads` (the most workers any model
    /// takes, for a link, which may come from a bigger machine).
    pub fn read(&self, max_threads: usize) -> Result<CheckedSweep, Refusals> {
        self.check(max_threads, max_threads, false)
    }

    /// [`CpuSettings::read`] for a run here: `all` for this machine's `cores`, thread counts up
    /// to [`Capabilities::most_threads`], and a size that fits in memory with the copies the
    /// chosen models hold.
    pub fn read_to_run(&self, cores: usize) -> Result<CheckedSweep, Refusals> {
        self.check(cores, Capabilities::most_threads(cores), true)
    }

    fn check(
        &self,
        cores: usize,
        max_threads: usize,
        fit_memory: bool,
    ) -> Result<CheckedSweep, Refusals> {
        let mut refusals = Vec::new();
        let mut refuse = |field, why: String| refusals.push((field, why));
        let kernel = self.kernel();
        // Processes also hold copies of the data, so the memory check counts them if chosen.
        let copies = self.models.contains(&Model::Processes);
        let size = kernel
            .limits
            .parse(&self.size_text)
            .map_err(|e| e.to_string())
            .and_then(|size| match fit_memory {
                true => kernel
                    .check_memory(size, copies)
                    .map(|()| size)
                    .map_err(|e| e.to_string()),
                false => Ok(size),
            })
            .map_err(|why| refuse(Field::Size, why));
        let repeats = REPEATS
            .parse(&self.repeats_text)
            .map_err(|e| refuse(Field::Repeats, repeats_refused(&e, &self.repeats_text)));
        let ks = experiment::parse_threads_up_to(&self.threads_text, cores, max_threads)
            .map_err(|why| refuse(Field::Threads, why));
        let chunksize = experiment::parse_chunksize(&self.chunksize_text)
            .map_err(|why| refuse(Field::Chunksize, why));
        match (size, repeats, ks, chunksize) {
            (Ok(size), Ok(repeats), Ok(ks), Ok(chunksize)) => Ok(CheckedSweep {
                kernel,
                size,
                repeats: repeats as usize,
                ks,
                chunksize,
            }),
            _ => Err(Refusals::from(refusals)),
        }
    }
}

/// Why a repeat count is refused, in the words of repeats rather than of sizes.
fn repeats_refused(err: &SizeError, text: &str) -> String {
    let text = text.trim();
    match err {
        SizeError::Empty => format!(
            "Enter a number of repeats from {} to {}.",
            REPEATS.min, REPEATS.max
        ),
        SizeError::TooSmall { min } => format!("Repeats must be at least {min} (got {text})."),
        SizeError::TooLarge { max } => format!("Repeats must be at most {max} (got {text})."),
        SizeError::NotANumber(_) | SizeError::NotWhole(_) => format!(
            "Repeats {} is not a whole number from {} to {}.",
            quoted(text),
            REPEATS.min,
            REPEATS.max
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CpuSettings {
        CpuSettings {
            kernel: "count".into(),
            size_text: "1e8".into(),
            repeats_text: "3".into(),
            models: vec![Model::FreeThreads],
            threads_text: "all".into(),
            style: MapStyle::Map,
            chunksize_text: String::new(),
        }
    }

    #[test]
    fn a_good_form_reads_as_its_sweep() {
        let sweep = form().read_to_run(4).unwrap();
        assert_eq!(sweep.kernel.slug, "count");
        assert_eq!((sweep.size, sweep.repeats), (100_000_000, 3));
        assert_eq!(sweep.ks, [1, 2, 3, 4]);
        assert_eq!(sweep.chunksize, None);
    }

    #[test]
    fn every_bad_field_is_named_with_why_in_the_forms_order() {
        let mut bad = form();
        *bad.text_mut(Field::Size) = "5".into();
        *bad.text_mut(Field::Repeats) = "99".into();
        *bad.text_mut(Field::Threads) = "3-1".into();
        *bad.text_mut(Field::Chunksize) = "0".into();
        let refusals = bad.read_to_run(4).unwrap_err();
        let fields: Vec<Field> = refusals.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                Field::Size,
                Field::Repeats,
                Field::Threads,
                Field::Chunksize
            ]
        );
        assert!(refusals.get(Field::Size).unwrap().contains("at least"));
        assert_eq!(
            refusals.get(Field::Repeats).unwrap(),
            "Repeats must be at most 20 (got 99)."
        );
    }

    #[test]
    fn a_size_that_does_not_fit_with_the_processes_copies_is_refused() {
        let mut huge = form();
        huge.kernel = "merge-sort".into();
        huge.size_text = "100_000_000".into();
        huge.models = vec![Model::Processes];
        let why = huge.read_to_run(2).unwrap_err().get(Field::Size).unwrap();
        assert!(why.contains("largest size that fits"), "{why}");
        // A link may carry it: the size is the experiment's, the memory this machine's.
        assert!(huge.read(64).is_ok());
    }

    #[test]
    fn thread_counts_are_read_against_the_limit_given() {
        let mut form = form();
        form.threads_text = "1, 9".into();
        assert!(
            form.read_to_run(2).is_err(),
            "9 is beyond 2 cores' limit of 8"
        );
        assert_eq!(form.read(64).unwrap().ks, [1, 9]);
        form.threads_text = "1, 8".into();
        assert_eq!(
            form.read_to_run(2).unwrap().ks,
            [1, 8],
            "past the cores, to see"
        );
        form.threads_text = "all".into();
        assert_eq!(form.read_to_run(2).unwrap().ks, [1, 2]);
    }
}
