//! What each part of the page holds, and the pure functions that change it: one [`Reducer`] per
//! part (the CPU lab, the I/O lab, a lesson, the classroom view, the history panel), each a state
//! and an `Action` enum, as in yew's examples. No clock, storage or engine is reached from here:
//! the browser shell does those things in effects and tasks and hands the results in as actions,
//! so every change the page can make is a function tested natively (each file's tests).
//!
//! The shell makes each of them a `yew::Reducible` with one line (`src/web/ui/mod.rs`).

pub mod classroom;
pub mod cpu_lab;
pub mod history;
pub mod io_lab;
pub mod lesson;
pub mod python_lab;

/// A part of the page's state and what changes it.
pub trait Reducer: Sized {
    type Action;

    /// The state after `action`, or `None` when the action changes nothing (the page then does
    /// not redraw).
    fn reduce(&self, action: Self::Action) -> Option<Self>;
}
