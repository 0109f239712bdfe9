//! Where the keyboard's focus goes when a run starts and ends, so it is never lost.
//!
//! A button that becomes disabled while it has the focus drops it onto the page's body: press
//! Run from the keyboard and the next Tab starts again at the top of the page. So when a run
//! starts, the focus moves from Run to Cancel; when it ends, from Cancel back to Run, unless the
//! page has put it somewhere on purpose meanwhile (a lesson's verdict). Each move happens on the
//! next frame, once the buttons are rendered in their new state.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Runs `then` on the next animation frame.
pub fn next_frame(then: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(then);
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}

fn element(id: &str) -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Gives element `id` the focus on the next frame, bringing it into view first if `scroll`.
pub fn focus_soon(id: &'static str, scroll: bool) {
    next_frame(move || {
        if let Some(element) = element(id) {
            if scroll {
                element.scroll_into_view_with_bool(true);
            }
            let _ = element.focus();
        }
    });
}

/// On the next frame, moves the focus to `to` if it is on nothing (the body) or on `from`, which
/// has just become disabled. Focus the reader put elsewhere stays there.
pub fn hand_over(from: String, to: String) {
    next_frame(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let lost = match document.active_element() {
            None => true,
            Some(active) => {
                active.id() == from || document.body().is_some_and(|b| active == *b.as_ref())
            }
        };
        if lost {
            if let Some(element) = element(&to) {
                let _ = element.focus();
            }
        }
    });
}
