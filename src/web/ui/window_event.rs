//! Listening to an event on `window` for as long as a component is mounted, and no longer.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Calls `on` at every `event` on `window` (`popstate`, `overlap-update`). `on` is the one
/// given at mount: hand it setters, which stay the same across renders.
#[hook]
pub fn use_window_event<F>(event: &'static str, on: F)
where
    F: Fn() + 'static,
{
    use_effect_with(event, move |&event| {
        let listener = Closure::<dyn Fn()>::new(on);
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ =
                window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ = window
                    .remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            }
        }
    });
}
