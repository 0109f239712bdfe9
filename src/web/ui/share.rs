//! The browser half of share links and exports: reading the fragment, and the panel that copies
//! links and saves exports (the saving itself is [`crate::web::ui::download`]; the card a link opens,
//! [`crate::web::ui::link_card`]). What a link holds and how it is read is [`crate::engine::share`].

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::capability::Capabilities;
use crate::engine::classroom::link;
use crate::engine::share::{self, LinkShown, Machine, MadeLink, Opened, Shared};
use crate::web::ui::components::charts::Compare;
use crate::web::ui::download::{document, download_blob, save_png, standalone_svg, view_box_size};

/// A link from the address bar, read for this machine.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub opened: Rc<Opened>,
    /// The link's thread counts that this machine has (the CPU lab's; `all` otherwise).
    pub threads: String,
    /// Said when some of the link's thread counts are beyond this machine's cores.
    pub note: Option<String>,
    /// The link's CPU results as a report, labelled with their machine.
    pub compare: Option<Rc<Compare>>,
}

/// The link in the address bar, opened for a machine with `cores`; `None` without one.
pub fn read_link(cores: usize) -> Option<Link> {
    let hash = web_sys::window()?.location().hash().ok()?;
    // A classroom link is the classroom section's to read, a Python lab link the lab's.
    if link::is_class_fragment(&hash) || crate::engine::python::link::is_python_fragment(&hash) {
        return None;
    }
    let opened = share::open(&hash)?;
    let (threads, note, compare) = match &opened.shared {
        Shared {
            lab: share::Lab::Cpu(cpu),
            results,
            machine,
        } => {
            let (threads, note) = share::fit_threads(&cpu.threads, cores);
            let compare = match results {
                Some(share::Results::Cpu(rows)) => Some(Rc::new(Compare {
                    label: machine
                        .as_ref()
                        .map_or_else(|| "the link's machine".into(), Machine::label),
                    report: share::report_of(&cpu.kernel, rows),
                })),
                _ => None,
            };
            (threads, note, compare)
        }
        _ => ("all".into(), None, None),
    };
    Some(Link {
        opened: Rc::new(opened),
        threads,
        note,
        compare,
    })
}

/// The page's address with `fragment` as its fragment.
pub fn link_to(fragment: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .and_then(|l| {
            Some(format!(
                "{}{}{}",
                l.origin().ok()?,
                l.pathname().ok()?,
                l.search().ok()?
            ))
        })
        .unwrap_or_default();
    format!("{base}#{fragment}")
}

/// This machine, as a link with results describes it.
pub fn this_machine(caps: &Capabilities) -> Machine {
    let agent = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    Machine {
        cores: caps.cores,
        browser: share::browser_label(&agent),
        cross_origin_isolated: caps.cross_origin_isolated,
    }
}

/// A lab's results as files: the text of each is made when it is saved, not on every render.
#[derive(Clone, PartialEq)]
pub struct Exports {
    /// File names start with this: `overlap-count`.
    pub stem: String,
    /// The text of the file of this format: `csv` or `json`.
    pub make: Callback<&'static str, String>,
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// Prefixes ids: `cpu`, `io`.
    pub lab: AttrValue,
    /// The experiment alone, or why it cannot be shared yet (a field the form refuses).
    pub plain: Result<Shared, String>,
    /// The experiment with its results, once there are some.
    pub with_results: Option<Shared>,
    pub exports: Option<Exports>,
    /// A CSS selector for the chart the SVG and PNG exports save.
    pub chart: AttrValue,
}

