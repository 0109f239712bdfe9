//! The browser half of share links and exports: reading the fragment, copying links, and
//! saving files. What a link holds and how it is read is [`crate::engine::share`].

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, Element, HtmlAnchorElement, HtmlCanvasElement, HtmlImageElement,
    HtmlInputElement, Url,
};
use yew::prelude::*;

use super::components::charts::{Compare, SpeedupChart};
use crate::engine::capability::Capabilities;
use crate::engine::experiment::Report;
use crate::engine::share::{self, Machine, Opened, Shared};

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

/// Opening another link in the same tab only changes the fragment, which reloads nothing: read
/// it by reloading, so the page shows exactly what the link holds.
pub fn reload_on_new_links() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let reload = Closure::<dyn Fn()>::new(|| {
        if let Some(window) = web_sys::window() {
            let hash = window.location().hash().unwrap_or_default();
            if hash.starts_with("#v") {
                let _ = window.location().reload();
            }
        }
    });
    let _ = window.add_event_listener_with_callback("hashchange", reload.as_ref().unchecked_ref());
    // Lives as long as the page.
    reload.forget();
}

/// Saves `parts` as a file called `name`, as a download.
fn download_blob(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let result = download_url(name, &url);
    revoke_later(url);
    result
}

/// How long a download's Blob URL stays valid after its click.
const REVOKE_AFTER_MS: i32 = 40_000;

/// Revokes `url` once the download has surely started. `click()` only starts a download; Firefox
/// and Safari read the Blob URL afterwards, and revoking it at once can fail their download
/// (FileSaver.js waits 40 s for the same reason: https://github.com/eligrey/FileSaver.js/issues/205).
fn revoke_later(url: String) {
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            REVOKE_AFTER_MS,
        );
    }
}

fn download_url(name: &str, url: &str) -> Result<(), JsValue> {
    let document = document()?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))
}

/// The presentation properties CSS gives a chart: copied onto each element of an exported SVG,
/// which has no stylesheet and no CSS variables to resolve them from.
const INLINED: [&str; 12] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-linecap",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-variant-numeric",
    "dominant-baseline",
];

/// The width and height of a chart's `viewBox`: every chart here is drawn in those units.
fn view_box_size(svg: &Element) -> Option<(f64, f64)> {
    let view_box = svg.get_attribute("viewBox")?;
    let numbers: Vec<f64> = view_box
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers.as_slice() {
        [_, _, width, height] => Some((*width, *height)),
        _ => None,
    }
}

/// The chart `svg` as a standalone SVG document, its styles inlined and its background filled.
fn standalone_svg(svg: &Element) -> Result<String, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let copy: Element = svg.clone_node_with_deep(true)?.unchecked_into();
    let originals = svg.query_selector_all("*")?;
    let copies = copy.query_selector_all("*")?;
    for i in 0..originals.length() {
        let (Some(original), Some(copied)) = (originals.item(i), copies.item(i)) else {
            continue;
        };
        let original: Element = original.unchecked_into();
        let copied: Element = copied.unchecked_into();
        let Some(style) = window.get_computed_style(&original)? else {
            continue;
        };
        let inline: String = INLINED
            .iter()
            .filter_map(|p| {
                let value = style.get_property_value(p).ok()?;
                (!value.is_empty()).then(|| format!("{p}:{value};"))
            })
            .collect();
        copied.set_attribute("style", &inline)?;
        // Focus rings and tab stops mean nothing in a file.
        copied.remove_attribute("tabindex")?;
    }
    copy.set_attribute("xmlns", "http://www.w3.org/2000/svg")?;
    if let Some((width, height)) = view_box_size(svg) {
        copy.set_attribute("width", &width.to_string())?;
        copy.set_attribute("height", &height.to_string())?;
    }
    // The page's card colour behind the chart, so a dark-theme export stays readable.
    let background = svg
        .closest(".card")?
        .and_then(|card| window.get_computed_style(&card).ok().flatten())
        .and_then(|s| s.get_property_value("background-color").ok())
        .unwrap_or_else(|| "white".into());
    let document = document()?;
    let rect = document.create_element_ns(Some("http://www.w3.org/2000/svg"), "rect")?;
    for (name, value) in [
        ("width", "100%"),
        ("height", "100%"),
        ("fill", background.as_str()),
    ] {
        rect.set_attribute(name, value)?;
    }
    copy.insert_before(&rect, copy.first_child().as_ref())?;
    web_sys::XmlSerializer::new()?.serialize_to_string(&copy)
}

