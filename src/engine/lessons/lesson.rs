//! What a lesson is: its claim and question, the steps it measures, their outcomes, and the
//! conclusion drawn from them: the verdict from its claims ([`claims`](super::claims)), judged on
//! the outcomes, and the words the lesson writes around the figures.

use super::claims::{self, Claim, Judged};
use super::outcome::{Outcome, Step};
use super::set_aside::SetAside;
use crate::engine::rounds::{Verdict, MIN_ROUNDS};

/// The one-line conclusion, and what the measurements say of the claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Conclusion {
    pub line: String,
    pub verdict: Verdict,
    /// Each of the lesson's claims, judged on the measurements.
    pub judged: Vec<Judged>,
    /// A step that read faster than its cores can give (see [`claims::beyond_cores`]): its label
    /// and speedup. Then the figures are no result, and the verdict is too busy to tell. In a
    /// lesson's rounds, only where no round could be set aside (see
    /// [`set_aside`](super::set_aside)).
    pub beyond_cores: Option<(String, f64)>,
    /// Rounds left out of the figures, as their one-thread run ran slower than a core can (see
    /// [`set_aside`](super::set_aside)).
    pub set_aside: Vec<SetAside>,
    /// Which of the lesson's options the measurement bears out: what a prediction is graded
    /// against. `None` where the figure falls between options, or is no result.
    pub grade: Option<Grade>,
}

impl Conclusion {
    /// Whether the measurements bear the claim out.
    pub fn holds(&self) -> bool {
        self.verdict == Verdict::Holds
    }

    /// The judged claim `id`.
    pub fn claim(&self, id: &str) -> Option<&Judged> {
        self.judged.iter().find(|j| j.claim.id == id)
    }
}

/// What a lesson writes from its outcomes and judged claims.
pub struct Words {
    pub line: String,
    /// Why these figures cannot tell, where the lesson sees a reason its claims do not (the lock
    /// lesson's threads that never ran at the same time): the verdict is then too busy to tell.
    pub cannot_tell: Option<String>,
}

impl From<String> for Words {
    fn from(line: String) -> Self {
        Words {
            line,
            cannot_tell: None,
        }
    }
}

/// What a lesson writes: from `k`, the outcomes of `steps(k)` in order, and its claims judged on
/// them.
pub type WordsFn = fn(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Result<Words, String>;

/// Which of a lesson's options the measurement bears out, and the figure that says so.
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    /// The option (an index into [`Lesson::options`]) the figure falls in.
    pub option: usize,
    /// The figure, in words: "2 GIL threads ran 0.98× as fast as one thread".
    pub measured: String,
}

/// Which option the measurement bears out, from `k`, the outcomes and the judged claims; `None`
/// where the figure falls between the options.
pub type GradeFn = fn(k: usize, outcomes: &[Outcome], judged: &[Judged]) -> Option<Grade>;

pub struct Lesson {
    pub slug: &'static str,
    /// A neutral title that asks what the lesson measures, without answering it: the answer is
    /// the student's to predict.
    pub title: &'static str,
    /// What runs, in words that do not give the answer away: shown before the prediction.
    pub setup: &'static str,
    /// The claim, as folklore states it: shown once the student has predicted.
    pub claim: &'static str,
    /// Where the folklore states it too broadly (the lessons it gets wrong), what it says: shown
    /// before [`claim`](Self::claim), which is then what holds instead, and what the lesson
    /// measures. `None` where the folklore is the claim.
    pub folklore: Option<&'static str>,
    pub explanation: &'static str,
    /// The same experiment in Python, written for this lesson.
    pub python: &'static str,
    pub question: &'static str,
    pub options: [&'static str; 3],
    /// The option the claim predicts.
    pub answer: usize,
    /// Whether the steps need the thread pool (cross-origin isolation).
    pub needs_pool: bool,
    /// What the lesson claims, as the engine judges it (see [`claims`](super::claims)).
    pub claims: &'static [Claim],
    /// The measurements, for `k` workers (what [`workers`](super::workers) chose, at least 2).
    pub steps: fn(k: usize) -> Vec<Step>,
    /// The words of the conclusion, from the outcomes of `steps(k)` in order and the claims
    /// judged on them.
    pub words: WordsFn,
    /// Which option the measurement bears out (the student's prediction is graded against it).
    pub grade: GradeFn,
    /// The step whose median round the lesson draws as a per-worker timeline, if any.
    pub timeline: Option<usize>,
    /// About how long a run takes on this project's 2-core machine, warm-up and the choice of
    /// k included, in seconds: what the page says before Run.
    pub about_s: u32,
}

pub(super) mod code {
    include!(concat!(env!("OUT_DIR"), "/lesson_code.rs"));
}

impl Lesson {
    /// The conclusion from the outcomes of `steps(k)`, in order: the claims judged on them, the
    /// verdict they give, and the lesson's words, with a sentence on why where the figures
    /// cannot tell.
    pub fn conclude(&self, k: usize, outcomes: &[Outcome]) -> Result<Conclusion, String> {
        let steps = (self.steps)(k);
        if outcomes.len() != steps.len() {
            return Err(format!(
                "expected {} measurements, got {}",
                steps.len(),
                outcomes.len()
            ));
        }
        let figures = claims::of_outcomes(outcomes);
        let judged = claims::judge(self.claims, &figures);
        let beyond_cores = claims::beyond_cores(&steps, &figures);
        let words = (self.words)(k, outcomes, &judged)?;
        let grade = (self.grade)(k, outcomes, &judged);
        let mut verdict = claims::verdict(&judged);
        let mut line = words.line;
        if let Some((label, speedup)) = &beyond_cores {
            verdict = Verdict::TooBusy;
            line.push_str(&format!(
                " But {label} read {speedup:.2}\u{d7}, more than its cores can give: the \
                 one-worker run it is compared with ran slow here (a busy core, or the browser \
                 still compiling), so these figures are no result. Run again."
            ));
        } else {
            if let Some((label, speedup, cores)) = claims::past_cores(&steps, &figures) {
                // Not a verdict's matter (the claims compare steps within rounds), but a figure
                // no machine gives must not stand as one.
                let give = if cores == 1 {
                    "core gives"
                } else {
                    "cores give"
                };
                line.push_str(&format!(
                    " {label} read {speedup:.2}\u{d7}, more than {cores} {give}: the \
                     one-thread run it is compared with ran slower than a core can (a busy core, \
                     or a slower one, took it), so read it as about {cores}\u{d7}."
                ));
            }
            if let Some(why) = words.cannot_tell {
                verdict = Verdict::TooBusy;
                line.push(' ');
                line.push_str(&why);
            } else if verdict == Verdict::TooBusy {
                line.push_str(&cannot_tell(k, &judged));
            }
        }
        Ok(Conclusion {
            grade: grade.filter(|_| beyond_cores.is_none()),
            line,
            verdict,
            judged,
            beyond_cores,
            set_aside: Vec::new(),
        })
    }

