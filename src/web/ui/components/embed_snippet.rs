//! "Embed": the iframe snippet that puts a lesson or a lab in a teacher's slides or course page,
//! with what the page around it needs for threads. The embedded view is the place alone
//! (`&embed`), compact, and says at its top when it has no threads.

use yew::prelude::*;

use crate::web::ui::share::copy_link;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The embedded place's full address (`https://…/?lesson=gil&embed`).
    pub src: String,
    /// What the frame shows, for its `title`.
    pub title: String,
    /// Ids inside stay unique per place: `lesson-`, `cpu-`, `io-`.
    pub prefix: &'static str,
}

/// The snippet for `src`: `allow="cross-origin-isolated"` lets an isolated page give the frame
/// threads.
pub fn snippet(src: &str, title: &str) -> String {
    let title = title.replace('"', "&quot;");
    format!(
        "<iframe src=\"{src}\" title=\"Overlap: {title}\" width=\"100%\" height=\"760\" \
         allow=\"cross-origin-isolated\" loading=\"lazy\"></iframe>"
    )
}

#[function_component]
pub fn EmbedSnippet(props: &Props) -> Html {
    let open = use_state(|| false);
    let said = use_state(|| None::<String>);
    let text = snippet(&props.src, &props.title);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let on_copy = {
        let (text, said) = (text.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let (text, said) = (text.clone(), said.clone());
            wasm_bindgen_futures::spawn_local(async move {
                said.set(Some(copy_link(&text, "snippet").await));
            });
        })
    };
    let id = |name: &str| format!("{}embed-{name}", props.prefix);
    html! {
        <div class="embed" data-embed="true">
            <button type="button" id={id("toggle")} class="small" aria-expanded={open.to_string()}
                aria-controls={id("box")} onclick={toggle}>
                { "Embed" }
            </button>
            if *open {
                <div id={id("box")} class="embed-box">
                    <label for={id("snippet")}>{ "Paste this into your slides or course page:" }</label>
                    <textarea id={id("snippet")} class="snippet" readonly=true rows="3" spellcheck="false"
                        value={text.clone()} />
                    <div class="actions">
                        <button type="button" id={id("copy")} class="small" onclick={on_copy}>{ "Copy the snippet" }</button>
                    </div>
                    if let Some(said) = &*said {
                        <p class="hint" role="status">{ said.clone() }</p>
                    }
                    <p class="hint">
                        { "For threads, the page around the frame must be cross-origin isolated: \
                           serve it with " }
                        <code>{ "Cross-Origin-Opener-Policy: same-origin" }</code>{ " and " }
                        <code>{ "Cross-Origin-Embedder-Policy: require-corp" }</code>
                        { ". Without them the frame still opens, says so at its top, and runs \
                           what needs no threads (processes, requests, coroutines); a link opens \
                           the full page in a new tab." }
                    </p>
                </div>
            }
        </div>
    }
}