/// The SVG drawn onto a canvas at twice its size and saved as PNG.
async fn save_png(name: &str, svg_text: &str, width: f64, height: f64) -> Result<(), JsValue> {
    let image = HtmlImageElement::new()?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    let encoded: String = js_sys::encode_uri_component(svg_text).into();
    image.set_src(&format!("data:image/svg+xml;charset=utf-8,{encoded}"));
    JsFuture::from(loaded).await?;
    let canvas: HtmlCanvasElement = document()?.create_element("canvas")?.unchecked_into();
    canvas.set_width((width * 2.0) as u32);
    canvas.set_height((height * 2.0) as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d context")?
        .unchecked_into();
    context.draw_image_with_html_image_element_and_dw_and_dh(
        &image,
        0.0,
        0.0,
        width * 2.0,
        height * 2.0,
    )?;
    download_url(name, &canvas.to_data_url_with_type("image/png")?)
}

/// What the exports of one lab's results are made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Exports {
    /// File names start with this: `overlap-count`.
    pub stem: String,
    pub csv: String,
    pub json: String,
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// Prefixes ids: `cpu`, `io`.
    pub lab: AttrValue,
    /// The experiment alone, or why it cannot be shared yet (a field the form refuses).
    pub plain: Result<Shared, String>,
    /// The experiment with its results, once there are some.
    pub with_results: Option<Shared>,
    pub exports: Option<Rc<Exports>>,
    /// A CSS selector for the chart the SVG and PNG exports save.
    pub chart: AttrValue,
}

/// Copy link / Copy link with results, the link in a read-only field (for browsers that deny the
/// clipboard), and the exports.
#[function_component]
pub fn SharePanel(props: &PanelProps) -> Html {
    let link = use_state(String::new);
    let said = use_state(|| None::<String>);
    let copy = |shared: Option<Shared>, what: &'static str| {
        let (link, said) = (link.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(shared) = shared.clone() else {
                return;
            };
            let url = link_to(&share::encode(&shared));
            link.set(url.clone());
            let said = said.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
                let copied = match clipboard {
                    Some(clipboard) => JsFuture::from(clipboard.write_text(&url)).await.is_ok(),
                    None => false,
                };
                said.set(Some(if copied {
                    format!("Copied the {what} ({} characters).", url.len())
                } else {
                    format!(
                        "This browser did not allow copying: select the {what} in the field and copy it."
                    )
                }));
            });
        })
    };
    let on_plain = copy(props.plain.clone().ok(), "link");
    let on_results = copy(props.with_results.clone(), "link with results");
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
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
                    "csv" => download_blob(&name, "text/csv", &exports.csv),
                    "json" => download_blob(&name, "application/json", &exports.json),
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
            <label class="link-field">
                <span>{ "Link" }</span>
                <input
                    id={format!("{lab}-share-link")}
                    type="text"
                    readonly=true
                    value={(*link).clone()}
                    placeholder="Press Copy link; the link also appears here"
                    onfocus={select_all}
                />
            </label>
            if let Some(said) = &*said {
                <p class="hint" role="status" data-share-said="true">{ said }</p>
            }
        </div>
    }
}

async fn save_chart(selector: &str, name: &str, png: bool) -> Result<(), JsValue> {
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

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub opened: Rc<Opened>,
    /// The link's CPU results as a report, if it carries any.
    pub compare: Option<Rc<Compare>>,
    /// Said when the link's thread counts do not all fit this machine.
    pub note: Option<String>,
    /// The engine is busy with another run.
    pub busy: bool,
    pub on_run: Callback<()>,
}

fn describe(shared: &Shared) -> String {
    match &shared.lab {
        share::Lab::Cpu(cpu) => {
            let models: Vec<String> = cpu.models.iter().map(|m| m.to_string()).collect();
            format!(
                "A CPU sweep of {} at {} against {}, k = {}, {} repeats, {}{}.",
                cpu.kernel,
                crate::engine::size::group(cpu.size),
                if models.is_empty() {
                    "nothing but the sequential run".into()
                } else {
                    models.join(", ")
                },
                cpu.threads,
                cpu.repeats,
                cpu.style.python(),
                cpu.chunksize
                    .map(|c| format!(", chunksize {c}"))
                    .unwrap_or_default()
            )
        }
        share::Lab::Io(io) => {
            let models: Vec<&str> = io.choices.iter().map(|c| c.key()).collect();
            let what = match io.target_kind {
                crate::engine::io::settings::TargetKind::Builtin => format!(
                    "{} requests to built-in targets of {} ms",
                    io.requests, io.latency_ms
                ),
                // Said up front: Run here makes this browser fetch them.
                crate::engine::io::settings::TargetKind::Urls => format!(
                    "{} URLs the link lists (see the I/O lab), which Run here fetches from this browser",
                    crate::engine::io::parse_urls(&io.urls).len()
                ),
            };
            format!("An I/O run of {what}; models: {}.", models.join(", "))
        }
    }
}

