//! A share or classroom link opened in a tab that already shows Overlap only changes the address's
//! fragment, which loads nothing: the page reloads to read it, so it shows exactly what the link
//! holds. Not while a run is going on: a pasted link must never throw away a sweep half done. Then
//! the link waits in a notice ("Open it when this run ends" / "now"), as a new release does in
//! [`crate::web::ui::update_notice`].

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use crate::engine::classroom::link as class_link;
use crate::web::ui::window_event::use_window_event;

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Whether the address's fragment is now a link this page reads at start.
fn a_link_arrived() -> bool {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    hash.starts_with("#v") || class_link::is_class_fragment(&hash)
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// A run holds the engine.
    pub running: bool,
}

/// What became of a link that arrived during a run.
#[derive(Clone, Copy, PartialEq)]
enum Waiting {
    Nothing,
    /// Shown, waiting for the reader's word.
    Asked,
    /// Opened as soon as the run ends.
    AfterTheRun,
}

#[function_component]
pub fn NewLinkNotice(props: &Props) -> Html {
    let waiting = use_state(|| Waiting::Nothing);
    // The listener outlives renders: it reads whether a run is going on from here.
    let running = use_memo((), |()| Rc::new(Cell::new(false)));
    running.set(props.running);
    {
        let (running, waiting) = (Rc::clone(&running), waiting.setter());
        use_window_event("hashchange", move || {
            if !a_link_arrived() {
                return;
            }
            if running.get() {
                waiting.set(Waiting::Asked);
            } else {
                reload();
            }
        });
    }
    {
        // The run it waited for has ended.
        let after = *waiting == Waiting::AfterTheRun;
        use_effect_with((props.running, after), |&(running, after)| {
            if after && !running {
                reload();
            }
        });
    }
    if *waiting == Waiting::Nothing {
        return html! {};
    }
    let later = {
        let waiting = waiting.setter();
        Callback::from(move |_: MouseEvent| waiting.set(Waiting::AfterTheRun))
    };
    html! {
        <p class="notice" role="status" data-new-link={if *waiting == Waiting::Asked { "asked" } else { "after-the-run" }}>
            if *waiting == Waiting::Asked {
                { "A new link arrived while a run is going on. " }
                <button type="button" class="small" id="new-link-later" onclick={later}>
                    { "Open it when this run ends" }
                </button>
                { " " }
                <button type="button" class="small delete" id="new-link-now" onclick={Callback::from(|_: MouseEvent| reload())}>
                    { "Open it now (stops the run)" }
                </button>
            } else {
                { "The new link opens when this run ends." }
            }
        </p>
    }
}
