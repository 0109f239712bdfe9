//! The navigation bar: a link per place (real links, so a teacher can copy one, open it in a new
//! tab or reach it with Tab), with the current one marked for screen readers. At 360 px it wraps
//! onto as many lines as it needs.

use yew::prelude::*;

use crate::engine::route::{Place, Route};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Each place with its address.
    pub places: Vec<(Place, String)>,
    pub current: Place,
    pub on_go: Callback<Route>,
}

#[function_component]
pub fn SiteNav(props: &Props) -> Html {
    html! {
        <nav class="site-nav" aria-label="Sections of the page">
            <ul>
                { for props.places.iter().map(|(place, href)| {
                    let place = *place;
                    let current = match (place, props.current) {
                        (Place::Lesson(_), Place::Lesson(_)) => true,
                        (a, b) => a == b,
                    };
                    let on_go = props.on_go.clone();
                    let onclick = Callback::from(move |e: MouseEvent| {
                        // A click with a modifier opens a tab or a window, as links do.
                        if !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key()) {
                            e.prevent_default();
                            on_go.emit(Route { place, embed: false });
                        }
                    });
                    let label = match place {
                        Place::Lesson(_) => "Lessons".to_string(),
                        _ => place.label(),
                    };
                    html! {
                        <li>
                            <a href={href.clone()} data-place={place.section()}
                                aria-current={current.then_some("page")} {onclick}>{ label }</a>
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}
