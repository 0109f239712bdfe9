//! The page's UI: the [`app`] that composes the labs and lessons, the [`labs`], the [`lessons`],
//! the presentational [`components`], and the page's own services (history, share links, the
//! classroom view, the address bar, downloads, focus, notices). It reaches the engine only through
//! [`crate::web::client`].

pub mod app;
mod classroom;
pub mod components;
mod download;
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
