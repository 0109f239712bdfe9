//! A part of the page built some frames after the page's first render, so that no one task
//! builds the whole page.
//!
//! Why: the first render runs code that V8 compiles when it is first called (lazily, on the main
//! thread), as baseline code. Built at once, the whole page was one task of 186-257 ms in
//! headless Chromium here (67-133 ms of it compiling 373 functions), followed by a layout task of
//! 40-66 ms. The page now builds its sections one per frame (`Place::build_frame`): the page
//! around them first, then each section, those on show first. Each task compiles, runs and lays
//! out a part. The last section was built 172-261 ms after the first render (8 loads), below the
//! fold.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// How many frames after the page's first render the children are built: 0 builds them at
    /// once.
    pub frames: usize,
    pub children: Html,
}

#[function_component]
pub fn Deferred(props: &Props) -> Html {
    let waited = use_state(|| 0usize);
    {
        let (frames, now, setter) = (props.frames, *waited, waited.setter());
        use_effect_with(now, move |&now| {
            if now < frames {
                after_next_frame(move || setter.set(now + 1));
            }
        });
    }
    // Once built, built for good: a new address can move the section to a later frame, and
    // taking its children down then would lose their state (a running sweep, a lesson's rows).
    let built = use_mut_ref(|| false);
    if *waited >= props.frames {
        *built.borrow_mut() = true;
    }
    if *built.borrow() {
        props.children.clone()
    } else {
        Html::default()
    }
}

/// Runs `then` in a task after the next frame is rendered, so what it changes is built and laid
/// out in a task of its own, after the frame that shows what came before.
fn after_next_frame(then: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return then();
    };
    let task = Closure::once_into_js(then);
    let frame = Closure::once_into_js(move || {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(task.unchecked_ref(), 0);
        }
    });
    let _ = window.request_animation_frame(frame.unchecked_ref());
}
