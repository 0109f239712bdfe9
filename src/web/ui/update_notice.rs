//! "A newer version of Overlap is ready": shown when a new release's service worker has cached
//! its files and waits (www/sw.js, part 3; index.html's `overlapUpdate`). The page keeps running
//! the release it started with until the reader presses Reload, so a lesson in progress is never
//! cut off and no page ever mixes two builds.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::web::ui::window_event::use_window_event;

/// index.html's `overlapUpdate`: whether a release waits, and how to let it take over.
fn update() -> Option<JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str("overlapUpdate")).ok()
}

fn is_ready() -> bool {
    update()
        .and_then(|u| js_sys::Reflect::get(&u, &JsValue::from_str("ready")).ok())
        .and_then(|ready| ready.as_bool())
        .unwrap_or(false)
}

fn apply() {
    let Some(update) = update() else {
        return;
    };
    if let Ok(apply) = js_sys::Reflect::get(&update, &JsValue::from_str("apply")) {
        if let Some(apply) = apply.dyn_ref::<js_sys::Function>() {
            let _ = apply.call0(&update);
        }
    }
}

#[function_component]
pub fn UpdateNotice() -> Html {
    let ready = use_state(is_ready);
    {
        let ready = ready.setter();
        use_window_event("overlap-update", move || ready.set(is_ready()));
    }
    {
        // Looked at again once mounted: the release may have become ready between the first
        // render and the listener, its event heard by nobody.
        let ready = ready.setter();
        use_effect_with((), move |()| ready.set(is_ready()));
    }
    if !*ready {
        return html! {};
    }
    html! {
        <p class="notice update-notice" role="status" data-update="ready">
            { "A newer version of Overlap is ready. " }
            <button type="button" class="small" id="update-reload" onclick={Callback::from(|_: MouseEvent| apply())}>
                { "Reload to use it" }
            </button>
        </p>
    }
}
