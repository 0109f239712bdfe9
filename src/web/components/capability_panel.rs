use yew::prelude::*;

use crate::engine::capability::{Capabilities, NoThreads};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub caps: Capabilities,
    pub pool_failure: Option<String>,
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
    html! {
        <section class="card capabilities" aria-labelledby="capabilities-title" id="capabilities">
            <h2 id="capabilities-title">{ "This browser" }</h2>
            <dl>
                <dt>{ "Cross-origin isolated" }</dt>
                <dd data-capability="cross-origin-isolated">{ yes_no(caps.cross_origin_isolated) }</dd>
                <dt>{ "Logical cores" }<span class="hint">{ " (navigator.hardwareConcurrency)" }</span></dt>
                <dd data-capability="cores">{ caps.cores }</dd>
                <dt>{ "WebAssembly threads" }</dt>
                <dd data-capability="threads">{ yes_no(threads.is_ok()) }</dd>
            </dl>
            if let Err(why) = threads {
                <p class="why" data-capability="why">{ format!("Why not: {why}.") }</p>
            }
        </section>
    }
}
