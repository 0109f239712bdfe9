//! Saving files from the page: text as a download, and a chart as a standalone SVG or a PNG.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, Element, HtmlAnchorElement, HtmlCanvasElement, HtmlImageElement, Url,
};

/// Saves `parts` as a file called `name`, as a download.
pub(super) fn download_blob(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
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

pub(super) fn document() -> Result<web_sys::Document, JsValue> {
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
pub(super) fn view_box_size(svg: &Element) -> Option<(f64, f64)> {
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
pub(super) fn standalone_svg(svg: &Element) -> Result<String, JsValue> {
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
pub(super) async fn save_png(
    name: &str,
    svg_text: &str,
    width: f64,
    height: f64,
) -> Result<(), JsValue> {
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