    /// The conclusion from rounds of which `set_aside` were left out (see
    /// [`set_aside`](super::set_aside)): `kept`, the outcomes of the rounds kept, concluded as
    /// [`conclude`](Self::conclude) does, and a sentence on the rounds set aside. Fewer than
    /// [`MIN_ROUNDS`] kept are too few to tell.
    pub fn conclude_rounds(
        &self,
        k: usize,
        kept: &[Outcome],
        set_aside: Vec<SetAside>,
    ) -> Result<Conclusion, String> {
        let mut conclusion = self.conclude(k, kept)?;
        let Some(furthest) = set_aside
            .iter()
            .max_by(|a, b| (a.speedup / a.cores as f64).total_cmp(&(b.speedup / b.cores as f64)))
        else {
            return Ok(conclusion);
        };
        let rounds_kept = match kept.first() {
            Some(Outcome::Cpu { samples_ms, .. }) => samples_ms.len(),
            _ => 0,
        };
        let made = rounds_kept + set_aside.len();
        let (was, them, up_to, those_runs) = match set_aside.len() {
            1 => ("was", "it", "", "that round's one-thread run"),
            _ => ("were", "them", "up to ", "those rounds' one-thread runs"),
        };
        conclusion.line.push_str(&format!(
            " {} of {made} rounds {was} set aside: in {them}, \u{201c}{}\u{201d} read \
             {up_to}{:.2}\u{d7} over one thread, more than {} {} can give, so {those_runs} ran \
             slower than a core can (a busy core, or a slower one, took it).",
            set_aside.len(),
            furthest.label,
            furthest.speedup,
            furthest.cores,
            if furthest.cores == 1 { "core" } else { "cores" },
        ));
        if rounds_kept < MIN_ROUNDS {
            let left = match rounds_kept {
                1 => "The 1 round left is".to_string(),
                n => format!("The {n} rounds left are"),
            };
            // A conclusion already too busy to tell has said to run again.
            let again = match conclusion.verdict {
                Verdict::TooBusy => "",
                _ => ": run again, ideally with other programs closed",
            };
            conclusion
                .line
                .push_str(&format!(" {left} too few to tell{again}."));
            conclusion.verdict = Verdict::TooBusy;
            conclusion.grade = None;
        }
        conclusion.set_aside = set_aside;
        Ok(conclusion)
    }

    /// What Overlap runs for this lesson: excerpts of the engine's own source, cut out by
    /// `build.rs` between `// lesson: <slug>` markers, so the page shows the code measured.
    pub fn rust(&self) -> &'static str {
        code::LESSON_CODE
            .iter()
            .find(|(slug, _)| *slug == self.slug)
            .map_or("", |(_, code)| code)
    }
}

/// Why a lesson whose claims did not settle cannot tell: a need of the machine's that did not
/// hold, or rounds that disagree across a claim's bound.
fn cannot_tell(k: usize, judged: &[Judged]) -> String {
    let unmet = judged.iter().find(|j| {
        j.claim.role == claims::Role::Needs && j.verdict.is_some_and(|v| v != Verdict::Holds)
    });
    match unmet {
        Some(need) => format!(
            " This machine was too busy to tell: {} needs {} and read {}. Run again, ideally \
             with other programs closed.",
            need.claim.says_for(k),
            need.claim.bound.describe(),
            need.spread
                .map_or_else(|| "nothing".into(), |s| s.to_string()),
        ),
        None => " This machine was too busy to tell: the rounds disagree across the claim's \
                 threshold. Run again, ideally with other programs closed."
            .into(),
    }
}

impl PartialEq for Lesson {
    fn eq(&self, other: &Self) -> bool {
        self.slug == other.slug
    }
}

impl std::fmt::Debug for Lesson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug)
    }
}
