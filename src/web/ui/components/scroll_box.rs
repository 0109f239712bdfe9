//! A box that scrolls sideways when what it holds is wider than the screen: a table, or code on
//! a phone. One shape for every such box, so each is reachable from the keyboard.
//!
//! A region that scrolls must be focusable, or a keyboard user cannot scroll it (WCAG 2.1.1;
//! axe's `scrollable-region-focusable`, which every lesson's code failed at 390 px). Focusable, it
//! is a region with a name, so a screen reader says what the focus landed on.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// What a screen reader calls the region: "results table", "Python code".
    pub label: AttrValue,
    #[prop_or_default]
    pub children: Html,
}

/// A `<div class="table-scroll">` around a table, focusable and named.
#[function_component]
pub fn ScrollBox(props: &Props) -> Html {
    html! {
        <div class="table-scroll" tabindex="0" role="region" aria-label={props.label.clone()}>
            { props.children.clone() }
        </div>
    }
}
