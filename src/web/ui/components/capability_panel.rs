use yew::prelude::*;

use crate::engine::capability::{cores_note, Capabilities, NoThreads, Scaling};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub caps: Capabilities,
    pub pool_failure: Option<String>,
    /// How far free threads scaled in the last sweep of a pure-computation kernel.
    pub scaling: Option<Scaling>,
    /// "Firefox 153": some browsers report an invented core count.
    pub browser: String,
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// What this browser allows, and why threads are missing if they are.
#[function_component]
pub fn CapabilityPanel(props: &Props) -> Html {
    let caps = props.caps;
    let threads = match (caps.threads(), &props.pool_failure) {
        (Err(why), _) => Err(why),
        (Ok(()), Some(message)) => Err(NoThreads::PoolFailed(message.clone())),
        (Ok(()), None) => Ok(()),
    };
    let note = cores_note(caps.cores, props.scaling, &props.browser);
    // Folded unless something is missing or looks wrong: a first visit starts with the lessons.
    let open = threads.is_err() || note.is_some();
    html! {
        <details class="card capabilities" id="capabilities" open={open}>
            <summary>
                <h2 id="capabilities-title">{ "This browser" }</h2>
                <span class="hint">{ format!(
                    ": threads {}, {} logical core{} reported",
                    yes_no(threads.is_ok()), caps.cores, if caps.cores == 1 { "" } else { "s" }
                ) }</span>
            </summary>
            <dl>
                <dt>{ "Cross-origin isolated" }</dt>
                <dd data-capability="cross-origin-isolated">{ yes_no(caps.cross_origin_isolated) }</dd>
                <dt>{ "Logical cores" }<span class="hint">{ " (navigator.hardwareConcurrency)" }</span></dt>
                <dd data-capability="cores">{ caps.cores }</dd>
                if let Some(scaling) = props.scaling {
                    <dt>{ "Free threads scaled" }<span class="hint">{ " (your last sweep)" }</span></dt>
                    <dd data-capability="scaling" data-best={format!("{:.2}", scaling.best)}>
                        { format!("up to {:.1}\u{d7} (k up to {})", scaling.best, scaling.up_to) }
                    </dd>
                }
                <dt>{ "WebAssembly threads" }</dt>
                <dd data-capability="threads">{ yes_no(threads.is_ok()) }</dd>
            </dl>
            if let Err(why) = threads {
                <p class="why" data-capability="why">{ format!("Why not: {why}.") }</p>
            }
            if let Some(note) = note {
                <p class="why" data-capability="cores-note">{ note }</p>
            }
        </details>
    }
}
