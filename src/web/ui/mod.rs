//! The page's UI: the [`app`] that composes the labs and lessons, the [`labs`], the [`lessons`],
//! the presentational [`components`], and the page's own services (history, share links, the
//! classroom view, the address bar, downloads, focus, notices). It reaches the engine only through
//! [`crate::web::client`].

pub mod app;
mod classroom;
mod commands;
pub mod components;
mod download;
mod engine_run;
mod focus;
mod history;
mod labs;
mod lessons;
mod link_card;
mod new_link_notice;
mod route;
pub mod share;
mod update_notice;
mod window_event;

/// Makes each of the engine's pure reducers ([`crate::engine::state`]) a `yew::Reducible`: an
/// action that changes nothing keeps the same state, so nothing redraws.
macro_rules! reducible {
    ($($state:ty),* $(,)?) => {$(
        impl yew::Reducible for $state {
            type Action = <$state as crate::engine::state::Reducer>::Action;

            fn reduce(self: std::rc::Rc<Self>, action: Self::Action) -> std::rc::Rc<Self> {
                match crate::engine::state::Reducer::reduce(&*self, action) {
                    Some(next) => std::rc::Rc::new(next),
                    None => self,
                }
            }
        }
    )*};
}

reducible!(
    crate::engine::state::cpu_lab::CpuLabState,
    crate::engine::state::io_lab::IoLabState,
    crate::engine::state::python_lab::PythonLabState,
    crate::engine::state::lesson::LessonState,
    crate::engine::state::classroom::ClassroomState,
    crate::engine::state::history::HistoryShown,
);