fn carried_cpu(report: &Report) -> Html {
    html! {
        <div class="table-scroll"><table data-table="carried">
            <thead><tr>
                <th scope="col">{ "Model" }</th><th scope="col">{ "k" }</th>
                <th scope="col">{ "Median (ms)" }</th><th scope="col">{ "Range (ms)" }</th>
                <th scope="col">{ "Speedup" }</th>
            </tr></thead>
            <tbody>
                { for report.rows().iter().map(|row| html! {
                    <tr data-model={row.model.slug()} data-threads={row.threads.to_string()} data-ms={format!("{:.2}", row.summary.median)}>
                        <th scope="row">{ row.model.to_string() }</th>
                        <td class="num">{ row.threads }</td>
                        <td class="num">{ format!("{:.1}", row.summary.median) }</td>
                        <td class="num">{ format!("{:.1}–{:.1}", row.summary.min, row.summary.max) }</td>
                        <td class="num">{ report.speedup(row).map(|s| format!("{s:.2}×")).unwrap_or_else(|| "–".into()) }</td>
                    </tr>
                }) }
            </tbody>
        </table></div>
    }
}

fn carried_io(rows: &[share::IoResult]) -> Html {
    html! {
        <div class="table-scroll"><table data-table="carried">
            <thead><tr>
                <th scope="col">{ "Model" }</th><th scope="col">{ "k" }</th>
                <th scope="col">{ "Requests" }</th><th scope="col">{ "Wall (ms)" }</th>
                <th scope="col">{ "Ideal (ms)" }</th><th scope="col">{ "OK / failed" }</th>
            </tr></thead>
            <tbody>
                { for rows.iter().map(|r| html! {
                    <tr data-model={r.choice.key()} data-ms={format!("{:.2}", r.wall_ms)}>
                        <th scope="row">{ r.choice.label() }</th>
                        <td class="num">{ r.workers }</td>
                        <td class="num">{ r.requests }</td>
                        <td class="num">{ format!("{:.0}", r.wall_ms) }</td>
                        <td class="num">{ r.ideal_ms.map(|i| format!("{i:.0}")).unwrap_or_else(|| "–".into()) }</td>
                        <td class="num">{ format!("{} / {}", r.ok, r.failed) }</td>
                    </tr>
                }) }
            </tbody>
        </table></div>
    }
}

/// What a link opened: the experiment in words, anything that had to be replaced, the results
/// it carries with the machine they came from, and Run here.
#[function_component]
pub fn LinkCard(props: &CardProps) -> Html {
    let shared = &props.opened.shared;
    let problems = &props.opened.problems;
    let lab = match shared.lab {
        share::Lab::Cpu(_) => "cpu",
        share::Lab::Io(_) => "io",
    };
    let on_run = props.on_run.reform(|_: MouseEvent| ());
    let machine = shared.machine.as_ref();
    html! {
        <section class="card shared-link" aria-labelledby="link-title" data-link-lab={lab}>
            <h2 id="link-title">{ "Opened from a link" }</h2>
            <p data-link-summary="true">{ describe(shared) }</p>
            if !problems.is_empty() {
                <div class="notice" role="alert" data-link-problems={problems.len().to_string()}>
                    <strong>{ "Part of this link could not be used." }</strong>
                    <ul>
                        { for problems.iter().map(|p| html! { <li data-link-problem="true">{ p }</li> }) }
                    </ul>
                </div>
            }
            if let Some(note) = &props.note {
                <p class="notice" role="note" data-link-note="true">{ note }</p>
            }
            if let Some(results) = &shared.results {
                <h3>{ match machine {
                    Some(m) => format!(
                        "Results measured on {} cores, {}{}",
                        m.cores,
                        m.browser,
                        if m.cross_origin_isolated { "" } else { " (not cross-origin isolated: no threads)" }
                    ),
                    None => "Results carried by the link (machine unknown)".into(),
                } }</h3>
                { match (results, &props.compare) {
                    (share::Results::Io(rows), _) => carried_io(rows),
                    (share::Results::Cpu(_), Some(carried)) => html! {
                        <>
                            { carried_cpu(&carried.report) }
                            <SpeedupChart
                                report={carried.report.clone()}
                                name="link-speedup"
                                label={machine.map(|m| AttrValue::from(m.label()))}
                            />
                        </>
                    },
                    (share::Results::Cpu(_), None) => html! {},
                } }
            }
            <div class="actions">
                <button type="button" id="link-run" class="primary" disabled={props.busy} onclick={on_run}>
                    { "Run here" }
                </button>
                <span class="hint">{ if shared.results.is_some() {
                    "Runs the same experiment on this machine; its results then show beside the link's."
                } else {
                    "Runs the same experiment on this machine."
                } }</span>
            </div>
        </section>
    }
}
