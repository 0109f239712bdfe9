//! The classroom view's state: the links as typed, what is read of them, the model charted, and
//! the classroom link made of them.

use crate::engine::classroom::link::ClassLink;
use crate::engine::run::models::Model;
use crate::engine::share::MadeLink;
use crate::engine::state::Reducer;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassroomState {
    /// The pasted links, as typed.
    pub text: String,
    /// What is read and kept: `text` once typing has paused, or at once when a file is added.
    /// Reading inflates every link, so it stays off the keystroke's path, and the browser's
    /// storage is written once per change, not per key.
    pub settled: String,
    /// The model charted, once the teacher chose one.
    pub model: Option<Model>,
    /// The classroom link the page was opened with, read.
    pub opened: Option<Result<ClassLink, String>>,
    /// The classroom link last made, and the medians it carries.
    pub link: Option<MadeLink<ClassLink>>,
    pub said: Option<String>,
}

pub enum ClassroomAction {
    Edit(String),
    /// Typing paused with this text: read it, if it is still the text.
    Settle(String),
    /// A file's links, added below what is there.
    Add(String),
    Choose(Model),
    Copied {
        link: MadeLink<ClassLink>,
        said: String,
    },
    Say(String),
}

impl Reducer for ClassroomState {
    type Action = ClassroomAction;

    fn reduce(&self, action: ClassroomAction) -> Option<Self> {
        let mut next = self.clone();
        match action {
            ClassroomAction::Edit(text) => next.text = text,
            ClassroomAction::Settle(text) => {
                if text != next.text {
                    return None;
                }
                next.settled = text;
            }
            ClassroomAction::Add(text) => {
                if !next.text.trim().is_empty() {
                    next.text.push('\n');
                }
                next.text.push_str(&text);
                next.settled = next.text.clone();
            }
            ClassroomAction::Choose(model) => next.model = Some(model),
            ClassroomAction::Copied { link, said } => {
                next.link = Some(link);
                next.said = Some(said);
            }
            ClassroomAction::Say(said) => next.said = Some(said),
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_read_only_once_it_pauses_on_the_same_text() {
        let state = ClassroomState::default()
            .reduce(ClassroomAction::Edit("a".into()))
            .unwrap()
            .reduce(ClassroomAction::Edit("ab".into()))
            .unwrap();
        // The pause after "a" comes too late: the text is "ab" now.
        assert!(state.reduce(ClassroomAction::Settle("a".into())).is_none());
        let settled = state.reduce(ClassroomAction::Settle("ab".into())).unwrap();
        assert_eq!(settled.settled, "ab");
    }

    #[test]
    fn a_file_s_links_go_below_those_there_and_are_read_at_once() {
        let empty = ClassroomState::default();
        let one = empty.reduce(ClassroomAction::Add("x".into())).unwrap();
        assert_eq!((one.text.as_str(), one.settled.as_str()), ("x", "x"));
        let two = one.reduce(ClassroomAction::Add("y".into())).unwrap();
        assert_eq!(two.text, "x\ny");
        assert_eq!(two.settled, "x\ny");
    }
}
