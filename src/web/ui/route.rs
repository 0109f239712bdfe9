//! The address bar as the page's place ([`crate::engine::route`]): read at start, changed by
//! the navigation bar with `history.pushState` (so Back and Forward move between places and a
//! reload keeps the place), and followed on `popstate`. The fragment (a share or classroom link)
//! is carried along untouched.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::web::ui::window_event::use_window_event;

use crate::engine::route::{self, Place, Route};

/// The route in the address bar, and why it could not be read, if it could not.
pub fn current() -> (Route, Option<String>) {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    route::parse(&search)
}

/// The address of `route` on this page, with the current fragment.
pub fn href(route: Route) -> String {
    let location = web_sys::window().map(|w| w.location());
    let (path, hash) = location
        .map(|l| {
            (
                l.pathname().unwrap_or_default(),
                l.hash().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    format!("{path}{}{hash}", route.query())
}

/// `place`'s address embedded (`https://host/path/?lesson=gil&embed`), for an Embed snippet:
/// this page's own origin and path.
pub fn embed_address(place: Place) -> String {
    let location = web_sys::window().map(|w| w.location());
    let (origin, path) = location
        .map(|l| {
            (
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let route = Route { place, embed: true };
    format!("{origin}{path}{}", route.query())
}

/// The page's route: follows Back and Forward; the callback moves to another place, adding an
/// entry to the session history.
#[hook]
pub fn use_route() -> (Route, Option<String>, Callback<Route>) {
    let state = use_state(current);
    {
        let state = state.setter();
        use_window_event("popstate", move || state.set(current()));
    }
    let go = {
        let state = state.clone();
        Callback::from(move |route: Route| {
            if state.0 == route {
                return;
            }
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&href(route)));
            }
            state.set((route, None));
        })
    };
    let (route, problem) = (*state).clone();
    (route, problem, go)
}