/// Copy link / Copy link with results, the link in a read-only field (for browsers that deny the
/// clipboard), and the exports.
#[function_component]
pub fn SharePanel(props: &PanelProps) -> Html {
    let link = use_state(|| None::<MadeLink<Shared>>);
    let said = use_state(|| None::<String>);
    let copy = |shared: Option<Shared>, what: &'static str| {
        let (link, said) = (link.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(shared) = shared.clone() else {
                return;
            };
            let url = share::link(&shared).map(|fragment| link_to(&fragment));
            let (link, said) = (link.clone(), said.clone());
            wasm_bindgen_futures::spawn_local(offer_link(url, shared, what, said, link));
        })
    };
    let on_plain = copy(props.plain.clone().ok(), "link");
    let on_results = copy(props.with_results.clone(), "link with results");
    let save = |kind: &'static str| {
        let (exports, chart, said) = (props.exports.clone(), props.chart.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(exports) = exports.clone() else {
                return;
            };
            let name = format!("{}.{kind}", exports.stem);
            let chart = chart.clone();
            let said = said.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let saved = match kind {
                    "csv" => download_blob(&name, "text/csv", &exports.make.emit("csv")),
                    "json" => download_blob(&name, "application/json", &exports.make.emit("json")),
                    _ => save_chart(&chart, &name, kind == "png").await,
                };
                said.set(Some(match saved {
                    Ok(()) => format!("Saved {name}."),
                    Err(why) => format!(
                        "Could not save {name}: {}",
                        why.as_string().unwrap_or_else(|| format!("{why:?}"))
                    ),
                }));
            });
        })
    };
    let lab = &props.lab;
    let no_results = props.with_results.is_none();
    let shown = MadeLink::shown(link.as_ref(), |from| {
        props.plain.as_ref() == Ok(from) || props.with_results.as_ref() == Some(from)
    });
    html! {
        <div class="share-panel" data-share={lab.clone()}>
            <div class="actions">
                <button type="button" id={format!("{lab}-copy-link")} disabled={props.plain.is_err()} onclick={on_plain}>
                    { "Copy link" }
                </button>
                <button type="button" id={format!("{lab}-copy-results")} disabled={no_results} onclick={on_results}>
                    { "Copy link with results" }
                </button>
                <span class="export" role="group" aria-label="Export the results">
                    { "Export: " }
                    { for ["csv", "json", "svg", "png"].into_iter().map(|kind| html! {
                        <button type="button" class="small" data-export={kind} disabled={props.exports.is_none()} onclick={save(kind)}>
                            { kind.to_uppercase() }
                        </button>
                    }) }
                </span>
            </div>
            if let Err(why) = &props.plain {
                <p class="hint" data-share-refused="true">{ format!("To share this experiment, fix the form first. {why}") }</p>
            }
            { link_field(
                format!("{lab}-share-link"),
                shown,
                "Press Copy link; the link also appears here",
                "The experiment or its results changed after the link was made: copy a link again for one to what is shown now.",
            ) }
            if let Some(said) = &*said {
                <p class="hint" role="status" data-share-said="true">{ said }</p>
            }
        </div>
    }
}

/// The read-only field a made link appears in, selected whole when focused: where a visitor
/// copies it by hand when the browser refuses the clipboard, as [`copy_link`] then tells them.
/// A link to what the page no longer shows is not offered: the field empties and `stale` says
/// why.
pub(super) fn link_field(
    id: String,
    shown: LinkShown,
    placeholder: &'static str,
    stale: &'static str,
) -> Html {
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
    let value = match shown {
        LinkShown::Current(url) => url,
        LinkShown::None | LinkShown::Stale => "",
    };
    html! {
        <>
            <label class="link-field">
                <span>{ "Link" }</span>
                <input
                    {id}
                    type="text"
                    readonly=true
                    value={value.to_string()}
                    {placeholder}
                    onfocus={select_all}
                />
            </label>
            if shown == LinkShown::Stale {
                <p class="hint" data-link-stale="true">{ stale }</p>
            }
        </>
    }
}

/// Shows the link `url` made from `from` and copies it, or clears the shown link when it was
/// refused; `said` gets what happened (naming the link `what`) or why it was refused.
pub(super) async fn offer_link<T>(
    url: Result<String, String>,
    from: T,
    what: &'static str,
    said: UseStateHandle<Option<String>>,
    made: UseStateHandle<Option<MadeLink<T>>>,
) {
    let message = match url {
        Ok(url) => {
            made.set(Some(MadeLink::new(from, url.clone())));
            copy_link(&url, what).await
        }
        Err(why) => {
            made.set(None);
            why
        }
    };
    said.set(Some(message));
}

/// Copies `url` to the clipboard; says what happened, naming the link `what`.
pub(super) async fn copy_link(url: &str, what: &str) -> String {
    let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
    let copied = match clipboard {
        Some(clipboard) => JsFuture::from(clipboard.write_text(url)).await.is_ok(),
        None => false,
    };
    if copied {
        format!("Copied the {what} ({} characters).", url.len())
    } else {
        format!("This browser did not allow copying: select the {what} in the field and copy it.")
    }
}

/// Saves the chart `selector` finds as a standalone SVG, or as a PNG.
pub(super) async fn save_chart(selector: &str, name: &str, png: bool) -> Result<(), JsValue> {
    let svg = document()?
        .query_selector(selector)?
        .ok_or("the chart is not on the page")?;
    let text = standalone_svg(&svg)?;
    if !png {
        return download_blob(name, "image/svg+xml", &text);
    }
    let (width, height) = view_box_size(&svg).ok_or("the chart has no viewBox")?;
    save_png(name, &text, width, height).await
}
