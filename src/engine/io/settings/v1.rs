//! The I/O form in version 1 of the formats that leave this page (share links and the stored
//! history): [`IoSettingsV1`], field by field.

use serde::{Deserialize, Serialize};

use super::{Choice, IoSettings, TargetKind};
use crate::engine::io::{IoModel, Scan};

/// The I/O form as version 1 of a link and of the stored history carry it: the form's text fields
/// and model list, under the format's own names and spellings. Renaming a field of [`IoSettings`] or a variant of its
/// enums changes nothing here; changing this struct is a new version, with a migration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IoSettingsV1 {
    /// `builtin` or `urls`.
    pub target_kind: String,
    pub requests: String,
    pub latency_ms: String,
    pub jitter_ms: String,
    pub fail_percent: String,
    pub page_kib: String,
    pub seed: String,
    pub urls: String,
    pub workers: String,
    pub timeout_ms: String,
    pub choices: Vec<ChoiceV1>,
}

/// One model of the list: `model` is `sequential`, `gather`, `bounded`, `threads` or
/// `pipeline`; `scan` is `pool` or `one-thread`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChoiceV1 {
    pub model: String,
    pub scan: String,
}

const IO_MODELS_V1: [(IoModel, &str); 5] = [
    (IoModel::Sequential, "sequential"),
    (IoModel::Gather, "gather"),
    (IoModel::Bounded, "bounded"),
    (IoModel::Threads, "threads"),
    (IoModel::Pipeline, "pipeline"),
];
const SCANS_V1: [(Scan, &str); 2] = [(Scan::Pool, "pool"), (Scan::OneThread, "one-thread")];
const TARGET_KINDS_V1: [(TargetKind, &str); 2] =
    [(TargetKind::Builtin, "builtin"), (TargetKind::Urls, "urls")];

/// The name `value` has in `table`, and back.
fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, name)| *name)
        .expect("every value is in its table")
}

fn value_of<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

impl From<&IoSettings> for IoSettingsV1 {
    fn from(s: &IoSettings) -> Self {
        IoSettingsV1 {
            target_kind: name_of(&TARGET_KINDS_V1, s.target_kind).into(),
            requests: s.requests.clone(),
            latency_ms: s.latency_ms.clone(),
            jitter_ms: s.jitter_ms.clone(),
            fail_percent: s.fail_percent.clone(),
            page_kib: s.page_kib.clone(),
            seed: s.seed.clone(),
            urls: s.urls.clone(),
            workers: s.workers.clone(),
            timeout_ms: s.timeout_ms.clone(),
            choices: s
                .choices
                .iter()
                .map(|c| ChoiceV1 {
                    model: name_of(&IO_MODELS_V1, c.model).into(),
                    scan: name_of(&SCANS_V1, c.scan).into(),
                })
                .collect(),
        }
    }
}

impl IoSettingsV1 {
    /// The form, or `None` if a name is not one of version 1's.
    pub fn to_settings(&self) -> Option<IoSettings> {
        let choices = self
            .choices
            .iter()
            .map(|c| {
                Some(Choice {
                    model: value_of(&IO_MODELS_V1, &c.model)?,
                    scan: value_of(&SCANS_V1, &c.scan)?,
                })
            })
            .collect::<Option<Vec<Choice>>>()?;
        Some(IoSettings {
            target_kind: value_of(&TARGET_KINDS_V1, &self.target_kind)?,
            requests: self.requests.clone(),
            latency_ms: self.latency_ms.clone(),
            jitter_ms: self.jitter_ms.clone(),
            fail_percent: self.fail_percent.clone(),
            page_kib: self.page_kib.clone(),
            seed: self.seed.clone(),
            urls: self.urls.clone(),
            workers: self.workers.clone(),
            timeout_ms: self.timeout_ms.clone(),
            choices,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::io::settings::Preset;
    use serde_json::json;

    /// Version 1's I/O settings, spelled out: what every I/O link made so far holds.
    #[test]
    fn the_io_settings_keep_version_1s_names() {
        let flaky = IoSettings::preset(Preset::Flaky);
        let wire = serde_json::to_value(IoSettingsV1::from(&flaky)).unwrap();
        let keys: Vec<&str> = wire
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "choices",
                "fail_percent",
                "jitter_ms",
                "latency_ms",
                "page_kib",
                "requests",
                "seed",
                "target_kind",
                "timeout_ms",
                "urls",
                "workers"
            ]
        );
        assert_eq!(wire["target_kind"], "builtin");
        let every = IoSettings {
            choices: Choice::ALL.to_vec(),
            ..flaky
        };
        let wire = serde_json::to_value(IoSettingsV1::from(&every)).unwrap();
        assert_eq!(
            wire["choices"],
            json!([
                {"model": "sequential", "scan": "pool"},
                {"model": "gather", "scan": "pool"},
                {"model": "bounded", "scan": "pool"},
                {"model": "threads", "scan": "pool"},
                {"model": "pipeline", "scan": "pool"},
                {"model": "pipeline", "scan": "one-thread"}
            ])
        );
        let back: IoSettingsV1 = serde_json::from_value(wire).unwrap();
        assert_eq!(back.to_settings(), Some(every));
    }
}
